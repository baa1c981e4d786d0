"""Number, unit and month formats of every chart builder, and the layout of labels next to reference lines.

A reviewer read '14.35k', '10%' beside a 9.7% tile, '250k' hours, '13.0%' for a change in points, and
months as 2024-09 next to 2024年9月: these tests pin the formats that replace them.
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from analytics.reports import adoption_charts as ac
from analytics.reports import channel_charts as cc
from analytics.reports import style

PREFS = pd.DataFrame({
    "prefecture_code": ["01", "02", "03", "19", "30"],
    "prefecture": ["北海道", "青森県", "岩手県", "山梨県", "和歌山県"],
    "offices": [100, 100, 100, 100, 100], "registered": [3, 9, 4, 9, 18],
    "adoption_rate": [0.03, 0.090, 0.04, 0.091, 0.18],
    "change": [0.051, 0.130, 0.043, -0.02, 0.0],
})


# --- style helpers -------------------------------------------------------------------------------

@pytest.mark.parametrize("values, expected", [
    (np.array([1.0, 2.5]), True), ([50000, 250000], True), (["北海道", "青森県"], False),
    (pd.to_datetime(["2025-01-01"]).to_numpy(), False), ([dt.date(2025, 1, 1)], False), (None, False),
])
def test_numeric(values, expected):
    assert style._numeric(values) is expected


def test_number_format_sets_separators_on_numeric_axes_only():
    fig = go.Figure([go.Bar(x=[50_000, 250_000], y=["a", "b"], orientation="h"),
                     go.Heatmap(z=[[1, 20_000]], x=["2025年1月", "2025年2月"], y=["x"], xaxis="x2", yaxis="y2")])
    fig.update_layout(xaxis2=dict(anchor="y2"), yaxis2=dict(anchor="x2"))
    style.number_format(fig)
    assert fig.layout.separators == ".,"
    assert fig.layout.xaxis.tickformat == ","        # 50,000 … 250,000, not 50k … 250k
    assert fig.layout.yaxis.tickformat is None       # categories keep their labels
    assert fig.layout.xaxis2.tickformat is None
    assert fig.data[1].colorbar.tickformat == ","


def test_number_format_keeps_formats_set_by_the_builder():
    fig = go.Figure(go.Scatter(x=[1, 2], y=[0.1, 0.2]))
    fig.update_yaxes(tickformat=".0%")
    style.number_format(fig)
    assert fig.layout.yaxis.tickformat == ".0%" and fig.layout.xaxis.tickformat == ","


@pytest.mark.parametrize("lang, fmt", [("ja", "%Y年%-m月"), ("en", "%Y-%m")])
def test_month_axis_one_format_per_language(lang, fmt):
    fig = style.month_axis(go.Figure(), lang, months=29)
    assert fig.layout.xaxis.tickformat == fmt and fig.layout.xaxis.hoverformat == fmt
    assert fig.layout.xaxis.dtick == "M6"                          # 29 months: about 5 ticks, on month starts
    assert style.month_axis(go.Figure(), lang, months=5).layout.xaxis.dtick == "M1"


# --- adoption charts --------------------------------------------------------------------------------

@pytest.mark.parametrize("lang, expected", [
    ("ja", ["14,350", "1,398（9.7%）", "946（6.6%）"]),
    ("en", ["14,350", "1,398 (9.7%)", "946 (6.6%)"]),
])
def test_funnel_counts_with_separators_and_one_decimal_share(lang, expected):
    fig = ac.funnel_chart([("事業所", 14_350), ("登録", 1_398), ("データ連携で交換中", 946)], lang)
    trace = fig.data[0]
    assert list(trace.text) == expected
    assert trace.textinfo == "text"                # not plotly's "value+percent initial" (14.35k, 10%)
    assert list(trace.x) == [14_350, 1_398, 946]


def test_funnel_summary_names_what_is_counted():
    from analytics.reports import summaries
    fig = ac.funnel_chart([("事業所", 14_350), ("登録", 1_398), ("データ連携で交換中", 946)], "ja")
    assert summaries.from_figure(fig, "ja") == "事業所数: 事業所 14,350事業所、登録 1,398事業所、データ連携で交換中 946事業所。"


@pytest.mark.parametrize("lang, unit, title", [
    ("ja", "ポイント", "登録率の変化（ポイント）"),
    ("en", "pt", "Change (percentage points)"),
])
def test_change_is_in_percentage_points(lang, unit, title):
    label = "登録率の変化" if lang == "ja" else "Change"
    fig = ac.ranking_bar(PREFS, "change", lang, national=0.059, percent=False, points=True, value_label=label)
    bar, column = fig.data
    assert list(bar.text) == [f"+5.1 {unit}", f"+13.0 {unit}", f"+4.3 {unit}", f"-2.0 {unit}", f"+0.0 {unit}"]
    assert list(column.text) == list(bar.text)
    assert fig.layout.annotations[0].text.endswith(f"+5.9 {unit}")
    assert fig.layout.xaxis.title.text == title
    assert list(bar.x) == pytest.approx([5.1, 13.0, 4.3, -2.0, 0.0])
    assert fig.layout.xaxis.range[0] < -2.0                       # negative changes stay in view
    choro = ac.choropleth_map(PREFS, "change", lang, percent=False, points=True, value_label=label).data[1]
    assert choro.colorbar.title.text == title and choro.zmin == pytest.approx(-2.0)
    assert "%" not in title


@pytest.mark.parametrize("national", [0.0905, 0.095, 0.18, 0.03])
def test_ranking_values_never_sit_on_the_national_line(national):
    """青森 9.0% and 山梨 9.1% ended just left of the dashed 9.05% line and their labels covered it: the
    values now stand in one column right of every bar end and of the line."""
    fig = ac.ranking_bar(PREFS, national=national, sort="value")
    bar, column = fig.data
    assert bar.textposition == "none"
    assert column.mode == "text" and column.textposition == "middle right" and column.cliponaxis is False
    line_x = fig.layout.shapes[0].x0
    assert line_x == pytest.approx(national * 100)
    assert set(column.x) == {fig.layout.xaxis.range[1]}
    assert min(column.x) > max(max(bar.x), line_x)
    assert list(column.y) == list(bar.y)
    assert list(column.text) == ["18.0%", "9.1%", "9.0%", "4.0%", "3.0%"]
    # the column is drawn in the right margin, which is wide enough for the longest label
    assert fig.layout.margin.r >= ac._text_width("18.0%")
    # the national line's label sits above the plot, not among the bars
    ann = fig.layout.annotations[0]
    assert ann.yref == "y domain" and ann.y >= 1 and ann.yanchor == "bottom"


def test_ranking_summary_is_read_off_the_bars_not_the_label_column():
    from analytics.reports import summaries
    text = summaries.from_figure(ac.ranking_bar(PREFS, national=0.08))
    # the unit the axis names is read out with every value (a screen reader hears "18.0%", not "18")
    assert text == "登録率（5項目、大きい順）: 和歌山県 18.0%、山梨県 9.1%、青森県 9.0%、岩手県 4.0%、北海道 3.0%。"


@pytest.mark.parametrize("lang, fmt", [("ja", "%Y年%-m月"), ("en", "%Y-%m")])
def test_trend_months_read_the_same_way_everywhere(lang, fmt):
    frame = pd.DataFrame({"month": [dt.date(2024, 9, 1), dt.date(2024, 10, 1)], "area": ["全国"] * 2,
                          "adoption_rate": [0.05, 0.06]})
    fig = ac.trend_line(frame, lang=lang)
    assert fig.layout.xaxis.tickformat == fmt and fig.layout.xaxis.hoverformat == fmt
    assert fig.layout.xaxis.dtick == "M1"
    assert "%{x}" in fig.data[0].hovertemplate and "%Y-%m" not in fig.data[0].hovertemplate


def test_maps_and_kind_bar_use_separators():
    fig = ac.choropleth_map(PREFS.assign(potential=[12_345.0, 250_000.0, 3.0, 4.0, 5.0]), "potential",
                            percent=False, value_label="万円")
    assert fig.layout.separators == ".," and fig.data[1].colorbar.tickformat == ","
    assert "%{z:,.1f}" in fig.data[1].hovertemplate
    kinds = ac.kind_bar(pd.DataFrame({"kind": ["kyotaku", "service"], "adoption_rate": [0.5, 0.25]}))
    assert kinds.layout.xaxis.tickformat == ","


# --- channel, savings and office charts ---------------------------------------------------------------

MIX = pd.DataFrame({
    "month": [dt.date(2025, 1, 1), dt.date(2025, 1, 1), dt.date(2025, 2, 1), dt.date(2025, 3, 1),
              dt.date(2025, 3, 1)],
    "channel": ["fax", "digital", "fax", "fax", "digital"], "sheets": [90, 10, 80, 70, 30]})


@pytest.mark.parametrize("lang, months", [("ja", ["2025年1月", "2025年2月", "2025年3月"]),
                                          ("en", ["2025-01", "2025-02", "2025-03"])])
def test_channel_mix_bars_are_evenly_spaced_months(lang, months):
    """A date axis gives February a narrower gap; categories give every month the same slot."""
    fig = cc.channel_mix(MIX, lang)
    assert fig.layout.xaxis.type == "category" and list(fig.layout.xaxis.categoryarray) == months
    fax = next(tr for tr in fig.data if tr.marker.color == cc.COLOURS["fax"])
    assert list(fax.x) == months and list(fax.y) == pytest.approx([90.0, 100.0, 70.0])
    assert "%{x}:" in fax.hovertemplate


def test_heatmap_and_month_labels_share_the_format():
    heat = cc.share_heatmap(pd.DataFrame({"prefecture_code": ["30", "30"], "month": [dt.date(2024, 9, 1),
                                          dt.date(2024, 10, 1)], "digital_share": [0.1, 0.2]}), {"30": "和歌山県"})
    assert list(heat.data[0].x) == ["2024年9月", "2024年10月"]
    # English months '2024-09' stay written so: a category axis, not a date axis ticked 'Sep 2024'
    heat_en = cc.share_heatmap(pd.DataFrame({"prefecture_code": ["30"], "month": [dt.date(2024, 9, 1)],
                                             "digital_share": [0.1]}), {"30": "Wakayama"}, "en")
    assert list(heat_en.data[0].x) == ["2024-09"] and heat_en.layout.xaxis.type == "category"
    assert cc.month_range_label(dt.date(2025, 8, 1), dt.date(2025, 8, 1)) == "2025年8月"
    assert cc.month_range_label(dt.date(2025, 6, 1), dt.date(2025, 8, 1), "en") == "2025-06〜2025-08"


def test_savings_hours_axis_has_separators():
    frame = pd.DataFrame({"area": ["和歌山県", "東京都"], "realised_hours": [50_000.0, 120_000.0],
                          "potential_hours": [150_000.0, 250_000.0]})
    fig = cc.savings_ranking(frame, "area", unit="hours")
    assert fig.layout.xaxis.tickformat == "," and fig.layout.separators == ".,"
    assert list(fig.data[0].x) == [150_000.0, 250_000.0]


def test_office_trend_and_targets_formats():
    trend = cc.office_trend(pd.DataFrame({"month": [dt.date(2025, 7, 1), dt.date(2025, 8, 1)],
                                          "direction": ["sent", "sent"], "digital_share": [0.2, 0.3]}), "ja")
    assert trend.layout.xaxis.tickformat == "%Y年%-m月" and trend.layout.xaxis.dtick == "M1"
    bars = cc.targets_bar(pd.DataFrame({"office_code": ["3070000011"], "name": ["A"], "unlockable_sheets": [1200.0],
                                        "registered_partners": [2]}))
    assert bars.layout.xaxis.tickformat == ","


# --- effect and forecast charts ----------------------------------------------------------------------

def test_forecast_months_in_the_product_format():
    from analytics.domain import forecast as fc
    from analytics.reports import forecast_charts as fch
    months = [fc.add_months(dt.date(2023, 4, 1), i) for i in range(24)]
    y = np.round(fc.bass_counts(np.arange(1, 25), 0.004, 0.1, 900))
    res = fc.forecast(months, y, 1000, draws=5)
    for lang, fmt in (("ja", "%Y年%-m月"), ("en", "%Y-%m")):
        fig = fch.forecast_figure(res.frame, target_rate=0.5, lang=lang)
        assert fig.layout.xaxis.tickformat == fmt and fig.layout.yaxis.tickformat == ".0%"
        assert fig.layout.separators == ".,"


def test_effect_charts_use_separators():
    from analytics.domain.effects import EffectResult  # noqa: F401  (the builder's input type)
    from analytics.reports import effect_charts as ec
    curve = pd.DataFrame({"registered_partners": [0, 1, 2], "saving_month": [-5_000, 12_000, 30_000],
                          "saving_month_excl_licence": [0, 17_000, 35_000], "digital_share": [0.0, 0.5, 1.0],
                          "currently": [False, True, False]})
    fig = ec.partners_figure(curve)
    assert fig.layout.separators == ".," and fig.layout.yaxis.tickformat == ","


def test_slide_style_keeps_the_ranking_value_column():
    fig = ac.ranking_bar(PREFS, national=0.08, points=True, percent=False, value="change", value_label="変化")
    need = fig.layout.margin.r
    out = style.apply_style(fig, for_slides=True)
    assert out.layout.margin.r == need > 40
    assert style.apply_style(go.Figure(go.Bar(x=[1], y=["a"])), for_slides=True).layout.margin.r == 40


@pytest.mark.parametrize(("shares", "top", "title"), [
    ([0.07, 0.08], 10, "割合（%、目盛りは0〜10%）"),   # 8 % × 1.25 = 10
    ([0.5, 0.2], 65, "割合（%、目盛りは0〜65%）"),     # 62.5 → 65
    ([0.0, 0.0], 5, "割合（%、目盛りは0〜5%）"),
    ([0.9, 0.3], 100, "割合（%）"),                   # 112.5: the whole axis
])
def test_share_by_form_is_scaled_to_the_data(shares, top, title):
    from analytics.reports import channel_charts as cc
    frame = pd.DataFrame({"form": ["plan", "actual"], "sheets": [100, 100],
                          "digital_sheets": [round(s * 100) for s in shares], "digital_share": shares})
    fig = cc.share_by_form(frame, "ja")
    assert fig.layout.yaxis.title.text == title
    assert tuple(fig.layout.yaxis.range) == (0, 105 if top == 100 else top)
    assert max(fig.data[0].y) <= fig.layout.yaxis.range[1]


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_funnel_labels_of_narrow_stages_are_outside_in_both_languages(lang):
    fig = ac.funnel_chart([("事業所", 14350), ("登録", 6000), ("データ連携", 946)], lang)
    assert list(fig.data[0].textposition) == ["inside", "inside", "outside"]   # 946 is 6.6 % of the first
    assert fig.data[0].outsidetextfont.color == "#1a202c"
    assert fig.data[0].text[2] == ("946（6.6%）" if lang == "ja" else "946 (6.6%)")
