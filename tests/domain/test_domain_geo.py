"""The shipped prefecture GeoJSON: 47 features keyed 01–47, lon/lat within Japan, capitals inside."""
from __future__ import annotations

import pytest

from analytics import reference
from analytics.domain.codes import prefectures
from analytics.domain.geo import GEOJSON, point_in_prefecture, prefecture_geojson


def test_geojson_has_47_features_keyed_by_code():
    data = prefecture_geojson()
    assert data["type"] == "FeatureCollection"
    features = data["features"]
    assert len(features) == 47
    assert [f["id"] for f in features] == [f"{i:02d}" for i in range(1, 48)]
    assert [f["properties"]["code"] for f in features] == [f"{i:02d}" for i in range(1, 48)]
    names = dict(zip(prefectures()["code"], prefectures()["name_ja"]))
    assert all(f["properties"]["name_ja"] == names[f["id"]] for f in features)
    assert 50_000 < len(reference.path(GEOJSON).read_bytes()) < 400_000


def test_geojson_coordinates_are_lon_lat_in_japan():
    total = 0
    for feature in prefecture_geojson()["features"]:
        assert feature["geometry"]["type"] == "Polygon"
        ring = feature["geometry"]["coordinates"][0]
        assert ring[0] == ring[-1] and len(ring) >= 4
        total += len(ring)
        for lon, lat in ring:
            assert 122 <= lon <= 154 and 20 <= lat <= 46, (feature["id"], lon, lat)
    assert 3_000 < total < 20_000


@pytest.mark.parametrize("code, lon, lat", [
    ("01", 141.3469, 43.0642),   # 札幌
    ("13", 139.6917, 35.6895),   # 新宿
    ("30", 135.1675, 34.2260),   # 和歌山市
    ("47", 127.6809, 26.2124),   # 那覇
])
def test_known_points_fall_in_their_prefecture(code, lon, lat):
    assert point_in_prefecture(lon, lat, code)
    assert not point_in_prefecture(lon, lat, "20" if code != "20" else "21")


def test_every_capital_lies_inside_its_prefecture():
    for row in prefectures().itertuples(index=False):
        assert point_in_prefecture(row.lon, row.lat, row.code), row.name_ja


def test_geojson_works_with_plotly_choropleth_map():
    import pandas as pd
    import plotly.express as px

    frame = pd.DataFrame({"prefecture_code": [f"{i:02d}" for i in range(1, 48)], "adoption_rate": range(47)})
    fig = px.choropleth_map(frame, geojson=prefecture_geojson(), locations="prefecture_code",
                            featureidkey="properties.code", color="adoption_rate", map_style="white-bg")
    assert list(fig.data[0].locations) == list(frame["prefecture_code"])
    assert fig.layout.map.style == "white-bg"
