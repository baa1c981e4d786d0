"""Plotly figures for the effect simulator: cost waterfall, sends curve, saving as partners join.

Data in, figure out; labels come from the locale tables so the same figure serves the page and exports.
"""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from analytics.domain import formats
from analytics.domain.effects import DOCUMENTED, EffectResult
from analytics.i18n import t
from analytics.reports import style

BLUE, ORANGE, GREY, GREEN = "#0017C1", "#FB5B01", "#767676", "#197A4B"   # デジタル庁 palette tones


def _layout(fig: go.Figure, title: str) -> go.Figure:
    fig.update_layout(title=title, font=dict(family="Noto Sans CJK JP, sans-serif"), margin=dict(t=60, l=10, r=10),
                      plot_bgcolor="white", separators=".,")
    fig.update_yaxes(gridcolor="#E5E5E5", tickformat=",")
    return style.number_format(fig)


def waterfall_data(result: EffectResult, lang: str = "ja") -> pd.DataFrame:
    """Steps from the all-paper total to the scenario's total; unchanged items are left out."""
    lines = result.cost_lines()
    rows = [(t("effect.chart.paper_total", lang), "absolute", int(lines["before"].sum()))]
    for row in lines.itertuples(index=False):
        if row.change != 0:
            rows.append((t(f"effect.item.{row.item}", lang), "relative", int(row.change)))
    rows.append((t("effect.chart.digital_total", lang), "total", int(lines["after"].sum())))
    return pd.DataFrame(rows, columns=["step", "measure", "yen"])


def waterfall_figure(result: EffectResult, lang: str = "ja") -> go.Figure:
    data = waterfall_data(result, lang)
    fig = go.Figure(go.Waterfall(
        x=data["step"], y=data["yen"], measure=data["measure"],
        text=[f"{v:+,}" if m == "relative" else f"{v:,}" for v, m in zip(data["yen"], data["measure"])],
        textposition="outside", decreasing=dict(marker=dict(color=BLUE)),
        increasing=dict(marker=dict(color=ORANGE)), totals=dict(marker=dict(color=GREY)),
        connector=dict(line=dict(color="#BBBBBB"))))
    fig.update_yaxes(title=t("effect.chart.waterfall.y", lang))
    return _layout(fig, t("effect.chart.waterfall", lang))


def sends_figure(curve: pd.DataFrame, current_share: float | None = None, current_sends: float | None = None,
                 lang: str = "ja") -> go.Figure:
    """The model's sends per care manager over 0–100 % digital, the slide's printed points beside it."""
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=curve["digital_share"] * 100, y=curve["sends_per_care_manager"], mode="lines",
                             name=t("effect.chart.sends.model", lang), line=dict(color=BLUE)))
    shares = [s * 100 for s in DOCUMENTED["sends_curve_shares"]]
    fig.add_trace(go.Scatter(x=shares, y=list(DOCUMENTED["sends_curve"]), mode="markers+text",
                             text=[f"{v:g}" for v in DOCUMENTED["sends_curve"]], textposition="top center",
                             name=t("effect.chart.sends.slide", lang),
                             marker=dict(color=ORANGE, size=9, symbol="diamond")))
    if current_share is not None and current_sends is not None:
        fig.add_trace(go.Scatter(x=[current_share * 100], y=[current_sends], mode="markers",
                                 name=t("effect.chart.sends.current", lang),
                                 marker=dict(color=GREEN, size=14, symbol="circle-open", line=dict(width=3))))
    fig.update_xaxes(title=t("effect.chart.sends.x", lang), ticksuffix="%", range=[-3, 104])
    fig.update_yaxes(title=t("effect.chart.sends.y", lang), rangemode="tozero")
    return _layout(fig, t("effect.chart.sends", lang))


def partners_figure(curve: pd.DataFrame, lang: str = "ja") -> go.Figure:
    """Saving per month with 0…N registered partners, with and without the licence; today's count marked."""
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=curve["registered_partners"], y=curve["saving_month"], mode="lines+markers",
                             name=t("effect.chart.partners.incl", lang), line=dict(color=BLUE),
                             customdata=curve["digital_share"] * 100,
                             hovertemplate="%{x}: %{y:,}円 (" + formats.hover_percent("customdata", 0, scaled=True) + ")<extra></extra>"))
    fig.add_trace(go.Scatter(x=curve["registered_partners"], y=curve["saving_month_excl_licence"],
                             mode="lines", name=t("effect.chart.partners.excl", lang),
                             line=dict(color=GREY, dash="dash")))
    now = curve[curve["currently"]]
    if not now.empty:
        fig.add_trace(go.Scatter(x=now["registered_partners"], y=now["saving_month"], mode="markers+text",
                                 text=[t("effect.chart.partners.current", lang)], textposition="top center",
                                 name=t("effect.chart.partners.current", lang),
                                 marker=dict(color=GREEN, size=14, symbol="star")))
    fig.add_hline(y=0, line=dict(color="#333333", width=1))
    fig.update_xaxes(title=t("effect.chart.partners.x", lang), dtick=1 if len(curve) <= 21 else None)
    fig.update_yaxes(title=t("effect.chart.partners.y", lang))
    return _layout(fig, t("effect.chart.partners", lang))
