"""Figure builders: offline maps (white-bg, shipped GeoJSON), ordering, highlight not by colour alone."""
from __future__ import annotations

import pandas as pd
import pytest

from analytics.reports import adoption_charts as ch

FRAME = pd.DataFrame({"prefecture_code": ["01", "13", "30"], "prefecture": ["北海道", "東京都", "和歌山県"],
                      "offices": [2, 4, 6], "registered": [0, 1, 3], "adoption_rate": [0.0, 0.25, 0.5]})


def test_choropleth_is_offline_and_complete():
    fig = ch.choropleth_map(FRAME, highlight="13")
    assert fig.layout.map.style == "white-bg"
    base, data, hl, inset = fig.data
    # every prefecture drawn once: grey without data (44), coloured with data (3); each trace carries the
    # outlines of its own prefectures only, so the figure holds each outline once (plus the highlight's)
    assert len(base.locations) == 44 and base.geojson["features"][0]["id"] == "02"
    assert sorted(list(base.locations) + list(data.locations)) == [f"{i:02d}" for i in range(1, 48)]
    for trace in (base, data, hl):
        assert [f["id"] for f in trace.geojson["features"]] == sorted(trace.locations)
    assert [f["id"] for f in hl.geojson["features"]] == ["13"]
    # Okinawa is drawn inside the inset frame in the Sea of Japan, not 1,000 km off the frame
    okinawa = next(f for f in base.geojson["features"] if f["id"] == "47")
    lons = [x for ring in okinawa["geometry"]["coordinates"] for x, _ in ring]
    assert min(inset.lon) < min(lons) and max(lons) < max(inset.lon)
    assert list(data.locations) == ["01", "13", "30"] and list(data.z) == [0, 25, 50]
    assert list(hl.locations) == ["13"] and hl.marker.line.width == 4
    assert "mapbox" not in fig.to_json()  # no token-based tiles


@pytest.mark.parametrize("sort,expected", [("jis", ["北海道", "東京都", "和歌山県"]),
                                           ("value", ["和歌山県", "東京都", "北海道"])])
def test_ranking_order_and_national_line(sort, expected):
    fig = ch.ranking_bar(FRAME, sort=sort, national=4 / 12)
    assert list(fig.data[0].y) == expected
    assert fig.layout.shapes[0].x0 == pytest.approx(100 / 3)
    assert "全国平均 33.3%" in fig.layout.annotations[0].text


def test_ranking_highlight_has_pattern_and_label():
    fig = ch.ranking_bar(FRAME, highlight="30", lang="en")
    bar = fig.data[0]
    assert list(bar.y)[2] == "▶ 和歌山県（selected）"
    assert list(bar.marker.pattern.shape) == ["", "", "/"]
    assert list(bar.text) == ["0.0%", "25.0%", "50.0%"]


def test_missing_values_are_not_zero():
    frame = FRAME.assign(adoption_rate=[None, 0.25, 0.5])
    assert list(ch.ranking_bar(frame).data[0].y) == ["東京都", "和歌山県"]
    assert list(ch.choropleth_map(frame).data[1].locations) == ["13", "30"]


def test_trend_series_differ_by_dash_and_marker():
    frame = pd.DataFrame({"month": pd.to_datetime(["2025-07-01", "2025-08-01"] * 2).date,
                          "area": ["和歌山県", "和歌山県", "全国", "全国"], "adoption_rate": [0.1, 0.2, 0.3, 0.4]})
    fig = ch.trend_line(frame)
    assert [t.name for t in fig.data] == ["和歌山県", "全国"]
    assert fig.data[0].line.dash != fig.data[1].line.dash
    assert fig.data[0].marker.symbol != fig.data[1].marker.symbol
    assert list(fig.data[1].y) == [pytest.approx(30), pytest.approx(40)]


def test_scatter_map_white_bg_with_outline():
    munis = pd.DataFrame({"municipality": ["和歌山市", "御坊市"], "lat": [34.23, 33.89], "lon": [135.17, 135.15],
                          "offices": [3, 3], "registered": [2, 1], "adoption_rate": [2 / 3, 1 / 3]})
    fig = ch.scatter_map(munis, prefecture="30")
    assert fig.layout.map.style == "white-bg"
    assert fig.data[0].type == "choroplethmap" and list(fig.data[0].locations) == ["30"]
    assert fig.data[1].type == "scattermap" and fig.data[1].mode == "markers"  # no text: no glyph fetches
    assert 3 <= fig.layout.map.zoom <= 11


def test_funnel_and_kind_bar():
    fig = ch.funnel_chart([("事業所", 12), ("登録", 4), ("データ連携", 4)])
    assert list(fig.data[0].x) == [12, 4, 4]
    kinds = pd.DataFrame({"kind": ["kyotaku", "service"], "adoption_rate": [2 / 3, 1 / 3]})
    bar = ch.kind_bar(kinds).data[0]
    assert list(bar.y) == ["居宅介護支援", "サービス事業所"] and list(bar.marker.pattern.shape) == ["", "."]
