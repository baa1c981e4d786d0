"""Text summaries of figures (what a screen reader reads, and what the slide notes say).

``describe(fig_kind, data, lang, **ctx)`` turns the figure's data into one or two sentences: the largest
and smallest values, the national line, the change over time. Pages show it under the chart
(``analytics.ui.a11y.chart``); exports put it in the slide notes and the PDF. Strings come from the locale
tables (``export.summary.*``).

Kinds and their data:
- ``ranking`` / ``map``: a frame with ``label`` and ``value`` (default column ``adoption_rate``, a fraction);
- ``municipalities``: the frame of ``services.adoption.municipalities`` (``rankable``, ``offices``) and
  ``min_offices``: the highest and lowest among the rankable areas only, each with its n;
- ``trend``: a frame with ``month`` and ``value`` (one series, sorted by month);
- ``channel_mix``: a frame with ``month``, ``channel`` (label), ``sheets`` (and optionally ``share``);
- ``savings``: a frame with ``label``, ``realised_yen``, ``potential_yen``, ``realised_hours``, ``potential_hours``;
- ``effect``: the effect model's values (mapping with hours_before, hours_after, saving_month …);
- anything else: a generic sentence with the row count.
"""
from __future__ import annotations

import math

import pandas as pd

from analytics.domain import formats
from analytics.i18n import t

KINDS = ("ranking", "map", "municipalities", "trend", "channel_mix", "savings", "effect")


_pct = formats.percent


def _month(m, lang: str) -> str:
    return formats.month_label(pd.Timestamp(m), lang)


def _sep(lang: str) -> str:
    return "、" if lang == "ja" else ", "


def describe(fig_kind: str, data, lang: str = "ja", **ctx) -> str:
    """One or two sentences describing the figure's data in lang."""
    fn = {"ranking": _ranking, "map": _ranking, "municipalities": _municipalities, "trend": _trend, "channel_mix": _channel_mix,
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


def area_with_rate(row, lang: str, value: str = "adoption_rate", label: str = "municipality") -> str:
    """'田辺市 42.9%（n=7）': an area's name, its rate and the count it is a share of."""
    return f"{row[label]} {formats.rate_with_n(row[value], row['offices'], lang)}"


def _municipalities(data: pd.DataFrame, lang: str, area: str = "", min_offices: int = 1,
                    value: str = "adoption_rate", **_ctx) -> str:
    from analytics.services.adoption import extremes  # the one rule: only areas with enough offices
    if data is None or data.empty:
        return t("export.summary.empty", lang)
    ext = extremes(data, value)
    if ext["highest"] is None:
        return t("export.summary.municipalities_none", lang, area=area, total=len(data), n=min_offices)
    return t("export.summary.municipalities", lang, area=area, total=len(data), n=min_offices,
             ranked=ext["rankable"], hi=area_with_rate(ext["highest"], lang, value),
             lo=area_with_rate(ext["lowest"], lang, value))


def _trend(data: pd.DataFrame, lang: str, area: str = "", value: str = "adoption_rate", **_ctx) -> str:
    d = data.dropna(subset=[value]).sort_values("month")
    if d.empty:
        return t("export.summary.empty", lang)
    first, last = d.iloc[0], d.iloc[-1]
    return t("export.summary.trend", lang, area=area, start=_month(first["month"], lang),
             end=_month(last["month"], lang), v0=_pct(first[value]), v1=_pct(last[value]),
             delta=formats.points(float(last[value]) - float(first[value]), lang, unit=False))


def _channel_mix(data: pd.DataFrame, lang: str, area: str = "", **_ctx) -> str:
    if data is None or data.empty:
        return t("export.summary.empty", lang)
    last_month = max(data["month"])
    part = data[data["month"] == last_month]
    total = float(part["sheets"].sum())
    if total <= 0:
        return t("export.summary.empty", lang)
    parts = part.groupby("channel", sort=False)["sheets"].sum().sort_values(ascending=False)
    shares = _sep(lang).join(f"{ch} {formats.percent(v / total)}" for ch, v in parts.items())
    return t("export.summary.channel_mix", lang, area=area, month=_month(last_month, lang),
             total=f"{int(total):,}", shares=shares)


def _savings(data: pd.DataFrame, lang: str, area: str = "", **_ctx) -> str:
    if data is None or data.empty:
        return t("export.summary.empty", lang)
    # sums of the unrounded area values, rounded once; money to the yen (DESIGN §4)
    top = data.sort_values("potential_yen", ascending=False).iloc[0]
    return t("export.summary.savings", lang, area=area,
             realised_h=formats.hours(data["realised_hours"].sum(), lang),
             realised_y=formats.yen(data["realised_yen"].sum(), lang),
             potential_h=formats.hours(data["potential_hours"].sum(), lang),
             potential_y=formats.yen(data["potential_yen"].sum(), lang),
             top=str(top["label"]), top_y=formats.yen(top["potential_yen"], lang))


def _effect(values, lang: str, **_ctx) -> str:
    return t("export.summary.effect", lang,
             h0=formats.hours(values["hours_before"], lang), h1=formats.hours(values["hours_after"], lang),
             saved=formats.hours(values["hours_saved_month"], lang),
             yen=formats.yen(values["saving_month"], lang))


def _num(v) -> str:
    v = float(v)
    return f"{v:,.0f}" if abs(v) >= 100 or v == int(v) else f"{v:,.1f}"


# ---- units read off a figure ----------------------------------------------------------------------------
# A summary without units ("0.2 から 9.7 へ") is useless to a screen-reader user: the unit is taken from
# what the chart itself shows — a percent tick format (fractions), a "%" after the value in the hover
# text or as tick suffix, or the unit in an axis, colour-bar or series title: 「登録率 (%)」, 「費用（円/月）」.
_UNIT_IN_TITLE = __import__("re").compile(r"^(.*?)\s*[（(]([^（）()]+)[）)]\s*$")
_UNIT_WORDS = ("%", "万円", "円", "時間", "件", "回", "事業所", "か月", "人", "×10k yen", "× 10k yen", "10k yen",
               "million yen", "yen", "hours", "h", "sheets", "sends", "offices", "months", "users")
_TIGHT = ("%", "万円", "円", "時間", "件", "回", "事業所", "か月", "人")  # written without a space in Japanese


def _unit_word(text: str) -> str | None:
    """The unit a title's bracket (or the whole title) names, else None: 「回/月・1人あたり」 → 「回/月」."""
    text = (text or "").strip()
    head = text.split("・")[0].strip()
    for word in _UNIT_WORDS:
        if head == word or head.startswith(word + "/") or head.startswith(word + " per") or \
                (word not in ("h",) and head.startswith(word + " /")):
            return head
    return None


def _split_unit(title: str) -> tuple[str, str | None]:
    """'登録率 (%)' → ('登録率', '%'); '時間' → ('時間', '時間'); '可能性（全件データ連携）' → (unchanged, None)."""
    title = (title or "").strip()
    m = _UNIT_IN_TITLE.match(title)
    if m and _unit_word(m.group(2)):
        return m.group(1).strip(), _unit_word(m.group(2))
    for ending, unit in _COUNT_ENDINGS:  # 「登録でデータ連携になる件数」 counts 件
        if title.endswith(ending) and title != ending:
            return title, unit
    return title, _unit_word(title)


_COUNT_ENDINGS = (("件数", "件"), ("事業所数", "事業所"), ("回数", "回"), (" sheets", "sheets"),
                  ("Sheets", "sheets"), (" offices", "offices"))


def _with_unit(text: str, unit: str | None, lang: str) -> str:
    if not unit:
        return text
    if unit == "%" or (lang == "ja" and unit.split("/")[0] in _TIGHT):
        return f"{text}{unit}"
    return f"{text} {unit}"


class _Fmt:
    """How one series' values are read out: fraction → percent, or a number with its unit."""

    def __init__(self, fraction: bool = False, unit: str | None = None):
        self.fraction, self.unit = fraction, unit

    def __call__(self, v, lang: str) -> str:
        if self.fraction:
            return formats.percent(v)
        if self.unit == "%":
            return formats.percent(v, scaled=True)
        if self.unit and "10k" in self.unit:  # English has no 万: a chart in ×10k yen is read out in yen
            return _with_unit(f"{round(float(v) * 10_000):,}", "yen", lang)
        if self.unit and ("円" in self.unit or "yen" in self.unit) and "万" not in self.unit and \
                "million" not in self.unit:
            return _with_unit(f"{round(float(v)):,}", self.unit, lang)
        return _with_unit(_num(v), self.unit, lang)


_PCT_FORMAT = __import__("re").compile(r"^[^%]*\.\d*%$|^%$|^\.?\d*%$")


def _fraction_format(fmt) -> bool:
    """d3 number formats that print a fraction as percent ('.0%', '.1%'); date formats ('%Y-%m') are not."""
    return isinstance(fmt, str) and bool(_PCT_FORMAT.match(fmt)) and "%Y" not in fmt and "%b" not in fmt


def _hover_format(trace, ref: str) -> tuple[bool, bool]:
    """(fraction, already percent) from the hover template of the value reference (y, x, z, marker.color)."""
    tmpl = trace.get("hovertemplate") or ""
    if isinstance(tmpl, (list, tuple)):
        tmpl = tmpl[0] if tmpl else ""
    import re
    m = re.search(r"%\{" + re.escape(ref) + r"(?::([^}]*))?\}(%?)", str(tmpl))
    if not m:
        return False, False
    return _fraction_format(m.group(1) or ""), bool(m.group(2))


def _axis(layout: dict, name: str) -> dict:
    axis = layout.get(name) or {}
    return axis if isinstance(axis, dict) else {}


def _text_of(title) -> str:
    return ((title.get("text") if isinstance(title, dict) else title) or "") if title else ""


def _series_format(trace, layout: dict, ref: str, axis_name: str | None, titles: list[str]) -> _Fmt:
    """The value format of one series: hover template first, then the axis, then the titles' units."""
    fraction, percent = _hover_format(trace, ref)
    axis = _axis(layout, axis_name) if axis_name else {}
    if fraction or _fraction_format(axis.get("tickformat")):
        return _Fmt(fraction=True)
    if percent or str(axis.get("ticksuffix") or "").strip() == "%":
        return _Fmt(unit="%")
    for title in titles + [_text_of(axis.get("title"))]:
        unit = _split_unit(title)[1]
        if unit:
            return _Fmt(unit=unit)
    return _Fmt()


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
        return formats.month_label(text[:10], lang)
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


def _is_number(v) -> bool:
    if isinstance(v, bool) or v is None:
        return False
    if isinstance(v, (int, float)):
        return v == v
    try:
        import numpy as np
        return isinstance(v, np.number) and v == v
    except ImportError:  # pragma: no cover
        return False


def _x_label(value, lang: str, layout: dict, numeric: bool) -> str:
    """A point's x as people read it: months as 2025年8月, numbers with the x axis's unit (0%, 100%)."""
    if not numeric:
        return _label(value, lang)
    axis = _axis(layout, "xaxis")
    suffix = str(axis.get("ticksuffix") or "").strip()
    if _fraction_format(axis.get("tickformat")):
        return formats.percent(value, 0)
    if suffix:
        return f"{_num(value)}{suffix}"
    return _with_unit(_num(value), _split_unit(_text_of(axis.get("title")))[1], lang)


def _stacked(bars: list, layout: dict, lang: str) -> list[str]:
    """Stacked bars (e.g. channels per month): every series at the first and the last category."""
    horizontal = bars[0].get("orientation") == "h"
    cat_axis, val_axis, ref = ("y", "xaxis", "x") if horizontal else ("x", "yaxis", "y")
    series = []
    for tr in bars:
        cats = _values(tr, cat_axis)
        vals = _values(tr, ref)
        name = _split_unit(tr.get("name") or "")[0] or t("export.summary.series", lang)
        series.append((name, dict(zip(map(str, cats), vals)),
                       _series_format(tr, layout, ref, val_axis, [tr.get("name") or ""])))
    cats = []
    for tr in bars:
        for c in _values(tr, cat_axis):
            if str(c) not in [str(x) for x in cats]:
                cats.append(c)
    if not cats:
        return []
    picks = [cats[0]] if len(cats) == 1 else [cats[0], cats[-1]]
    out = []
    for c in picks:
        items = [f"{name} {fmt(vals[str(c)], lang)}" for name, vals, fmt in series
                 if str(c) in vals and vals[str(c)] is not None and vals[str(c)] == vals[str(c)]]
        if items:
            out.append(t("export.summary.stack", lang, x=_label(c, lang), items=_sep(lang).join(items)))
    return out


def from_figure(fig, lang: str = "ja", top: int = 3) -> str:
    """A summary read off any plotly figure: for each named series, its extremes (bars, maps) or its first
    and last points (lines), with the unit the chart shows (%, 時間, 円, 回 …). Used under every chart whose
    page gives no summary of its own."""
    spec = _light_spec(fig)
    layout = spec.get("layout") or {}
    data = spec.get("data", [])

    sentences = []
    bars = [tr for tr in data if tr.get("type") == "bar"]
    stacked = layout.get("barmode") in ("stack", "relative") and len(bars) >= 2
    if stacked:
        sentences += _stacked(bars, layout, lang)
    lower_edge = None  # a band's invisible lower line (hoverinfo skip), filled up to the next trace
    for trace in data:
        kind = trace.get("type", "scatter")
        if stacked and kind == "bar":
            continue
        if trace.get("hoverinfo") == "skip" and kind != "bar":
            if kind in ("scatter", "scattergl") and "lines" in (trace.get("mode") or "lines"):
                lower_edge = trace
            continue  # outlines, highlight frames and inset boxes carry no data
        value_axis = "xaxis" if (kind == "bar" and trace.get("orientation") == "h") else "yaxis"
        colorbar = trace.get("colorbar") or (trace.get("marker") or {}).get("colorbar") or {}
        raw_name = (trace.get("name") or _text_of(colorbar.get("title")) or _text_of(_axis(layout, value_axis).get("title"))
                    or _text_of(layout.get("title")) or t("export.summary.series", lang))
        name = _split_unit(raw_name)[0] or raw_name
        titles = [trace.get("name") or "", _text_of(colorbar.get("title"))]
        if kind in ("choroplethmap", "choropleth", "scattermap", "scattermapbox"):
            ref = "z" if kind.startswith("choropleth") else "marker.color"
            z = _values(trace, "z") if ref == "z" else _values(trace.get("marker") or {}, "color")
            if isinstance((trace.get("marker") or {}).get("color"), str):
                z = []
            labels = _values(trace, "text") or _values(trace, "locations")
            pairs = [(lab, v) for lab, v in zip(labels, z) if _is_number(v)]
            if len(pairs) < 2 or len({v for _, v in pairs}) < 2:
                continue
            fmt = _series_format(trace, layout, ref, None, titles)
        elif kind == "bar":
            horizontal = trace.get("orientation") == "h"
            vals, labels = (_values(trace, "x"), _values(trace, "y")) if horizontal else \
                (_values(trace, "y"), _values(trace, "x"))
            pairs = [(lab, v) for lab, v in zip(labels, vals) if v is not None and v == v]
            fmt = _series_format(trace, layout, "x" if horizontal else "y", value_axis, titles)
        elif kind in ("scatter", "scattergl"):
            xs, ys = _values(trace, "x"), _values(trace, "y")
            pts = [(x, y) for x, y in zip(xs, ys) if y is not None and y == y]
            fmt = _series_format(trace, layout, "y", "yaxis", titles)
            numeric_x = bool(pts) and all(_is_number(x) for x, _ in pts)
            if "lines" not in (trace.get("mode") or "lines"):
                if pts and numeric_x:  # marker-only points on a numeric x (e.g. the documented values)
                    sentences.append(t("export.summary.points", lang, name=name, items=_sep(lang).join(
                        f"{_x_label(x, lang, layout, True)} {fmt(y, lang)}" for x, y in pts[:8])))
                continue
            if trace.get("fill") in ("tonexty", "tonextx") and lower_edge is not None:
                low_pts = [y for y in _values(lower_edge, "y") if y is not None and y == y]
                if pts and low_pts:
                    lo, hi = sorted((low_pts[-1], pts[-1][1]))
                    sentences.append(t("export.summary.band", lang, name=name,
                                       x=_x_label(pts[-1][0], lang, layout, numeric_x),
                                       lo=fmt(lo, lang), hi=fmt(hi, lang)))
                lower_edge = None
                continue
            if len(pts) >= 2:
                if numeric_x:
                    yname = _split_unit(_text_of(_axis(layout, "yaxis").get("title")))[0] or name
                    xname = _split_unit(_text_of(_axis(layout, "xaxis").get("title")))[0]
                    if lang == "en":  # mid-sentence: "at digital share 0%, sends per … is 30"
                        xname, yname = (w[:1].lower() + w[1:] if w[1:2].islower() else w for w in (xname, yname))
                    sentences.append(t("export.summary.curve", lang, name=name, xname=xname, yname=yname,
                                       x0=_x_label(pts[0][0], lang, layout, True), y0=fmt(pts[0][1], lang),
                                       x1=_x_label(pts[-1][0], lang, layout, True), y1=fmt(pts[-1][1], lang)))
                else:
                    sentences.append(t("export.summary.line", lang, name=name, x0=_label(pts[0][0], lang),
                                       y0=fmt(pts[0][1], lang), x1=_label(pts[-1][0], lang),
                                       y1=fmt(pts[-1][1], lang)))
            continue
        elif kind == "heatmap":
            z = [v for v in _flat(_values(trace, "z")) if v is not None and v == v]
            fmt = _series_format(trace, layout, "z", None, titles)
            if z:
                sentences.append(t("export.summary.heatmap", lang, name=name, lo=fmt(min(z), lang),
                                   hi=fmt(max(z), lang)))
            continue
        elif kind in ("waterfall", "funnel"):
            vals, labels = _values(trace, "y" if kind == "waterfall" else "x"), \
                _values(trace, "x" if kind == "waterfall" else "y")
            fmt = _series_format(trace, layout, "y" if kind == "waterfall" else "x",
                                 "yaxis" if kind == "waterfall" else None, titles)
            pairs = [(lab, v) for lab, v in zip(labels, vals) if v is not None and v == v]
            if pairs:
                sentences.append(t("export.summary.steps", lang, name=name, steps=_sep(lang).join(
                    f"{_label(lab, lang)} {fmt(v, lang)}" for lab, v in pairs[:8])))
            continue
        else:
            continue
        if not pairs:
            continue
        ranked = sorted(pairs, key=lambda p: p[1], reverse=True)
        if len(ranked) <= 2 * top:
            sentences.append(t("export.summary.all", lang, name=name, n=len(ranked), items=_sep(lang).join(
                f"{_label(lab, lang)} {fmt(v, lang)}" for lab, v in ranked)))
            continue
        hi = _sep(lang).join(f"{_label(lab, lang)} {fmt(v, lang)}" for lab, v in ranked[:top])
        lo = _sep(lang).join(f"{_label(lab, lang)} {fmt(v, lang)}" for lab, v in ranked[::-1][:top])
        sentences.append(t("export.summary.extremes", lang, name=name, n=len(pairs), top=hi, bottom=lo))
    if not sentences:
        return t("export.summary.empty", lang)
    return (" " if lang == "en" else "").join(sentences[:6])
