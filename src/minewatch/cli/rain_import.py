"""``minewatch rain import``: station CSV and gridded NetCDF rainfall."""

from __future__ import annotations

import click


def add(group: click.Group) -> None:
    """Add this module's commands to the ``rain`` group."""
