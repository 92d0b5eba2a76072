"""``minewatch rain``: rainfall import, threshold evaluation and the site check (issue 8).

The commands are written in their own modules (``rain_import``, ``rain_evaluate``, ``rain_check``), each
with ``add(group)``; this module only makes the group.
"""

from __future__ import annotations

import click


@click.group()
def rain() -> None:
    """Rainfall series, landslide rainfall thresholds and early warning."""


def register(cli: click.Group) -> None:
    from minewatch.cli import rain_check, rain_evaluate, rain_import

    for module in (rain_import, rain_evaluate, rain_check):
        module.add(rain)
    cli.add_command(rain)
