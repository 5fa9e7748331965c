#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Generate jingmen-training.json, the schematic training map of central Jingmen.

Usage: make-training.py OUT.json

Everything here is invented for training: the main roads carry real street names of
Dongbao and Duodao districts but run along simplified, approximate lines; the local grid is
made up. The output is deterministic (fixed seed), so regenerating it gives the same file.

The street network becomes the simulator's road graph, so the script builds a planar graph
(a node at every crossing), drops local streets that would run through lakes or parks, merges
nodes closer than MERGE_M and keeps only the largest connected component.
"""

import json
import math
import random
import sys

LAT0, LON0 = 31.015, 112.19
M_PER_DEG_LAT = 110574.0
M_PER_DEG_LON = 111320.0 * math.cos(math.radians(LAT0))

MERGE_M = 25.0        # crossings closer than this become one node
SPLIT_M = 700.0       # longer spans get intermediate nodes (for the simulator and labels)
SPEEDS = {"arterial": 60, "primary": 50, "secondary": 40, "local": 30}


def to_xy(lat, lon):
    return (lon - LON0) * M_PER_DEG_LON, (lat - LAT0) * M_PER_DEG_LAT


def to_ll(x, y):
    return LAT0 + y / M_PER_DEG_LAT, LON0 + x / M_PER_DEG_LON


def ellipse(lat, lon, r_ns_m, r_ew_m, n=18, wobble=0.0, rng=None):
    """A closed polygon [[lon, lat], ...] shaped like a slightly irregular ellipse."""
    pts = []
    for i in range(n):
        a = 2 * math.pi * i / n
        k = 1.0 + (rng.uniform(-wobble, wobble) if rng else 0.0)
        dy = math.sin(a) * r_ns_m * k
        dx = math.cos(a) * r_ew_m * k
        pts.append([round(lon + dx / M_PER_DEG_LON, 6), round(lat + dy / M_PER_DEG_LAT, 6)])
    pts.append(pts[0])
    return pts


# ---- Main roads: name, class, polyline of (lat, lon) --------------------------------------

MAIN_ROADS = [
    # north-south
    ("象山大道", "arterial", [(31.097, 112.1965), (31.075, 112.1978), (31.055, 112.1990),
                           (31.030, 112.2010), (31.005, 112.2030), (30.975, 112.2045),
                           (30.940, 112.2055)]),
    ("长宁大道", "arterial", [(31.088, 112.2290), (31.060, 112.2275), (31.035, 112.2262),
                           (31.005, 112.2248), (30.970, 112.2235), (30.935, 112.2225)]),
    ("深圳大道", "arterial", [(31.012, 112.2440), (30.985, 112.2430), (30.955, 112.2420),
                           (30.932, 112.2415)]),
    ("龙井大道", "primary", [(31.030, 112.1650), (31.000, 112.1685), (30.970, 112.1705),
                          (30.938, 112.1720)]),
    ("金虾路", "secondary", [(31.080, 112.2125), (31.055, 112.2128), (31.030, 112.2135),
                          (31.008, 112.2140)]),
    ("泉口路", "secondary", [(31.030, 112.1885), (31.010, 112.1875), (30.995, 112.1870)]),
    ("荆南路", "secondary", [(30.998, 112.2340), (30.965, 112.2330), (30.940, 112.2325)]),
    ("培公大道", "primary", [(31.066, 112.2440), (31.040, 112.2445), (31.014, 112.2442)]),
    # east-west
    ("海慧路", "primary", [(31.0600, 112.1500), (31.0585, 112.1750), (31.0578, 112.2000),
                        (31.0575, 112.2300), (31.0570, 112.2560)]),
    ("白庙路", "primary", [(31.0355, 112.1905), (31.0350, 112.2100), (31.0345, 112.2350),
                        (31.0340, 112.2560)]),
    ("月亮湖路", "primary", [(31.0175, 112.1580), (31.0170, 112.1900), (31.0175, 112.2150),
                          (31.0185, 112.2400), (31.0190, 112.2560)]),
    ("虎牙关大道", "arterial", [(31.0010, 112.1300), (31.0015, 112.1600), (31.0005, 112.1900),
                             (31.0000, 112.2200), (30.9995, 112.2600)]),
    ("杨湾路", "primary", [(30.9750, 112.1550), (30.9745, 112.1900), (30.9740, 112.2200),
                        (30.9740, 112.2550)]),
    ("培公路", "secondary", [(30.9580, 112.1720), (30.9575, 112.2000), (30.9570, 112.2330)]),
    ("团林路", "primary", [(30.9855, 112.2040), (30.9700, 112.1880), (30.9550, 112.1720),
                        (30.9330, 112.1500)]),
    ("子陵路", "secondary", [(31.0790, 112.1800), (31.0782, 112.1978), (31.0775, 112.2130),
                          (31.0770, 112.2290)]),
    ("车站路", "secondary", [(31.0660, 112.2277), (31.0662, 112.2360), (31.0665, 112.2440)]),
    ("中天街", "secondary", [(31.0460, 112.1960), (31.0458, 112.2130), (31.0455, 112.2268)]),
    ("凤凰路", "secondary", [(31.0260, 112.2015), (31.0262, 112.2135), (31.0265, 112.2258)]),
    ("掇刀路", "secondary", [(30.9870, 112.2045), (30.9868, 112.2240), (30.9866, 112.2435)]),
]

# Names for the invented local grid, used in order (each name for one local street).
LOCAL_NAMES = [
    "民主街", "文化路", "东宝路", "名泉路", "天鹅路", "星球路", "迎宾路", "竹园路", "建设路",
    "人民路", "白云路", "花园路", "向阳路", "东方路", "兴隆路", "和平路", "长青路", "友谊路",
    "新华路", "解放路", "光明路", "团结路", "青年路", "学府路", "园林路", "金泉路", "石化路",
    "杨家湾路", "桂园路", "松林路", "梅园路", "柏树路", "荷花路", "翠柳路", "鸿运路",
    "安居路", "长兴路", "望江路", "朝阳路", "泰和路", "太平路", "富民路", "瑞祥路", "康宁路",
    "明珠路", "书院路", "五里路", "龙泉路", "金龙路", "海慧一路", "海慧二路", "深圳一路",
    "深圳二路", "荆南一路", "荆南二路", "杨湾一路", "杨湾二路", "掇刀一路", "掇刀二路",
    "白庙一路", "白庙二路", "象山一路", "象山二路", "象山三路", "长宁一路", "长宁二路",
]

# Spacing of the invented local street grid inside each built-up area (URBAN), in metres.
LOCAL_SPACING = [720.0, 780.0]

WATER = []
GREEN = []
URBAN = []


def build_areas(rng):
    # 竹皮河 from the western hills through the city to the south-east.
    WATER.append({
        "name": "竹皮河", "kind": "river", "width_m": 32,
        "line": [[lon, lat] for lat, lon in [
            (31.0950, 112.1300), (31.0870, 112.1450), (31.0780, 112.1620), (31.0700, 112.1800),
            (31.0640, 112.1905), (31.0555, 112.2060), (31.0480, 112.2165), (31.0390, 112.2190),
            (31.0300, 112.2195), (31.0220, 112.2228), (31.0100, 112.2300), (30.9980, 112.2330),
            (30.9880, 112.2372), (30.9760, 112.2385), (30.9620, 112.2460), (30.9480, 112.2520),
            (30.9300, 112.2600)]],
    })
    WATER.append({"name": "月亮湖", "kind": "lake",
                  "polygon": ellipse(31.0235, 112.2080, 330, 520, 22, 0.10, rng)})
    WATER.append({"name": "龙泉湖", "kind": "lake",
                  "polygon": ellipse(31.0425, 112.1925, 150, 210, 16, 0.10, rng)})
    WATER.append({"name": "杨湾水库", "kind": "lake",
                  "polygon": ellipse(30.9650, 112.1570, 420, 600, 20, 0.15, rng)})
    WATER.append({"name": "东宝湖", "kind": "lake",
                  "polygon": ellipse(31.0700, 112.2080, 160, 260, 16, 0.10, rng)})

    # Built-up areas, drawn as a faint tint so the town reads at low zoom.
    URBAN.append({"name": "东宝城区", "kind": "urban", "polygon": [[lon, lat] for lat, lon in [
        (31.084, 112.186), (31.083, 112.232), (31.072, 112.252), (31.030, 112.254),
        (31.012, 112.246), (31.008, 112.214), (31.016, 112.190), (31.030, 112.186),
        (31.060, 112.184), (31.084, 112.186)]]})
    URBAN.append({"name": "掇刀城区", "kind": "urban", "polygon": [[lon, lat] for lat, lon in [
        (31.004, 112.176), (31.004, 112.250), (30.980, 112.254), (30.944, 112.250),
        (30.940, 112.200), (30.946, 112.174), (30.975, 112.166), (31.004, 112.176)]]})

    GREEN.append({"name": "象山", "kind": "park",
                  "polygon": ellipse(31.0430, 112.1780, 1050, 820, 24, 0.12, rng)})
    GREEN.append({"name": "东宝山", "kind": "park",
                  "polygon": ellipse(31.0710, 112.1800, 600, 700, 20, 0.15, rng)})
    GREEN.append({"name": "月亮湖公园", "kind": "park",
                  "polygon": ellipse(31.0235, 112.2080, 480, 700, 22, 0.06, rng)})
    GREEN.append({"name": "虎牙关森林公园", "kind": "park",
                  "polygon": ellipse(31.0110, 112.1760, 520, 800, 20, 0.15, rng)})
    GREEN.append({"name": "龙泉公园", "kind": "park",
                  "polygon": ellipse(31.0425, 112.1925, 260, 330, 16, 0.05, rng)})
    GREEN.append({"name": "掇刀中心公园", "kind": "park",
                  "polygon": ellipse(30.9800, 112.2140, 230, 330, 16, 0.08, rng)})


LANDMARKS = [
    ("荆门站", "railway_station", 31.0672, 112.2452),
    ("荆门市公安局", "police_hq", 31.0402, 112.2158),
    ("东宝分局", "police_branch", 31.0512, 112.2048),
    ("掇刀分局", "police_branch", 30.9792, 112.2118),
    ("龙泉派出所", "police_station", 31.0450, 112.1982),
    ("泉口派出所", "police_station", 31.0240, 112.1925),
    ("象山派出所", "police_station", 31.0602, 112.1925),
    ("白庙派出所", "police_station", 31.0328, 112.2330),
    ("子陵派出所", "police_station", 31.0748, 112.2205),
    ("掇刀派出所", "police_station", 30.9710, 112.2185),
    ("团林派出所", "police_station", 30.9520, 112.1800),
    ("荆门市第一人民医院", "hospital", 31.0372, 112.2040),
    ("荆门市第二人民医院", "hospital", 31.0490, 112.2200),
    ("荆门市中医医院", "hospital", 31.0290, 112.2160),
    ("掇刀区人民医院", "hospital", 30.9830, 112.2180),
    ("荆门市龙泉中学", "school", 31.0468, 112.1900),
    ("荆门市第一中学", "school", 31.0300, 112.2300),
    ("荆楚理工学院", "school", 30.9920, 112.2120),
    ("荆门职业学院", "school", 30.9640, 112.2280),
    ("荆门市人民政府", "government", 31.0320, 112.2060),
    ("东宝区人民政府", "government", 31.0560, 112.2160),
    ("掇刀区人民政府", "government", 30.9770, 112.2300),
    ("荆门汽车客运站", "bus_station", 31.0410, 112.2290),
]


def point_in_polygon(x, y, poly_xy):
    inside = False
    n = len(poly_xy)
    for i in range(n - 1):
        x1, y1 = poly_xy[i]
        x2, y2 = poly_xy[i + 1]
        if (y1 > y) != (y2 > y):
            xi = x1 + (y - y1) * (x2 - x1) / (y2 - y1)
            if xi > x:
                inside = not inside
    return inside


def seg_intersection(p1, p2, p3, p4):
    """Parameters (t, u) of the crossing of segments p1p2 and p3p4, or None."""
    d = (p2[0] - p1[0]) * (p4[1] - p3[1]) - (p2[1] - p1[1]) * (p4[0] - p3[0])
    if abs(d) < 1e-9:
        return None
    t = ((p3[0] - p1[0]) * (p4[1] - p3[1]) - (p3[1] - p1[1]) * (p4[0] - p3[0])) / d
    u = ((p3[0] - p1[0]) * (p2[1] - p1[1]) - (p3[1] - p1[1]) * (p2[0] - p1[0])) / d
    if -1e-9 <= t <= 1 + 1e-9 and -1e-9 <= u <= 1 + 1e-9:
        return t, u
    return None


def make_local_roads(rng):
    roads = []
    names = iter(LOCAL_NAMES)
    for urban, spacing in zip(URBAN, LOCAL_SPACING):
        lat_s = min(lat for lon, lat in urban["polygon"])
        lat_n = max(lat for lon, lat in urban["polygon"])
        lon_w = min(lon for lon, lat in urban["polygon"])
        lon_e = max(lon for lon, lat in urban["polygon"])
        x_w, y_s = to_xy(lat_s, lon_w)
        x_e, y_n = to_xy(lat_n, lon_e)
        # North-south streets; they run a little past the zone so that they end on a crossing.
        x = x_w + spacing * 0.55
        while x < x_e - spacing * 0.3:
            jx = x + rng.uniform(-90, 90)
            tilt = rng.uniform(-60, 60)
            roads.append((next(names), "local",
                          [to_ll(jx - tilt, y_s - 250), to_ll(jx + tilt, y_n + 250)]))
            x += spacing
        y = y_s + spacing * 0.5
        while y < y_n - spacing * 0.3:
            jy = y + rng.uniform(-80, 80)
            tilt = rng.uniform(-50, 50)
            roads.append((next(names), "local",
                          [to_ll(x_w - 250, jy - tilt), to_ll(x_e + 250, jy + tilt)]))
            y += spacing
    return roads


def build_graph(rng):
    roads = [(n, c, pts, False) for n, c, pts in MAIN_ROADS]
    roads += [(n, c, pts, True) for n, c, pts in make_local_roads(rng)]

    xy_roads = [[to_xy(lat, lon) for lat, lon in pts] for _, _, pts, _ in roads]

    nodes = []                     # [x, y]
    marks = [[] for _ in roads]    # per road: (param, node index, is_crossing)

    def new_node(x, y):
        nodes.append([x, y])
        return len(nodes) - 1

    for r, pts in enumerate(xy_roads):
        for i, p in enumerate(pts):
            marks[r].append((float(i), new_node(*p), False))

    for a in range(len(roads)):
        for b in range(a + 1, len(roads)):
            pa, pb = xy_roads[a], xy_roads[b]
            for i in range(len(pa) - 1):
                for j in range(len(pb) - 1):
                    hit = seg_intersection(pa[i], pa[i + 1], pb[j], pb[j + 1])
                    if hit is None:
                        continue
                    t, u = hit
                    x = pa[i][0] + t * (pa[i + 1][0] - pa[i][0])
                    y = pa[i][1] + t * (pa[i + 1][1] - pa[i][1])
                    n = new_node(x, y)
                    marks[a].append((i + t, n, True))
                    marks[b].append((j + u, n, True))

    edges = []   # (a, b, road index)
    for r, (name, cls, pts, is_local) in enumerate(roads):
        seq = sorted(marks[r])
        if is_local:
            crossings = [k for k, m in enumerate(seq) if m[2]]
            if len(crossings) < 2:
                continue
            seq = seq[crossings[0]:crossings[-1] + 1]
        for (_, n1, _), (_, n2, _) in zip(seq, seq[1:]):
            edges.append((n1, n2, r))

    # Merge nodes closer than MERGE_M (union-find), so crossings do not leave slivers.
    parent = list(range(len(nodes)))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    changed = True
    while changed:
        changed = False
        for a, b, _ in edges:
            ra, rb = find(a), find(b)
            if ra != rb and math.dist(nodes[ra], nodes[rb]) < MERGE_M:
                parent[rb] = ra
                changed = True
    edges = [(find(a), find(b), r) for a, b, r in edges]
    edges = [(a, b, r) for a, b, r in edges if a != b]

    # Local streets stay inside the built-up areas and out of lakes and parks.
    blockers = [[to_xy(lat, lon) for lon, lat in w["polygon"]] for w in WATER if "polygon" in w]
    blockers += [[to_xy(lat, lon) for lon, lat in g["polygon"]] for g in GREEN]
    towns = [[to_xy(lat, lon) for lon, lat in u["polygon"]] for u in URBAN]
    kept = []
    for a, b, r in edges:
        if roads[r][3]:
            mx = (nodes[a][0] + nodes[b][0]) / 2
            my = (nodes[a][1] + nodes[b][1]) / 2
            if any(point_in_polygon(mx, my, poly) for poly in blockers):
                continue
            if not any(point_in_polygon(mx, my, poly) for poly in towns):
                continue
        kept.append((a, b, r))
    edges = kept

    # Split long spans.
    split = []
    for a, b, r in edges:
        length = math.dist(nodes[a], nodes[b])
        parts = max(1, int(math.ceil(length / SPLIT_M)))
        prev = a
        for k in range(1, parts):
            f = k / parts
            n = new_node(nodes[a][0] + f * (nodes[b][0] - nodes[a][0]),
                         nodes[a][1] + f * (nodes[b][1] - nodes[a][1]))
            parent.append(n)
            split.append((prev, n, r))
            prev = n
        split.append((prev, b, r))
    edges = split

    # No duplicate edges between the same pair of nodes.
    seen = set()
    unique = []
    for a, b, r in edges:
        key = (min(a, b), max(a, b))
        if key in seen:
            continue
        seen.add(key)
        unique.append((a, b, r))
    edges = unique

    # Keep the largest connected component.
    adj = {}
    for a, b, _ in edges:
        adj.setdefault(a, []).append(b)
        adj.setdefault(b, []).append(a)
    best = set()
    visited = set()
    for start in adj:
        if start in visited:
            continue
        comp = {start}
        stack = [start]
        while stack:
            n = stack.pop()
            for m in adj[n]:
                if m not in comp:
                    comp.add(m)
                    stack.append(m)
        visited |= comp
        if len(comp) > len(best):
            best = comp
    edges = [(a, b, r) for a, b, r in edges if a in best]

    # Number nodes in a stable order: north to south, west to east.
    used = sorted(best, key=lambda n: (-round(nodes[n][1]), round(nodes[n][0])))
    ids = {n: i + 1 for i, n in enumerate(used)}
    out_nodes = []
    for n in used:
        lat, lon = to_ll(*nodes[n])
        out_nodes.append({"id": ids[n], "lat": round(lat, 6), "lon": round(lon, 6)})
    out_edges = []
    for a, b, r in edges:
        name, cls, _, _ = roads[r]
        out_edges.append({"from": ids[a], "to": ids[b], "name": name, "class": cls,
                          "speed_kmh": SPEEDS[cls]})
    out_edges.sort(key=lambda e: (e["from"], e["to"]))
    return out_nodes, out_edges


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: make-training.py OUT.json")
    rng = random.Random(20261124)
    build_areas(rng)
    nodes, edges = build_graph(rng)

    out = {
        "notice": "训练用示意数据，不是测绘成果。Schematic training data made up for Beacon's "
                  "training scenario: main road names are real, their lines, the local streets "
                  "and all positions are approximate or invented. Not survey data; do not use "
                  "for navigation or operations.",
        "datum": "WGS-84",
        "bounds": {"min_lat": 30.93, "min_lon": 112.12, "max_lat": 31.10, "max_lon": 112.26},
        "nodes": nodes,
        "edges": edges,
        "urban": URBAN,
        "water": WATER,
        "green": GREEN,
        "landmarks": [{"name": n, "kind": k, "lat": lat, "lon": lon}
                      for n, k, lat, lon in LANDMARKS],
    }
    # One feature per line keeps the file reviewable and its diffs small.
    with open(sys.argv[1], "w", encoding="utf-8") as f:
        f.write("{\n")
        keys = list(out)
        for i, key in enumerate(keys):
            value = out[key]
            f.write(json.dumps(key) + ": ")
            if isinstance(value, list):
                f.write("[\n")
                f.write(",\n".join("  " + json.dumps(v, ensure_ascii=False, separators=(",", ":"))
                                    for v in value))
                f.write("\n]")
            else:
                f.write(json.dumps(value, ensure_ascii=False))
            f.write(",\n" if i < len(keys) - 1 else "\n")
        f.write("}\n")
    print(f"{len(nodes)} nodes, {len(edges)} edges", file=sys.stderr)


if __name__ == "__main__":
    main()
