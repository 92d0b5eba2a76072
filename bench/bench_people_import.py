"""Time ``minewatch import people`` on a generated register of miners, beside a naive pandas load.

The script writes a people CSV (``--rows``, default 1,000,000) in a temporary folder, shaped like a
field register: ids, names, sex written in French or English, a date of birth (ISO or day first) or
a birth year (some marked approximate), a language, a phone (international or local, so the profile's
``default_country_code`` is used), an identity document for some, consent to data and to alerts.

Then, each in a fresh subprocess so that generating the file does not count in the peak memory:

minewatch   a fresh SQLite database, ``init_organisation``, then ``minewatch import people FILE
            --profile people.yaml`` run in process through the CLI: every row parsed and checked,
            the phone hashed and encrypted, the document encrypted, a keyed digest, one audit event
            per person, one transaction.
pandas      ``pandas.read_csv`` and ``DataFrame.to_sql`` of the same file into a fresh SQLite file:
            no checks, no hashing, no audit, phones in clear. The naive baseline.

Prints the machine, rows per second, peak RSS (``ru_maxrss`` of each subprocess) and the ratio.

Usage::

    .venv/bin/python bench/bench_people_import.py [--rows 1000000] [--keep]
"""

from __future__ import annotations

import argparse
import base64
import csv
import datetime as dt
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import machine

KEY = base64.b64encode(b"b" * 32).decode()
FIRST = ("Amani Bahati Chance Dieu-Merci Espérance Furaha Grâce Imani Jean-Pierre Kavira Lumière Marie Neema "
         "Olivier Patient Riziki Sifa Tumaini Uwezo Zawadi Aline Bienvenu Christelle Désiré Elodie Fiston "
         "Gloire Héritier Irène Josué Kahindo Lydia Moïse Nadège Obed Pascaline Rachel Samuel Thérèse Vumilia").split()
LAST = ("Mukendi Kabila Bisimwa Mugisho Baraka Cirhuza Kasereka Mumbere Kahindo Masika Lukusa Ngoy Ilunga Kalala "
        "Tshibangu Mwamba Kasongo Banza Mutombo Kyungu Safari Bahati Muhindo Paluku Kambale Sikuli Mapendo "
        "Nsimire Zihindula Mirindi").split()
HEADER = ["person_id", "full_name", "sex", "date_of_birth", "birth_year", "approximate", "preferred_language",
          "phone", "id_document_type", "id_document_number", "consent_data", "consent_data_at",
          "consent_alerts", "consent_alerts_at"]
PROFILE = "kind: people\noptions:\n  default_country_code: '243'\n"



def generate(path: Path, rows: int, seed: int = 42) -> None:
    rng = random.Random(seed)
    epoch = dt.date(1950, 1, 1)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        for i in range(rows):
            kind = rng.random()
            dob = year = approx = ""
            if kind < 0.6:
                born = epoch + dt.timedelta(days=rng.randrange(20_500))
                dob = born.isoformat() if rng.random() < 0.7 else born.strftime("%d/%m/%Y")
            else:
                year = str(rng.randrange(1950, 2009))
                approx = "oui" if kind > 0.85 else ""
            phone = ""
            if rng.random() < 0.8:
                digits = f"8{rng.randrange(10)}{rng.randrange(10_000_000):07d}"
                phone = f"+243 {digits[:2]} {digits[2:5]} {digits[5:]}" if rng.random() < 0.6 else f"0{digits}"
            doc_type, doc = ("carte d'électeur", f"{rng.randrange(10**10):010d}") if rng.random() < 0.3 else ("", "")
            alerts = "oui" if phone and rng.random() < 0.7 else ("non" if phone else "")
            w.writerow([f"MW-{i:07d}", f"{rng.choice(FIRST)} {rng.choice(LAST)}", rng.choice("FMFM") if rng.random() < 0.5
                        else rng.choice(("femme", "homme")), dob, year, approx, rng.choice(("sw", "fr", "ln", "lua", "kg")),
                        phone, doc_type, doc, "oui", "2024-03-01", alerts, "2024-03-01" if alerts else ""])


def child_minewatch(csv_path: Path, home: Path) -> dict:
    """In a fresh process: init an organisation, then run the CLI command in process."""
    os.environ.update({"MINEWATCH_HOME": str(home), "MINEWATCH_SECRET_KEY": KEY, "MINEWATCH_ORG": ""})
    os.environ.pop("MINEWATCH_DATABASE_URL", None)
    from minewatch.accounts.service import init_organisation
    from minewatch.bootstrap import bootstrap
    from minewatch.cli.main import cli
    from minewatch.config import load_settings

    app = bootstrap(load_settings())
    app.migrate()
    with app.uow() as uow:
        init_organisation(uow, name="Bench", slug="bench", admin_email="admin@bench.org")
    app.dispose()
    profile = csv_path.with_name("people.yaml")
    profile.write_text(PROFILE, encoding="utf-8")
    start, cpu = time.perf_counter(), time.process_time()
    cli.main(["import", "people", str(csv_path), "--profile", str(profile)], standalone_mode=False)
    return {"seconds": time.perf_counter() - start, "cpu_seconds": time.process_time() - cpu}


def child_pandas(csv_path: Path, home: Path) -> dict:
    import sqlite3

    import pandas as pd

    home.mkdir(parents=True, exist_ok=True)
    start, cpu = time.perf_counter(), time.process_time()
    frame = pd.read_csv(csv_path, dtype=str, keep_default_na=False)
    with sqlite3.connect(home / "pandas.sqlite3") as conn:
        frame.to_sql("people", conn, index=False, chunksize=50_000)
    return {"seconds": time.perf_counter() - start, "cpu_seconds": time.process_time() - cpu}


def run_child(which: str, csv_path: Path, home: Path) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", which, str(csv_path), str(home)],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--keep", action="store_true", help="Keep the temporary folder (CSV and databases).")
    ap.add_argument("--child", nargs=3, metavar=("WHICH", "CSV", "HOME"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        which, csv_path, home = args.child
        result = (child_minewatch if which == "minewatch" else child_pandas)(Path(csv_path), Path(home))
        result["max_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(result))
        return

    print(machine())
    folder = Path(tempfile.mkdtemp(prefix="minewatch-bench-people-"))
    try:
        csv_path = folder / "people.csv"
        t = time.perf_counter()
        generate(csv_path, args.rows)
        print(f"generated {args.rows:,} rows ({csv_path.stat().st_size / 1e6:,.0f} MB) in {time.perf_counter() - t:.1f} s")
        results = {}
        for which in ("minewatch", "pandas"):
            r = results[which] = run_child(which, csv_path, folder / which)
            print(f"{which:<10} {args.rows / r['seconds']:>10,.0f} rows/s  {r['seconds']:7.1f} s "
                  f"(CPU {r['cpu_seconds']:.1f} s, {args.rows / r['cpu_seconds']:,.0f} rows per CPU-second)  "
                  f"peak RSS {r['max_rss_mb']:,.0f} MB")
        ratio = results["minewatch"]["seconds"] / results["pandas"]["seconds"]
        print(f"minewatch takes {ratio:.1f}x the time of the naive pandas load (which checks, hashes, "
              f"encrypts and audits nothing)")
    finally:
        if args.keep:
            print(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
