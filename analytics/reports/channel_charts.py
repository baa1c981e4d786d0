"""Plotly figures for FAX vs データ連携, targets, savings and the office view (data → figure, no I/O).

Maps reuse the offline prefecture choropleth of adoption_charts (``map_style="white-bg"``, shipped GeoJSON).
Channels keep fixed colours so that データ連携 is always the same blue on every chart.
"""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from analytics.domain import formats
from analytics.domain.codes import CHANNELS, FORMS
from analytics.i18n import t
from analytics.reports import style

FONT = "Noto Sans CJK JP, Noto Sans JP, sans-serif"
COLOURS = {"fax": "#868e96", "post": "#adb5bd", "hand": "#ced4da", "email": "#74c0fc", "digital": "#1c7ed6"}
REALISED, POTENTIAL = "#1c7ed6", "#a5d8ff"


def _layout(fig: go.Figure, height: int = 420) -> go.Figure:
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=30, b=10), font=dict(family=FONT),
                      paper_bgcolor="white", plot_bgcolor="white", legend=dict(orientation="h", y=-0.15))
    return style.number_format(fig)


def month_label(m, lang: str = "ja") -> str:
    """2025年8月 / 2025-08 (formats.month_label) of anything pandas reads as a time."""
    return formats.month_label(pd.Timestamp(m), lang)


def month_range_label(first, last, lang: str = "ja") -> str:
    """'2025年6月〜2025年8月', or just '2025年8月' when the range is one month."""
    a, b = month_label(first, lang), month_label(last, lang)
    return a if a == b else f"{a}〜{b}"


def channel_mix(frame: pd.DataFrame, lang: str = "ja") -> go.Figure:
    """Stacked bars per month, each channel's share of all sheets (100 % per month).
    frame: month, channel, sheets. Months are categories (2025年2月 …), so every bar has the same width and
    gap whatever the month's length (a date axis makes February's gap narrower)."""
    fig = go.Figure()
    totals = frame.groupby("month")["sheets"].sum().sort_index()
    labels = [month_label(m, lang) for m in totals.index]
    for ch in CHANNELS:
        part = frame[frame["channel"] == ch].set_index("month")["sheets"].reindex(totals.index, fill_value=0)
        share = (part / totals.where(totals > 0) * 100).fillna(0)
        fig.add_trace(go.Bar(x=labels, y=share.values,
                             name=t(f"channels.channel.{ch}", lang), marker_color=COLOURS[ch],
                             customdata=part.values,
                             hovertemplate="%{x}: " + formats.hover_percent(scaled=True) + " (%{customdata:,}" +
                                           ("件" if lang == "ja" else " sheets") + ")<extra></extra>"))
    fig.update_layout(barmode="stack", yaxis=dict(title=t("channels.share_pct", lang), range=[0, 100]),
                      xaxis=dict(title=t("channels.month", lang), type="category", categoryorder="array",
                                 categoryarray=labels))
    return _layout(fig)


def share_heatmap(frame: pd.DataFrame, names: dict[str, str], lang: str = "ja") -> go.Figure:
    """Prefecture (rows, JIS order) × month (columns), colour = digital share (%).
    frame: prefecture_code, month, digital_share."""
    if frame.empty:
        return _layout(go.Figure())
    pivot = frame.pivot_table(index="prefecture_code", columns="month", values="digital_share", aggfunc="first")
    pivot = pivot.sort_index(ascending=False)  # 01 at the top
    fig = go.Figure(go.Heatmap(
        z=(pivot.values * 100), x=[month_label(m, lang) for m in pivot.columns],
        y=[f"{c} {names.get(c, c)}" for c in pivot.index], colorscale="Blues", zmin=0,
        colorbar=dict(title=t("channels.share_pct", lang), thickness=12),
        hovertemplate="%{y} %{x}: " + formats.hover_percent("z", scaled=True) + "<extra></extra>"))
    # months as categories, written as formats.month_label writes them: plotly reads '2025-08' as a date
    # and would tick it 'Aug 2025'
    fig.update_xaxes(type="category")
    return _layout(fig, height=max(300, 18 * len(pivot) + 80))


def share_by_form(frame: pd.DataFrame, lang: str = "ja") -> go.Figure:
    """Digital share per form (予定・実績 …). frame: form, sheets, digital_sheets, digital_share."""
    order = [f for f in FORMS if f in set(frame["form"])]
    f = frame.set_index("form").reindex(order)
    fig = go.Figure(go.Bar(
        x=[t(f"channels.form.{x}", lang) for x in order], y=f["digital_share"] * 100,
        marker_color=COLOURS["digital"], customdata=f[["digital_sheets", "sheets"]].values,
        text=[formats.percent(v) for v in f["digital_share"].fillna(0)], textposition="outside",
        hovertemplate="%{x}: " + formats.hover_percent(scaled=True) + " (%{customdata[0]:,} / %{customdata[1]:,})"
                      "<extra></extra>"))
    # scaled to the data (two 7 % bars on a 0–100 % axis look empty), and the title says so when short of 100 %
    hi = share_axis_top(f["digital_share"])
    title = t("channels.share_pct", lang) if hi >= 100 else t("channels.share_pct_upto", lang, hi=hi)
    fig.update_layout(yaxis=dict(title=title, range=[0, 105 if hi >= 100 else hi]))
    return _layout(fig, height=340)


def share_axis_top(shares: pd.Series) -> int:
    """The top of a share axis in %: the next step of 5 % above 1.25 × the largest share (room for the
    labels outside the bars), at least 5 %, at most 100 %."""
    top = float(pd.to_numeric(shares, errors="coerce").max() or 0) * 100 * 1.25
    return int(min(100, max(5, -(-top // 5) * 5)))


def targets_bar(frame: pd.DataFrame, lang: str = "ja", top: int = 20, value_label: str = "") -> go.Figure:
    """Top targets, horizontal bars (rank 1 at the top). frame: office_code, name, unlockable_sheets."""
    f = frame.head(top).iloc[::-1]
    labels = [f"{c} {n}" if isinstance(n, str) and n else c for c, n in zip(f["office_code"], f["name"])]
    fig = go.Figure(go.Bar(x=f["unlockable_sheets"], y=labels, orientation="h", marker_color=COLOURS["digital"],
                           customdata=f["registered_partners"],
                           hovertemplate="%{y}: %{x:,.1f} (%{customdata})<extra></extra>"))
    fig.update_layout(xaxis=dict(title=value_label or None))
    return _layout(fig, height=max(260, 24 * len(f) + 60))


def savings_ranking(frame: pd.DataFrame, label_col: str, lang: str = "ja", unit: str = "hours") -> go.Figure:
    """Realised and potential per area, horizontal (largest potential at the top).
    frame: label_col, realised_<unit>, potential_<unit>; yen are shown in 万円."""
    f = frame.sort_values(f"potential_{unit}").copy()
    scale = 10_000 if unit == "yen" else 1
    fig = go.Figure()
    fig.add_trace(go.Bar(y=f[label_col], x=f[f"potential_{unit}"] / scale, orientation="h",
                         name=t("savings.potential", lang), marker_color=POTENTIAL))
    fig.add_trace(go.Bar(y=f[label_col], x=f[f"realised_{unit}"] / scale, orientation="h",
                         name=t("savings.realised", lang), marker_color=REALISED))
    fig.update_layout(barmode="overlay",
                      xaxis=dict(title=t("savings.man_yen" if unit == "yen" else "savings.hours", lang)))
    return _layout(fig, height=max(300, 20 * len(f) + 80))


def savings_map(frame: pd.DataFrame, value: str, lang: str = "ja") -> go.Figure:
    """Prefectures coloured by realised_yen or potential_yen in 万円 (offline choropleth)."""
    from analytics.reports.adoption_charts import choropleth_map
    f = frame[["prefecture_code", "prefecture", value]].copy()
    f[value] = f[value] / 10_000
    label = t("savings.realised" if value.startswith("realised") else "savings.potential", lang) + \
        f" ({t('savings.man_yen', lang)})"
    return choropleth_map(f, value=value, lang=lang, value_label=label, percent=False)


def office_trend(frame: pd.DataFrame, lang: str = "ja") -> go.Figure:
    """Digital share per month, one line per direction. frame: month, direction, digital_share."""
    fig = go.Figure()
    for direction in ("sent", "received"):
        f = frame[frame["direction"] == direction].sort_values("month")
        if f.empty:
            continue
        fig.add_trace(go.Scatter(x=[pd.Timestamp(m) for m in f["month"]], y=f["digital_share"] * 100,
                                 mode="lines+markers", name=t(f"officeview.{direction}", lang),
                                 hovertemplate="%{x}: " + formats.hover_percent(scaled=True) + "<extra></extra>"))
    fig.update_layout(yaxis=dict(title=t("channels.share_pct", lang), range=[0, 105]),
                      xaxis=dict(title=t("channels.month", lang)))
    style.month_axis(fig, lang, months=frame["month"].nunique() if len(frame) else None)
    return _layout(fig, height=360)
