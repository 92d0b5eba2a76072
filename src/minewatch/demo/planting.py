"""The demo's tree planting plan (issue 10): a plan for the demo site whose slopes are the most susceptible,
stored and adopted, with a pilot planting and its survival checks (fictional records) for plan vs done.

The demo mines stripped their ground: the landslide run assumed the reserve's natural forest everywhere
(issue 4), so the plan is made with today's cover of the site, bare ground (``landcover="bare"``), and
the erosion run's mine spoil. Species: those native to the Andes in the table (Andean alder, inga, local
pioneer trees) and vetiver, a sterile grass widely used on slopes; the budget is a small NGO's. Safe to
run again: a new plan supersedes the previous proposal and the records are imported idempotently.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

SITE = "HZ-DEMO-04"
BUDGET_USD = 1500.0
SPECIES = ("alnus_acuminata", "inga_edulis", "native_pioneer", "chrysopogon_zizanioides")
MIN_PATCH_M2 = 400.0
# A fictional pilot planting a year before the plan, and two survival checks (counts invented for the demo).
PILOT = (("HZ-PL-001", "chrysopogon_zizanioides", "2025-10-20", 4000, 0.12),
         ("HZ-PL-002", "alnus_acuminata", "2025-10-22", 150, 0.14))
CHECKS = (("HZ-SC-001", "HZ-PL-001", "2026-04-15", 3320), ("HZ-SC-002", "HZ-PL-002", "2026-04-15", 101),
          ("HZ-SC-003", "HZ-PL-001", "2026-10-20", 3100), ("HZ-SC-004", "HZ-PL-002", "2026-10-20", 84))


@dataclass
class PlantingDemo:
    site: str
    plan_id: int | None
    folder: Path
    summary: dict
    survival: dict
    actual: dict | None = None  # the hazard with the pilot plantings as they stand (plantings hazard)


def run_planting_demo(app, actor, *, landslide_dir: Path, erosion_dir: Path, on_step=print) -> PlantingDemo:
    from minewatch.planning import service
    from minewatch.planning.site_plan import plan_for_site
    from minewatch.planning.tool import PlanRequest

    work = app.settings.home / "demo" / "plan"
    request = PlanRequest(budget=BUDGET_USD, budget_unit="usd", objective="exposure", species=list(SPECIES),
                          min_patch_m2=MIN_PATCH_M2, landcover="bare")
    on_step(f"tree planting plan for {SITE}: USD {BUDGET_USD:,.0f}, species {', '.join(SPECIES)}, patches of at least "
            f"{MIN_PATCH_M2:.0f} m2 ...")
    with app.uow() as uow:
        summary = plan_for_site(uow, actor=actor, request=request, out_dir=work, site_code=SITE,
                                landslide_dir=landslide_dir, erosion_dir=erosion_dir)
    with app.uow() as uow:
        view = service.record_plan(uow, actor=actor, site_code=SITE, plan_dir=work, summary=summary,
                                   files_dir=app.settings.files_dir)
    with app.uow() as uow:
        service.adopt_plan(uow, actor=actor, plan_id=view.id)
    records = app.settings.home / "demo" / "plan_records"
    records.mkdir(parents=True, exist_ok=True)
    plantings, checks = records / "plantings.csv", records / "survival.csv"
    lat, lon = _site_point(app.settings.home / "demo" / "hazard" / "sites.csv")
    with open(plantings, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["external_id", "site", "species", "planted_on", "count", "area_ha", "latitude", "longitude",
                    "notes"])
        for k, (ext, species, day, count, area) in enumerate(PILOT):
            # the pilot plots lie a little north and south of the site's point (about 60 m)
            w.writerow([ext, SITE, species, day, count, area, f"{lat + (0.00055 if k else -0.00055):.6f}",
                        f"{lon:.6f}", "pilot planting before the plan (fictional demo record)"])
    with open(checks, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["external_id", "planting", "checked_on", "alive", "method"])
        for ext, planting, day, alive in CHECKS:
            w.writerow([ext, planting, day, alive, "count along transects"])
    with app.uow() as uow:
        service.import_plantings(uow, actor=actor, path=plantings)
    with app.uow() as uow:
        service.import_survival(uow, actor=actor, path=checks)
    with app.uow() as uow:
        report = service.survival(uow, actor=actor, site_code=SITE).as_dict()
    from minewatch.planning.site_plan import assess_site_plantings

    with app.uow() as uow:
        actual = assess_site_plantings(uow, actor=actor, site_code=SITE, out_dir=app.settings.home / "demo" / "planted",
                                       landslide_dir=landslide_dir, erosion_dir=erosion_dir, landcover="bare")
    return PlantingDemo(SITE, view.id, work, summary, report, actual)


def _site_point(sites_csv: Path) -> tuple[float, float]:
    """(latitude, longitude) of the demo site in the hazard demo's sites file."""
    with open(sites_csv, encoding="utf-8") as fh:
        row = next(r for r in csv.DictReader(fh) if r["code"] == SITE)
    return float(row["latitude"]), float(row["longitude"])


def planting_lines(demo: PlantingDemo, files_dir: Path) -> list[str]:
    """What the demo prints about the plan."""
    s = demo.summary
    share = f", {s['reduction_share']:.0%} less" if s.get("reduction_share") else ""
    lines = [f"\nTree planting plan for {demo.site} (plan {demo.plan_id}, adopted): {s['seedlings']:,} seedlings on "
             f"{s['area_ha']:.2f} ha, {s['labour_days']:.0f} person-days, USD {s['cost_usd']:,.2f} of "
             f"{s['budget']['value']:,.0f}. People exposed to slope failure (each weighted by the mean probability of "
             f"failure of the ground that can reach them): {s['baseline']:.3g} today, {s['expected']:.3g} at maturity (year "
             f"{s['maturity_year']}){share}; the plan is proven within {s['gap']:.2%} of the best one under these "
             f"assumptions (provisional species values)."]
    for sp in s["by_species"]:
        lines.append(f"  {sp['names']['en'].split(';')[0]:<28} {sp['seedlings']:>7,} seedlings {sp['area_ha']:>6.2f} ha "
                     f"USD {sp['cost_usd']:>9,.2f}")
    for sp in demo.survival.get("species", []):
        rate = sp.get("rate")
        if rate is not None:
            lines.append(f"  pilot {sp['species']}: {rate:.0%} alive at the latest check (expected "
                         f"{sp.get('expected', 0):.0%})")
    if demo.actual is not None:
        e = demo.actual["objectives"].get("exposure")
        soil = demo.actual["objectives"].get("soil")
        if e and soil:
            lines.append(f"  with the pilot plantings as they stand (plantings hazard): people exposed {e['without_plantings']:.4g}"
                         f" without them, {e['now']:.4g} now, {e['at_maturity']:.4g} when the survivors mature; soil "
                         f"loss on the site {soil['without_plantings']:,.0f} -> {soil['now']:,.0f} t/yr")
    lines.append(f"  maps and printable plan: {demo.folder / 'plan.html'}")
    return lines
