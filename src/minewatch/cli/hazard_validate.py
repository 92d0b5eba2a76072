"""``minewatch hazard validate`` and ``hazard susceptibility``: the susceptibility model and its spatial
cross-validation on a landslide inventory (issue 8)."""

from __future__ import annotations

import click


def register(cli: click.Group) -> None:
    """Add this module's commands to the ``hazard`` group."""
