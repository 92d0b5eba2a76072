"""Load-test the web app on 100,000 sites: the site list page and OGC API items with a bbox.

For each database (SQLite always; PostGIS when ``--pg URL`` or MINEWATCH_TEST_POSTGRES_URL is set)
the script builds a fresh database with ``--sites`` generated sites (bench_spatial's generator,
with minerals, countries, statuses and latest-visit indicators), serves it with
``minewatch serve --workers W`` (uvicorn, a separate process), and measures over loopback:

page     ``GET /sites?mineral=gold&page=K``  (the site list page: 50 rows, one filter, a total)
ogc      ``GET /ogc/collections/sites/items?limit=100&bbox=...`` (a 0.5 x 0.5 degree box around a
         random site)

* concurrency 1: ``--requests`` sequential requests (httpx, keep-alive): median and p99;
* concurrency 50: ``wrk -t2 -c50 -d{--seconds}s --latency`` with a Lua script cycling through the
  same URLs: requests per second, p99, errors.

Peer (PostGIS only): **pygeoapi** (the OGC reference implementation in Python, its PostgreSQL
provider, served by gunicorn with the same number of workers) on the very same ``sites`` table, for
the OGC request. pygeoapi runs from its own virtual environment (``--pygeoapi-venv``, default
/tmp/pgapi: ``python3 -m venv /tmp/pgapi && /tmp/pgapi/bin/pip install pygeoapi psycopg2-binary
geoalchemy2 sqlalchemy gunicorn``); skipped with a note when absent.

Targets (issue 3): concurrency 1 median < 20 ms and p99 < 60 ms; at 50 connections at least 300
requests/s with p99 < 500 ms and no errors.

Usage::

    .venv/bin/python bench/bench_web.py [--sites 100000] [--workers 2] [--requests 300] [--seconds 15] [--pg URL]
"""

from __future__ import annotations

import argparse
import base64
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np
import sqlalchemy as sa

from _common import machine, pg_schema
from bench_spatial import REGION, generate_sites

KEY = base64.b64encode(b"b" * 32).decode()
COUNTRIES = ("CD", "CD", "CD", "RW", "BI", "UG")
STATUSES = ("active", "active", "inactive", "closed", "planned")
MINERALS = ("gold", "cassiterite", "coltan", "wolframite", "copper", "cobalt")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def build(url: str, home: Path, rows: list[dict], rng: np.random.Generator) -> tuple[str, float]:
    """A migrated database with the sites, their minerals, one visit each and the derived indicators;
    returns an API token of the organisation's admin and the load time."""
    from minewatch.accounts.service import init_organisation, resolve_actor
    from minewatch.accounts.web_auth import create_api_token
    from minewatch.bootstrap import bootstrap
    from minewatch.config import Settings
    from minewatch.sites.orm import Site, SiteMineral, SiteVisit
    from minewatch.sites.repository import refresh_indicators

    app = bootstrap(Settings(home=home, database_url=url, secret_key=KEY))
    app.migrate()
    with app.uow() as uow:
        init_organisation(uow, name="Bench", slug="bench", admin_email="bench@example.org")
    with app.uow() as uow:
        actor = resolve_actor(uow, org_slug=None, email=None)
    t0 = time.perf_counter()
    n = len(rows)
    countries = rng.choice(COUNTRIES, n)
    statuses = rng.choice(STATUSES, n)
    with app.engine.begin() as conn:
        for start in range(0, n, 10_000):
            part = rows[start:start + 10_000]
            conn.execute(sa.insert(Site), [dict(r, org_id=actor.org_id, country=str(countries[start + i]),
                                                lifecycle_status=str(statuses[start + i]))
                                           for i, r in enumerate(part)])
        ids = [i for (i,) in conn.execute(sa.select(Site.id).order_by(Site.id))]
        minerals = [{"site_id": sid, "mineral": MINERALS[i % len(MINERALS)], "position": 0} for i, sid in enumerate(ids)]
        for start in range(0, n, 20_000):
            conn.execute(sa.insert(SiteMineral), minerals[start:start + 20_000])
        visits = []
        for i, sid in enumerate(ids):
            visits.append({"org_id": actor.org_id, "site_id": sid, "source": "bench", "source_visit_id": str(i),
                           "visit_date": __import__("datetime").date(2020, 1, 1) + __import__("datetime").timedelta(days=i % 1500),
                           "workers_count": int(rng.integers(5, 800)), "mercury_used": bool(rng.random() < 0.3),
                           "armed_interference": bool(rng.random() < 0.1),
                           "children_under15_present": bool(rng.random() < 0.2)})
        for start in range(0, n, 20_000):
            conn.execute(sa.insert(SiteVisit), visits[start:start + 20_000])
    with app.uow() as uow:
        refresh_indicators(uow.session, actor)
        uow.commit()
    with app.engine.begin() as conn:
        conn.execute(sa.text("ANALYZE"))
    load_s = time.perf_counter() - t0
    with app.uow() as uow:
        token, _ = create_api_token(uow, actor=actor, user_email=actor.email, name="bench")
    app.dispose()
    return token, load_s


def urls(rows: list[dict], rng: np.random.Generator, count: int) -> dict[str, list[str]]:
    picks = rng.integers(0, len(rows), count)
    ogc = []
    for i in picks:
        lat, lon = rows[i]["latitude"], rows[i]["longitude"]
        ogc.append(f"/ogc/collections/sites/items?limit=100&bbox={lon - 0.25:.4f},{lat - 0.25:.4f},"
                   f"{lon + 0.25:.4f},{lat + 0.25:.4f}")
    pages = [f"/sites?mineral=gold&page={int(k)}" for k in rng.integers(1, 20, count)]
    return {"page": pages, "ogc": ogc}


def wait_ready(base: str, path: str, headers: dict, timeout: float = 60) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + path, headers=headers, timeout=5).status_code < 500:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{base} did not answer {path} within {timeout} s")


def sequential(base: str, paths: list[str], headers: dict) -> tuple[float, float, int]:
    import httpx

    times, bad = [], 0
    with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
        for p in paths[:5]:  # warm-up
            client.get(p)
        for p in paths:
            t0 = time.perf_counter()
            r = client.get(p)
            times.append((time.perf_counter() - t0) * 1000)
            bad += r.status_code != 200
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(round(0.99 * (len(times) - 1))))], bad


def concurrent(base: str, paths: list[str], headers: dict, seconds: int, connections: int = 50) -> dict:
    if not shutil.which("wrk"):
        return {"note": "wrk not installed (apt install wrk)"}
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        quoted = ",".join('"' + p.replace('"', '\\"') + '"' for p in paths)
        hdrs = "".join(f'wrk.headers["{k}"] = "{v}"\n' for k, v in headers.items())
        fh.write(textwrap.dedent(f"""
            local paths = {{{quoted}}}
            local i = 0
            {hdrs}
            request = function()
              i = i + 1
              return wrk.format("GET", paths[(i % #paths) + 1])
            end
        """))
        script = fh.name
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s",
                          "-s", script, base], capture_output=True, text=True, check=True).stdout
    os.unlink(script)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    errors = 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if m:
        errors += sum(int(x) for x in m.groups())
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if m:
        errors += int(m.group(1))
    return {"rps": rps, "p99_ms": float(p99.group(1)) * scale, "errors": errors}


def serve_minewatch(url: str, home: Path, port: int, workers: int) -> subprocess.Popen:
    env = {**os.environ, "MINEWATCH_HOME": str(home), "MINEWATCH_DATABASE_URL": url, "MINEWATCH_SECRET_KEY": KEY,
           "MINEWATCH_ORG": "bench"}
    exe = Path(sys.executable).parent / "minewatch"
    return subprocess.Popen([str(exe), "serve", "--port", str(port), "--workers", str(workers)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def serve_pygeoapi(venv: Path, pg_url: str, schema: str, home: Path, port: int, workers: int) -> subprocess.Popen | None:
    if not (venv / "bin" / "gunicorn").exists():
        return None
    u = sa.engine.make_url(pg_url)
    config = home / "pygeoapi.yml"
    import yaml

    config.write_text(yaml.safe_dump({
        "server": {"bind": {"host": "127.0.0.1", "port": port}, "url": f"http://127.0.0.1:{port}",
                   "mimetype": "application/json; charset=UTF-8", "encoding": "utf-8", "language": "en-US",
                   "limits": {"default_items": 10, "max_items": 10000},
                   "map": {"url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png", "attribution": "OSM"}},
        "logging": {"level": "ERROR"},
        "metadata": {"identification": {"title": "bench", "description": "bench", "keywords": ["bench"],
                                        "keywords_type": "theme", "terms_of_service": "none",
                                        "url": "http://example.org"},
                     "license": {"name": "CC-BY 4.0", "url": "https://creativecommons.org/licenses/by/4.0/"},
                     "provider": {"name": "bench", "url": "http://example.org"}, "contact": {"name": "bench"}},
        "resources": {"sites": {
            "type": "collection", "title": "sites", "description": "sites", "keywords": ["sites"],
            "extents": {"spatial": {"bbox": list(REGION), "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84"}},
            "providers": [{"type": "feature", "name": "PostgreSQL",
                           "data": {"host": u.host, "port": u.port, "dbname": u.database, "user": u.username,
                                    "password": u.password, "search_path": [schema, "public"]},
                           "id_field": "id", "table": "sites", "geom_field": "geom",
                           "properties": ["code", "name", "country", "lifecycle_status"]}]}},
    }))
    env = {**os.environ, "PYGEOAPI_CONFIG": str(config), "PYGEOAPI_OPENAPI": str(home / "pygeoapi-openapi.yml")}
    subprocess.run([str(venv / "bin" / "pygeoapi"), "openapi", "generate", str(config), "--output-file",
                    str(home / "pygeoapi-openapi.yml")], env=env, check=True, capture_output=True)
    return subprocess.Popen([str(venv / "bin" / "gunicorn"), "-w", str(workers), "-k", "gthread", "--threads", "8",
                             "-b", f"127.0.0.1:{port}", "pygeoapi.flask_app:APP"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def measure(label: str, base: str, paths: dict[str, list[str]], headers: dict, seconds: int) -> None:
    for name, plist in paths.items():
        wait_ready(base, plist[0], headers)
        med, p99, bad = sequential(base, plist, headers)
        load = concurrent(base, plist, headers, seconds)
        load_txt = (f"{load['rps']:7.0f} req/s  p99 {load['p99_ms']:6.1f} ms  errors {load['errors']}"
                    if "rps" in load else load["note"])
        print(f"  {label:<22} {name:<5} c=1: median {med:6.2f} ms  p99 {p99:6.2f} ms  (non-200: {bad})   "
              f"c=50: {load_txt}", flush=True)


def stop(proc: subprocess.Popen | None) -> None:
    if proc is None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--seed", type=int, default=20241127)
    parser.add_argument("--pg", default=os.environ.get("MINEWATCH_TEST_POSTGRES_URL"))
    parser.add_argument("--pygeoapi-venv", type=Path, default=Path("/tmp/pgapi"))
    args = parser.parse_args()

    print(f"machine: {machine()}")
    rng = np.random.default_rng(args.seed)
    rows = generate_sites(args.sites, rng, 0.02)
    paths = urls(rows, rng, args.requests)
    print(f"{len(rows):,} sites; {args.requests} distinct URLs per request kind; server: minewatch serve "
          f"--workers {args.workers} (uvicorn); load generator on the same machine", flush=True)

    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        token, load_s = build(f"sqlite:///{home}/minewatch.sqlite3", home, rows, rng)  # where serve looks
        print(f"SQLite: built in {load_s:.1f} s", flush=True)
        port = free_port()
        proc = serve_minewatch("", home, port, args.workers)
        try:
            measure("minewatch/SQLite", f"http://127.0.0.1:{port}", paths, {"Authorization": f"Bearer {token}"},
                    args.seconds)
        finally:
            stop(proc)

    if not args.pg:
        print("PostGIS: skipped (set MINEWATCH_TEST_POSTGRES_URL or pass --pg URL)")
        return
    with pg_schema(args.pg, "benchweb") as (url, schema), tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        token, load_s = build(url, home, rows, rng)
        print(f"PostGIS: built in {load_s:.1f} s", flush=True)
        port = free_port()
        proc = serve_minewatch(url, home, port, args.workers)
        try:
            measure("minewatch/PostGIS", f"http://127.0.0.1:{port}", paths, {"Authorization": f"Bearer {token}"},
                    args.seconds)
        finally:
            stop(proc)
        port = free_port()
        peer = serve_pygeoapi(args.pygeoapi_venv, args.pg, schema, home, port, args.workers)
        if peer is None:
            print(f"  pygeoapi: skipped ({args.pygeoapi_venv} has no pygeoapi/gunicorn)")
        else:
            try:
                measure("pygeoapi/PostGIS (peer)", f"http://127.0.0.1:{port}", {"ogc": [
                    p.replace("/ogc/collections", "/collections") for p in paths["ogc"]]}, {}, args.seconds)
            finally:
                stop(peer)


if __name__ == "__main__":
    main()
