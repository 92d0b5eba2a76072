"""Load the USSD menus and SMS templates (``messages.yaml``, packaged data) once, on first use."""

from __future__ import annotations

import functools
from importlib import resources

from minewatch.messaging.model import Catalog


@functools.lru_cache(maxsize=1)
def catalog() -> Catalog:
    import yaml

    data = yaml.safe_load(resources.files("minewatch.messaging").joinpath("messages.yaml").read_text("utf-8"))
    return Catalog.from_data(data)
