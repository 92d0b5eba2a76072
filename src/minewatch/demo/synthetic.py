"""A small, generated data set in the IPIS format, for a demo on a fresh clone (no network, no shared data).

The sites are invented, placed at random in eastern DR Congo with a fixed seed; the values follow
the IPIS questionnaire's vocabulary (French), blanks included, so the demo runs the real importer.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from pathlib import Path

from minewatch.registry.ipis import IPIS_COLUMNS

PROVINCES = [
    ("Sud-Kivu", "Mwenga", (-3.4, 28.0, -2.6, 28.8)),
    ("Nord-Kivu", "Walikale", (-1.6, 27.6, -0.8, 28.6)),
    ("Ituri", "Mambasa", (1.0, 28.2, 1.9, 29.4)),
    ("Maniema", "Punia", (-2.2, 26.2, -1.2, 27.0)),
    ("Tanganyika", "Manono", (-7.6, 27.0, -6.8, 27.9)),
]
MINERALS = ["Or", "Or", "Or", "Cassitérite", "Coltan", "Wolframite", "Tourmaline"]
WORDS = ["Mungu", "Kadumwa", "Lubila", "Mashango", "Kilimbwe", "Nyabibwe", "Ngalula", "Bisie", "Kamituga", "Lugushwa"]


def generate_ipis_csv(path: Path, *, sites: int = 60, seed: int = 2023) -> Path:
    """Write an IPIS-format CSV with ``sites`` sites and one to three visits each; returns ``path``."""
    rng = random.Random(seed)
    rows = []
    vid = 0
    for n in range(1, sites + 1):
        province, territory, (s, w, north, e) = rng.choice(PROVINCES)
        lat, lon = round(rng.uniform(s, north), 6), round(rng.uniform(w, e), 6)
        name = f"{rng.choice(WORDS)} {rng.randint(1, 9)}"
        mineral = rng.choice(MINERALS)
        day = dt.date(2015, 1, 1) + dt.timedelta(days=rng.randint(0, 2900))
        for _ in range(rng.randint(1, 3)):
            vid += 1
            armed = rng.random() < 0.2
            children = rng.random() < 0.25 if rng.random() < 0.8 else None
            row = dict.fromkeys(IPIS_COLUMNS, "")
            row.update({
                "FID": f"demo.{vid}", "vid": str(vid), "cid": str(vid), "id": str(vid), "source": "IPIS",
                "project": "Demo (generated)", "pcode": f"demo{n:05d}", "name": name,
                "visit_date": day.isoformat(), "visit_onsite": "1", "geom": f"POINT ({lon} {lat})",
                "longitude": str(lon), "latitude": str(lat), "location_origin": "GPS", "province": province,
                "province_old": province, "territoire": territory,
                "workers_numb": str(rng.choice([15, 40, 80, 150, 300, 700])) if rng.random() < 0.85 else "",
                "is_3t_mine": "0" if mineral == "Or" else "1", "is_gold_mine": "1" if mineral == "Or" else "0",
                "mineral1": mineral,
                "mercury": ("1" if rng.random() < 0.4 else "0") if mineral == "Or" else "",
                "presence": "1" if armed else "0", "interference": ("1" if rng.random() < 0.5 else "0") if armed else "",
                "armed_group1": "FARDC" if armed else "Aucun",
                "type_armed_group1": "FARDC - Pas de données sur les ingérences" if armed else "Aucun",
                "childunder15": "" if children is None else ("1" if children else "0"),
                "childunder15work": "Transport" if children else "",
                "women": "1" if rng.random() < 0.5 else "0",
                "qualification": rng.choice(["Vert", "Jaune", "Rouge", "", ""]),
            })
            rows.append(row)
            day += dt.timedelta(days=rng.randint(100, 700))
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=IPIS_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return path
