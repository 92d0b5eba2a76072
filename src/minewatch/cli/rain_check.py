"""``minewatch rain check``: rainfall over threshold at susceptible sites -> alerts."""

from __future__ import annotations

import click


def add(group: click.Group) -> None:
    """Add this module's commands to the ``rain`` group."""
