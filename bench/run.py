"""Run every benchmark of bench/ in turn (``make bench``); each prints its machine and its peer's figure.

PostgreSQL parts run when MINEWATCH_TEST_POSTGRES_URL is set (eval "$(.ci/postgres.sh start)").
Pass ``--quick`` for smaller sizes (a smoke run, not for RESULTS.md).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

RUNS = [
    ("IPIS import vs pandas read_csv + to_sql", ["bench_ipis_import.py"], ["bench_ipis_import.py", "--repeat", "2"]),
    ("1,000,000 people rows vs pandas", ["bench_people_import.py"], ["bench_people_import.py", "--rows", "50000"]),
    ("spatial queries on 100,000 sites", ["bench_spatial.py"], ["bench_spatial.py", "--sites", "20000"]),
    ("web app on 100,000 sites vs pygeoapi", ["bench_web.py"], ["bench_web.py", "--sites", "5000", "--requests", "50",
                                                                "--seconds", "3"]),
    ("slope on 4000 x 4000 vs gdaldem and richdem", ["bench_terrain.py"], ["bench_terrain.py", "--n", "1000"]),
    ("fill + D8 accumulation vs richdem / whitebox-workflows", ["bench_flow.py"],
     ["bench_flow.py", "--n", "500", "--repeat", "1"]),
    ("probability of failure vs Landlab 2.11", ["bench_landslide_probability.py"],
     ["bench_landslide_probability.py"]),
    ("20,000 x 20,000 DEM: slope and factor of safety block-wise, peak memory", ["bench_large_raster.py"],
     ["bench_large_raster.py", "--n", "2000"]),
    ("RUSLE + SDR at 500 and 4000 vs InVEST 3.20 SDR", ["bench_erosion.py"],
     ["bench_erosion.py", "--sizes", "500", "--repeat", "1"]),
]


def main() -> int:
    quick = "--quick" in sys.argv[1:]
    failed = 0
    for title, full, small in RUNS:
        print(f"\n=== {title} ===", flush=True)
        rc = subprocess.call([sys.executable, str(HERE / (small if quick else full)[0]), *(small if quick else full)[1:]])
        failed += rc != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
