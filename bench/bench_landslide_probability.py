"""Probability of failure, Landlab preset, vs Landlab 2.11 ``LandslideProbability`` on the same inputs.

Inputs: reference/hazards.md section 2.4 (synthetic DEM of section 9.1, n = 200, dx = 10 m; D8 slope and
specific contributing area from Landlab's FlowAccumulator; T = 10 m2/day, phi = 32 deg, hs = 1.5 m,
rho = 2000 kg/m3, 250 iterations, uniform recharge 20-120 mm/day; "bare" C = 500/1000/2000 Pa and
"forest" 3000/5000/8000 Pa). Landlab runs in its own venv (hazards.md section 9.2)::

    python3 -m venv /tmp/landlab && /tmp/landlab/bin/pip install landlab "requireit<0.9"

then ``python bench/bench_landslide_probability.py [--landlab-python /tmp/landlab/bin/python]``.
Landlab's slope and contributing area are passed to minewatch, so only the Monte Carlo differs; the
two use different random streams, so statistics are compared (acceptance: mean within 0.01, P10/P50/P90
within 0.03), not cells.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

SCENARIOS = {"bare": (500.0, 1000.0, 2000.0), "forest": (3000.0, 5000.0, 8000.0)}

LANDLAB_SCRIPT = r'''
import sys, time, json
import numpy as np
from landlab import RasterModelGrid
from landlab.components import FlowAccumulator, LandslideProbability
n, iters, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
cmin, cmode, cmax = map(float, sys.argv[4:7])
dx = 10.0
def make_dem(n, dx=10.0, seed=42):
    L = n * dx
    x, y = np.meshgrid(np.arange(n) * dx, (n - 1 - np.arange(n)) * dx)
    noise = np.random.default_rng(seed).normal(0, 0.05, (n, n))
    return 0.35 * y + 25.0 * np.cos(2 * np.pi * x / (L / 4)) * (y / L) + noise
grid = RasterModelGrid((n, n), xy_spacing=dx)
grid.add_field("topographic__elevation", np.flipud(make_dem(n)).ravel(), at="node")
grid.set_closed_boundaries_at_grid_edges(True, True, True, False)
FlowAccumulator(grid, flow_director="D8").run_one_step()
grid.add_field("topographic__slope", grid.at_node["topographic__steepest_slope"].copy(), at="node")
grid.add_field("topographic__specific_contributing_area", grid.at_node["drainage_area"] / dx, at="node")
N = grid.number_of_nodes
for name, v in [("soil__transmissivity", 10.0), ("soil__saturated_hydraulic_conductivity", 0.0),
                ("soil__mode_total_cohesion", cmode), ("soil__minimum_total_cohesion", cmin),
                ("soil__maximum_total_cohesion", cmax), ("soil__internal_friction_angle", 32.0),
                ("soil__thickness", 1.5), ("soil__density", 2000.0)]:
    grid.add_field(name, np.full(N, v), at="node")
t = time.perf_counter()
ls = LandslideProbability(grid, number_of_iterations=iters, groundwater__recharge_distribution="uniform",
                          groundwater__recharge_min_value=20.0, groundwater__recharge_max_value=120.0, seed=0)
ls.calculate_landslide_probability()
elapsed = time.perf_counter() - t
core = grid.core_nodes
f = grid.at_node
np.savez(out, slope=f["topographic__slope"][core], sca=f["topographic__specific_contributing_area"][core],
         pf=f["landslide__probability_of_failure"][core], psat=f["soil__probability_of_saturation"][core],
         rw=f["soil__mean_relative_wetness"][core], seconds=elapsed)
'''


def stats(x: np.ndarray) -> dict:
    return {"mean": float(np.mean(x)), "p10": float(np.percentile(x, 10)), "p50": float(np.percentile(x, 50)),
            "p90": float(np.percentile(x, 90)), "max": float(np.max(x)), "frac_gt0": float(np.mean(x > 0)),
            "frac_gt05": float(np.mean(x > 0.5))}


def run_landlab(python: str, n: int, iters: int, cohesion: tuple, workdir: Path) -> dict:
    script = workdir / "landlab_run.py"
    script.write_text(LANDLAB_SCRIPT)
    out = workdir / "landlab.npz"
    subprocess.run([python, str(script), str(n), str(iters), str(out), *map(str, cohesion)], check=True)
    d = np.load(out)
    return {k: d[k] for k in d.files}


def run_minewatch(slope_tan, sca, iters: int, cohesion: tuple, seed: int):
    from minewatch.geomodels.slope_stability.montecarlo import landlab_preset, probability_of_failure

    kw = landlab_preset(cohesion_min_pa=cohesion[0], cohesion_mode_pa=cohesion[1], cohesion_max_pa=cohesion[2],
                        friction_deg=32.0, thickness_m=1.5, transmissivity_m2_day=10.0)
    t = time.perf_counter()
    res = probability_of_failure(np.degrees(np.arctan(slope_tan)), sca, 2000.0, iterations=iters,
                                 rng=np.random.default_rng(seed), **kw)
    return res, time.perf_counter() - t


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--landlab-python", default="/tmp/landlab/bin/python")
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--iterations", type=int, default=250)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    from _common import machine

    print(machine())
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        for name, coh in SCENARIOS.items():
            ll = run_landlab(args.landlab_python, args.n, args.iterations, coh, Path(tmp))
            run_minewatch(ll["slope"][:10], ll["sca"][:10], 2, coh, 0)  # JIT warm-up (cached after first run)
            times, res = [], None
            for r in range(args.repeat):
                res, sec = run_minewatch(ll["slope"], ll["sca"], args.iterations, coh, seed=r)
                times.append(sec)
            mw = statistics.median(times)
            s_ll, s_mw = stats(ll["pf"]), stats(res.probability_of_failure)
            print(f"\n[{name}] C = {coh} Pa, {len(ll['pf'])} core nodes, {args.iterations} iterations")
            print(f"  {'':22s}{'Landlab 2.11':>14s}{'minewatch':>14s}{'|diff|':>10s}")
            for k in s_ll:
                print(f"  P_fail {k:15s}{s_ll[k]:14.4f}{s_mw[k]:14.4f}{abs(s_ll[k] - s_mw[k]):10.4f}")
            print(f"  P_sat mean            {np.mean(ll['psat']):14.4f}{np.mean(res.probability_of_saturation):14.4f}")
            print(f"  mean RW mean          {np.mean(ll['rw']):14.4f}{np.mean(res.mean_relative_wetness):14.4f}")
            print(f"  time: Landlab {float(ll['seconds']):.2f} s (1 run); minewatch median {mw:.3f} s of "
                  f"{', '.join(f'{t:.3f}' for t in times)} -> {float(ll['seconds']) / mw:.1f}x faster")
            accept = (abs(s_ll["mean"] - s_mw["mean"]) <= 0.01
                      and all(abs(s_ll[k] - s_mw[k]) <= 0.03 for k in ("p10", "p50", "p90")))
            if name == "bare":
                print(f"  acceptance (mean within 0.01, P10/P50/P90 within 0.03): {'PASS' if accept else 'FAIL'}")
                ok &= accept
            print(json.dumps({"scenario": name, "landlab": s_ll, "minewatch": s_mw,
                              "landlab_s": float(ll["seconds"]), "minewatch_s": mw}))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
