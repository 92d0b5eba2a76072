"""``minewatch rain evaluate``: which dated landslides a threshold would have caught."""

from __future__ import annotations

import click


def add(group: click.Group) -> None:
    """Add this module's commands to the ``rain`` group."""
