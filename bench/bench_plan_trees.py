"""The whole tree planner (``plan_trees``) at scale, stage by stage: 100,000 candidate cells x 5 species with
the real benefit model (issue 10, Performance, end to end rather than the optimiser alone).

The generated hillside of reference/hazards.md 9.1 (10 m cells), bare ground, a landslide run (250 Monte
Carlo draws) and an erosion run on it; the area is a disc of about 100,000 cells (r = 1.78 km) with 20 people
on each of 25 "sites" scattered over it; 5 species; a USD budget that binds. Times each stage of
``plan_trees`` (read, today, benefits, solve, evaluate year by year, write maps and files).

No open tool plans planting (issue 10: InVEST compares scenarios someone drew; Landlab computes failure
probability); the peers of the models the planner calls are benchmarked in bench_landslide_probability.py
(Landlab) and bench_erosion.py (InVEST SDR).

``python bench/bench_plan_trees.py [--n 400] [--budget 20000] [--min-patch 0] [--objective mix]``
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from _common import machine  # noqa: E402

SPECIES = ["chrysopogon_zizanioides", "acacia_mangium", "alnus_acuminata", "inga_edulis", "bambusa_vulgaris"]


def main() -> None:
    import shapely

    from minewatch.adapters.rasters import write_geotiff
    from minewatch.demo.hazard import _generated_dem
    from minewatch.geomodels.erosion import tool as erosion_tool
    from minewatch.geomodels.erosion.cover import cover_class
    from minewatch.geomodels.landslide import run_landslide
    from minewatch.planning.tool import PlanRequest, plan_trees

    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=400, help="grid side (cells of 10 m)")
    ap.add_argument("--budget", type=float, default=20_000.0, help="USD")
    ap.add_argument("--min-patch", type=float, default=0.0, help="m2")
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--objective", default="mix", choices=["exposure", "soil", "sediment", "mix"])
    args = ap.parse_args()
    print(machine())
    with tempfile.TemporaryDirectory(prefix="bench-plan-") as tmp:
        work = Path(tmp)
        t0 = time.perf_counter()
        dem = _generated_dem(work / "dem.tif", n=args.n, dx=10.0)
        run_landslide(dem, work / "landslide", iterations=250, seed=1, landcover="bare")
        import rasterio

        with rasterio.open(dem) as src:
            profile = {"crs": src.crs, "transform": src.transform, "width": src.width, "height": src.height}
        spoil = write_geotiff(work / "lulc.tif", np.full((args.n, args.n), 2), profile, dtype="int32")
        mine = cover_class("mine spoil")
        erosion_tool(dem, work / "erosion", erosivity=8000.0, erodibility=0.03, landcover=spoil,
                     biophysical={2: (mine.usle_c, mine.usle_p)})
        print(f"inputs (landslide run, erosion run) {time.perf_counter() - t0:.1f} s")
        t = profile["transform"]
        cx, cy = t.c + t.a * args.n / 2, t.f + t.e * args.n / 2
        radius = min(1784.0, 0.45 * args.n * 10.0)  # pi r^2 / 100 m2 = 100,000 cells at r = 1,784 m
        area = shapely.Point(cx, cy).buffer(radius, quad_segs=64)
        rng = np.random.default_rng(3)
        people = []
        for _ in range(25):
            a, r = rng.uniform(0, 2 * np.pi), radius * np.sqrt(rng.uniform(0, 1))
            people.append((shapely.Point(cx + r * np.cos(a), cy + r * np.sin(a)).buffer(60), 20))
        stages: dict[str, float] = {}
        clock = [time.perf_counter()]

        def on_stage(name, done, total):
            now = time.perf_counter()
            stages[name] = now - clock[0]
            clock[0] = now

        request = PlanRequest(budget=args.budget, species=SPECIES, min_patch_m2=args.min_patch,
                              time_limit_s=args.time_limit, objective=args.objective)
        start = time.perf_counter()
        summary = plan_trees(work / "plan", area=area, request=request, landslide_dir=work / "landslide",
                             erosion_dir=work / "erosion", people=people, on_stage=on_stage)
        total = time.perf_counter() - start
        print(json.dumps({k: summary[k] for k in ("candidate_cells", "seedlings", "cost_usd", "baseline", "expected",
                                                   "gap", "status", "method", "bound_kind")}, indent=1))
        print("\n| stage | time (s) |\n|---|---|")
        for name, seconds in stages.items():
            print(f"| {name} | {seconds:.1f} |")
        print(f"| total | {total:.1f} |")
        print(f"\n{summary['candidate_cells']:,} candidate cells x {len(SPECIES)} species, {args.objective}, "
              f"USD {summary['cost_usd']:,.0f} of {args.budget:,.0f}, min patch "
              f"{summary['min_patch_cells']} cells: proven gap {summary['gap']:.3%} ({summary['bound_kind']}), "
              f"{summary['maturity_year'] + 1} yearly evaluations")


if __name__ == "__main__":
    main()
