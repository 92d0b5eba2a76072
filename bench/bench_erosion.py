"""RUSLE + SDR end to end vs InVEST 3.20 SDR, on the reference/hazards.md 4.4 inputs at 500 and 4000.

Inputs: ``bench/erosion_inputs.py::write_inputs(dir, n)`` (section 9.1 DEM, R = 8000, K = 0.03, the 4.4
land cover scaled by n / 500, biophysical CSV, one watershed). InVEST runs in its own venv
(reference/hazards.md 9.2) through ``bench/invest_sdr.py``, timing ``sdr.execute(args)``; minewatch runs
``minewatch.geomodels.erosion.tool(...)`` in InVEST-compatible mode with the same parameters. Both: fresh
output directory per run, median of ``--repeat`` runs; minewatch is warmed up once first (numba JIT,
cached after the first process). Acceptance (issue 9): minewatch at least 2x faster at 500 and the same
ratio or better at 4000. Nothing is written to RESULTS.md: the markdown rows to paste are printed::

    python bench/bench_erosion.py [--invest-python /work/peers/bin/python] [--sizes 500 4000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def load_inputs_module():
    spec = importlib.util.spec_from_file_location("erosion_inputs", HERE / "erosion_inputs.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def run_invest(python: str, input_dir: Path, work_dir: Path, repeat: int) -> dict:
    out = work_dir / "invest.json"
    subprocess.run([python, str(HERE / "invest_sdr.py"), str(input_dir), str(work_dir / "invest_ws"),
                    "--repeat", str(repeat), "--no-stats", "--json", str(out)], check=True,
                   stdout=subprocess.DEVNULL)
    result = json.loads(out.read_text())
    shutil.rmtree(work_dir / "invest_ws", ignore_errors=True)
    return result


def our_tool():
    """minewatch's erosion tool, or None with the reason (it is being written alongside this harness)."""
    try:
        from minewatch.geomodels.erosion import tool
    except ImportError as exc:
        return None, f"minewatch.geomodels.erosion.tool is not importable yet ({exc})"
    if not callable(tool):  # a module named tool, not the function
        tool = getattr(tool, "tool", None)
        if not callable(tool):
            return None, "minewatch.geomodels.erosion.tool is not a function yet"
    return tool, ""


def run_minewatch(tool, paths: dict, work_dir: Path, repeat: int) -> tuple[list[float], dict]:
    kwargs = dict(erosivity=paths["erosivity_path"], erodibility=paths["erodibility_path"],
                  landcover=paths["lulc_path"], biophysical=paths["biophysical_table_path"],
                  ls_convention="invest", sdr=True, threshold_flow_accumulation=1000, k=2, ic0=0.5,
                  sdr_max=0.8, l_max=122)
    import inspect

    if "watersheds" in inspect.signature(tool).parameters:  # InVEST also masks to and totals per watershed
        kwargs["watersheds"] = paths["watersheds_path"]
    tool(paths["dem_path"], work_dir / "mw_warmup", **kwargs)  # JIT warm-up
    times, outputs = [], {}
    for i in range(repeat):
        out = work_dir / f"mw_{i}"
        t = time.perf_counter()
        outputs = tool(paths["dem_path"], out, **kwargs)
        times.append(time.perf_counter() - t)
        if i < repeat - 1:
            shutil.rmtree(out, ignore_errors=True)
    return times, outputs


def compare_with_reference(outputs: dict) -> str:
    """Max relative difference of ls, usle, sed_export with tests/data/invest_sdr_500 where both are valid."""
    import numpy as np
    import rasterio

    ref_dir = HERE.parent / "tests" / "data" / "invest_sdr_500"
    parts = []
    by_file = {Path(p).stem: p for p in outputs.values()}  # keys are SPEC names; files are named as InVEST's
    for name in ("ls", "usle", "sed_export"):
        if name not in by_file:
            parts.append(f"{name}: not produced")
            continue
        with rasterio.open(ref_dir / f"{name}.tif") as r, rasterio.open(by_file[name]) as o:
            a, b = r.read(1, masked=True), o.read(1, masked=True)
        ok = ~np.ma.getmaskarray(a) & ~np.ma.getmaskarray(b)
        x, y = a.data[ok].astype("float64"), b.data[ok].astype("float64")
        rel = np.abs(x - y) / np.maximum(np.abs(x), 1e-30)
        parts.append(f"{name}: {ok.sum()} px both valid (InVEST {int((~np.ma.getmaskarray(a)).sum())}), "
                     f"max rel diff {rel.max() if rel.size else float('nan'):.2e}")
    return "; ".join(parts)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--invest-python", default="/work/peers/bin/python")
    ap.add_argument("--sizes", type=int, nargs="+", default=[500, 4000])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    from _common import machine

    inputs = load_inputs_module()
    tool, why = our_tool()
    print(machine())
    if tool is None:
        print(f"NOTE: {why}; timing InVEST only.")
    rows, ok = [], True
    for n in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            paths = inputs.write_inputs(tmp / "inputs", n)
            inv = run_invest(args.invest_python, tmp / "inputs", tmp, args.repeat)
            t_inv = inv["median_s"]
            print(f"\n[{n} x {n}] InVEST {inv['versions']['natcap.invest']} SDR: median {t_inv:.2f} s of "
                  f"{', '.join(f'{t:.2f}' for t in inv['times_s'])}")
            if tool is None:
                rows.append(f"| RUSLE + SDR, {n} x {n} (hazards.md 4.4 inputs) | - | {t_inv:.2f} s "
                            f"(InVEST {inv['versions']['natcap.invest']}) | - |")
                continue
            times, outputs = run_minewatch(tool, paths, tmp, args.repeat)
            t_mw = statistics.median(times)
            ratio = t_inv / t_mw
            print(f"  minewatch: median {t_mw:.2f} s of {', '.join(f'{t:.2f}' for t in times)} "
                  f"-> {ratio:.1f}x faster")
            if n == 500:
                print("  vs tests/data/invest_sdr_500: " + compare_with_reference(outputs))
            ok &= ratio >= 2.0
            rows.append(f"| RUSLE + SDR, {n} x {n} (hazards.md 4.4 inputs) | {t_mw:.2f} s | {t_inv:.2f} s "
                        f"(InVEST {inv['versions']['natcap.invest']}) | {ratio:.1f}x |")
    print("\nRows for bench/RESULTS.md (not written automatically):")
    print("| case | minewatch | peer | ratio |\n|---|---|---|---|")
    print("\n".join(rows))
    if tool is not None:
        print(f"acceptance (>= 2x at every size): {'PASS' if ok else 'FAIL'}")
    return 0 if (ok or tool is None) else 1


if __name__ == "__main__":
    raise SystemExit(main())
