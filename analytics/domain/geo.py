"""Prefecture boundaries shipped in analytics/reference/prefectures.geojson (built by scripts/build_geojson.py from japanmap)."""
from __future__ import annotations

import copy
import functools
import json

from analytics import reference

GEOJSON = "prefectures.geojson"


@functools.lru_cache(maxsize=None)
def _load() -> dict:
    return json.loads(reference.read_text(GEOJSON))


def prefecture_geojson(copy_: bool = False) -> dict:
    """FeatureCollection of the 47 prefectures; each feature has ``id`` = ``properties.code`` = '01'..'47'
    and ``properties.name_ja`` / ``name_en``. Coordinates are [lon, lat] (main area of each prefecture).

    Use with ``px.choropleth_map(frame, geojson=prefecture_geojson(), locations="prefecture_code",
    featureidkey="properties.code", map_style="white-bg")``. The cached object is shared: pass
    ``copy_=True`` if you need to modify it.
    """
    data = _load()
    return copy.deepcopy(data) if copy_ else data


def point_in_prefecture(lon: float, lat: float, code: str) -> bool:
    """True when (lon, lat) lies inside the shipped polygon of prefecture ``code`` (ray casting)."""
    for feature in _load()["features"]:
        if feature["id"] == code:
            ring = feature["geometry"]["coordinates"][0]
            inside = False
            for (x1, y1), (x2, y2) in zip(ring, ring[1:]):
                if (y1 > lat) != (y2 > lat) and lon < (x2 - x1) * (lat - y1) / (y2 - y1) + x1:
                    inside = not inside
            return inside
    return False


# Japan's view for choropleth_map: centre and zoom that show Hokkaido to Okinawa
MAP_CENTER = {"lat": 37.5, "lon": 137.0}
MAP_ZOOM = 3.6


# Okinawa lies ~1,000 km south-west of Kyushu; like printed maps of Japan we draw it as an inset in the
# empty Sea of Japan so the main islands can fill the frame. Shift in degrees (lon, lat) and the inset box.
OKINAWA_SHIFT = (5.2, 13.3)
OKINAWA_BOX = ((131.6, 38.6), (134.2, 41.0))
INSET_CENTER = {"lat": 37.2, "lon": 137.6}
INSET_ZOOM = 4.05


@functools.lru_cache(maxsize=None)
def _display() -> dict:
    data = copy.deepcopy(_load())
    dx, dy = OKINAWA_SHIFT
    for feature in data["features"]:
        if feature["id"] == "47":
            feature["geometry"]["coordinates"] = [
                [[x + dx, y + dy] for x, y in ring] for ring in feature["geometry"]["coordinates"]]
    return data


def prefecture_geojson_display() -> dict:
    """The outlines for national maps: as ``prefecture_geojson`` but with Okinawa moved into an inset
    (``OKINAWA_BOX``). Only for drawing: never use these coordinates to place or test points."""
    return _display()


def inset_box_lines() -> tuple[list[float], list[float]]:
    """lon, lat lists of the inset frame (a closed rectangle) for a line trace."""
    (x0, y0), (x1, y1) = OKINAWA_BOX
    return [x0, x1, x1, x0, x0], [y0, y0, y1, y1, y0]
