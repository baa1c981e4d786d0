"""One figure, one value in every output (#19): for a viewer (small counts suppressed) and for an unrestricted
scope, adoption by prefecture and by municipality, channels and savings read the same from the service, the
page's table (AppTest), the XLSX, the PDF/PPTX pack's tables and the CLI's JSON; suppressed cells included.

The page's and the pack's tables are the service's frame (what the CSV download writes, see glue.chart_footer),
so they are compared as shown: rates in percent to one decimal on the page, hours and yen rounded once in
the pack's savings table."""
from __future__ import annotations

import io
import json
import pathlib

import openpyxl
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from analytics import auth, cli, demo
from analytics.reports import pack as pack_mod
from analytics.reports import xlsx_export
from analytics.services import adoption as sa_
from analytics.services import channels as sc
from analytics.store import engine as store_engine

ROOT = pathlib.Path(__file__).resolve().parents[2]
PASSWORD = "cross-output-pw"
SCOPES = {"viewer": auth.Scope("viewer", None, "viewer1", suppress_below=10),
          "admin": auth.Scope("admin", None, "admin1", suppress_below=10),
          "prefecture": auth.Scope("prefecture", "30", "pref30", suppress_below=10)}


@pytest.fixture(scope="module")
def url(tmp_path_factory):
    url = f"duckdb:///{tmp_path_factory.mktemp('cross') / 'cross.duckdb'}"
    demo.load(url, demo.generate("tiny"))
    engine = store_engine.get_engine(url)
    for scope in SCOPES.values():
        auth.create_user(engine, scope.username, PASSWORD, scope.role, scope.area)
    yield url
    store_engine.dispose(url)


def _cli_json(url, scope, capsys, monkeypatch, *argv):
    monkeypatch.setenv("CAREPLAN_PASSWORD", PASSWORD)
    capsys.readouterr()
    assert cli.main(["--db", url, "--user", scope.username, *argv, "--format", "json"]) == 0
    return pd.DataFrame(json.loads(capsys.readouterr().out))


def _page(url, scope, file, **toggles):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.session_state["db_url"] = url
    at.session_state["scope"] = scope
    at.run()
    at.switch_page(f"analytics/ui/views/{file}").run()
    for key in toggles:
        at.toggle(key=key).set_value(True).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _values(frame, key, cols):
    """{key: (values…)} with NaN/None as None and numbers as floats to 12 places (so 10 == 10.0, and a
    fraction read back from the XLSX's 15 significant digits equals the frame's)."""
    out = {}
    for row in frame[[key, *cols]].itertuples(index=False):
        out[str(row[0])] = tuple(None if v is None or (isinstance(v, float) and pd.isna(v)) or v is pd.NA
                                 else round(float(v), 12) for v in row[1:])
    return out


def _xlsx_sheet(pack, title_key_prefix) -> pd.DataFrame:
    data = xlsx_export.to_xlsx_bytes(pack)
    book = openpyxl.load_workbook(io.BytesIO(data))
    names = [n for n in book.sheetnames if n.startswith(title_key_prefix)]
    assert len(names) == 1, book.sheetnames
    rows = list(book[names[0]].iter_rows(values_only=True))
    return pd.DataFrame(rows[1:], columns=rows[0])


@pytest.mark.parametrize("who", ["viewer", "admin"])
def test_adoption_by_prefecture_is_the_same_everywhere(url, who, capsys, monkeypatch):
    scope = SCOPES[who]
    engine = store_engine.get_engine(url)
    cols = ["offices", "registered", "adoption_rate"]
    service = _values(sa_.adoption(engine, scope, None, "prefecture").frame, "prefecture_code", cols)
    suppressed = [k for k, v in service.items() if None in v]
    if who == "viewer":
        assert suppressed and len(suppressed) < len(service)   # the fixture has both kinds of rows
    else:
        assert not suppressed

    assert _values(_cli_json(url, scope, capsys, monkeypatch, "report", "adoption"), "prefecture_code", cols) \
        == service
    pack = pack_mod.build_pack(engine, None, scope=scope)
    assert _values(pack.section("map").table, "prefecture_code", cols) == service
    ranked = pack.section("ranking").table   # ranked: the rows with a rate, the same values
    assert _values(ranked, "prefecture_code", cols) == {k: v for k, v in service.items() if v[2] is not None}
    sheet = _xlsx_sheet(pack, "登録率の地図")
    assert _values(sheet, sheet.columns[0], list(sheet.columns[2:5])) == service

    at = _page(url, scope, "prefectures.py", pref_map_table=True)
    table = at.dataframe[0].value
    shown = _values(table, "都道府県コード", ["事業所数", "登録", "登録率(%)"])
    expected = {k: (o, r, None if rate is None else round(rate * 100, 1)) for k, (o, r, rate) in service.items()}
    assert {k: v for k, v in shown.items() if k in expected} == expected
    assert all(v == (None, None, None) for k, v in shown.items() if k not in expected)  # no offices: empty


@pytest.mark.parametrize("who", ["prefecture", "admin"])
def test_adoption_by_municipality_is_the_same_everywhere(url, who, capsys, monkeypatch):
    """Municipality detail is for the prefecture's own users (and admins); a viewer may not ask for it."""
    scope = SCOPES[who]
    engine = store_engine.get_engine(url)
    cols = ["offices", "registered", "adoption_rate"]
    service = _values(sa_.adoption(engine, scope, None, "municipality", "30").frame, "municipality_code", cols)
    assert service
    cli_rows = _cli_json(url, scope, capsys, monkeypatch, "report", "adoption", "--by", "municipality",
                         "--prefecture", "30")
    assert _values(cli_rows, "municipality_code", cols) == service
    pack = pack_mod.build_pack(engine, "30", scope=scope)
    assert _values(pack.section("map").table, "municipality_code", cols) == service
    sheet = _xlsx_sheet(pack, "登録率の地図")
    assert _values(sheet, sheet.columns[0], list(sheet.columns[2:5])) == service
    at = _page(url, scope, "municipalities.py")
    table = next(d.value for d in at.dataframe if "市区町村コード" in d.value.columns)
    shown = _values(table, "市区町村コード", ["事業所数", "登録", "登録率(%)"])
    assert shown == {k: (o, r, None if rate is None else round(rate * 100, 1))
                     for k, (o, r, rate) in service.items()}
    monkeypatch.setenv("CAREPLAN_PASSWORD", PASSWORD)
    assert cli.main(["--db", url, "--user", "viewer1", "report", "adoption", "--by", "municipality",
                     "--prefecture", "30", "--format", "json"]) == 2


@pytest.mark.parametrize("who", ["viewer", "admin"])
def test_channels_are_the_same_everywhere(url, who, capsys, monkeypatch):
    scope = SCOPES[who]
    engine = store_engine.get_engine(url)
    latest = sc.month_bounds(engine)[1]
    cols = ["sheets", "digital_sheets", "missed_digital_sheets", "digital_share"]
    service = _values(sc.report_rows(engine, scope, "prefecture", None, latest), "prefecture_code", cols)
    if who == "viewer":
        assert any(None in v for v in service.values()) and any(None not in v for v in service.values())
    assert _values(_cli_json(url, scope, capsys, monkeypatch, "report", "channels"), "prefecture_code", cols) \
        == service
    # the page's heat map table: every prefecture × month; the latest month is the CLI's table
    at = _page(url, scope, "channels.py", channels_heat_table=True)
    heat = next(d.value for d in at.dataframe if "digital_share" in d.value.columns and "month" in d.value.columns)
    heat = heat[pd.to_datetime(heat["month"]).dt.date == latest].copy()
    heat["digital_share"] = pd.to_numeric(heat["digital_share"]).round(4)
    assert _values(heat, "prefecture_code", cols) == service
    # the pack's channels section: sheets by month and channel, as the service's mix for the scope
    mix = sc.mix(engine, scope)
    pack = pack_mod.build_pack(engine, None, scope=scope)
    table = pack.section("channels").table
    key = lambda f: {(str(m), str(i)): (None if pd.isna(s) else float(s))  # noqa: E731
                     for m, i, s in zip(f["month"], range(len(f)), f["sheets"])}
    assert key(table) == key(mix)


@pytest.mark.parametrize("who", ["viewer", "admin"])
def test_savings_are_the_same_everywhere(url, who, capsys, monkeypatch):
    scope = SCOPES[who]
    engine = store_engine.get_engine(url)
    cols = ["sheets", "digital_sheets", "realised_hours", "realised_yen", "potential_hours", "potential_yen"]
    service = _values(sc.savings_rows(engine, scope, "prefecture", None, None), "prefecture_code", cols)
    if who == "viewer":
        assert any(None in v for v in service.values())
    assert _values(_cli_json(url, scope, capsys, monkeypatch, "report", "savings"), "prefecture_code", cols) \
        == service
    # the page's map table (all months): each row rounded once, as sc.rounded
    at = _page(url, scope, "savings.py", savings_map_table=True)
    table = next(d.value for d in at.dataframe if "realised_yen" in d.value.columns)
    rounded = _values(sc.rounded(sc.savings(engine, scope, "prefecture")), "prefecture_code", cols)
    assert _values(table, "prefecture_code", cols) == rounded
    assert set(rounded) == set(service)
    assert {k: v[:2] for k, v in rounded.items()} == {k: v[:2] for k, v in service.items()}  # counts unrounded
    # the pack: the latest month, rounded once, in the pack and in its XLSX
    latest = sc.month_bounds(engine)[1]
    month = _values(sc.rounded(sc.savings(engine, scope, "prefecture", month_from=latest, month_to=latest)),
                    "prefecture_code", cols)
    pack = pack_mod.build_pack(engine, None, scope=scope)
    assert _values(pack.section("savings").table, "prefecture_code", cols) == month
