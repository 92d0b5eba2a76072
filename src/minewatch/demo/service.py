"""``minewatch demo``: set up an organisation and load real public data (or a generated set)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from minewatch.accounts import repository as accounts_repo
from minewatch.accounts.service import InitResult, init_organisation, resolve_actor
from minewatch.registry.profile import Profile
from minewatch.registry.service import import_file
from minewatch.registry.stats import latest_visit_indicators, record_counts, title_relation_counts

IPIS_FILE = ("ipis-drc-asm-sites", "cod_mines_curated_all_opendata_p_ipis.csv")
TITLES_FILE = ("drc-mining-titles-cami", "titres_V2.geojson")


@dataclass
class DemoResult:
    data_origin: str
    created: InitResult | None
    org_slug: str
    reports: list = field(default_factory=list)
    counts: dict = field(default_factory=dict)
    indicators: dict = field(default_factory=dict)
    title_relations: dict = field(default_factory=dict)
    login_email: str | None = None
    login_password: str | None = None
    hazard: object = None
    labour: dict = field(default_factory=dict)  # source type -> {classification or kind: findings}
    water: dict = field(default_factory=dict)  # the Pilcomayo import and its WHO screening (shared data only)
    mercury: dict = field(default_factory=dict)  # the country row of the Annex C 1(d) baseline
    rain: object = None  # demo.rain.RainDemo: the replayed storm, rain check and its alerts (shared data only)
    planting: object = None  # demo.planting.PlantingDemo: the tree planting plan of one site (issue 10)


WATER_FILE = ("pilcomayo-mining-water-quality", "calidad_agua_20250711060422.csv")


def find_shared_data() -> Path | None:
    """``MINEWATCH_SHARED_DATA`` when set (only it), else ``../shared/data`` beside the working folder
    or the source checkout."""
    if os.environ.get("MINEWATCH_SHARED_DATA"):
        candidates = [Path(os.environ["MINEWATCH_SHARED_DATA"])]
    else:
        candidates = [Path.cwd().parent / "shared" / "data",
                      Path(__file__).resolve().parents[3].parent / "shared" / "data"]
    for c in candidates:
        if (c.joinpath(*IPIS_FILE)).exists():
            return c
    return None


def run_demo(app, *, on_step=print, shared_data: Path | None = None, demo_login: bool = False) -> DemoResult:
    app.migrate()
    app.vault
    created = None
    with app.uow() as uow:
        has_org = accounts_repo.organisation_by_slug(uow.session, "demo") is not None
    if not has_org:
        with app.uow() as uow:
            created = init_organisation(uow, name="Demo organisation", slug="demo",
                                        admin_email="admin@demo.minewatch.invalid", country="CD", allow_more=True)
    with app.uow() as uow:
        actor = resolve_actor(uow, org_slug="demo", email=None)

    data = shared_data or find_shared_data()
    if data is not None:
        origin = f"real public data from {data}"
        files = [("ipis", data.joinpath(*IPIS_FILE), None)]
        if data.joinpath(*TITLES_FILE).exists():
            files.append(("concessions", data.joinpath(*TITLES_FILE), Profile(options={"source": "CAMI"})))
    else:
        from minewatch.demo.synthetic import generate_ipis_csv

        origin = "a generated data set (../shared/data not found)"
        files = [("ipis", generate_ipis_csv(app.settings.home / "demo" / "demo_ipis.csv"), None)]

    result = DemoResult(data_origin=origin, created=created, org_slug=actor.org_slug)
    for kind, path, profile in files:
        on_step(f"importing {kind} from {path.name} ...")
        with app.uow() as uow:
            report = import_file(uow, actor=actor, kind_name=kind, path=path, profile=profile, vault=app.vault)
        result.reports.append(report)
        on_step("  " + report.summary().replace("\n", "\n  "))
    from minewatch.demo.hazard import run_hazard_demo

    on_step("hazard demo: sites, people and their work on a hillside ...")
    result.hazard = run_hazard_demo(app, actor, shared=data, on_step=on_step)
    if data is not None and result.hazard.validation is not None:
        from minewatch.demo.rain import run_rain_demo

        codes = [v.code for v in result.hazard.assessment.sites]
        result.rain = run_rain_demo(app, actor, shared=data, site_codes=codes, on_step=on_step)
    if result.hazard.erosion:
        from minewatch.demo.planting import run_planting_demo

        result.planting = run_planting_demo(app, actor, landslide_dir=result.hazard.run_dir,
                                            erosion_dir=result.hazard.erosion["dir"], on_step=on_step)
    if demo_login:
        # A fresh password at each run, printed for the person trying the demo (the admin's first
        # one-time password was printed only when the organisation was created).
        from minewatch.accounts.model import new_password
        from minewatch.accounts.web_auth import set_password

        result.login_email, result.login_password = actor.email, new_password()
        with app.uow() as uow:
            set_password(uow, actor=actor, email=actor.email, password=result.login_password)
    with app.uow() as uow:
        result.counts = record_counts(uow, actor=actor)
        result.indicators = latest_visit_indicators(uow, actor=actor)
        result.title_relations = title_relation_counts(uow, actor=actor)
    from minewatch.labour.service import check_labour, counts

    with app.uow() as uow:
        findings = check_labour(uow, actor=actor, latest_only=True)
    result.labour = {kind: counts([f for f in findings if f.source_type == kind]) for kind in ("visit", "assignment")}
    if data is not None and data.joinpath(*WATER_FILE).exists():
        on_step("water quality: the Pilcomayo 2024 monitoring file ...")
        result.water = _water_demo(app, actor, data.joinpath(*WATER_FILE))
    from minewatch.mercury.service import baseline

    with app.uow() as uow:
        countries = baseline(uow, actor=actor)["levels"]["country"]
    result.mercury = countries[0] if countries else {}
    return result


def _water_demo(app, actor, path: Path) -> dict:
    """Import the real Pilcomayo 2024 water file (idempotent) and screen it against WHO drinking-water
    values; returns the counts the demo prints."""
    from minewatch.water.guidelines import load_guideline_set
    from minewatch.water.screening import screen, summarise
    from minewatch.water.service import import_results, measurements

    with app.uow() as uow:
        import_results(uow, actor=actor, path=path, profile="pilcomayo")
    with app.uow() as uow:
        found = measurements(uow, actor=actor)
    summary = summarise(screen(found, load_guideline_set("who-dw")))
    return {"file": path.name, "results": len(found), "censored": sum(1 for m in found if m.censored == "<"),
            "points": len({m.point_code for m in found}),
            "who": {name: summary.get((name, "total"), {}) for name in ("arsenic", "lead", "mercury")}}
