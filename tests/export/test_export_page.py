"""AppTest of the export page on the tiny demo database: sections, summaries and numbers as the database
says; a viewer gets the nation only, with small prefectures suppressed."""
from __future__ import annotations

from streamlit.testing.v1 import AppTest

from analytics import auth
from analytics.store import queries_adoption as qa
from tests.export.conftest import PREFECTURE


def open_export(url, lang="ja", scope=None):
    at = AppTest.from_file("../../app.py", default_timeout=90)
    at.session_state["db_url"] = url
    at.session_state["lang"] = lang
    if scope is not None:
        at.session_state["scope"] = scope
    at.run()
    at.switch_page("analytics/ui/views/export.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_export_page_shows_sections_summaries_and_numbers(export_url, export_engine):
    at = open_export(export_url)
    assert at.title[0].value == "資料の出力"
    assert len(at.get("plotly_chart")) == 6
    captions = [c.value for c in at.caption]
    assert sum(c.startswith("図の説明: ") for c in captions) == 6
    assert sum("出典:" in c for c in captions) == 7
    # the definitions (sentences) wrap as a reading table, as printed; the full wording of each is there
    assert len(at.table) == 1
    assert "事業所マスタの事業所番号の数" in at.table[0].value.to_string()
    nation = qa.adoption(export_engine, qa.default_as_of(export_engine), "nation").iloc[0]
    text = "\n".join(m.value for m in at.markdown)
    assert f"**登録率**: {nation['adoption_rate'] * 100:.1f}%" in text
    at.selectbox(key="export_area").select(PREFECTURE).run()
    assert not at.exception
    assert "#### 登録率の地図（和歌山県）" in [m.value for m in at.markdown]
    # 前回比: a year before the data's date unless the user picks another day
    import datetime as dt
    assert at.date_input(key="export_since").value == dt.date(2024, 8, 31)
    assert "#### 前回比（和歌山県・2024-08-31から）" in [m.value for m in at.markdown]
    at.date_input(key="export_since").set_value(dt.date(2025, 1, 31)).run()
    assert not at.exception
    assert "#### 前回比（和歌山県・2025-01-31から）" in [m.value for m in at.markdown]


def test_export_page_in_english(export_url):
    at = open_export(export_url, "en")
    assert at.title[0].value == "Export"
    assert any(c.value.startswith("Chart description: ") for c in at.caption)


def test_viewer_gets_nation_only_with_small_counts_suppressed(export_url):
    viewer = auth.Scope("viewer", None, "v", suppress_below=10)
    at = open_export(export_url, scope=viewer)
    assert at.selectbox(key="export_area").options == ["全国"]
    assert len(at.get("plotly_chart")) == 6


def test_suppressed_pack_hides_small_prefectures(export_engine):
    """A viewer's pack follows the one rule (analytics.privacy): with a threshold above every count, every
    count and rate is blank, in the map's and ranking's tables and in the channels and savings sections."""
    from analytics.reports import pack
    p = pack.build_pack(export_engine, None, scope=auth.Scope("viewer", None, "v", suppress_below=10_000))
    table = p.section("map").table
    assert table["adoption_rate"].isna().all() and table["registered"].isna().all()
    assert table["offices"].isna().all()
    assert p.section("ranking").table.empty
    assert p.section("savings").table["realised_yen"].isna().all()
    sheets = p.section("channels").table["sheets"]  # a month's sheets by channel: only the big ones stay
    assert sheets.isna().any() and (sheets.dropna().astype(int) >= 10_000).all()
