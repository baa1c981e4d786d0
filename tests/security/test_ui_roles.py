"""The app's role matrix: for every role and every page in nav.PAGES, reachable or not; inside detail
pages, which prefectures and offices can be chosen; crafted session state and query parameters naming
another prefecture are ignored. Served on a non-loopback address, so sign-in is required."""
from __future__ import annotations

import pathlib

import pytest
from channels import network as nw
from streamlit.testing.v1 import AppTest

from analytics import auth, i18n
from analytics.ui import nav

ROOT = pathlib.Path(__file__).resolve().parents[2]
ALL = {p[4] for p in nav.PAGES}
PUBLIC = {"home", "prefectures", "definitions", "effect", "forecast", "channels", "savings", "export"}
ROLES = {
    "admin": (auth.Scope("admin", None, "a"), ALL),
    "prefecture": (auth.Scope("prefecture", "30", "p30"), ALL - {"admin"}),
    "office": (auth.Scope("office", nw.K1, "k1"), ALL - {"admin", "import"}),
    "viewer": (auth.Scope("viewer", None, "v"), PUBLIC),
    "no scope": (None, set()),
    "prefecture without area": (auth.Scope("prefecture", None, "x"), set()),
    "unknown role": (auth.Scope("superuser", "30", "x"), set()),
}
OTHER = nw.S5  # an office of prefecture 27


@pytest.fixture(scope="module")
def net_url(tmp_path_factory):
    from analytics.store import engine as store_engine
    url = f"duckdb:///{tmp_path_factory.mktemp('ui') / 'net.duckdb'}"
    nw.load(url)
    yield url
    store_engine.dispose(url)


def app(url, scope, **state) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state["db_url"] = url
    if scope is not None:
        at.session_state["scope"] = scope
    for k, v in state.items():
        at.session_state[k] = v
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def page(at: AppTest, file: str) -> AppTest:
    at.switch_page(f"analytics/ui/views/{file}").run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def every_text(at: AppTest) -> str:
    parts = [str(df.value.to_csv()) for df in at.dataframe]
    parts += [m.value for m in at.markdown] + [c.value for c in at.caption] + [s.value for s in at.subheader]
    parts += [str(s.value) for s in at.selectbox] + [str(o) for s in at.selectbox for o in s.options]
    return "\n".join(parts)


@pytest.mark.parametrize("role", list(ROLES))
def test_page_matrix(role, net_url, public_bind):
    scope, visible = ROLES[role]
    at = app(net_url, scope)
    if not visible:
        assert [t.value for t in at.title] == [i18n.t("auth.title", "ja")]
    for _section, file, title_key, _icon, url in nav.PAGES:
        if url in visible:
            page(at, file)
            assert at.title[0].value == i18n.t(title_key, "ja"), (role, url)
        else:
            with pytest.raises(ValueError, match="Could not find a navigation page"):
                at.switch_page(f"analytics/ui/views/{file}")


def test_matrix_agrees_with_nav_allowed():
    for role, (scope, visible) in ROLES.items():
        s = scope or auth.DENY
        assert {url for url in ALL if nav.allowed(s, url)} == visible, role


DETAIL = [("targets.py", "targets_prefecture"), ("municipalities.py", "muni_pref"),
          ("office.py", "office_prefecture")]


def not_leaking(at: AppTest, file: str) -> None:
    """No office of prefecture 27 on the page; on the office view it may appear only as a partner of the
    chosen (own-prefecture) office, never as an office to open."""
    if file == "office.py":
        [pick] = [s for s in at.selectbox if s.key == "office_code_pick"]
        assert all(code.startswith("30") for code in pick.options) and OTHER not in pick.options
    else:
        assert OTHER not in every_text(at)


@pytest.mark.parametrize("file,key", DETAIL)
def test_prefecture_user_chooses_only_its_prefecture(file, key, net_url, public_bind):
    at = page(app(net_url, ROLES["prefecture"][0]), file)
    [box] = [s for s in at.selectbox if s.key == key]
    assert box.options == ["30 和歌山県"] and box.value == "30"
    not_leaking(at, file)


@pytest.mark.parametrize("file,key", DETAIL)
def test_crafted_session_state_naming_another_prefecture_is_ignored(file, key, net_url, public_bind):
    at = app(net_url, ROLES["prefecture"][0], **{key: "27"})
    at.query_params["prefecture"] = "27"
    at.query_params["office"] = OTHER
    page(at, file)
    [box] = [s for s in at.selectbox if s.key == key]
    assert box.value == "30"
    not_leaking(at, file)


@pytest.mark.parametrize("file", ["targets.py", "municipalities.py"])
def test_office_and_viewer_roles_see_no_prefecture_detail(file, net_url, public_bind):
    at = page(app(net_url, ROLES["office"][0]), file)
    assert not at.dataframe and at.warning
    assert not [s for s in at.selectbox if s.key in ("targets_prefecture", "muni_pref")]


def test_office_user_sees_only_its_own_office(net_url, public_bind):
    at = page(app(net_url, ROLES["office"][0], office_code_pick=OTHER), "office.py")
    [box] = [s for s in at.selectbox if s.key == "office_code_pick"]
    assert box.value == nw.K1 and len(box.options) == 1
    assert not [s for s in at.selectbox if s.key == "office_prefecture"]


def test_admin_chooses_any_prefecture(net_url, public_bind):
    at = page(app(net_url, ROLES["admin"][0]), "targets.py")
    [box] = [s for s in at.selectbox if s.key == "targets_prefecture"]
    assert len(box.options) == 47


def test_export_areas_follow_the_scope(net_url, public_bind):
    for role, want in [("prefecture", ["全国", "30 和歌山県"]), ("viewer", ["全国"]), ("office", ["全国"])]:
        at = page(app(net_url, ROLES[role][0]), "export.py")
        [box] = [s for s in at.selectbox if s.key == "export_area"]
        assert box.options == want, role


def test_channels_pairs_list_only_for_own_prefecture_detail(net_url, public_bind):
    # the missed-digital pairs name offices: prefecture users see their own, others none
    hidden = i18n.t("security.detail_hidden", "ja")
    at = page(app(net_url, ROLES["prefecture"][0], channels_area="30"), "channels.py")
    [pairs] = at.dataframe  # the pairs table (the other tables are behind toggles)
    assert {nw.K2, nw.S1} <= set(pairs.value.iloc[0].astype(str))  # K2→S1 by FAX, both registered (network)
    assert hidden not in [i.value for i in at.info]
    for role, area in [("prefecture", "27"), ("viewer", "30"), ("office", "30"), ("prefecture", "00")]:
        at = page(app(net_url, ROLES[role][0], channels_area=area), "channels.py")
        assert not at.dataframe and hidden in [i.value for i in at.info], (role, area)
        assert OTHER not in every_text(at) and nw.K2 not in every_text(at), (role, area)


def test_viewer_tables_suppress_small_counts(net_url, public_bind):
    at = page(app(net_url, ROLES["viewer"][0], channels_area="30"), "channels.py")
    at.toggle(key="channels_form_table").set_value(True).run()
    [table] = [d for d in at.dataframe if "sheets" in d.value.columns]
    assert table.value["suppressed"].any()
    frame = table.value
    assert frame.loc[frame["suppressed"], "digital_share"].isna().all()
    for col in ("sheets", "digital_sheets", "missed_digital_sheets"):
        shown = frame[col].dropna()
        assert (shown >= 10).all(), col  # nothing below the threshold is shown
    assert frame[["sheets", "digital_sheets", "missed_digital_sheets"]].isna().any().any()


def test_loopback_is_local_demo_mode_with_banner(net_url):
    at = app(net_url, None)  # conftest binds the tests to 127.0.0.1
    assert any(w.value == i18n.t("auth.local_mode", "ja") for w in at.sidebar.warning)
    page(at, "admin.py")


def test_auth_required_overrides_loopback(net_url, monkeypatch):
    monkeypatch.setenv("CAREPLAN_AUTH", "required")
    at = app(net_url, None)
    assert [t.value for t in at.title] == [i18n.t("auth.title", "ja")]


def test_imports_are_audited_and_history_is_own(tmp_path, public_bind):
    from analytics import ingest
    from analytics.store import engine as store_engine

    from .helpers import csv_bytes
    url = f"duckdb:///{tmp_path / 'imp.duckdb'}"
    nw.load(url)
    eng = store_engine.get_engine(url)
    ingest.ingest_files(eng, "registrations", [("someone_else.csv", csv_bytes([["事業所番号", "利用開始日"],
                                                                              [nw.K3, "2025-08-01"]]))],
                        imported_by="other-prefecture")
    at = page(app(url, ROLES["prefecture"][0]), "data_import.py")
    at.selectbox(key="import_kind").set_value("registrations").run()
    at.file_uploader(key="import_files").upload("mine.csv", csv_bytes([["事業所番号", "利用開始日"],
                                                                      [nw.S3, "2025-08-01"]]), "text/csv").run()
    at.button(key="import_run").click().run()
    assert not at.exception
    [history] = [d.value for d in at.dataframe if len(d.value) and "mine.csv" in d.value.to_csv()]
    assert "someone_else.csv" not in history.to_csv()
    log = auth.recent_audit(eng, 3)
    assert (log[0]["username"], log[0]["action"]) == ("p30", "import")
    assert "accepted=1" in log[0]["detail"]
    store_engine.dispose(url)


def test_viewer_savings_charts_leave_out_small_areas(net_url):
    """In the hand-built network 大阪府 (27) has 7 sheets, under the threshold of 10, and 和歌山県 (30) 132:
    a viewer's map draws only 30, an admin's both."""
    import json

    def drawn(scope) -> list[str]:
        at = page(app(net_url, scope), "savings.py")
        spec = json.loads(at.get("plotly_chart")[0].proto.spec)
        return sorted(spec["data"][1]["locations"])

    assert drawn(ROLES["admin"][0]) == ["27", "30"]
    assert drawn(ROLES["viewer"][0]) == ["30"]
