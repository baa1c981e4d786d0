"""The print version of the maps (analytics.reports.print_maps): the same outlines, colours and colour bar
as the app's MapLibre maps, drawn as x/y traces that a PDF keeps as vector paths (no chromium needed)."""
from __future__ import annotations

import pandas as pd
import pytest

from analytics.domain import geo
from analytics.reports import adoption_charts as ac
from analytics.reports import print_maps

PREFS = pd.DataFrame({"prefecture_code": ["01", "13", "30"], "prefecture": ["北海道", "東京都", "和歌山県"],
                      "offices": [100, 100, 100], "registered": [0, 10, 20], "adoption_rate": [0.0, 0.1, 0.2]})
MUNIS = pd.DataFrame({"municipality": ["和歌山市", "田辺市"], "lat": [34.23, 33.73], "lon": [135.17, 135.38],
                      "offices": [40, 12], "registered": [4, 5], "adoption_rate": [0.1, 0.42]})


def test_choropleth_becomes_one_filled_outline_per_prefecture_and_keeps_its_colour_bar():
    fig = ac.choropleth_map(PREFS, highlight="30")
    assert print_maps.has_map(fig)
    out = print_maps.to_xy(fig)
    assert not print_maps.has_map(out) and {tr.type for tr in out.data} == {"scatter"}
    filled = [tr for tr in out.data if tr.fill == "toself"]
    assert len(filled) == 47                          # 3 with data, 44 without (grey), each once
    # the highlight's thick outline is a line, not a fill
    assert any(tr.fill == "none" and tr.line.width == 4 for tr in out.data)
    assert {tr.fillcolor for tr in filled[:44]} == {"#eeeeee"}
    assert filled[44].fillcolor != filled[46].fillcolor      # 0 % and 20 % differ
    bars = [tr for tr in out.data if tr.marker.showscale]
    assert len(bars) == 1 and bars[0].marker.colorbar.title.text == "登録率 (%)"
    assert bars[0].marker.colorbar.tickformat == ","
    assert out.layout.yaxis.scaleanchor == "x" and out.layout.yaxis.scaleratio == 1
    assert out.layout.xaxis.visible is False
    assert all(tr.line.dash == "solid" for tr in out.data if tr.mode == "lines")


def test_scatter_map_keeps_circles_sizes_and_colours_on_the_prefecture_outline():
    fig = ac.scatter_map(MUNIS, prefecture="30")
    out = print_maps.to_xy(fig)
    outline, circles = out.data
    assert outline.fill == "toself"
    ring = geo.prefecture_geojson()["features"][29]["geometry"]["coordinates"][0]
    assert outline.x[:len(ring)] == tuple(p[0] for p in ring)
    source = next(tr for tr in fig.data if tr.type == "scattermap")
    assert circles.marker.size == source.marker.size and list(circles.marker.color) == list(source.marker.color)
    assert circles.marker.showscale and circles.x == tuple(MUNIS["lon"])
    # web-Mercator northing: further north stretches more, as on the screen's map
    assert circles.y[0] == pytest.approx(print_maps._y(34.23)) and print_maps._y(34.23) > 34.23
