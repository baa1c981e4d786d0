"""Plotly figures for adoption (data → figure, no I/O but the shipped GeoJSON).

Offline by construction: maps use ``Choroplethmap``/``Scattermap`` with ``map_style="white-bg"`` (no tiles,
no CDN) and no text symbols (they would fetch glyphs). A highlighted prefecture is marked by a thick
outline, a hatch pattern and a label, never by colour alone (デジタル庁 design guidance).
"""
from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go

from analytics.domain import formats
from analytics.i18n import t
from analytics.reports import style

SCALE = "Blues"
# circles on a pale outline: start the scale at a visible blue so a 0 % municipality still shows
POINT_SCALE = [[0, "#9ecae1"], [1, "#08306b"]]
HIGHLIGHT = "#d9480f"
FONT = "Noto Sans CJK JP, Noto Sans JP, sans-serif"
JAPAN_CENTER = {"lat": 37.6, "lon": 136.4}
JAPAN_ZOOM = 3.95


def _layout(fig: go.Figure, height: int) -> go.Figure:
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=30, b=10), font=dict(family=FONT),
                      paper_bgcolor="white")
    return style.number_format(fig)


def _fmt(value: float, percent: bool, points: bool = False, lang: str = "ja") -> str:
    """A fraction as '9.7%'; a change of a rate as '+13.0 ポイント' / '+13.0 pt' (percentage points, never %)."""
    if formats.is_missing(value):
        return formats.MISSING
    if points:
        return formats.points(value, lang)
    return formats.percent(value) if percent else f"{value:,.1f}"


def _unit_title(label: str, percent: bool, points: bool, lang: str) -> str:
    """Axis and colour-bar titles: '登録率 (%)', '登録率の変化（ポイント）' / '… (percentage points)'."""
    if points:
        return label + t("adoption.unit.points_title", lang)
    return label + (" (%)" if percent else "")


def _hover_value(ref: str, percent: bool, points: bool, lang: str) -> str:
    """The hover field of a value plotted ×100 when it is a rate (percent) or a change of one (points)."""
    if points:
        return formats.hover_points(ref, lang)
    return formats.hover_percent(ref, scaled=True, grouping=True) if percent else "%{" + ref + ":,.1f}"


def _outlines(geo: dict, codes) -> dict:
    """The FeatureCollection of the given prefecture codes only (features shared, not copied)."""
    wanted = set(codes)
    return {"type": "FeatureCollection", "features": [f for f in geo["features"] if f["id"] in wanted]}


def choropleth_map(frame: pd.DataFrame, value: str = "adoption_rate", lang: str = "ja",
                   highlight: str | None = None, value_label: str | None = None, percent: bool = True,
                   height: int = 560, points: bool = False) -> go.Figure:
    """Prefectures coloured by ``value``; frame has prefecture_code, prefecture (name), value.
    Prefectures without data are drawn in light grey (no data is not 0). ``points``: the value is a change
    of a rate, shown in percentage points (ポイント), and may be negative."""
    from analytics.domain import geo as geo_mod
    geo = geo_mod.prefecture_geojson_display()  # Okinawa drawn as an inset
    value_label = value_label or t("adoption.chart.rate", lang)
    names = {f["id"]: f["properties"]["name_ja" if lang == "ja" else "name_en"] for f in geo["features"]}
    data = frame.dropna(subset=[value])
    # each trace carries the outlines of its own prefectures only, so the figure holds every outline
    # once (not once per trace: a third of the figure to copy, send and parse)
    no_data = [c for c in names if c not in set(data["prefecture_code"])]
    fig = go.Figure()
    fig.add_trace(go.Choroplethmap(
        geojson=_outlines(geo, no_data), locations=no_data, z=[0] * len(no_data), featureidkey="id",
        colorscale=[[0, "#eeeeee"], [1, "#eeeeee"]], showscale=False, marker_line_color="#999999",
        marker_line_width=0.5, text=[names[c] for c in no_data],
        hovertemplate="%{text}: " + t("adoption.chart.no_data", lang) + "<extra></extra>"))
    scale = 100 if (percent or points) else 1
    z = data[value] * scale
    fig.add_trace(go.Choroplethmap(
        geojson=_outlines(geo, data["prefecture_code"]), locations=data["prefecture_code"], z=z,
        featureidkey="id",
        colorscale=SCALE, zmin=min(0.0, float(z.min())) if len(z) else 0, marker_line_color="#555555",
        marker_line_width=0.6,
        text=data["prefecture"], customdata=data[[c for c in ("offices", "registered") if c in data] or [value]],
        colorbar=dict(title=_unit_title(value_label, percent, points, lang), thickness=12),
        hovertemplate="%{text}<br>" + value_label + ": " + _hover_value("z", percent, points, lang)
        + "<extra></extra>"))
    if highlight and highlight in names:
        fig.add_trace(go.Choroplethmap(
            geojson=_outlines(geo, [highlight]), locations=[highlight], z=[1], featureidkey="id",
            colorscale=[[0, "rgba(0,0,0,0)"], [1, "rgba(0,0,0,0)"]], showscale=False,
            marker_line_color=HIGHLIGHT, marker_line_width=4, hoverinfo="skip", name=names[highlight]))
    box_lon, box_lat = geo_mod.inset_box_lines()
    fig.add_trace(go.Scattermap(lon=box_lon, lat=box_lat, mode="lines", line=dict(color="#777777", width=1),
                                hoverinfo="skip", showlegend=False, name="inset"))
    fig.update_layout(map=dict(style="white-bg", center=geo_mod.INSET_CENTER, zoom=geo_mod.INSET_ZOOM))
    return _layout(fig, height)


def _text_width(text: str, size: int = 12) -> int:
    """Rough pixel width of a label (full-width characters count double)."""
    return int(sum(size if ord(ch) > 0x2E7F else size * 0.6 for ch in text)) + 6


def ranking_bar(frame: pd.DataFrame, value: str = "adoption_rate", lang: str = "ja",
                highlight: str | None = None, national: float | None = None, sort: str = "jis",
                percent: bool = True, value_label: str | None = None, points: bool = False) -> go.Figure:
    """Horizontal bars, one per prefecture, in JIS order (01 at the top) or by value (largest at the top).
    The national value is a dashed line labelled above the plot; the highlighted prefecture is hatched,
    labelled and outlined. ``points``: changes of a rate in percentage points (ポイント).

    The values stand in one column right of the longest bar and of the national line (a text trace in the
    right margin), so no label ever sits on the dashed line, whatever the values."""
    value_label = value_label or t("adoption.chart.rate", lang)
    data = frame.dropna(subset=[value]).copy()
    if sort == "value":
        data = data.sort_values([value, "prefecture_code"], ascending=[False, True])
    else:
        data = data.sort_values("prefecture_code")
    scale = 100 if (percent or points) else 1
    is_hl = (data["prefecture_code"] == highlight).tolist()
    marker_label = t("adoption.chart.selected", lang)
    labels = [f"▶ {n}（{marker_label}）" if h else n for n, h in zip(data["prefecture"], is_hl)]
    texts = [_fmt(v, percent, points, lang) for v in data[value]]
    has_national = national is not None and not pd.isna(national)
    fig = go.Figure(go.Bar(
        x=data[value] * scale, y=labels, orientation="h",
        marker=dict(color=[HIGHLIGHT if h else "#2b6cb0" for h in is_hl],
                    pattern=dict(shape=["/" if h else "" for h in is_hl], fgcolor="white"),
                    line=dict(color=["black" if h else "rgba(0,0,0,0)" for h in is_hl], width=2)),
        text=texts, textposition="none",
        hovertemplate="%{y}: %{text}<extra></extra>"))
    values = list((data[value] * scale).dropna()) + ([national * scale] if has_national else [])
    lo, hi = min(values + [0]), max(values + [0])
    span = (hi - lo) or 1
    column_x = hi + span * 0.02
    fig.add_trace(go.Scatter(
        x=[column_x] * len(labels), y=labels, mode="text", text=texts, textposition="middle right",
        textfont=dict(size=12, color=style.TEXT_COLOUR), cliponaxis=False, hoverinfo="skip",
        showlegend=False, name="values"))
    if has_national:
        fig.add_vline(x=national * scale, line_dash="dash", line_color="black",
                      annotation_text=f"{t('adoption.chart.national', lang)} {_fmt(national, percent, points, lang)}",
                      annotation_position="top", annotation_yanchor="bottom")
    fig.update_yaxes(autorange="reversed", title=None, type="category")
    fig.update_xaxes(title=_unit_title(value_label, percent, points, lang),
                     range=[lo - (span * 0.05 if lo < 0 else 0), column_x])
    _layout(fig, max(300, 22 * len(data) + 90))
    # the value column lives in the right margin: as wide as the longest label
    fig.update_layout(margin=dict(r=10 + max([_text_width(x) for x in texts] + [30]), t=40), showlegend=False)
    return fig


def ranking_columns(frame: pd.DataFrame, value: str = "adoption_rate", lang: str = "ja",
                    highlight: str | None = None, national: float | None = None, first: int = 24,
                    percent: bool = True) -> go.Figure:
    """The 47 prefectures by value (largest first) in two columns side by side, the first ``first`` on the
    left: on a printed page or a slide each name then has twice the height of one long column (a single
    column of 47 printed its names at 2.6 pt). Each label carries its rank (「12 青森県」); both columns
    share one value axis, the national line and the value column of ``ranking_bar``."""
    from plotly.subplots import make_subplots
    data = frame.dropna(subset=[value]).sort_values([value, "prefecture_code"], ascending=[False, True])
    data = data.reset_index(drop=True)
    data["prefecture"] = [f"{i} {n}" for i, n in enumerate(data["prefecture"], 1)]
    whole = ranking_bar(data, value, lang, highlight, national, sort="value", percent=percent)
    x_range = list(whole.layout.xaxis.range)
    scale = 100 if percent else 1
    span = (x_range[1] - x_range[0]) or 1
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.14)
    for col, part in ((1, data.iloc[:first]), (2, data.iloc[first:])):
        if not len(part):
            continue
        sub = ranking_bar(part, value, lang, highlight, national, sort="value", percent=percent)
        # each column's values just right of its own longest bar and of the national line, on the shared axis
        ends = list(part[value] * scale) + ([national * scale] if national is not None and not pd.isna(national) else [])
        column_x = min(max(ends + [0]) + span * 0.02, x_range[1])   # past the range end it is not drawn
        for trace in sub.data:
            if trace.type == "scatter" and trace.mode == "text":
                trace.x = [column_x] * len(trace.y)
            fig.add_trace(trace, row=1, col=col)
        for shape in sub.layout.shapes:
            fig.add_shape(shape, row=1, col=col)
        for note in sub.layout.annotations:
            fig.add_annotation(note, row=1, col=col)
        fig.update_yaxes(autorange="reversed", type="category", title=None, dtick=1, row=1, col=col)
        fig.update_xaxes(range=x_range, title=whole.layout.xaxis.title.text, row=1, col=col)
    _layout(fig, 22 * first + 90)
    fig.update_layout(margin=whole.layout.margin, showlegend=False)
    return fig


def trend_line(frame: pd.DataFrame, series: str = "area", y: str = "adoption_rate", lang: str = "ja",
               percent: bool = True, value_label: str | None = None) -> go.Figure:
    """One line per series (column ``series``) over ``month``; series differ by dash and marker too.
    Months read 2024年9月 / 2024-09 on the axis and in the hover."""
    value_label = value_label or t("adoption.chart.rate", lang)
    dashes = ["solid", "dash", "dot", "dashdot", "longdash", "longdashdot"]
    symbols = ["circle", "square", "diamond", "triangle-up", "x", "star"]
    fig = go.Figure()
    scale = 100 if percent else 1
    for i, (name, part) in enumerate(frame.groupby(series, sort=False)):
        fig.add_trace(go.Scatter(
            x=pd.to_datetime(part["month"]), y=part[y] * scale, name=str(name), mode="lines+markers",
            line=dict(dash=dashes[i % len(dashes)], width=2), marker=dict(symbol=symbols[i % len(symbols)], size=6),
            hovertemplate=f"{name} %{{x}}: " + (formats.hover_percent(scaled=True) if percent else "%{y:.1f}")
            + "<extra></extra>"))
    fig.update_yaxes(title=value_label + (" (%)" if percent else ""), rangemode="tozero")
    fig.update_xaxes(title=None)
    style.month_axis(fig, lang, months=frame["month"].nunique() if len(frame) else None)
    fig.update_layout(legend=dict(orientation="h", y=-0.15))
    return _layout(fig, 380)


def _outline(code: str) -> list:
    from analytics.domain.geo import prefecture_geojson
    for feature in prefecture_geojson()["features"]:
        if feature["id"] == code:
            geom = feature["geometry"]
            polys = [geom["coordinates"]] if geom["type"] == "Polygon" else geom["coordinates"]
            return [pt for poly in polys for pt in poly[0]]
    return []


def _mercator(lat: float) -> float:
    return math.log(math.tan(math.pi / 4 + math.radians(max(-85.0, min(85.0, lat))) / 2))


def fit_view(lats, lons, width: int, height: int, pad: float = 0.08) -> tuple[dict, float]:
    """Center and zoom at which the box around lats/lons fills a width × height pixel map (pad: the share
    left free around it): the web-Mercator world is 512 × 2**zoom pixels wide."""
    x = max(max(lons) - min(lons), 0.05) / 360
    y0, y1 = _mercator(min(lats)), _mercator(max(lats))
    y = max(y1 - y0, 0.001) / (2 * math.pi)
    zoom = math.log2(min(width * (1 - pad) / x, height * (1 - pad) / y) / 512)
    lat = math.degrees(2 * math.atan(math.exp((y0 + y1) / 2)) - math.pi / 2)
    return {"lat": lat, "lon": (max(lons) + min(lons)) / 2}, max(3.0, min(11.0, zoom))


def scatter_map(frame: pd.DataFrame, lang: str = "ja", prefecture: str | None = None,
                value: str = "adoption_rate", fit: tuple[int, int] | None = None,
                min_offices: int | None = None) -> go.Figure:
    """Municipalities as circles at the mean of their offices' coordinates (size = offices, colour = rate),
    over the prefecture's outline; frame has municipality, lat, lon, offices, registered, value.
    The hover reads the rate with its n (「登録率: 100.0%（n=1）」); with ``min_offices`` (and the frame's
    ``rankable`` of ``services.adoption.rank_areas``) an area too small to rank says so.
    fit: the map's plot size in pixels (width, height) when known (a slide image): the view then fills it."""
    from analytics.domain.geo import prefecture_geojson
    data = frame.dropna(subset=["lat", "lon"])
    fig = go.Figure()
    if prefecture:
        geo = prefecture_geojson()
        fig.add_trace(go.Choroplethmap(
            geojson=geo, locations=[prefecture], z=[1], featureidkey="id",
            colorscale=[[0, "#f3f3f3"], [1, "#f3f3f3"]], showscale=False, marker_line_color="#777777",
            marker_line_width=1, hoverinfo="skip"))
    small = (~data["rankable"].astype(bool)) if (min_offices and "rankable" in data) else pd.Series(False, data.index)
    note = "<br>" + t("adoption.muni.small_area", lang, n=min_offices) if min_offices else ""
    notes = [note if s else "" for s in small]
    biggest = max(float(data["offices"].max()) if len(data) else 1.0, 1.0)
    top = max(float(data[value].max()) * 100 if len(data) and data[value].notna().any() else 0.0, 1.0)
    fig.add_trace(go.Scattermap(
        lat=data["lat"], lon=data["lon"], mode="markers",
        # a suppressed count (a viewer's scope) is blank: its circle at the smallest size
        marker=dict(size=(10 + 30 * (data["offices"].astype(float) / biggest) ** 0.5).fillna(10).tolist(),
                    color=data[value] * 100,
                    colorscale=POINT_SCALE, cmin=0, cmax=top, cauto=False, showscale=True, opacity=0.9,
                    colorbar=dict(title=t("adoption.chart.rate", lang) + " (%)", thickness=12)),
        text=data["municipality"], customdata=list(zip(data["offices"], data["registered"], notes)),
        hovertemplate=("%{text}<br>" + t("adoption.chart.rate", lang) + ": "
                       + formats.hover_rate_with_n("marker.color", "customdata[0]", lang) + "<br>"
                       + t("adoption.chart.registered", lang) + ": %{customdata[1]}%{customdata[2]}"
                       + "<extra></extra>")))
    lons, lats = list(data["lon"]), list(data["lat"])
    if prefecture:
        ring = _outline(prefecture)
        lons += [p[0] for p in ring]
        lats += [p[1] for p in ring]
    if lons and fit:
        center, zoom = fit_view(lats, lons, *fit)
    elif lons:
        center = {"lat": (max(lats) + min(lats)) / 2, "lon": (max(lons) + min(lons)) / 2}
        span = max(max(lats) - min(lats), max(lons) - min(lons), 0.2)
        zoom = max(3.0, min(11.0, math.log2(360 / span) - 1.3))
    else:
        center, zoom = JAPAN_CENTER, JAPAN_ZOOM
    fig.update_layout(map=dict(style="white-bg", center=center, zoom=zoom), showlegend=False)
    return _layout(fig, 480)


def funnel_text(stages: list[tuple[str, float]], lang: str = "ja") -> list[str]:
    """'14,350', '1,398（9.7%）', '946（6.6%）': counts with separators and the share of the first stage to one
    decimal, as on the tiles (plotly's own 'value+percent initial' reads '14.35k' and rounds 9.7% to 10%)."""
    first = float(stages[0][1]) if stages else 0.0
    out = []
    for i, (_label, count) in enumerate(stages):
        text = f"{int(round(float(count))):,}"
        if i and first > 0:
            share = formats.percent(float(count) / first)
            text += f"（{share}）" if lang == "ja" else f" ({share})"
        out.append(text)
    return out


def funnel_chart(stages: list[tuple[str, float]], lang: str = "ja") -> go.Figure:
    """事業所 → 登録 → データ連携で交換中: counts with the share of the first stage."""
    text = funnel_text(stages, lang)
    # a stage under 40 % of the first is too narrow for its label: outside, in dark text, in every language
    # (plotly's "auto" squeezed "946 (6.6%)" into a narrow bar in tiny white type)
    first = float(stages[0][1]) if stages and float(stages[0][1]) > 0 else 0.0
    position = ["inside" if first and float(c) >= 0.4 * first else "outside" for _label, c in stages]
    # named with its unit, so the text summary under the chart says what the counts are
    fig = go.Figure(go.Funnel(name=t("adoption.funnel.series", lang), y=[s[0] for s in stages],
                              x=[s[1] for s in stages], text=text, textinfo="text", textposition=position,
                              outsidetextfont=dict(color="#1a202c"), constraintext="none",
                              hovertemplate="%{y}: %{text}<extra></extra>",
                              marker=dict(color=["#90cdf4", "#4299e1", "#2b6cb0"])))
    return _layout(fig, 300)


def kind_bar(frame: pd.DataFrame, lang: str = "ja") -> go.Figure:
    """Adoption by office kind (居宅介護支援 / サービス事業所): frame has kind, adoption_rate."""
    labels = [t(f"common.kind.{k}", lang) for k in frame["kind"]]
    fig = go.Figure(go.Bar(x=frame["adoption_rate"] * 100, y=labels, orientation="h",
                           marker=dict(color=["#2b6cb0", "#63b3ed"][: len(labels)],
                                       pattern=dict(shape=["", "."][: len(labels)])),
                           text=[_fmt(v, True) for v in frame["adoption_rate"]], textposition="outside",
                           cliponaxis=False))
    top = max([float(v) * 100 for v in frame["adoption_rate"].dropna()] + [1.0])
    fig.update_xaxes(title=t("adoption.chart.rate", lang) + " (%)", range=[0, top * 1.15])
    fig.update_yaxes(title=None, autorange="reversed")
    return _layout(fig, 200)
