"""Plotly figures for 将来推計 (data → figure, no I/O): the forecast with its band and scenario line, and
the backtest. Lines differ by dash and marker as well as colour (readable in grey print)."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import plotly.graph_objects as go

from analytics.domain import formats
from analytics.i18n import t
from analytics.reports import style

FONT = "Noto Sans CJK JP, Noto Sans JP, sans-serif"
C_OBS, C_FIT, C_BASE, C_SCEN, C_TARGET = "#1f4e79", "#7f7f7f", "#2e75b6", "#d9480f", "#333333"


def _layout(fig: go.Figure, height: int, lang: str) -> go.Figure:
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=30, b=10), font=dict(family=FONT),
                      paper_bgcolor="white", plot_bgcolor="white", hovermode="x unified",
                      legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0))
    # months as on every chart: 2026年4月 / 2026-04
    fig.update_xaxes(showgrid=True, gridcolor="#eeeeee", tickformat=style.month_tickformat(lang),
                     hoverformat=style.month_tickformat(lang))
    fig.update_yaxes(showgrid=True, gridcolor="#eeeeee", tickformat=formats.D3_PERCENT, rangemode="tozero",
                     title=t("forecast.chart.rate", lang))
    return style.number_format(fig)


def forecast_figure(frame: pd.DataFrame, *, target_rate: float, lang: str = "ja", show_scenario: bool = True,
                    target_month: dt.date | None = None, scenario_target_month: dt.date | None = None,
                    height: int = 460) -> go.Figure:
    """frame: ForecastResult.frame (month, observed_rate, fitted_rate, baseline_rate, low_rate, high_rate,
    scenario_rate)."""
    fig = go.Figure()
    fut = frame.dropna(subset=["baseline_rate"])
    fig.add_trace(go.Scatter(x=fut["month"], y=fut["high_rate"], mode="lines", line=dict(width=0),
                             showlegend=False, hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=fut["month"], y=fut["low_rate"], mode="lines", line=dict(width=0),
                             fill="tonexty", fillcolor="rgba(46,117,182,0.18)", name=t("forecast.chart.band", lang),
                             hovertemplate=formats.hover_percent()))
    hist = frame.dropna(subset=["observed_rate"])
    fig.add_trace(go.Scatter(x=hist["month"], y=hist["observed_rate"], mode="lines+markers",
                             line=dict(color=C_OBS, width=2), marker=dict(size=4),
                             name=t("forecast.chart.observed", lang), hovertemplate=formats.hover_percent()))
    fig.add_trace(go.Scatter(x=hist["month"], y=hist["fitted_rate"], mode="lines",
                             line=dict(color=C_FIT, width=1.5, dash="dot"),
                             name=t("forecast.chart.fitted", lang), hovertemplate=formats.hover_percent()))
    fig.add_trace(go.Scatter(x=fut["month"], y=fut["baseline_rate"], mode="lines",
                             line=dict(color=C_BASE, width=2, dash="dash"),
                             name=t("forecast.chart.baseline", lang), hovertemplate=formats.hover_percent()))
    if show_scenario:
        fig.add_trace(go.Scatter(x=fut["month"], y=fut["scenario_rate"], mode="lines",
                                 line=dict(color=C_SCEN, width=2.5, dash="dashdot"),
                                 name=t("forecast.chart.scenario", lang), hovertemplate=formats.hover_percent()))
    fig.add_hline(y=target_rate, line=dict(color=C_TARGET, width=1, dash="longdash"),
                  annotation_text=t("forecast.chart.target", lang, rate=formats.percent(target_rate, 0)),
                  annotation_position="top left")
    for month, color in ((target_month, C_BASE), (scenario_target_month if show_scenario else None, C_SCEN)):
        if month is not None:
            fig.add_vline(x=pd.Timestamp(month).timestamp() * 1000, line=dict(color=color, width=1, dash="dot"))
    return _layout(fig, height, lang)


def backtest_figure(frame: pd.DataFrame, history: pd.DataFrame, *, master: int, lang: str = "ja",
                    height: int = 360) -> go.Figure:
    """history: month, registered (all observed months); frame: backtest month, actual, predicted."""
    fig = go.Figure()
    denom = master or 1
    fig.add_trace(go.Scatter(x=history["month"], y=history["registered"] / denom, mode="lines+markers",
                             line=dict(color=C_OBS, width=2), marker=dict(size=4),
                             name=t("forecast.chart.observed", lang), hovertemplate=formats.hover_percent()))
    if not frame.empty:
        # the forecast line starts at the cut-off's observed value, where the forecast starts from
        cutoff = (pd.Timestamp(frame["month"].iloc[0]) - pd.DateOffset(months=1)).date()
        at_cut = history.loc[pd.to_datetime(history["month"]) == pd.Timestamp(cutoff), "registered"]
        xs = ([cutoff] if len(at_cut) else []) + list(frame["month"])
        ys = (list(at_cut.iloc[:1]) if len(at_cut) else []) + list(frame["predicted"])
        fig.add_trace(go.Scatter(x=xs, y=[v / denom for v in ys], mode="lines+markers",
                                 line=dict(color=C_SCEN, width=2, dash="dash"), marker=dict(symbol="x", size=7),
                                 name=t("forecast.chart.backtest_pred", lang), hovertemplate=formats.hover_percent()))
        fig.add_vline(x=pd.Timestamp(cutoff).timestamp() * 1000, line=dict(color=C_TARGET, width=1, dash="dot"),
                      annotation_text=t("forecast.chart.cutoff", lang), annotation_position="top left")
    return _layout(fig, height, lang)
