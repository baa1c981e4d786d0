"""The pack's maps redrawn for print as plain x/y traces, so that a PDF keeps them as vector paths.

``Choroplethmap`` and ``Scattermap`` are drawn by MapLibre on a WebGL canvas, and chromium prints a
canvas as a picture (the PDF's map was an 879 × 416 image at 98 ppi, its outlines blurred on A4). Plotly's
SVG ``geo`` maps would stay vector but need plotly's world base map from its content network, which the
machines cannot reach. So each outline of the map's own GeoJSON (the shipped prefectures, nothing
fetched) becomes a filled ``Scatter`` polygon in web-Mercator coordinates with equal axis scaling (the map
looks as on screen), each circle a ``Scatter`` marker, and each colour bar stays a colour bar.
The app's maps are untouched: only ``figure_render.render(…, "pdf")`` calls ``to_xy``.
"""
from __future__ import annotations

import math

import plotly.graph_objects as go
from plotly.colors import sample_colorscale

MAP_TRACES = {"choroplethmap", "scattermap"}
LINE_PX_MIN = 0.75        # thinner borders vanish on a laser print (0.75 px = 0.56 pt)


def _y(lat: float) -> float:
    """Web-Mercator northing in degrees (equal to longitude's scale at the equator)."""
    lat = max(-85.0, min(85.0, lat))
    return math.degrees(math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)))


def has_map(fig: go.Figure) -> bool:
    return any(trace.type in MAP_TRACES for trace in fig.data)


def _rings(geometry: dict) -> list:
    """Every ring (outer and holes) of a Polygon or MultiPolygon."""
    polys = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    return [ring for poly in polys for ring in poly]


def _path(geometry: dict) -> tuple[list, list]:
    """x, y of the rings, one after the other, separated by None (fill='toself' fills each)."""
    xs: list = []
    ys: list = []
    for ring in _rings(geometry):
        xs += [p[0] for p in ring] + [None]
        ys += [_y(p[1]) for p in ring] + [None]
    return xs, ys


def _feature_key(feature: dict, key: str):
    value = feature
    for part in key.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _colour_range(trace) -> tuple[float, float]:
    z = [float(v) for v in trace.z if v is not None and not math.isnan(float(v))]
    lo = trace.zmin if trace.zmin is not None else (min(z) if z else 0.0)
    hi = trace.zmax if trace.zmax is not None else (max(z) if z else 1.0)
    return float(lo), float(hi)


def _colour(scale, share: float) -> str:
    """The colour of a scale at share (0..1); a one-colour scale's colour as given (rgba kept)."""
    colours = {c for _, c in scale}
    return colours.pop() if len(colours) == 1 else sample_colorscale([list(stop) for stop in scale], [share])[0]


def _choropleth(trace) -> list[go.Scatter]:
    features = {_feature_key(f, trace.featureidkey or "id"): f for f in trace.geojson["features"]}
    lo, hi = _colour_range(trace)
    span = hi - lo
    # dash given: style.apply_style would dash every undashed line, outlines included
    line = dict(color=trace.marker.line.color or "#444444", width=max(trace.marker.line.width or 1, LINE_PX_MIN),
                dash="solid")
    out = []
    for location, z in zip(trace.locations, trace.z):
        feature = features.get(location)
        if feature is None:
            continue
        share = 0.0 if not span else min(1.0, max(0.0, (float(z) - lo) / span))
        fill = _colour(trace.colorscale, share)
        xs, ys = _path(feature["geometry"])
        transparent = fill.replace(" ", "").endswith(",0)")
        out.append(go.Scatter(x=xs, y=ys, mode="lines", line=line, fill="none" if transparent else "toself",
                              fillcolor=fill, hoverinfo="skip", showlegend=False))
    if trace.showscale is not False and trace.z is not None and len(trace.z):
        # the colour bar, on markers that draw nothing
        x0, y0 = out[0].x[0], out[0].y[0]
        out.append(go.Scatter(x=[x0, x0], y=[y0, y0], mode="markers", hoverinfo="skip", showlegend=False,
                              marker=dict(color=[lo, hi], colorscale=trace.colorscale, cmin=lo, cmax=hi, size=0.1,
                                          opacity=0, showscale=True, colorbar=trace.colorbar.to_plotly_json())))
    return out


def _scatter(trace) -> go.Scatter:
    y = [None if lat is None else _y(float(lat)) for lat in trace.lat]
    kwargs = dict(x=list(trace.lon), y=y, mode=trace.mode, hoverinfo="skip", showlegend=False)
    if "lines" in (trace.mode or ""):
        kwargs["line"] = dict(color=trace.line.color, width=max(trace.line.width or 1, LINE_PX_MIN),
                              dash="solid")
    if "markers" in (trace.mode or ""):
        marker = trace.marker.to_plotly_json()
        # a circle's edge: neighbouring circles stay apart in print
        kwargs["marker"] = dict(marker, line=dict(color="white", width=0.75))
    return go.Scatter(**kwargs)


def to_xy(fig: go.Figure) -> go.Figure:
    """fig with its map traces as x/y traces on hidden, equally scaled axes (other layout kept)."""
    data = []
    for trace in fig.data:
        if trace.type == "choroplethmap":
            data += _choropleth(trace)
        elif trace.type == "scattermap":
            data.append(_scatter(trace))
        else:
            data.append(trace)
    layout = fig.layout.to_plotly_json()
    layout.pop("map", None)
    out = go.Figure(data=data, layout=layout)
    out.update_layout(plot_bgcolor="white")
    out.update_xaxes(visible=False, showgrid=False, zeroline=False)
    out.update_yaxes(visible=False, showgrid=False, zeroline=False, scaleanchor="x", scaleratio=1)
    return out
