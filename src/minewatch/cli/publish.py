"""``minewatch publish``: what anonymous readers (OGC API - Features without a token) may see."""

from __future__ import annotations

import click

from minewatch.cli.common import CliState, pass_state


def register(cli: click.Group) -> None:
    cli.add_command(publish)


@click.group()
def publish() -> None:
    """Publish the organisation's data to anonymous readers, or stop."""


@publish.command("sites")
@click.option("--stop", is_flag=True, help="Stop publishing: anonymous readers see none of the sites.")
@pass_state
def publish_sites(state: CliState, stop: bool) -> None:
    """Let anonymous readers of /ogc see the public fields of the organisation's sites (admins only).

    Public fields: code, name, country, admin1, minerals, mining method and lifecycle status;
    never visits, people, children or indicators.

    \b
    Example:
      minewatch publish sites
      minewatch publish sites --stop
    """
    from minewatch.sites.features import SITE_PUBLIC_FIELDS
    from minewatch.sites.publication import publish_sites as publish_service

    result = _set(state, publish_service, stop)
    click.echo(f"sites of '{result.org_slug}' are {_state(result)}: {result.sites:,} site(s)")
    if result.published:
        click.echo(f"anonymous readers of /ogc/collections/sites see: {', '.join(SITE_PUBLIC_FIELDS)}")


@publish.command("grievances")
@click.option("--stop", is_flag=True, help="Stop publishing: /public/ORG/grievances answers 404.")
@pass_state
def publish_grievances(state: CliState, stop: bool) -> None:
    """Let anyone read the organisation's grievance statistics at /public/ORG/grievances (admins only).

    Counts by category, district and month, time to resolution and performance against the target
    times; counts under 5 suppressed (with complementary suppression), never text, phones or names.

    \b
    Example:
      minewatch publish grievances
      minewatch publish grievances --stop
    """
    from minewatch.sites.publication import publish_grievances as publish_service

    result = _set(state, publish_service, stop)
    click.echo(f"grievance statistics of '{result.org_slug}' are {_state(result)}: /public/{result.org_slug}/grievances")


def _set(state: CliState, service, stop: bool):
    with state.app.uow() as uow:
        return service(uow, actor=state.actor(), publish=not stop)


def _state(result) -> str:
    return ("published" if result.published else "not published") + ("" if result.changed else " (unchanged)")
