"""Municipality rates with their n (issue #23 item 3): ranks and highest/lowest only among areas with at
least ``min_offices_for_rank`` offices, a lagging-first order, the same rule on the page, the CLI and the
pack. Expected values come from the service (``services.adoption.municipalities``), never typed in."""
from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

from analytics import cli
from analytics.domain import formats
from analytics.services import adoption as sa_
from analytics.store import engine as store_engine
from analytics.store import schema

from . import fixture_data as fx

# a municipality with 2 offices, both registered: 100 %, but too small to be named the highest
SMALL = pd.DataFrame([
    ("3070000078", "橋本ケアプラン", "30", "302031", "橋本市", 34.31, 135.60, "kyotaku"),
    ("3070000086", "橋本デイ", "30", "302031", "橋本市", 34.32, 135.61, "service"),
], columns=fx.OFFICES.columns)


@pytest.fixture(scope="module")
def small_area_url(tmp_path_factory):
    url = f"duckdb:///{tmp_path_factory.mktemp('ranks') / 'ranks.duckdb'}"
    engine = store_engine.get_engine(url)
    fx.load(engine)
    with engine.begin() as conn:
        store_engine.bulk_insert(conn, schema.offices, SMALL.assign(batch_id=1))
        store_engine.bulk_insert(conn, schema.office_services, pd.DataFrame({
            "office_code": SMALL["office_code"], "service_code": ["43", "11"], "batch_id": 1}))
        store_engine.bulk_insert(conn, schema.registrations, pd.DataFrame({
            "office_code": SMALL["office_code"], "registered_on": [dt.date(2024, 4, 1)] * 2,
            "ended_on": [None, None], "prefecture_code": "30", "batch_id": 2}))
    yield url
    store_engine.dispose(url)


@pytest.fixture
def min3(monkeypatch):
    """和歌山市 and 御坊市 have 3 offices each, 橋本市 2: with a minimum of 3 only the first two rank."""
    monkeypatch.setenv("CAREPLAN_MIN_OFFICES_FOR_RANK", "3")
    return 3


FRAME = pd.DataFrame({"municipality_code": ["01", "02", "03", "04", "05"],
                      "municipality": ["a", "b", "c", "d", "e"],
                      "offices": [2, 12, 7, 1, 7],
                      "adoption_rate": [1.0, 0.0, 0.4, 0.0, 0.4]})


@pytest.mark.parametrize("min_offices,ranks,highest,lowest", [
    (5, [None, 3, 1, None, 1], "03", "02"),      # equal rates share a rank; ties: more offices, then code
    (1, [1, 4, 2, 4, 2], "01", "02"),            # everyone ranks: the 2-office 100 % is the highest
    (8, [None, 1, None, None, None], None, None),  # one rankable area is neither highest nor lowest
    (20, [None] * 5, None, None),
])
def test_rank_rule(min_offices, ranks, highest, lowest):
    ranked = sa_.rank_areas(FRAME, min_offices)
    assert [None if pd.isna(r) else int(r) for r in ranked["rank"]] == ranks
    assert ranked["rankable"].tolist() == [r is not None for r in ranks]
    ext = sa_.extremes(ranked)
    assert (ext["highest"] or {}).get("municipality_code") == highest
    assert (ext["lowest"] or {}).get("municipality_code") == lowest


def test_lagging_first_puts_small_areas_last():
    lagging = sa_.order_areas(sa_.rank_areas(FRAME, 5), "lagging")
    # rankable lowest first (0 % of 12, then 40 % of 7 twice by code), then the small areas, lowest first
    assert lagging["municipality_code"].tolist() == ["02", "03", "05", "04", "01"]
    assert sa_.order_areas(sa_.rank_areas(FRAME, 5), "code")["municipality_code"].tolist() == \
        ["01", "02", "03", "04", "05"]
    with pytest.raises(ValueError):
        sa_.order_areas(FRAME, "best")


def test_setting_default_and_override(monkeypatch):
    monkeypatch.delenv("CAREPLAN_MIN_OFFICES_FOR_RANK", raising=False)
    assert sa_.min_offices_for_rank() == 5
    monkeypatch.setenv("CAREPLAN_MIN_OFFICES_FOR_RANK", "2")
    assert sa_.min_offices_for_rank() == 2


def _service(url, order="code", min_offices=3):
    return sa_.municipalities(store_engine.get_engine(url), None, None, "30", order=order,
                              min_offices=min_offices).frame


def _table(at, code_column="市区町村コード"):
    return next(d.value for d in at.dataframe if code_column in d.value.columns)


def test_page_shows_n_and_names_only_rankable_extremes(open_page, small_area_url, min3):
    service = _service(small_area_url)
    small = service.set_index("municipality_code").loc["302031"]
    assert small["adoption_rate"] == 1.0 and not small["rankable"]   # the 2-office area at 100 %
    ext = sa_.extremes(service)
    at = open_page("municipalities", url=small_area_url)
    text = "\n".join(m.value for m in at.markdown)
    hi, lo = ext["highest"], ext["lowest"]
    assert f"**最も高い**: {hi['municipality']} {formats.rate_with_n(hi['adoption_rate'], hi['offices'])}" in text
    assert f"**最も低い**: {lo['municipality']} {formats.rate_with_n(lo['adoption_rate'], lo['offices'])}" in text
    assert hi["municipality_code"] != "302031"
    assert "橋本市" not in text
    captions = "\n".join(c.value for c in at.caption)
    assert f"事業所が{min3}以上の市区町村（{len(service)}市区町村中{ext['rankable']}）" in captions
    assert "CAREPLAN_MIN_OFFICES_FOR_RANK" in captions
    # the chart's summary (what a screen reader hears) follows the same rule
    summary = next(c.value for c in at.caption if c.value.startswith("図の説明") and "市区町村" in c.value)
    assert "橋本市" not in summary and hi["municipality"] in summary

    table = _table(at).set_index("市区町村コード")
    columns = list(table.columns)
    assert columns[columns.index("登録率(%)") + 1] == "事業所数"   # n beside the rate
    for code, row in service.set_index("municipality_code").iterrows():
        assert table.loc[code, "事業所数"] == row["offices"]
        assert table.loc[code, "登録率(%)"] == pytest.approx(round(row["adoption_rate"] * 100, 1))
        # the rank as the pack writes it, a dash where the area is too small to rank (never "None")
        assert table.loc[code, "順位"] == ("–" if pd.isna(row["rank"]) else str(int(row["rank"])))
    assert table.loc["302031", "順位"] == "–"

    scatter = json.loads(at.get("plotly_chart")[1].proto.spec)["data"][-1]
    assert "（n=%{customdata[0]}）" in scatter["hovertemplate"]
    notes = {name: cd[2] for name, cd in zip(scatter["text"], scatter["customdata"])}
    assert notes["橋本市"] == f"<br>事業所{min3}未満のため順位の対象外" and notes["和歌山市"] == ""


def test_page_lagging_first_is_the_services_order(open_page, small_area_url, min3):
    at = open_page("municipalities", url=small_area_url)
    at.radio(key="muni_order").set_value("lagging").run()
    assert not at.exception
    expected = _service(small_area_url, "lagging")["municipality_code"].tolist()
    assert _table(at)["市区町村コード"].tolist() == expected
    assert expected[-1] == "302031"   # too small to rank: after the ranked ones although at 100 %


def test_page_without_enough_large_areas_names_none(open_page, small_area_url, monkeypatch):
    monkeypatch.setenv("CAREPLAN_MIN_OFFICES_FOR_RANK", "50")
    at = open_page("municipalities", url=small_area_url)
    text = "\n".join(m.value for m in at.markdown)
    assert "事業所が50以上の市区町村が2つ未満のため" in text and "**最も高い**" not in text


def test_english_view_marks_names_as_japanese(open_page, small_area_url, min3):
    at = open_page("municipalities", lang="en", url=small_area_url)
    assert "Municipality (Japanese name)" in _table(at, "Municipality code").columns
    assert any("shown in Japanese" in c.value for c in at.caption)
    assert "**Highest**: 和歌山市 66.7% (n=3)" in "\n".join(m.value for m in at.markdown)


def test_definitions_page_prints_the_setting(open_page, monkeypatch):
    monkeypatch.setenv("CAREPLAN_MIN_OFFICES_FOR_RANK", "7")
    at = open_page("definitions")
    assert "市区町村の順位と最も高い・最も低い" in [h.value for h in at.header]
    assert any("事業所が **7** 以上の市区町村だけ" in m.value for m in at.markdown)


def test_cli_lagging_order_and_extremes_note(small_area_url, capsys, min3):
    capsys.readouterr()
    assert cli.main(["--db", small_area_url, "report", "adoption", "--by", "municipality", "--prefecture", "30",
                     "--order", "lagging", "--format", "json"]) == 0
    out = capsys.readouterr()
    rows = json.loads(out.out)
    service = _service(small_area_url, "lagging")
    assert [r["municipality_code"] for r in rows] == service["municipality_code"].tolist()
    assert list(rows[0]) == ["prefecture_code", "prefecture", "municipality_code", "municipality", "offices",
                             "registered", "adoption_rate"]   # the contract's keys, nothing added
    hi = sa_.extremes(service)["highest"]
    assert f"最も高いのは {hi['municipality']} {formats.rate_with_n(hi['adoption_rate'], hi['offices'])}" in out.err


def test_pack_uses_the_same_rule(small_area_url, min3):
    from analytics.reports import pack as pack_mod
    engine = store_engine.get_engine(small_area_url)
    section = pack_mod.build_pack(engine, "30").section("map")
    service = _service(small_area_url)
    assert section.table["rank"].astype("Float64").tolist() == service["rank"].astype("Float64").tolist()
    assert "橋本市" not in section.summary and sa_.extremes(service)["highest"]["municipality"] in section.summary
    assert pack_mod.display(section.table).set_index("municipality_code").loc["302031", "rank"] == "–"
