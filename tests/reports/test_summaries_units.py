"""Chart summaries (図の説明, read by screen readers) say what the chart shows, with its units.

Review findings: the 市区町村 map said 「この図に表示するデータがありません」 although bubbles were drawn; the
forecast read fractions ("0.2" for 20.9 %); the stacked channel chart left out データ連携; the sends curve
said "0.0 の 30 から 100.0 の 0.3 へ"; trend lines gave rates without "%".
"""
from __future__ import annotations

import datetime as dt

import pandas as pd
import plotly.graph_objects as go
import pytest

from analytics.domain import effects
from analytics.reports import adoption_charts as ac
from analytics.reports import channel_charts as cc
from analytics.reports import effect_charts as ec
from analytics.reports import summaries

MUNIS = pd.DataFrame({"municipality": ["和歌山市", "海南市", "田辺市"], "lat": [34.23, 34.15, 33.73],
                      "lon": [135.17, 135.21, 135.38], "offices": [40, 10, 20], "registered": [8, 1, 10],
                      "adoption_rate": [0.2, 0.1, 0.5]})


@pytest.mark.parametrize("lang, want", [
    ("ja", "登録率（3項目、大きい順）: 田辺市 50.0%、和歌山市 20.0%、海南市 10.0%。"),
    ("en", "Adoption rate (3 items, largest first): 田辺市 50.0%, 和歌山市 20.0%, 海南市 10.0%."),
])
def test_municipality_bubble_map_is_described(lang, want):
    assert summaries.from_figure(ac.scatter_map(MUNIS, lang=lang, prefecture="30"), lang) == want


def test_stacked_channel_mix_names_every_channel_with_percent():
    rows = []
    for month, digital in ((dt.date(2025, 7, 1), 10), (dt.date(2025, 8, 1), 30)):
        rows += [(month, "fax", 60), (month, "post", 10), (month, "hand", 10), (month, "email", 10),
                 (month, "digital", digital)]
    frame = pd.DataFrame(rows, columns=["month", "channel", "sheets"])
    text = summaries.from_figure(cc.channel_mix(frame, "ja"), "ja")
    assert text.endswith("2025年8月の内訳: FAX 50.0%、郵送 8.3%、手渡し 8.3%、メール 8.3%、データ連携 25.0%。")
    assert text.startswith("2025年7月の内訳: FAX 60.0%")
    en = summaries.from_figure(cc.channel_mix(frame, "en"), "en")
    assert "Digital 25.0%" in en and "万" not in en


def test_trend_rates_carry_percent():
    frame = pd.DataFrame({"month": [dt.date(2024, 9, 1), dt.date(2025, 8, 1)], "area": ["全国"] * 2,
                          "adoption_rate": [0.05, 0.097]})
    assert summaries.from_figure(ac.trend_line(frame, lang="ja"), "ja") == "全国は 2024年9月 の 5.0% から 2025年8月 の 9.7% へ。"


def test_fraction_axes_are_read_as_percent_and_bands_as_ranges():
    months = ["2025-07-01", "2025-08-01", "2025-09-01"]
    fig = go.Figure([
        go.Scatter(x=months, y=[0.18, 0.20, 0.22], mode="lines", hoverinfo="skip", showlegend=False),
        go.Scatter(x=months, y=[0.19, 0.21, 0.30], mode="lines", fill="tonexty", name="推計の幅（80%）",
                   hovertemplate="%{y:.1%}"),
        go.Scatter(x=months[:2], y=[0.190, 0.209], mode="lines+markers", name="実績", hovertemplate="%{y:.1%}"),
    ])
    fig.update_yaxes(tickformat=".0%", title="登録率")
    assert summaries.from_figure(fig, "ja") == ("推計の幅（80%）は 2025年9月 に 22.0%〜30.0%。"
                                               "実績は 2025年7月 の 19.0% から 2025年8月 の 20.9% へ。")


def test_forecast_page_chart_uses_percent(tmp_path):
    from analytics.domain import forecast as fc
    from analytics.reports import forecast_charts
    months = [fc.add_months(dt.date(2024, 1, 1), i) for i in range(12)]
    res = fc.forecast(months, [5, 8, 12, 16, 21, 27, 33, 40, 48, 56, 65, 75], 400, draws=5, horizon=24)
    text = summaries.from_figure(forecast_charts.forecast_figure(res.frame, target_rate=0.5, lang="ja"), "ja")
    assert "実績は 2024年1月 の 1.2% から 2024年12月 の 18.8% へ" in text
    assert " の 0.2 " not in text and "%〜" in text


def test_sends_curve_has_axis_names_and_units():
    curve = effects.sends_curve(90, 3, [i / 100 for i in range(101)])
    v = effects.office_effect(90, 3, 1.0).values
    ja = summaries.from_figure(ec.sends_figure(curve, 1.0, v["sends_per_care_manager"], "ja"), "ja")
    assert ja.startswith("このモデル: データ連携の割合が 0% のとき送信回数 30回/月、100% のとき 0.3回/月。")
    assert "資料の数値: 0% 30回/月、20% 24回/月" in ja
    en = summaries.from_figure(ec.sends_figure(curve, 1.0, v["sends_per_care_manager"], "en"), "en")
    assert "at digital share 0%" in en and "at 100%, 0.3" in en


def test_savings_ranking_reads_hours_and_english_yen():
    frame = pd.DataFrame({"prefecture_code": ["30", "27"], "prefecture": ["和歌山県", "大阪府"],
                          "realised_hours": [10.08, 0.0], "potential_hours": [55.44, 2.94],
                          "realised_yen": [20_000.4, 0.0], "potential_yen": [110_000.0, 5_833.3]})
    ja = summaries.from_figure(cc.savings_ranking(frame, "prefecture", "ja", unit="hours"), "ja")
    assert "和歌山県 55.4時間" in ja and "和歌山県 10.1時間" in ja
    en = summaries.from_figure(cc.savings_ranking(frame, "prefecture", "en", unit="yen"), "en")
    assert "110,000 yen" in en and "万" not in en and "10k" not in en


def test_waterfall_in_yen_per_month():
    text = summaries.from_figure(ec.waterfall_figure(effects.office_effect(), "ja"), "ja")
    assert "人件費 -62,434円/月" in text and "利用前（紙）合計 133,613円/月" in text


@pytest.mark.parametrize("title, name, unit", [
    ("登録率 (%)", "登録率", "%"), ("費用（円/月）", "費用", "円/月"), ("時間", "時間", "時間"),
    ("可能性（全件データ連携）", "可能性（全件データ連携）", None), ("送信回数（回/月・1人あたり）", "送信回数", "回/月"),
    ("Cost (yen/month)", "Cost", "yen/month"), ("登録でデータ連携になる件数", "登録でデータ連携になる件数", "件"),
])
def test_units_in_titles(title, name, unit):
    assert summaries._split_unit(title) == (name, unit)
