#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Generate jingmen-training.json, Beacon's training scenario for central Jingmen.

Usage: make-jingmen-training.py [OUT.json]   (default: jingmen-training.json next to this script)

TRAINING DATA. Every unit, call sign, incident, caller and camera written here is invented for
training and demonstration. Stations take their names and positions from the schematic
training basemap (../basemap/jingmen-training.json), whose street graph the simulator drives
on; the scenario includes that file rather than copying it.

The output is deterministic: no clock, no unseeded randomness, sorted iteration, so running
the script again gives the same bytes. The 20,000 cameras are not listed here but described by
a generation rule that beacon-server expands the same way every time (docs/scenarios.md).
"""

import json
import math
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
BASEMAP_REL = "../basemap/jingmen-training.json"
BASEMAP = os.path.join(HERE, BASEMAP_REL)

SEED = 20261124

# Stations: (id, basemap landmark name, administrative division code)
STATIONS = [
    ("city_hq", "荆门市公安局", "420800"),
    ("dongbao_branch", "东宝分局", "420802"),
    ("duodao_branch", "掇刀分局", "420804"),
    ("longquan", "龙泉派出所", "420802"),
    ("quankou", "泉口派出所", "420802"),
    ("xiangshan", "象山派出所", "420802"),
    ("baimiao", "白庙派出所", "420802"),
    ("ziling", "子陵派出所", "420802"),
    ("duodao", "掇刀派出所", "420804"),
    ("tuanlin", "团林派出所", "420804"),
]

DISTRICT_PREFIX = {"420802": "东宝", "420804": "掇刀", "420800": "市局"}
KIND_CHAR = {"patrol_car": "巡", "motorcycle": "摩", "foot": "步", "traffic": "交"}

# Units per station: kind -> count. 120 in all.
PER_STATION = {
    "city_hq": {"special": 8, "foot": 2},
    "dongbao_branch": {"patrol_car": 4, "traffic": 6},
    "duodao_branch": {"patrol_car": 4, "traffic": 6},
    "longquan": {"patrol_car": 8, "motorcycle": 3, "foot": 2},
    "quankou": {"patrol_car": 8, "motorcycle": 3, "foot": 2},
    "xiangshan": {"patrol_car": 8, "motorcycle": 3, "foot": 2},
    "baimiao": {"patrol_car": 8, "motorcycle": 3, "foot": 2},
    "ziling": {"patrol_car": 8, "motorcycle": 3, "foot": 2},
    "duodao": {"patrol_car": 8, "motorcycle": 3, "foot": 2},
    "tuanlin": {"patrol_car": 8, "motorcycle": 2, "foot": 2},
}
KIND_ORDER = ["patrol_car", "motorcycle", "foot", "traffic", "special"]

# Scripted incidents: (at_s, type, priority, place, description, caller name)
# place: ("landmark", name) | ("near", lat, lon) — "near" is snapped to the nearest road node
SCRIPT = [
    (45, "traffic", 2, ("landmark", "荆门站"), "站前广场出口两车刮擦，双方争执，堵塞出站通道", "刘先生"),
    (180, "dispute", 3, ("near", 31.0455, 112.2010), "小区楼下邻里因停车位发生口角", "陈女士"),
    (300, "criminal", 1, ("landmark", "荆门汽车客运站"), "候车厅内有人持刀抢包后向东逃跑", "客运站保安"),
    (420, "rescue", 2, ("landmark", "荆门市第一人民医院"), "老人在医院门口晕倒，家属求助维持秩序", "张先生"),
    (600, "suspicious", 3, ("near", 31.0600, 112.2150), "一可疑男子在多辆电动车旁徘徊，疑似盗窃", "王女士"),
    (780, "public_order", 3, ("landmark", "荆门市龙泉中学"), "校门口有人聚集滋事", "学校门卫"),
    (900, "traffic", 1, ("near", 31.0200, 112.2040), "象山大道货车与电动车相撞，有人受伤倒地", "过路司机"),
    (1140, "fire", 1, ("near", 31.0330, 112.2200), "居民楼三楼冒出浓烟，疑似起火", "赵先生"),
    (1380, "dispute", 3, ("near", 30.9760, 112.2200), "商铺老板与顾客因退货发生纠纷", "孙女士"),
    (1620, "other", 4, ("near", 31.0520, 112.1950), "路边井盖缺失，请求处理", "李先生"),
    (1860, "traffic", 3, ("landmark", "掇刀区人民政府"), "路口信号灯故障，车辆拥堵", "周先生"),
    (2100, "criminal", 2, ("near", 30.9900, 112.2150), "学生宿舍楼笔记本电脑被盗", "荆楚理工学院保卫处"),
    (2400, "rescue", 2, ("near", 31.0480, 112.1850), "老人走失，家属称其患有阿尔茨海默症", "吴女士"),
    (2700, "public_order", 2, ("landmark", "东宝区人民政府"), "大门口有多人聚集，情绪激动", "值班人员"),
    (3000, "suspicious", 4, ("near", 31.0700, 112.2050), "停车场有车辆车窗未关，车内有贵重物品", "郑先生"),
    (3300, "traffic", 2, ("near", 30.9600, 112.2230), "三车追尾，一人被困车内", "过路群众"),
    (3600, "dispute", 3, ("landmark", "荆门市中医医院"), "患者家属与医护人员发生争执", "医院保卫科"),
    (3900, "criminal", 1, ("near", 31.0400, 112.2350), "金店报警：有人持械抢劫后驾车逃离", "金店店员"),
    (4200, "other", 4, ("near", 30.9550, 112.1850), "有人反映噪音扰民", "冯女士"),
    (4500, "fire", 2, ("near", 31.0250, 112.1950), "路边垃圾桶起火", "环卫工人"),
    (4800, "rescue", 3, ("landmark", "荆门职业学院"), "学生被困电梯", "宿管阿姨"),
    (5100, "traffic", 3, ("near", 31.0800, 112.2250), "车辆违停堵塞消防通道", "物业"),
    (5700, "suspicious", 2, ("landmark", "荆门站"), "候车室发现无人看管的行李箱", "车站值班员"),
    (6300, "dispute", 4, ("near", 31.0150, 112.2100), "出租车司机与乘客因车费发生纠纷", "出租车司机"),
    (6900, "public_order", 3, ("near", 30.9700, 112.2050), "夜市摊贩占道经营引发争吵", "市场管理员"),
]

# Expected random incidents per hour of the day (0–23 h, China Standard Time).
PER_HOUR = [4, 3, 2, 2, 2, 3, 5, 8, 10, 10, 11, 12,
            11, 10, 10, 11, 12, 13, 14, 14, 13, 11, 8, 6]

MIX = [
    ("traffic", 30, [5, 25, 50, 20], ["两车刮擦，无人受伤", "电动车与行人相撞", "车辆抛锚占道"]),
    ("dispute", 22, [1, 10, 59, 30], ["邻里纠纷", "消费纠纷", "家庭纠纷"]),
    ("public_order", 14, [2, 20, 55, 23], ["有人酒后滋事", "聚众喧哗", "打架斗殴"]),
    ("criminal", 10, [15, 40, 35, 10], ["电动车被盗", "手机被抢", "入室盗窃"]),
    ("rescue", 10, [10, 40, 40, 10], ["有人晕倒求助", "小孩走失", "被困求助"]),
    ("suspicious", 8, [2, 18, 50, 30], ["可疑人员徘徊", "可疑车辆停放"]),
    ("fire", 3, [40, 40, 15, 5], ["冒烟起火", "电动车充电起火"]),
    ("other", 3, [0, 5, 35, 60], ["设施损坏", "噪音扰民"]),
]


def node_near(nodes, lat, lon):
    best = None
    for n in nodes:
        d = (n["lat"] - lat) ** 2 + ((n["lon"] - lon) * math.cos(math.radians(lat))) ** 2
        if best is None or d < best[0]:
            best = (d, n["id"])
    return best[1]


def phone(rng):
    # Obviously invented numbers in the 139 0000 range.
    return "1390000%04d" % rng.randrange(10000)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "jingmen-training.json")
    with open(BASEMAP, encoding="utf-8") as f:
        basemap = json.load(f)
    landmarks = {l["name"]: l for l in basemap["landmarks"]}
    rng = random.Random(SEED)

    stations = []
    for sid, name, division in STATIONS:
        l = landmarks[name]
        stations.append({"id": sid, "name": name, "division": division,
                         "lat": l["lat"], "lon": l["lon"]})

    units = []
    counters = {}
    for sid, name, division in STATIONS:
        for kind in KIND_ORDER:
            for _ in range(PER_STATION[sid].get(kind, 0)):
                if kind == "special":
                    prefix = "特警"
                else:
                    prefix = DISTRICT_PREFIX[division] + KIND_CHAR[kind]
                counters[prefix] = counters.get(prefix, 0) + 1
                units.append({"call_sign": "%s%02d" % (prefix, counters[prefix]),
                              "kind": kind, "station": sid})
    assert len(units) == 120, len(units)

    incidents = []
    for at_s, itype, priority, place, description, caller in SCRIPT:
        entry = {"at_s": at_s, "type": itype, "priority": priority}
        if place[0] == "landmark":
            entry["place"] = {"landmark": place[1]}
        else:
            entry["place"] = {"node": node_near(basemap["nodes"], place[1], place[2])}
        entry["caller"] = {"name": caller, "phone": phone(rng)}
        entry["description"] = description
        incidents.append(entry)

    b = basemap["bounds"]
    scenario = {
        "name": "荆门中心城区接处警训练（东宝区、掇刀区）",
        "notice": "训练数据：本场景中的警力、呼号、警情、报警人、电话号码和视频点位均为虚构，"
                  "道路为示意数据，仅供培训和演示使用，不得用于实战。"
                  "TRAINING DATA: every unit, call sign, incident, caller, phone number and "
                  "camera here is invented and the streets are schematic; for training and "
                  "demonstration only, never for operations.",
        "area": {"min_lat": b["min_lat"], "min_lon": b["min_lon"],
                 "max_lat": b["max_lat"], "max_lon": b["max_lon"]},
        "start_time": "09:00",
        "duration_s": 7200,
        "roads": {"include": BASEMAP_REL},
        "stations": stations,
        "units": units,
        "cameras": {
            "generate": {
                "count": 20000,
                "seed": 28181,
                "class_weights": {"arterial": 4, "primary": 3, "secondary": 2, "local": 1},
                "kinds": {"dome": 3, "bullet": 6, "checkpoint": 1},
                "online_ratio": 0.97,
                "industry": "00",
                "device_type": "132",
                "network": "0",
                "stream_uri": "rtsp://video.training.invalid/{id}",
            }
        },
        "incidents": incidents,
        "random_incidents": {
            "per_hour": PER_HOUR,
            "mix": [{"type": t, "weight": w, "priorities": p, "descriptions": d}
                    for t, w, p, d in MIX],
        },
        "behaviour": {
            "ack_delay_s": [5, 40],
            "refuse_probability": 0.04,
            "on_scene_s": {"default": [600, 1500], "traffic": [900, 1800],
                           "criminal": [1200, 2700], "fire": [1200, 2400],
                           "suspicious": [300, 900], "other": [300, 900]},
            "patrol": True,
            "patrol_speed_factor": 0.5,
            "patrol_radius_m": 3000,
            "speeds_kmh": {"patrol_car": 60, "motorcycle": 50, "foot": 5, "traffic": 60,
                           "special": 70},
            "avl_interval_s": 2,
            "avl_idle_interval_s": 60,
            "auto_dispatch": False,
            "auto_dispatch_delay_s": [20, 60],
            "dispositions": ["resolved", "mediated", "report_filed", "referred", "no_action"],
        },
    }

    with open(out, "w", encoding="utf-8") as f:
        json.dump(scenario, f, ensure_ascii=False, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
