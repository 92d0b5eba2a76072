"""Time the spatial queries behind ``minewatch sites list`` on 100,000 generated sites (2 % polygons).

For each database (SQLite always; PostGIS when ``--pg URL`` or MINEWATCH_TEST_POSTGRES_URL is set)
the script builds a fresh, migrated database, inserts the sites with Core executemany (then ANALYZE, unless --no-analyze), then runs
``find_sites`` in process, one unit of work per query, for ``--queries`` random points:

near        ``sites list --near LAT,LON --km 25`` (the table view: first 50 by distance + total)
bbox        ``sites list --bbox`` over a 0.5° x 0.5° box around the point (first 50 by code + total)
nearest-10  ``sites list --nearest 10 --near LAT,LON``

and prints the median and 95th percentile in milliseconds. The target is a median under 20 ms.

Usage::

    .venv/bin/python bench/bench_spatial.py [--sites 100000] [--queries 60] [--polygons 0.02] [--pg URL]
"""

from __future__ import annotations

import argparse
import base64
import os
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import sqlalchemy as sa

from _common import machine, pg_schema

KEY = base64.b64encode(b"b" * 32).decode()
REGION = (23.0, -12.0, 31.0, 5.0)  # eastern DRC: min_lon, min_lat, max_lon, max_lat



def generate_sites(n: int, rng: np.random.Generator, polygons: float = 0.02) -> list[dict]:
    """70 % of sites in 300 mining clusters (sigma 0.25°), 30 % spread; a share ``polygons`` are
    polygons, most small (radius 0.002-0.02°) and one in ten large (0.1-0.75°: alluvial workings,
    rehabilitation areas, up to 1.5° of latitude)."""
    import shapely

    from minewatch.sites.model import site_geometry_columns

    min_lon, min_lat, max_lon, max_lat = REGION
    n_clustered = int(n * 0.7)
    centres = np.column_stack([rng.uniform(min_lon, max_lon, 300), rng.uniform(min_lat, max_lat, 300)])
    pick = rng.integers(0, 300, n_clustered)
    clustered = centres[pick] + rng.normal(0, 0.25, (n_clustered, 2))
    spread = np.column_stack([rng.uniform(min_lon, max_lon, n - n_clustered),
                              rng.uniform(min_lat, max_lat, n - n_clustered)])
    points = np.vstack([clustered, spread])
    points[:, 0] = points[:, 0].clip(min_lon, max_lon)
    points[:, 1] = points[:, 1].clip(min_lat, max_lat)
    minerals = ["gold", "cassiterite", "coltan", "wolframite", "copper", "cobalt"]
    rows = []
    for i, (lon, lat) in enumerate(points.tolist()):
        geom = None
        if rng.random() < polygons:
            radius = rng.uniform(0.1, 0.75) if rng.random() < 0.1 else rng.uniform(0.002, 0.02)
            geom = shapely.Point(lon, lat).buffer(radius, 8)
        rows.append({
            "code": f"bench{i:06d}", "name": f"Site {i}", "country": "CD",
            "latitude": lat, "longitude": lon, "lifecycle_status": "active",
            "minerals_raw": [minerals[i % len(minerals)]],
            **site_geometry_columns(geom, lat, lon),
        })
    return rows


def build(url: str, home: Path, rows: list[dict], *, analyze: bool = True):
    from minewatch.accounts.service import init_organisation, resolve_actor
    from minewatch.bootstrap import bootstrap
    from minewatch.config import Settings
    from minewatch.sites.orm import Site

    app = bootstrap(Settings(home=home, database_url=url, secret_key=KEY))
    app.migrate()
    with app.uow() as uow:
        init_organisation(uow, name="Bench", slug="bench", admin_email="bench@example.org")
    with app.uow() as uow:
        actor = resolve_actor(uow, org_slug=None, email=None)
    t0 = time.perf_counter()
    with app.engine.begin() as conn:
        for start in range(0, len(rows), 10_000):
            conn.execute(sa.insert(Site), [dict(r, org_id=actor.org_id) for r in rows[start:start + 10_000]])
    if analyze:
        with app.engine.begin() as conn:
            conn.execute(sa.text("ANALYZE"))
    return app, actor, time.perf_counter() - t0


def run(app, actor, points, km: float) -> dict[str, list[float]]:
    from minewatch.sites.model import Near, SiteQuery
    from minewatch.sites.service import find_sites

    queries = {
        "near": lambda lat, lon: SiteQuery(near=Near(lat, lon, km), limit=50),
        "bbox": lambda lat, lon: SiteQuery(bbox=(lon - 0.25, lat - 0.25, lon + 0.25, lat + 0.25), limit=50),
        "nearest-10": lambda lat, lon: SiteQuery(near=Near(lat, lon), nearest_n=10, limit=50),
    }
    times: dict[str, list[float]] = {name: [] for name in queries}
    matched: dict[str, list[int]] = {name: [] for name in queries}
    for name, make in queries.items():
        for i, (lat, lon) in enumerate(points):
            q = make(lat, lon)
            t0 = time.perf_counter()
            with app.uow() as uow:
                result = find_sites(uow, actor=actor, query=q)
            elapsed = time.perf_counter() - t0
            if i >= 3:  # the first few warm the caches and the statement cache
                times[name].append(elapsed * 1000)
            matched[name].append(result.total)
    return times, matched


def report(label: str, times, matched) -> None:
    for name, values in times.items():
        values = sorted(values)
        p95 = values[min(len(values) - 1, int(round(0.95 * (len(values) - 1))))]
        print(f"  {label:<8} {name:<11} median {statistics.median(values):7.2f} ms   p95 {p95:7.2f} ms   "
              f"(n={len(values)}, matches median {int(statistics.median(matched[name]))})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=60)
    parser.add_argument("--km", type=float, default=25.0)
    parser.add_argument("--polygons", type=float, default=0.02, help="share of polygon sites (default 0.02)")
    parser.add_argument("--seed", type=int, default=20241126)
    parser.add_argument("--no-analyze", action="store_true",
                        help="skip ANALYZE after loading (planner without statistics)")
    parser.add_argument("--pg", default=os.environ.get("MINEWATCH_TEST_POSTGRES_URL"),
                        help="PostgreSQL URL (default: MINEWATCH_TEST_POSTGRES_URL)")
    args = parser.parse_args()

    print(f"machine: {machine()}")
    rng = np.random.default_rng(args.seed)
    t0 = time.perf_counter()
    rows = generate_sites(args.sites, rng, args.polygons)
    n_polygons = sum(r["geometry_type"] != "Point" for r in rows)
    print(f"generated {len(rows):,} sites ({n_polygons:,} polygons) in {time.perf_counter() - t0:.1f} s; "
          f"{args.queries} query points, radius {args.km:g} km")
    min_lon, min_lat, max_lon, max_lat = REGION
    picks = rng.integers(0, len(rows), args.queries)
    points = [(float(np.clip(rows[i]["latitude"] + rng.normal(0, 0.1), min_lat, max_lat)),
               float(np.clip(rows[i]["longitude"] + rng.normal(0, 0.1), min_lon, max_lon))) for i in picks]

    with tempfile.TemporaryDirectory() as tmp:
        app, actor, load_s = build(f"sqlite:///{tmp}/bench.sqlite3", Path(tmp), rows, analyze=not args.no_analyze)
        stats = "no ANALYZE" if args.no_analyze else "ANALYZE after loading"
        print(f"SQLite {__import__('sqlite3').sqlite_version} (SQLAlchemy {sa.__version__}): loaded in {load_s:.1f} s, {stats}")
        report("sqlite", *run(app, actor, points, args.km))
        app.dispose()

    if not args.pg:
        print("PostGIS: skipped (set MINEWATCH_TEST_POSTGRES_URL or pass --pg URL)")
        return
    with pg_schema(args.pg) as (url, _schema), tempfile.TemporaryDirectory() as tmp:
        app, actor, load_s = build(url, Path(tmp), rows, analyze=not args.no_analyze)
        with app.engine.connect() as conn:
            version = conn.execute(sa.text("SELECT postgis_lib_version()")).scalar()
        print(f"PostGIS {version}: loaded in {load_s:.1f} s, {stats}")
        report("postgis", *run(app, actor, points, args.km))
        app.dispose()

if __name__ == "__main__":
    main()
