"""Build analytics/reference/prefectures.geojson from the japanmap package (Apache-2.0).

    .venv/bin/python scripts/build_geojson.py

japanmap ships the boundaries of the 47 prefectures; ``pref_points(get_data())`` gives one polygon per
prefecture (its main area only, no outlying islands) as [lon, lat] points in JIS order. We write them as a
FeatureCollection with ``id`` = ``properties.code`` = '01'..'47' (plotly's choropleth_map keys on it) and
the Japanese and English names from analytics/reference/prefectures.csv. Coordinates are rounded to 4 decimals (≈10 m).
"""
from __future__ import annotations

import csv
import json
import pathlib

from japanmap import get_data, pref_points

ROOT = pathlib.Path(__file__).resolve().parents[1]
OUT = ROOT / "analytics" / "reference" / "prefectures.geojson"


def _signed_area(ring: list[list[float]]) -> float:
    return sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:])) / 2


def build() -> dict:
    with open(ROOT / "analytics" / "reference" / "prefectures.csv", encoding="utf-8") as handle:
        names = {row["code"]: row for row in csv.DictReader(handle)}
    polygons = pref_points(get_data())
    if len(polygons) != 47:
        raise SystemExit(f"japanmap gave {len(polygons)} polygons, expected 47")
    features = []
    for number, points in enumerate(polygons, start=1):
        code = f"{number:02d}"
        ring = [[round(float(lon), 4), round(float(lat), 4)] for lon, lat in points]
        if ring[0] != ring[-1]:
            ring.append(ring[0])  # GeoJSON rings are closed
        if _signed_area(ring) < 0:
            ring.reverse()  # RFC 7946: exterior rings counter-clockwise
        features.append({
            "type": "Feature",
            "id": code,
            "properties": {"code": code, "name_ja": names[code]["name_ja"], "name_en": names[code]["name_en"]},
            "geometry": {"type": "Polygon", "coordinates": [ring]},
        })
    return {"type": "FeatureCollection", "features": features}


def main() -> None:
    collection = build()
    OUT.write_text(json.dumps(collection, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    points = sum(len(f["geometry"]["coordinates"][0]) for f in collection["features"])
    print(f"wrote {OUT} ({len(collection['features'])} features, {points} points, {OUT.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
