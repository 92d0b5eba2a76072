"""``minewatch cases``: child labour cases (CLMRS) for the child-protection officer, and their indicators."""

from __future__ import annotations

import click

from minewatch.cli.common import CliState, echo_json, pass_state

_DATE = click.DateTime(formats=["%Y-%m-%d"])


def _d(value):
    return value.date() if value is not None else None


def _print_case(v) -> None:
    who = v.child_name or (f"person {v.person_external_id}" if v.person_external_id else "(identity purged)")
    click.echo(f"case #{v.id}  {v.stage}  site {v.site_code or '-'}  identified {v.identified_on}  {who}")
    click.echo(f"  source {v.source_type} {v.source_id or ''}  classification {v.classification or '-'}  "
               f"next follow-up due {v.next_followup_due or '-'}")
    if v.closed_on:
        click.echo(f"  closed {v.closed_on} ({v.close_reason}{': ' + v.close_reason_text if v.close_reason_text else ''})")
    for a in v.actions:
        cost = f"  {a['cost_amount']:.2f} {a['cost_currency']}" if a["cost_amount"] is not None else ""
        click.echo(f"  action {a['action']:<26} planned {a['planned_on'] or '-'}  done {a['done_on'] or '-'}  "
                   f"{a['provider'] or ''}{cost}")
    for f in v.followups:
        click.echo(f"  follow-up {f['followed_up_on']}  in child labour: {'yes' if f['in_child_labour'] else 'no'}  "
                   f"in school: {'-' if f['in_school'] is None else 'yes' if f['in_school'] else 'no'}  "
                   f"by {f['followed_up_by']}")


def _out(v, as_json: bool) -> None:
    if as_json:
        echo_json(v.as_dict())
    else:
        _print_case(v)


@click.group("cases")
def cases() -> None:
    """Child labour cases (CLMRS): identification, remediation, follow-up, closure.

    \b
    Only the child-protection officer reads or changes cases; every read is audited.
    Example:
      minewatch --as cpo@example.org cases list --open
    """


@cases.command("list")
@click.option("--stage", help="Only cases at this stage (identification, assessment, remediation_plan, "
                              "follow_up, closed).")
@click.option("--site", "site_code", metavar="CODE", help="Only cases of this site.")
@click.option("--open", "open_only", is_flag=True, help="Only open cases.")
@click.option("--json", "as_json", is_flag=True, help="Print the cases as JSON.")
@pass_state
def list_cmd(state: CliState, stage, site_code, open_only, as_json) -> None:
    """The organisation's cases.

    \b
    Example:
      minewatch --as cpo@example.org cases list --site KAL-001 --json
    """
    from minewatch.cases.service import list_cases

    actor = state.actor()
    with state.app.uow() as uow:
        views = list_cases(uow, actor=actor, stage=stage, site_code=site_code, open_only=open_only)
    if as_json:
        echo_json([v.as_dict() for v in views])
        return
    for v in views:
        click.echo(f"#{v.id:<6} {v.stage:<17} {v.site_code or '-':<14} {v.identified_on}  "
                   f"due {v.next_followup_due or '-'}  {v.child_name or v.person_external_id or '(purged)'}")
    click.echo(f"{len(views)} case(s)")


@cases.command("show")
@click.argument("case_id")
@click.option("--json", "as_json", is_flag=True, help="Print the case as JSON.")
@pass_state
def show_cmd(state: CliState, case_id, as_json) -> None:
    """One case with its remediation actions and follow-ups.

    \b
    Example:
      minewatch --as cpo@example.org cases show 12
    """
    from minewatch.cases.service import show_case

    actor = state.actor()
    with state.app.uow() as uow:
        v = show_case(uow, actor=actor, case_id=case_id)
    _out(v, as_json)


@cases.command("open")
@click.option("--from", "source_type", required=True,
              type=click.Choice(["assignment", "visit", "grievance", "other"]), help="Where the case comes from.")
@click.option("--source-id", help="The assignment or visit id (a grievance's reference).")
@click.option("--site", "site_code", metavar="CODE", help="The site (taken from the assignment or visit if omitted).")
@click.option("--person", metavar="REF", help="A registered child: external id or #id.")
@click.option("--name", help="A child not in the registry: name.")
@click.option("--sex", help="female, male or other.")
@click.option("--birth-date", type=_DATE, help="YYYY-MM-DD.")
@click.option("--birth-year", type=int)
@click.option("--guardian", help="Parent or guardian.")
@click.option("--household", "household_location", help="Where the household lives.")
@click.option("--identified-on", type=_DATE, help="Default: the visit date, else today.")
@click.option("--classification", type=click.Choice(["child_labour", "hazardous_child_labour"]))
@click.option("--notes")
@click.option("--json", "as_json", is_flag=True, help="Print the case as JSON.")
@pass_state
def open_cmd(state: CliState, source_type, source_id, site_code, person, name, sex, birth_date, birth_year,
             guardian, household_location, identified_on, classification, notes, as_json) -> None:
    """Open a case for a child from a finding (assignment or visit) or a grievance.

    A retry with the same source and child shows the case already opened.

    \b
    Example:
      minewatch --as cpo@example.org cases open --from assignment --source-id 311
      minewatch --as cpo@example.org cases open --from visit --source-id 9 --name "A. K." --birth-year 2013
    """
    from minewatch.cases.service import open_case

    child = {k: v for k, v in {"name": name, "sex": sex, "birth_date": _d(birth_date), "birth_year": birth_year,
                               "guardian": guardian, "household_location": household_location}.items()
             if v is not None}
    actor = state.actor()
    with state.app.uow() as uow:
        v = open_case(uow, actor=actor, source_type=source_type, source_id=source_id, site_code=site_code,
                      person=person, child=child or None, identified_on=_d(identified_on),
                      classification=classification, notes=notes)
    if not as_json:
        click.echo("opened" if v.created else "already open (nothing changed)")
    _out(v, as_json)


@cases.command("move")
@click.argument("case_id")
@click.argument("stage", type=click.Choice(["assessment", "remediation_plan", "follow_up"]))
@pass_state
def move_cmd(state: CliState, case_id, stage) -> None:
    """Move a case one stage forward.

    \b
    Example:
      minewatch --as cpo@example.org cases move 12 assessment
    """
    from minewatch.cases.service import move_case

    actor = state.actor()
    with state.app.uow() as uow:
        v = move_case(uow, actor=actor, case_id=case_id, to_stage=stage)
    _print_case(v)


@cases.command("add-action")
@click.argument("case_id")
@click.argument("action", type=click.Choice(
    ["school_enrolment", "school_kit", "birth_registration", "bridging_class", "vocational_training",
     "household_income_support", "referral_social_services", "referral_police"]))
@click.option("--planned", "planned_on", type=_DATE, help="Planned date, YYYY-MM-DD.")
@click.option("--done", "done_on", type=_DATE, help="Date done, YYYY-MM-DD.")
@click.option("--provider", help="Who provides it (school, NGO, service).")
@click.option("--cost", "cost_amount", help="Cost amount, e.g. 25.50.")
@click.option("--currency", "cost_currency", help="ISO 4217 code of the cost, e.g. USD, CDF.")
@click.option("--notes")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@pass_state
def add_action_cmd(state: CliState, case_id, action, planned_on, done_on, provider, cost_amount, cost_currency,
                   notes, as_json) -> None:
    """Add a remediation action from the controlled list.

    \b
    Example:
      minewatch --as cpo@example.org cases add-action 12 school_enrolment --done 2026-09-01 \\
          --provider "EP Kamituga" --cost 30 --currency USD
    """
    from minewatch.cases.service import add_action

    actor = state.actor()
    with state.app.uow() as uow:
        v = add_action(uow, actor=actor, case_id=case_id, action=action, planned_on=_d(planned_on),
                       done_on=_d(done_on), provider=provider, cost_amount=cost_amount, cost_currency=cost_currency,
                       notes=notes)
    _out(v, as_json)


@cases.command("add-followup")
@click.argument("case_id")
@click.option("--date", "followed_up_on", type=_DATE, required=True, help="Date of the follow-up, YYYY-MM-DD.")
@click.option("--in-child-labour/--not-in-child-labour", required=True, default=None,
              help="Was the child still in child labour?")
@click.option("--in-school/--not-in-school", default=None, help="Was the child in school?")
@click.option("--by", "followed_up_by", help="Who followed up (default: you).")
@click.option("--notes")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@pass_state
def add_followup_cmd(state: CliState, case_id, followed_up_on, in_child_labour, in_school, followed_up_by, notes,
                     as_json) -> None:
    """Record a follow-up visit; the next one is scheduled about six months later.

    \b
    Example:
      minewatch --as cpo@example.org cases add-followup 12 --date 2027-03-01 --not-in-child-labour --in-school
    """
    from minewatch.cases.service import add_followup

    if in_child_labour is None:
        raise click.UsageError("say --in-child-labour or --not-in-child-labour")
    actor = state.actor()
    with state.app.uow() as uow:
        v = add_followup(uow, actor=actor, case_id=case_id, followed_up_on=_d(followed_up_on),
                         in_child_labour=in_child_labour, in_school=in_school, followed_up_by=followed_up_by,
                         notes=notes)
    _out(v, as_json)


@cases.command("close")
@click.argument("case_id")
@click.option("--reason", type=click.Choice(["moved_away", "turned_18", "deceased", "other"]),
              help="Close without two clean follow-ups, for this documented reason.")
@click.option("--reason-text", help="Why (required with --reason other).")
@click.option("--reopen", "reopen_reason", metavar="REASON",
              help="Reopen a closed case instead, with this reason (must not name the child).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@pass_state
def close_cmd(state: CliState, case_id, reason, reason_text, reopen_reason, as_json) -> None:
    """Close a case after two follow-ups without child labour, or with a documented reason.

    \b
    Example:
      minewatch --as cpo@example.org cases close 12
      minewatch --as cpo@example.org cases close 13 --reason moved_away
      minewatch --as cpo@example.org cases close 12 --reopen "seen at the pit again"
    """
    from minewatch.cases.service import close_case, reopen_case

    actor = state.actor()
    with state.app.uow() as uow:
        if reopen_reason:
            v = reopen_case(uow, actor=actor, case_id=case_id, reason=reopen_reason)
        else:
            v = close_case(uow, actor=actor, case_id=case_id, reason=reason, reason_text=reason_text)
    _out(v, as_json)


@cases.command("worklist")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@pass_state
def worklist_cmd(state: CliState, as_json) -> None:
    """Open cases whose follow-up is overdue, most overdue first.

    \b
    Example:
      minewatch --as cpo@example.org cases worklist --json
    """
    from minewatch.cases.service import worklist

    actor = state.actor()
    with state.app.uow() as uow:
        items = worklist(uow, actor=actor)
    if as_json:
        echo_json([i.as_dict() for i in items])
        return
    for i in items:
        click.echo(f"#{i.case_id:<6} {i.site_code or '-':<14} {i.stage:<17} due {i.next_followup_due} "
                   f"({i.days_overdue} days overdue)  {i.child_name or ''}")
    click.echo(f"{len(items)} overdue follow-up(s)")


@cases.command("indicators")
@click.option("--by", type=click.Choice(["site", "cooperative", "district"]), default="site", show_default=True)
@click.option("--period", type=click.Choice(["month", "quarter", "year"]), default="quarter", show_default=True)
@click.option("--suppress", is_flag=True, help="Suppress cells under 5 children (for sharing outside).")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False, writable=True),
              help="Write the suppressed indicators as CSV to this file (for sharing outside).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@pass_state
def indicators_cmd(state: CliState, by, period, suppress, csv_path, as_json) -> None:
    """Programme indicators computed from the cases (counts only; any registry reader).

    \b
    Example:
      minewatch cases indicators --by district --period year
      minewatch cases indicators --by site --csv indicators.csv
    """
    from pathlib import Path

    from minewatch.cases.service import case_indicators, indicators_csv

    actor = state.actor()
    with state.app.uow() as uow:
        if csv_path:
            Path(csv_path).write_text(indicators_csv(uow, actor=actor, by=by, period=period), encoding="utf-8")
            click.echo(f"wrote {csv_path} (cells under 5 children suppressed)")
            return
        result = case_indicators(uow, actor=actor, by=by, period=period, suppress=suppress)
    if as_json:
        echo_json(result)
        return

    def fmt(v, share=False):
        return "-" if v is None else f"{v:.0%}" if share else f"{v:g}"

    click.echo(f"{by:<20} {'period':<8} {'ident':>6} {'action':>7} {'%act':>5} {'fu1':>4} {'%clean1':>7} "
               f"{'fu2':>4} {'%clean2':>7} {'days':>6} {'overdue':>7}")
    for r in result["rows"]:
        click.echo(f"{str(r['group'])[:20]:<20} {r['period']:<8} {fmt(r['children_identified']):>6} "
                   f"{fmt(r['with_action']):>7} {fmt(r['share_with_action'], True):>5} {fmt(r['followed_up_1']):>4} "
                   f"{fmt(r['share_clean_at_1'], True):>7} {fmt(r['followed_up_2']):>4} "
                   f"{fmt(r['share_clean_at_2'], True):>7} {fmt(r['median_days_to_action']):>6} "
                   f"{fmt(r['overdue_followups']):>7}")
    click.echo("ident: children identified; action: with a remediation action done; fu1/fu2: followed up once/"
               "twice; %clean: no longer in child labour; days: median days to the first action")
    if suppress:
        click.echo("- : suppressed (under 5 children, or to protect such a cell) or no data")


@cases.command("purge")
@click.option("--older-than-days", type=click.IntRange(min=0), required=True,
              help="Purge cases closed longer ago than this.")
@pass_state
def purge_cmd(state: CliState, older_than_days) -> None:
    """Blank the identifying fields of cases closed long ago, keeping the anonymous statistics.

    \b
    Example:
      minewatch --as cpo@example.org cases purge --older-than-days 730
    """
    from minewatch.cases.service import purge_closed_cases

    actor = state.actor()
    with state.app.uow() as uow:
        res = purge_closed_cases(uow, actor=actor, older_than_days=older_than_days)
    click.echo(f"purged {len(res.purged)} case(s) closed before {res.before}")


def register(cli: click.Group) -> None:
    cli.add_command(cases)
