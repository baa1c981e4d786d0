"""AppTests: the values each adoption page shows for the known fixture (tests/adoption/fixture_data.py)."""
from __future__ import annotations

import pandas as pd
import pytest


def arr(value) -> list:
    """Plotly ≥ 6 sends numeric arrays as {"dtype", "bdata"}: decode to a list."""
    if isinstance(value, dict) and "bdata" in value:
        import base64

        import numpy as np
        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"]).tolist()
    return list(value)


def figs(at) -> list[dict]:
    import json
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def captions(at) -> str:
    return "\n".join(c.value for c in at.caption)


def test_home_tiles_funnel_and_trend(open_page):
    at = open_page("home")
    assert metrics(at) == {"事業所数": "12", "登録事業所数": "4", "登録率": "33.3%",
                           "データ連携の割合": "75.0%", "削減された時間（時間/月）": "12.6"}
    text = captions(at)
    assert "データ基準日 2025-08-31（提供票の最新月 2025年8月）" in text  # one month format per language
    assert "事業所マスタにない登録事業所が 1 件" in text
    assert "**定義**" in text and "**出典**" in text
    charts = at.get("plotly_chart")
    assert len(charts) == 2
    import json
    funnel = json.loads(charts[0].proto.spec)["data"][0]
    assert funnel["type"] == "funnel" and arr(funnel["x"]) == [12, 4, 4]
    assert funnel["text"] == ["12", "4（33.3%）", "4（33.3%）"] and funnel["textinfo"] == "text"
    trend_fig = json.loads(charts[1].proto.spec)
    # README: the national trend by 居宅介護支援 / service offices, with all offices first
    assert [t["name"] for t in trend_fig["data"]] == ["全体", "居宅介護支援", "サービス事業所"]
    trend, kyotaku, service = trend_fig["data"]
    # national series from 2023-04 to 2025-08; August 2025: 011, 029 (ends 08-31), 037, 045, 1370000016
    assert len(trend["x"]) == 29 and len(kyotaku["x"]) == 29 and len(service["x"]) == 29
    assert arr(trend["y"])[-1] == pytest.approx(5 / 12 * 100)
    # 居宅介護支援 (6 offices): 011, 029, 045, 1370000016 in August; service (6): 037 only
    assert arr(kyotaku["y"])[-1] == pytest.approx(4 / 6 * 100)
    assert arr(service["y"])[-1] == pytest.approx(1 / 6 * 100)
    # April 2023: only 3070000011 (kyotaku) registered
    assert (arr(trend["y"])[0], arr(kyotaku["y"])[0], arr(service["y"])[0]) == \
        (pytest.approx(100 / 12), pytest.approx(100 / 6), 0)
    assert trend_fig["layout"]["xaxis"]["tickformat"] == "%Y年%-m月"
    assert "期間**: 2023年4月 〜 2025年8月" in text
    assert any("削減された時間 12.6 時間" in m.value for m in at.markdown)


def test_home_in_english(open_page):
    at = open_page("home", lang="en")
    assert metrics(at)["Adoption rate"] == "33.3%"
    assert metrics(at)["Offices"] == "12"
    assert metrics(at)["Hours saved (h/month)"] == "12.6"
    import json
    funnel, trend = (json.loads(c.proto.spec) for c in at.get("plotly_chart"))
    assert funnel["data"][0]["text"] == ["12", "4 (33.3%)", "4 (33.3%)"]
    assert [t["name"] for t in trend["data"]] == ["All offices", "Care management (居宅介護支援)", "Service offices"]
    assert trend["layout"]["xaxis"]["tickformat"] == "%Y-%m"


def test_home_empty_database(open_page, duck_url):
    at = open_page("home", url=duck_url)
    assert not at.metric
    assert "careplan demo" in at.info[0].value


def _table(at, key_part: str) -> pd.DataFrame:
    return next(d.value for d in at.dataframe if key_part in d.value.columns)


def test_prefecture_page_latest(open_page):
    at = open_page("prefectures")
    assert metrics(at) == {"全国の登録率": "33.3%"}
    import json
    figs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    choropleth = figs[0]
    assert figs[0]["layout"]["map"]["style"] == "white-bg"
    data_trace = choropleth["data"][1]
    got = dict(zip(arr(data_trace["locations"]), arr(data_trace["z"])))
    assert got == {"01": 0.0, "13": 25.0, "30": 50.0}
    ranking = figs[1]["data"][0]
    assert arr(ranking["y"]) == ["北海道", "東京都", "和歌山県"]  # JIS order
    # comparison of the three prefectures with offices + the nation
    assert "全国との差 +16.7 ポイント" in captions(at)
    assert len(figs) == 3 and {t["name"] for t in figs[2]["data"]} == {"北海道", "東京都", "和歌山県", "全国"}
    # table view: all 47 prefectures in JIS order
    at.toggle(key="pref_map_table").set_value(True).run()
    table = _table(at, "都道府県コード")
    assert len(table) == 47 and table["都道府県コード"].iloc[0] == "01"
    row = table.set_index("都道府県コード").loc["30"]
    assert (row["事業所数"], row["登録"], row["登録率(%)"]) == (6, 3, 50.0)


def test_prefecture_page_sort_highlight_change(open_page):
    at = open_page("prefectures")
    at.radio(key="pref_sort").set_value("value")
    at.selectbox(key="pref_highlight").set_value("30")
    at.run()
    # the own prefecture's tiles: 01 0 %, 13 25 %, 30 50 %; nation 4/12 = 33.3 %
    assert metrics(at) == {"全国の登録率": "33.3%", "和歌山県の登録率": "50.0%", "和歌山県の順位": "3都道府県中1位",
                           "全国との差": "+16.7 ポイント"}
    import json
    ranking = json.loads(at.get("plotly_chart")[1].proto.spec)["data"][0]
    assert arr(ranking["y"])[0] == "▶ 和歌山県（選択中）" and arr(ranking["y"])[1:] == ["東京都", "北海道"]
    assert ranking["marker"]["pattern"]["shape"] == ["/", "", ""]  # not by colour alone
    choro = json.loads(at.get("plotly_chart")[0].proto.spec)["data"]
    highlight = next(t for t in choro if t.get("marker", {}).get("line", {}).get("width") == 4)
    assert arr(highlight["locations"]) == ["30"]
    # change over a period: 2024-03-31 → 2025-08-31, 和歌山 2/6 → 3/6
    at.radio(key="pref_mode").set_value("change").run()
    at.date_input(key="pref_start").set_value(pd.Timestamp("2024-03-31").date()).run()
    assert not at.exception
    ranking = json.loads(at.get("plotly_chart")[1].proto.spec)["data"][0]
    got = dict(zip(arr(ranking["y"]), arr(ranking["x"])))
    assert got["▶ 和歌山県（選択中）"] == pytest.approx(100 / 6)
    assert got["東京都"] == pytest.approx(25.0)
    # a change of a rate is in percentage points: ポイント, never % nor the English "pt"
    assert metrics(at) == {"全国の登録率の変化": "+16.7 ポイント", "和歌山県の登録率の変化": "+16.7 ポイント",
                           "和歌山県の順位": "3都道府県中2位", "全国との差": "+0.0 ポイント"}  # 13: +25.0
    spec = json.loads(at.get("plotly_chart")[1].proto.spec)
    labels = dict(zip(arr(spec["data"][1]["y"]), spec["data"][1]["text"]))
    assert labels["▶ 和歌山県（選択中）"] == "+16.7 ポイント" and labels["東京都"] == "+25.0 ポイント"
    assert spec["layout"]["annotations"][0]["text"] == "全国平均 +16.7 ポイント"
    assert spec["layout"]["xaxis"]["title"]["text"] == "登録率の変化（ポイント）"
    choro = json.loads(at.get("plotly_chart")[0].proto.spec)["data"][1]
    assert choro["colorbar"]["title"]["text"] == "登録率の変化（ポイント）"
    assert choro["hovertemplate"].endswith("%{z:+.1f} ポイント<extra></extra>")
    summary = captions(at)
    assert "登録率の変化（ポイント）" in summary and "登録率の変化 (%)" not in summary
    assert "登録率の変化: **+25.0 ポイント**" in " ".join(m.value for m in at.markdown)


def test_prefecture_page_kind_filter(open_page):
    at = open_page("prefectures")
    at.selectbox(key="pref_kind").set_value("kyotaku").run()
    # 居宅介護支援: 6 offices; registered at D: 3070000011, 3070000045, 1370000016
    assert metrics(at) == {"全国の登録率": "50.0%"}


def test_municipality_page(open_page):
    at = open_page("municipalities")
    assert at.selectbox(key="muni_pref").value == "30"
    assert metrics(at) == {"事業所数": "6", "登録事業所数": "3", "登録率": "50.0%"}
    munis = _table(at, "市区町村コード").set_index("市区町村コード")
    assert munis.loc["302015", ["市区町村", "事業所数", "登録", "登録率(%)"]].tolist() == ["和歌山市", 3, 2, pytest.approx(66.7)]
    assert munis.loc["302074", ["事業所数", "登録", "登録率(%)"]].tolist() == [3, 1, pytest.approx(33.3)]
    import json
    figs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    kinds = figs[0]["data"][0]
    assert dict(zip(arr(kinds["y"]), arr(kinds["x"]))) == {"居宅介護支援": pytest.approx(200 / 3), "サービス事業所": pytest.approx(100 / 3)}
    scatter = figs[1]["data"][-1]
    assert scatter["type"] == "scattermap" and figs[1]["layout"]["map"]["style"] == "white-bg"
    assert arr(scatter["lat"])[0] == pytest.approx((34.23 + 34.25 + 34.21) / 3)
    offices = _table(at, "事業所番号")
    assert len(offices) == 6
    status = dict(zip(offices["事業所番号"], offices["登録"]))
    assert status["3070000011"] == "登録中" and status["3070000029"] == "未登録" and status["3070000037"] == "登録中"
    assert "マスタにない登録事業所（0 件" in at.expander[0].label


def test_municipality_page_search_and_filters(open_page):
    at = open_page("municipalities")
    at.text_input(key="muni_search").set_value("御坊").run()
    offices = _table(at, "事業所番号")
    assert offices["事業所番号"].tolist() == ["3070000045", "3070000060"]
    at.text_input(key="muni_search").set_value("3070000052").run()
    assert _table(at, "事業所番号")["事業所名"].tolist() == ["日高デイサービス"]
    at.text_input(key="muni_search").set_value("").run()
    at.selectbox(key="muni_status").set_value("unregistered").run()
    assert _table(at, "事業所番号")["事業所番号"].tolist() == ["3070000029", "3070000052", "3070000060"]
    at.selectbox(key="muni_pref").set_value("13").run()
    assert metrics(at) == {"事業所数": "4", "登録事業所数": "1", "登録率": "25.0%"}
    at.selectbox(key="muni_kind").set_value("service").run()
    assert metrics(at) == {"事業所数": "2", "登録事業所数": "0", "登録率": "0.0%"}


def test_municipality_page_is_scoped_to_own_prefecture(open_page):
    from analytics.auth import Scope
    at = open_page("municipalities", scope=Scope("prefecture", "13", "tokyo"))
    assert at.selectbox(key="muni_pref").options == ["13 東京都"]
    assert metrics(at)["事業所数"] == "4"


def test_definitions_page(open_page):
    from analytics.domain import kpis
    at = open_page("definitions")
    headers = [h.value for h in at.subheader]
    assert headers == [k.name_ja for k in kpis.KPIS]
    text = "\n".join(m.value for m in at.markdown)
    for k in kpis.KPIS:
        assert k.numerator_ja in text and k.source_ja in text
    from analytics.domain.effects import ASSUMPTIONS
    for a in ASSUMPTIONS:  # every assumption by its name; internal keys and file paths are not shown
        assert f"**{a.label_ja}**" in text and a.key not in text
    assert "**紙の共有時間（1人あたり）**: 0.62 時間/人・月" in text
    assert "**事業所例の人件費（紙）**: 95,218 円/月" in text and "95218" not in text
    assert "`offices`" not in text and "- **単位**: 事業所\n" in text + "\n"


@pytest.mark.parametrize("page,label,value", [
    ("prefectures", "Adoption rate (national)", "33.3%"), ("municipalities", "Registered offices", "3"),
    ("definitions", None, None),
])
def test_pages_in_english(open_page, page, label, value):
    at = open_page(page, lang="en")
    if label:
        assert metrics(at)[label] == value
    else:
        assert [h.value for h in at.header] == ["The rules every figure uses", "Suppression of small counts (viewers)",
                                                "Ranking municipalities", "Indicators",
                                                "Effect model assumptions", "Allowed input ranges", "Forecast assumptions"]


def test_prefecture_period_pickers_follow_the_one_date_rule(open_page, monkeypatch):
    """The date pickers allow what an import and --as-of allow (dates.allowed_range)."""
    import datetime as dt
    monkeypatch.setenv("CAREPLAN_TODAY", "2026-01-15")
    at = open_page("prefectures")
    at.radio(key="pref_mode").set_value("change").run()
    assert not at.exception
    for key in ("pref_start", "pref_end"):
        picker = at.date_input(key=key)
        assert (picker.min, picker.max) == (dt.date(2000, 4, 1), dt.date(2026, 2, 28)), key
