"""``minewatch reports``: the grievance cases of issue 7 (list, show, assign, advance, worklist)."""

from __future__ import annotations

import click

from minewatch.cli.common import CliState, echo_json, pass_state

STAGES = ("received", "acknowledged", "assessed", "action", "resolved", "closed", "appealed")


@click.group("reports")
def reports() -> None:
    """Grievances and incident reports from miners (web, SMS, USSD, field officers, hotline)."""


def _line(v) -> str:
    late = f"  OVERDUE {v.days_overdue}d" if v.days_overdue else ""
    site = v.site_code or "-"
    return (f"{v.case_number}  {v.stage:<12} {v.category:<31} site {site:<12} {v.channel:<13} "
            f"received {v.received_at:%Y-%m-%d}{late}")


@reports.command("list")
@click.option("--stage", type=click.Choice(STAGES), help="Only cases in this stage.")
@click.option("--overdue", is_flag=True, help="Only cases past their stage's target time.")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@pass_state
def list_cmd(state: CliState, stage: str | None, overdue: bool, as_json: bool) -> None:
    """The organisation's cases, oldest first (no free text here: see 'reports show')."""
    from minewatch.grievances.service import list_reports

    actor = state.actor()
    with state.app.uow() as uow:
        rows = list_reports(uow, actor=actor, stage=stage, overdue=overdue)
    if as_json:
        echo_json([v.as_dict() for v in rows])
        return
    if not rows:
        click.echo("no cases")
    for v in rows:
        click.echo(_line(v))


@reports.command("show")
@click.argument("case_number")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@pass_state
def show_cmd(state: CliState, case_number: str, as_json: bool) -> None:
    """One case: stage, target, site, escalations and (if your role may see it) what the reporter said."""
    from minewatch.grievances.service import show_report

    actor = state.actor()
    with state.app.uow() as uow:
        v = show_report(uow, actor=actor, case_number=case_number)
    if as_json:
        echo_json(v.as_dict())
        return
    click.echo(_line(v))
    click.echo(f"  annex II: {v.annex_ii or '-'}   serious: {'yes' if v.serious else 'no'}   "
               f"site: {v.site_source.replace('_', ' ')}   language: {v.language}")
    click.echo(f"  due: {v.due_on or '-'}   assignee: {v.assignee or '-'}   "
               f"replies: {'consented' if v.contact_for_replies else 'none'}")
    if v.child_case_link:
        click.echo(f"  child labour case: {v.child_case_link.replace('_', ' ')}"
                   + (f" #{v.child_case_id}" if v.child_case_id else ""))
    for e in v.escalations:
        state_ = f"acknowledged {e['acknowledged_at']:%Y-%m-%d}" if e["acknowledged_at"] else "open"
        click.echo(f"  escalated to {e['role']} ({state_}): {e['reason']}")
    if v.text_hidden:
        click.echo("  text: hidden (only the child-protection role sees this category's content)")
    else:
        click.echo(f"  text: {v.text}")
        for a in v.additions:
            click.echo(f"  added: {a}")
    if v.public_answer:
        click.echo(f"  answer: {v.public_answer}")


@reports.command("assign")
@click.argument("case_number")
@click.option("--to", "to_email", required=True, metavar="EMAIL", help="The user who takes the case.")
@pass_state
def assign_cmd(state: CliState, case_number: str, to_email: str) -> None:
    """Give a case to a user of the organisation."""
    from minewatch.grievances.service import assign

    actor = state.actor()
    with state.app.uow() as uow:
        v = assign(uow, actor=actor, case_number=case_number, to_email=to_email)
    click.echo(f"{v.case_number} assigned to {v.assignee}")


@reports.command("advance")
@click.argument("case_number")
@click.option("--to", "to_stage", required=True, type=click.Choice(STAGES), help="The next stage.")
@click.option("--answer", help="The public answer the reporter sees when checking the case's status.")
@pass_state
def advance_cmd(state: CliState, case_number: str, to_stage: str, answer: str | None) -> None:
    """Move a case to its next stage (received, acknowledged, assessed, action, resolved, closed; appealed).

    \b
    Example:
      minewatch reports advance G-7K3Q9A --to acknowledged --answer "We received your report."
    """
    from minewatch.grievances.service import advance

    actor = state.actor()
    with state.app.uow() as uow:
        v = advance(uow, actor=actor, case_number=case_number, to_stage=to_stage, answer=answer)
    click.echo(f"{v.case_number} is now {v.stage}" + (f" (due {v.due_on})" if v.due_on else ""))


@reports.command("worklist")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@pass_state
def worklist_cmd(state: CliState, as_json: bool) -> None:
    """Escalations to your role, child labour reports awaiting a case, and overdue cases."""
    from minewatch.grievances.service import worklist

    actor = state.actor()
    with state.app.uow() as uow:
        items = worklist(uow, actor=actor)
    if as_json:
        echo_json([i.as_dict() for i in items])
        return
    if not items:
        click.echo("nothing to do")
    for i in items:
        late = f" ({i.days_overdue} days overdue, due {i.due_on})" if i.days_overdue else ""
        click.echo(f"{i.case_number}  {i.kind:<18} {i.category:<31} {i.stage:<12} {i.detail}{late}")


def register(cli: click.Group) -> None:
    cli.add_command(reports)
