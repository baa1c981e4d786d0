"""Text summaries of figures (what a screen reader reads, and what the slide notes say).

``describe(fig_kind, data, lang, **ctx)`` turns the figure's data into one or two sentences: the largest
and smallest values, the national line, the change over time. Pages show it under the chart
(``analytics.ui.a11y.chart``); exports put it in the slide notes and the PDF. Strings come from the locale
tables (``export.summary.*``).

Kinds and their data:
- ``ranking`` / ``map``: a frame with ``label`` and ``value`` (default column ``adoption_rate``, a fraction);
- ``trend``: a frame with ``month`` and ``value`` (one series, sorted by month);
- ``channel_mix``: a frame with ``month``, ``channel`` (label), ``sheets`` (and optionally ``share``);
- ``savings``: a frame with ``label``, ``realised_yen``, ``potential_yen``, ``realised_hours``, ``potential_hours``;
- ``effect``: the effect model's values (mapping with hours_before, hours_after, saving_month …);
- anything else: a generic sentence with the row count.
"""
from __future__ import annotations

import math

import pandas as pd

from analytics.i18n import t

KINDS = ("ranking", "map", "trend", "channel_mix", "savings", "effect")


def _pct(v) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    return f"{float(v) * 100:.1f}%"


def _month(m, lang: str) -> str:
    m = pd.Timestamp(m)
    return f"{m.year}年{m.month}月" if lang == "ja" else f"{m.year}-{m.month:02d}"


def _sep(lang: str) -> str:
    return "、" if lang == "ja" else ", "


def describe(fig_kind: str, data, lang: str = "ja", **ctx) -> str:
    """One or two sentences describing the figure's data in lang."""
    fn = {"ranking": _ranking, "map": _ranking, "trend": _trend, "channel_mix": _channel_mix,
          "savings": _savings, "effect": _effect}.get(fig_kind)
    if fn is None:
        n = len(data) if data is not None else 0
        return t("export.summary.generic", lang, n=n)
    return fn(data, lang, **ctx)


def _ranking(data: pd.DataFrame, lang: str, area: str = "", value: str = "adoption_rate",
             national: float | None = None, top: int = 3, **_ctx) -> str:
    d = data.dropna(subset=[value]).sort_values(value, ascending=False, kind="stable")
    if d.empty:
        return t("export.summary.empty", lang)
    hi = _sep(lang).join(f"{r['label']} {_pct(r[value])}" for _, r in d.head(top).iterrows())
    lo = _sep(lang).join(f"{r['label']} {_pct(r[value])}" for _, r in d.tail(top).iloc[::-1].iterrows())
    text = t("export.summary.ranking", lang, area=area, n=len(d), top=hi, bottom=lo)
    if national is not None and not (isinstance(national, float) and math.isnan(national)):
        text += t("export.summary.national", lang, value=_pct(national))
    return text


def _trend(data: pd.DataFrame, lang: str, area: str = "", value: str = "adoption_rate", **_ctx) -> str:
    d = data.dropna(subset=[value]).sort_values("month")
    if d.empty:
        return t("export.summary.empty", lang)
    first, last = d.iloc[0], d.iloc[-1]
    return t("export.summary.trend", lang, area=area, start=_month(first["month"], lang),
             end=_month(last["month"], lang), v0=_pct(first[value]), v1=_pct(last[value]),
             delta=f"{(float(last[value]) - float(first[value])) * 100:+.1f}")


def _channel_mix(data: pd.DataFrame, lang: str, area: str = "", **_ctx) -> str:
    if data is None or data.empty:
        return t("export.summary.empty", lang)
    last_month = max(data["month"])
    part = data[data["month"] == last_month]
    total = float(part["sheets"].sum())
    if total <= 0:
        return t("export.summary.empty", lang)
    parts = part.groupby("channel", sort=False)["sheets"].sum().sort_values(ascending=False)
    shares = _sep(lang).join(f"{ch} {v / total * 100:.1f}%" for ch, v in parts.items())
    return t("export.summary.channel_mix", lang, area=area, month=_month(last_month, lang),
             total=f"{int(total):,}", shares=shares)


def _savings(data: pd.DataFrame, lang: str, area: str = "", **_ctx) -> str:
    if data is None or data.empty:
        return t("export.summary.empty", lang)
    from analytics.reports.style import format_hours, format_yen_man
    top = data.sort_values("potential_yen", ascending=False).iloc[0]
    return t("export.summary.savings", lang, area=area,
             realised_h=format_hours(data["realised_hours"].sum(), lang),
             realised_y=format_yen_man(data["realised_yen"].sum(), lang),
             potential_h=format_hours(data["potential_hours"].sum(), lang),
             potential_y=format_yen_man(data["potential_yen"].sum(), lang),
             top=str(top["label"]), top_y=format_yen_man(top["potential_yen"], lang))


def _effect(values, lang: str, **_ctx) -> str:
    from analytics.reports.style import format_hours, format_yen
    return t("export.summary.effect", lang,
             h0=format_hours(values["hours_before"], lang), h1=format_hours(values["hours_after"], lang),
             saved=format_hours(values["hours_saved_month"], lang),
             yen=format_yen(values["saving_month"], lang))


def _num(v) -> str:
    v = float(v)
    return f"{v:,.0f}" if abs(v) >= 100 or v == int(v) else f"{v:,.1f}"


def _values(trace, axis: str) -> list:
    vals = trace.get(axis)
    if vals is None:
        return []
    if isinstance(vals, dict) and "bdata" in vals:  # plotly's typed-array encoding
        import base64

        import numpy as np
        return list(np.frombuffer(base64.b64decode(vals["bdata"]), dtype=vals["dtype"]))
    return list(vals)


_DATE = __import__("re").compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ]00:00:00(?:\.0+)?)?$")


def _label(value, lang: str) -> str:
    """Axis labels as people read them: a month's first day (how months are stored) as 2025年8月 / 2025-08."""
    text = str(value.isoformat() if hasattr(value, "isoformat") else value)
    m = _DATE.match(text)
    if m and m.group(3) == "01":
        return f"{int(m.group(1))}年{int(m.group(2))}月" if lang == "ja" else f"{m.group(1)}-{m.group(2)}"
    if m:
        return f"{m.group(1)}-{m.group(2)}-{m.group(3)}"
    return text


def _flat(values) -> list:
    """Rows of a heatmap (lists, arrays or plotly's flat typed arrays) as one list of numbers."""
    out = []
    for v in values:
        if hasattr(v, "__iter__") and not isinstance(v, str):
            out.extend(_flat(v))
        else:
            out.append(v)
    return out


def _light_spec(fig) -> dict:
    """``fig.to_plotly_json()`` without the traces' GeoJSON outlines, which no summary reads: copying
    them was most of the time this took on a map page (≈0.15 s per national map on 2 cores)."""
    data = getattr(fig, "_data", None)
    if not isinstance(data, list):  # not a plotly figure as we know it: the public, full copy
        return fig.to_plotly_json()
    import copy

    from plotly.basedatatypes import convert_to_base64
    spec = {"data": [copy.deepcopy({k: v for k, v in trace.items() if k != "geojson"}) for trace in data],
            "layout": copy.deepcopy(fig._layout)}
    convert_to_base64(spec)  # the same typed arrays to_plotly_json gives
    return spec


def from_figure(fig, lang: str = "ja", top: int = 3) -> str:
    """A summary read off any plotly figure: for each named series, its extremes (bars, maps) or its first
    and last points (lines). Used under every chart whose page gives no summary of its own."""
    spec = _light_spec(fig)
    layout = spec.get("layout") or {}

    def _title(obj) -> str:
        title = (obj or {}).get("title")
        return (title.get("text") if isinstance(title, dict) else title) or ""

    sentences = []
    for trace in spec.get("data", []):
        kind = trace.get("type", "scatter")
        if trace.get("hoverinfo") == "skip" and kind != "bar":
            continue  # outlines, highlight frames and inset boxes carry no data
        value_axis = "xaxis" if (kind == "bar" and trace.get("orientation") == "h") else "yaxis"
        name = (trace.get("name") or _title(trace.get("colorbar")) or _title(layout.get(value_axis))
                or _title(layout) or t("export.summary.series", lang))
        if kind in ("choroplethmap", "choropleth"):
            z = _values(trace, "z")
            labels = _values(trace, "text") or _values(trace, "locations")
            pairs = [(lab, v) for lab, v in zip(labels, z) if v is not None and v == v]
            if len(pairs) < 2 or len({v for _, v in pairs}) < 2:
                continue
        elif kind == "bar":
            horizontal = trace.get("orientation") == "h"
            vals, labels = (_values(trace, "x"), _values(trace, "y")) if horizontal else \
                (_values(trace, "y"), _values(trace, "x"))
            pairs = [(lab, v) for lab, v in zip(labels, vals) if v is not None and v == v]
        elif kind in ("scatter", "scattergl") and "lines" in (trace.get("mode") or "lines"):
            xs, ys = _values(trace, "x"), _values(trace, "y")
            pts = [(x, y) for x, y in zip(xs, ys) if y is not None and y == y]
            if len(pts) >= 2:
                sentences.append(t("export.summary.line", lang, name=name, x0=_label(pts[0][0], lang),
                                   y0=_num(pts[0][1]), x1=_label(pts[-1][0], lang), y1=_num(pts[-1][1])))
            continue
        elif kind == "heatmap":
            z = [v for v in _flat(_values(trace, "z")) if v is not None and v == v]
            if z:
                sentences.append(t("export.summary.heatmap", lang, name=name, lo=_num(min(z)), hi=_num(max(z))))
            continue
        elif kind in ("waterfall", "funnel"):
            vals, labels = _values(trace, "y" if kind == "waterfall" else "x"), \
                _values(trace, "x" if kind == "waterfall" else "y")
            pairs = [(lab, v) for lab, v in zip(labels, vals) if v is not None and v == v]
            if pairs:
                sentences.append(t("export.summary.steps", lang, name=name, steps=_sep(lang).join(
                    f"{_label(lab, lang)} {_num(v)}" for lab, v in pairs[:8])))
            continue
        else:
            continue
        if not pairs:
            continue
        ranked = sorted(pairs, key=lambda p: p[1], reverse=True)
        if len(ranked) <= 2 * top:
            sentences.append(t("export.summary.all", lang, name=name, n=len(ranked), items=_sep(lang).join(
                f"{_label(lab, lang)} {_num(v)}" for lab, v in ranked)))
            continue
        hi = _sep(lang).join(f"{_label(lab, lang)} {_num(v)}" for lab, v in ranked[:top])
        lo = _sep(lang).join(f"{_label(lab, lang)} {_num(v)}" for lab, v in ranked[::-1][:top])
        sentences.append(t("export.summary.extremes", lang, name=name, n=len(pairs), top=hi, bottom=lo))
    if not sentences:
        return t("export.summary.empty", lang)
    return (" " if lang == "en" else "").join(sentences[:4])
