"""``minewatch demo``: load the demo data and say what it shows and where to look."""

from __future__ import annotations

import click

from minewatch.cli.common import CliState, pass_state

LABELS = {
    "children_under15_present": "children under 15 seen",
    "mercury_used": "mercury used",
    "armed_interference": "armed interference",
    "women_present": "women present",
}
RELATIONS = {
    "inside_artisanal_zone": "inside an artisanal zone (ZEA)",
    "inside_title": "inside a mining title (not an artisanal zone)",
    "outside": "outside any title",
    "not_computed": "relation to titles not computed (no titles loaded)",
}


def register(cli: click.Group) -> None:
    @cli.command()
    @click.option("--no-serve", is_flag=True, help="Load and assess only (for scripts).")
    @click.option("--host", default="127.0.0.1", show_default=True, help="Address the web app listens on.")
    @click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
    @pass_state
    def demo(state: CliState, no_serve: bool, host: str, port: int) -> None:
        """Load a demo: the real IPIS site visits and DRC mining titles when ../shared/data is
        present, otherwise a small generated data set. Safe to run again (imports are idempotent).

        \b
        Example:
          MINEWATCH_HOME=./minewatch-data minewatch demo --no-serve
        """
        from minewatch.demo.service import run_demo

        app = state.app
        click.echo(f"minewatch demo in {app.settings.home}")
        res = run_demo(app, on_step=click.echo, demo_login=not no_serve)
        click.echo(f"\nData: {res.data_origin}")
        if res.created:
            click.echo(f"Created organisation '{res.created.org_slug}', admin {res.created.admin_email}, "
                       f"one-time password: {res.created.one_time_password}")
        c = res.counts
        click.echo(f"\nThe registry now holds {c['sites']:,} sites, {c['visits']:,} visits, "
                   f"{c['concessions']:,} mining titles, {c['audit_events']:,} audit events.")
        sites = max(c["sites"], 1)
        click.echo("\nAt each site's latest visit:")
        for key, label in LABELS.items():
            t = res.indicators[key]
            click.echo(f"  {label:<26} yes {t['yes']:>6,} ({t['yes'] / sites:5.1%})   no {t['no']:>6,}   "
                       f"unknown {t['unknown']:>6,}")
        click.echo("\nSites and mining titles:")
        for key, n in sorted(res.title_relations.items(), key=lambda kv: -kv[1]):
            click.echo(f"  {RELATIONS.get(key, key):<52} {n:>6,} ({n / sites:5.1%})")
        hz = res.hazard
        if hz is not None:
            pf = hz.summary["probability_of_failure"]
            click.echo(f"\nLandslide hazard on {hz.dem}: {hz.summary['share_fs_below_1']:.0%} of the ground has a "
                       f"factor of safety below 1 with central soil values; probability of failure mean "
                       f"{pf['mean']:.2f}, max {pf['max']:.2f} (loam under natural forest; provisional parameters).")
            for site in hz.assessment.sites:
                level = site.level or "not covered"
                click.echo(f"  {site.code}  {level:<10} {site.people_exposed:>3} people  {site.reason}")
            click.echo(f"  rasters in {hz.run_dir}; site maps in {app.settings.files_dir / 'hazard'}")
            if hz.erosion:
                from minewatch.cli.hazard_sites import soil_loss_line

                e = hz.erosion
                click.echo(f"\nSoil erosion (RUSLE and InVEST-compatible sediment delivery) on the same DEM: R "
                           f"{e['r_si']:,.0f} MJ mm/ha/h/yr from {e['annual_mm']:.0f} mm/yr (Renard & Freimund 1994), "
                           f"K {e['k_si']:.4f} t ha h/(ha MJ mm) (loam, EPIC), forest C {e['c_forest']:g} and mine "
                           f"spoil C {e['c_mine']:g} within {e['buffer_m']:.0f} m of each site (the mines strip the "
                           f"cover); provisional inputs, and Renard & Freimund's equation over-predicts R at high rainfall: "
                           f"compare the sites, do not read the tonnes as measured. Levels: < 10, 10-50, 50-200, "
                           f">= 200 t/ha/yr (provisional).")
                for site in hz.assessment.sites:
                    click.echo(f"  {site.code}  {soil_loss_line(site.as_dict())}")
                click.echo(f"  rasters in {e['dir']}")
            if hz.validation:
                v = hz.validation
                click.echo(f"\nLandslide susceptibility (issue 8), spatial cross-validation on the Ecuador inventory "
                           f"(k-means folds, 5 x 100): ROC AUC {v['susceptibility']:.3f} for the susceptibility model, "
                           f"{v['glm']:.3f} for a logistic regression on terrain, {v['slope']:.3f} for slope alone "
                           f"(published for that regression on these data: {v['peer']:.2f}); ROC curves {v['roc']}.")
                levels = ", ".join(f"{s.code} {s.susceptibility_level}" for s in hz.assessment.sites
                                   if s.susceptibility_level)
                click.echo(f"  Susceptibility level of the demo sites (the model is fitted on the same inventory): "
                           f"{levels}")
        if res.rain is not None:
            r = res.rain
            click.echo(f"\nRainfall early warning: real IMERG rainfall before the Magelang landslide of 17 March 2018 "
                       f"({r.total_mm:.0f} mm in {r.steps / 2:.0f} h), REPLAYED over the demo sites to end at "
                       f"{r.at:%Y-%m-%d %H:%M} UTC; 'rain check' with the {r.threshold} threshold:")
            for code, level, decision, raised, recipients, queued in r.sites:
                what = (f"{decision}: alert to {recipients} people, {queued} SMS queued" if raised else
                        decision.replace("_", " ") if decision != "warning" and decision != "watch" else
                        f"{decision}: already raised today")
                click.echo(f"  {code}  level {level or '-':<10} {what}")
            if r.skipped:
                click.echo("  not sent: " + ", ".join(f"{k.replace('_', ' ')} {n}" for k, n in r.skipped.items() if n))
        if res.planting is not None:
            from minewatch.demo.planting import planting_lines

            for line in planting_lines(res.planting, app.settings.files_dir):
                click.echo(line)
        if res.labour:
            click.echo("\nChild labour by the ILO C138/C182 age and task rules (minewatch labour check):")
            for kind, label in (("visit", "at each site's latest visit"), ("assignment", "in people's assignments")):
                found = ", ".join(f"{k.replace('_', ' ')} {n:,}" for k, n in res.labour.get(kind, {}).items())
                click.echo(f"  {label:<30} {found or 'no finding'}")
        if res.water:
            w = res.water
            click.echo(f"\nWater quality, {w['file']} (real monitoring data, Pilcomayo basin 2024): {w['results']:,} "
                       f"results at {w['points']} stations, {w['censored']:,} below detection kept as censored.")
            click.echo("  Against the WHO drinking-water guidelines (total fraction; rivers: if used for drinking):")
            for name, c in w["who"].items():
                n = sum(c.values())
                click.echo(f"  {name:<10} {c.get('exceeds', 0):>3} of {n} samples exceed")
        if res.mercury:
            m = res.mercury
            click.echo(f"\nMercury (Minamata Annex C 1(d) baseline, from the visits): {m['sites_using_mercury']:,} sites "
                       f"use mercury, {m['sites_mercury_free']:,} are mercury-free, {m['sites_without_observation']:,} "
                       "were not observed.")
        home = app.settings.home
        click.echo(f"""
Where to look:
  export MINEWATCH_HOME={home}
  .venv/bin/minewatch sites list --country CD --mineral gold --limit 10
  .venv/bin/minewatch sites list --near -2.49,28.86 --km 50
  .venv/bin/minewatch sites list --title-relation inside_artisanal_zone --summary
  .venv/bin/minewatch export sites --format gpkg --out sites.gpkg    (opens in QGIS)
  .venv/bin/minewatch audit verify
  .venv/bin/minewatch labour check --latest-only --json
  .venv/bin/minewatch water screen --guidelines who-dw
  .venv/bin/minewatch mercury baseline
  .venv/bin/minewatch hazard sites --run {home / 'demo' / 'hazard' / 'landslide'} --erosion {home / 'demo' / 'hazard' / 'erosion'}
  .venv/bin/minewatch rain series
{f"  .venv/bin/minewatch rain check --threshold guzzetti2008 --at {res.rain.at:%Y-%m-%dT%H:%MZ} --dry-run" if res.rain else ""}
  .venv/bin/minewatch alerts list
  .venv/bin/minewatch plan trees --site HZ-DEMO-04 --budget 3000 --landcover bare --min-patch 400 --out plan/
  .venv/bin/minewatch plantings survival --site HZ-DEMO-04
  .venv/bin/minewatch calc threshold --name javier-kumar2018 --duration-h 48 --json
  .venv/bin/minewatch calc fs --slope-deg 35 --friction-deg 32 --cohesion-pa 2000 --soil-depth-m 1.5 --soil-density 1800 --wetness 0.8""")
        if no_serve:
            return
        from minewatch.cli.serve import serve_app

        shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
        click.echo(f"""
The web app (map, sites, imports, REST API /api/v1, OGC API /ogc for QGIS):
  open      http://{shown}:{port}/
  log in as {res.login_email}
  password  {res.login_password}
(Ctrl-C stops it; 'make demo' again gives a new password.)""", )
        serve_app(state, host=host, port=port)
