"""``minewatch people``: show a person, record their consent, forget them on request."""

from __future__ import annotations

import click

from minewatch.cli.common import CliState, echo_json, pass_state

YES_NO = click.Choice(["yes", "no"])
ERASED_SUMMARY = ("name, date of birth, language, phone, identity document and external id are removed for "
                  "good; sex, birth year, memberships and assignments stay for anonymous counts")
STORAGE_NOTES = {
    "wal_truncated": "database file scrubbed (secure delete, WAL checkpointed and truncated)",
    "wal_busy": "WARNING: another process holds the database open, the WAL could not be truncated yet: "
                "old page images stay in minewatch.sqlite3-wal until the next checkpoint",
    "vacuumed": "PostgreSQL: VACUUM people done (old row versions removed)",
    "purge_failed": "WARNING: the database could not purge old row versions now: run VACUUM people (PostgreSQL) "
                    "or PRAGMA wal_checkpoint(TRUNCATE) (SQLite)",
}


def register(cli: click.Group) -> None:
    cli.add_command(people)


@click.group()
def people() -> None:
    """People in the registry: details, consent, and erasure when consent is withdrawn.

    ID is the person's external id (as in your files) or their number; write #42 for number 42
    when 42 is also someone's external id.

    \b
    Example:
      minewatch import people miners.csv --profile kobo.yaml
      minewatch people show P-00123
      minewatch people forget P-00123 --reason "consent withdrawn by phone"
    """


@people.command("show")
@click.argument("person_ref", metavar="ID")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def show(state: CliState, person_ref: str, as_json: bool) -> None:
    """Show a person, their memberships and assignments.

    Names and dates of birth are shown only to roles that may read names; phone and document
    numbers are always masked.

    \b
    Example:
      minewatch people show P-00123
      minewatch people show '#42' --json
    """
    from minewatch.people.service import show_person

    actor = state.actor()
    with state.app.uow() as uow:
        view = show_person(uow, actor=actor, person_id_or_external_id=person_ref, vault=state.app.vault)
    if as_json:
        echo_json(view.as_dict())
    else:
        _print_person(view)


@people.command("consent")
@click.argument("person_ref", metavar="ID")
@click.option("--data", type=YES_NO, help="Consent to keep the person's data (no: erase them, as 'forget').")
@click.option("--alerts", type=YES_NO, help="Consent to receive safety alerts by phone.")
@click.option("--yes", "assume_yes", is_flag=True, help="With --data no: do not ask for confirmation.")
@pass_state
def consent(state: CliState, person_ref: str, data: str | None, alerts: str | None, assume_yes: bool) -> None:
    """Record a person's consent, dated today. Withdrawing consent to keep data erases the person.

    \b
    Example:
      minewatch people consent P-00123 --alerts no
      minewatch people consent P-00123 --data yes --alerts yes
      minewatch people consent P-00123 --data no --yes
    """
    from minewatch.people.service import set_consent

    if data is None and alerts is None:
        raise click.UsageError("give --data, --alerts or both")
    if data == "no":
        _forget(state, person_ref, "consent to keep data withdrawn", assume_yes)
        return
    actor = state.actor()
    with state.app.uow() as uow:
        view = set_consent(uow, actor=actor, person_id_or_external_id=person_ref, vault=state.app.vault,
                           data=None if data is None else True, alerts=None if alerts is None else alerts == "yes")
    click.echo(f"person #{view.id}: consent to keep data {_yes_no(view.consent_data)}, "
               f"to receive alerts {_yes_no(view.consent_alerts)}")


@people.command("forget")
@click.argument("person_ref", metavar="ID")
@click.option("--reason", default="consent withdrawn", show_default=True,
              help="Why, for the audit trail (no names or numbers: it is kept for good).")
@click.option("--yes", "assume_yes", is_flag=True, help="Do not ask for confirmation.")
@pass_state
def forget(state: CliState, person_ref: str, reason: str, assume_yes: bool) -> None:
    """Erase a person who withdrew consent: what identifies them is removed for good.

    Sex, birth year, memberships and assignments stay for anonymous counts; the audit trail records
    the erasure without the name. On SQLite the database file is scrubbed of the old values.

    \b
    Example:
      minewatch people forget P-00123 --reason "consent withdrawn at the site meeting"
      minewatch people forget '#42' --yes
    """
    _forget(state, person_ref, reason, assume_yes)


def _forget(state: CliState, person_ref: str, reason: str, assume_yes: bool) -> None:
    from minewatch.people.service import forget_person, show_person

    actor = state.actor()
    vault = state.app.vault
    if not assume_yes:
        with state.app.uow() as uow:
            view = show_person(uow, actor=actor, person_id_or_external_id=person_ref, vault=vault)
        who = f"person #{view.id} (external id {view.external_id}" + (f", {view.full_name})" if view.full_name else ")")
        click.confirm(f"Erase {who}?\n{ERASED_SUMMARY}.\nContinue", abort=True, err=True)
    with state.app.uow() as uow:
        result = forget_person(uow, actor=actor, person_id_or_external_id=person_ref, reason=reason, vault=vault)
    click.echo(f"person #{result.person_id} erased: {ERASED_SUMMARY}")
    click.echo(STORAGE_NOTES.get(result.storage, result.storage))


def _yes_no(value: bool | None) -> str:
    return "not recorded" if value is None else ("yes" if value else "no")


def _print_person(v) -> None:
    rows = [("person", f"#{v.id}"), ("external id", v.external_id)]
    if v.erased_at is not None:
        rows.append(("erased", v.erased_at.strftime("%Y-%m-%d %H:%M UTC")))
    rows.append(("name", v.full_name if v.names_visible else "(hidden: your role may not read names)"))
    rows.append(("sex", v.sex))
    if v.date_of_birth is not None:
        born = f"{v.date_of_birth.isoformat()} ({v.birth_precision})"
    else:
        born = f"{v.birth_year} ({v.birth_precision})" if v.birth_year is not None else None
    rows += [("born", born), ("language", v.preferred_language), ("phone", v.phone)]
    if v.id_document_type or v.id_document_number:
        rows.append(("identity document", " ".join(x for x in (v.id_document_type, v.id_document_number) if x)))
    for label, flag, on in (("consent: keep data", v.consent_data, v.consent_data_at),
                            ("consent: alerts", v.consent_alerts, v.consent_alerts_at)):
        rows.append((label, _yes_no(flag) + (f" ({on.isoformat()})" if on else "")))
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        click.echo(f"{label:<{width}}  {value if value is not None else '-'}")
    click.echo(f"memberships ({len(v.memberships)}):")
    for m in v.memberships:
        click.echo(f"  {m['cooperative']} {m['cooperative_name'] or ''}: {m['role']}{_period(m)}")
    click.echo(f"assignments ({len(v.assignments)}):")
    for a in v.assignments:
        hours = f", {a['hours_per_week']:g} h/week" if a["hours_per_week"] is not None else ""
        click.echo(f"  {a['site']} {a['site_name'] or ''}: {a['task']}{hours}{_period(a)}")


def _period(r: dict) -> str:
    start, end = r.get("valid_from"), r.get("valid_to")
    if start is None and end is None:
        return ""
    return f" ({start.isoformat() if start else '…'} to {end.isoformat() if end else 'now'})"
