"""``minewatch labour check``: child-labour findings over the registry's assignments and visits (ids only)."""

from __future__ import annotations

import click

from minewatch.cli.common import CliState, echo_json, pass_state


@click.command("check")
@click.option("--site", "site_code", metavar="CODE", help="Only this site.")
@click.option("--on", "on", type=click.DateTime(formats=["%Y-%m-%d"]), metavar="DATE",
              help="Date the assignments are checked on (YYYY-MM-DD; default today).")
@click.option("--latest-only", is_flag=True, help="Only each site's latest visit.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array of findings.")
@pass_state
def check_cmd(state: CliState, site_code: str | None, on, latest_only: bool, as_json: bool) -> None:
    """Classify every current assignment and every visit observation by the ILO age and task rules.

    \b
    Classifications: permitted, light_work, child_labour, hazardous_child_labour; other findings:
    unmapped_task, age_unknown, invalid_age. People appear by id only.
    \b
    Example:
      minewatch labour check --latest-only
      minewatch labour check --site CD-001 --on 2025-06-30 --json
    """
    from minewatch.labour.service import check_labour, counts

    actor = state.actor()
    with state.app.uow() as uow:
        findings = check_labour(uow, actor=actor, on=on.date() if on else None, site_code=site_code,
                                latest_only=latest_only)
    if as_json:
        echo_json([f.as_dict() for f in findings])
        return
    click.echo(f"{'site':<14} {'source':<22} {'date':<10} {'age':<9} {'finding':<23} rule")
    for f in findings:
        source = f"{f.source_type} {f.source_id}" + (f" p{f.person_id}" if f.person_id else "")
        if f.visit_ref:
            source += f" ({f.visit_source or ''} {f.visit_ref})"
        day = (f.visit_date or f.on_date).isoformat()
        if f.age_band or f.age_min is None:
            age = f.age_band or ""
        else:
            age = f"{f.age_min}" if f.age_min == f.age_max else f"{f.age_min}-{f.age_max}?"
        what = f.classification or f.kind
        click.echo(f"{f.site_code:<14} {source:<22} {day:<10} {age:<9} {what:<23} {f.rule or ''}")
        if f.kind != "classification" or f.classification != "permitted":
            click.echo(f"{'':<14} {f.reason}")
    click.echo(f"{len(findings)} finding(s): " + (", ".join(f"{k} {n}" for k, n in counts(findings).items()) or "none"))


def register(cli: click.Group) -> None:
    group = cli.commands.get("labour")
    if group is None:
        @click.group("labour")
        def group() -> None:
            """Child labour: age and task rules (ILO C138, C182, R190)."""

        cli.add_command(group)
    group.add_command(check_cmd)
