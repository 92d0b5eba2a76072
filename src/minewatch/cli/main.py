"""``minewatch``: the entry point; command groups live in sibling modules."""

from __future__ import annotations

import click

from minewatch.cli.common import CliState, MinewatchGroup, echo_json, pass_state


@click.group(cls=MinewatchGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--org", envvar="MINEWATCH_ORG", help="Organisation (slug) to act for; default: the only one.")
@click.option("--as", "as_email", metavar="EMAIL", help="Acting user's e-mail; default: the organisation's admin.")
@click.version_option(package_name="minewatch")
@click.pass_context
def cli(ctx: click.Context, org: str | None, as_email: str | None) -> None:
    """minewatch: sites, visits, miners and cooperatives of artisanal and small-scale mining.

    The database is SQLite in MINEWATCH_HOME unless MINEWATCH_DATABASE_URL names PostgreSQL.

    \b
    Example:
      minewatch init --name "Kivu Miners Support" --admin-email admin@example.org
      minewatch import ipis cod_mines_curated_all_opendata_p_ipis.csv
      minewatch sites list --near -2.5,28.8 --km 25
    """
    ctx.obj = CliState(org=org, as_email=as_email)
    ctx.call_on_close(lambda: ctx.obj._app.dispose() if ctx.obj._app else None)


@cli.command()
@click.option("--name", default="My organisation", show_default=True, help="Organisation name.")
@click.option("--slug", help="Short name used with --org (default: from the name).")
@click.option("--admin-email", default="admin@localhost.localdomain", show_default=True)
@click.option("--country", help="ISO 3166-1 alpha-2 code of the organisation's country.")
@click.option("--another", is_flag=True, help="Add another organisation to an initialised database.")
@pass_state
def init(state: CliState, name: str, slug: str | None, admin_email: str, country: str | None, another: bool) -> None:
    """Create the database, a first organisation and its admin (prints a one-time password).

    \b
    Example:
      minewatch init --name "Kivu Miners Support" --admin-email admin@example.org --country CD
    """
    from minewatch.accounts.service import init_organisation

    app = state.app
    app.migrate()
    app.vault  # creates the secret key file once, with mode 0600
    with app.uow() as uow:
        res = init_organisation(uow, name=name, slug=slug, admin_email=admin_email,
                                country=country.upper() if country else None, allow_more=another)
    click.echo(f"Database ready: {app.settings.sqlalchemy_url.split('@')[-1]}")
    click.echo(f"Organisation '{res.org_name}' (--org {res.org_slug})")
    click.echo(f"Admin {res.admin_email}, one-time password: {res.one_time_password}")
    click.echo("Keep it now: it is shown once and must be changed at first login.")


@cli.group()
def db() -> None:
    """The database: schema upgrades and statistics."""


@db.command("upgrade")
@pass_state
def db_upgrade(state: CliState) -> None:
    """Bring the database schema up to date (Alembic migrations).

    \b
    Example:
      MINEWATCH_DATABASE_URL=postgresql://u:p@localhost/minewatch minewatch db upgrade
    """
    from minewatch.adapters.db import current_revision

    state.app.migrate()
    click.echo(f"schema at revision {current_revision(state.app.engine)}")


@db.command("stats")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def db_stats(state: CliState, as_json: bool) -> None:
    """Count the records of each type in the organisation.

    \b
    Example:
      minewatch db stats --json
    """
    from minewatch.registry.stats import record_counts

    actor = state.actor()
    with state.app.uow() as uow:
        counts = record_counts(uow, actor=actor)
    if as_json:
        echo_json(counts)
    else:
        width = max(len(k) for k in counts)
        for k, v in counts.items():
            click.echo(f"{k:<{width}}  {v:>10,}")


@cli.group()
def users() -> None:
    """Users of the organisation."""


@users.command("add")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice(
    ["admin", "coordinator", "field_officer", "child_protection_officer", "auditor", "viewer"]))
@click.option("--name", "display_name", help="The person's name as shown in the app.")
@pass_state
def users_add(state: CliState, email: str, role: str, display_name: str | None) -> None:
    """Add a user; prints a one-time password.

    \b
    Example:
      minewatch users add officer@example.org --role field_officer --name "A. Field Officer"
    """
    from minewatch.accounts.service import add_user

    actor = state.actor()
    with state.app.uow() as uow:
        password = add_user(uow, actor=actor, email=email, role=role, display_name=display_name)
    click.echo(f"User {email} ({role}) added; one-time password: {password}")


@cli.group()
def audit() -> None:
    """The tamper-evident audit trail."""


@audit.command("verify")
@pass_state
def audit_verify(state: CliState) -> None:
    """Recompute the audit hash chain; fails and names every altered event.

    \b
    Example:
      minewatch audit verify
    """
    from minewatch.audit.service import verify
    from minewatch.errors import IntegrityFailure

    actor = state.actor()
    with state.app.uow() as uow:
        n, breaks = verify(uow.session, actor.org_id)
    if breaks:
        for b in breaks:
            click.echo(b.describe(), err=True)
        raise IntegrityFailure(f"audit trail of '{actor.org_slug}' is broken: {len(breaks)} problem(s) in {n:,} events")
    click.echo(f"audit trail of '{actor.org_slug}' intact: {n:,} events verified")


def _register() -> None:
    """Command groups written in their own modules."""
    import importlib

    for mod in ("imports", "sites", "export", "backup", "people", "demo", "serve", "publish", "hazard", "hazard_sites", "calc",
                "labour", "cases", "pay", "prices", "water", "mercury",
                "reports", "sms", "ussd", "alerts", "rain", "hazard_validate", "hazard_erosion", "plan", "plantings"):
        try:
            module = importlib.import_module(f"minewatch.cli.{mod}")
        except ModuleNotFoundError as exc:
            if exc.name == f"minewatch.cli.{mod}":
                continue
            raise
        module.register(cli)


_register()


def main() -> None:
    cli(prog_name="minewatch")
