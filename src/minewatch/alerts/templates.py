"""Load the alert texts (``templates.yaml``, packaged data) once, on first use."""

from __future__ import annotations

import functools
from importlib import resources

from minewatch.alerts.model import AlertTemplates


@functools.lru_cache(maxsize=1)
def alert_templates() -> AlertTemplates:
    import yaml

    data = yaml.safe_load(resources.files("minewatch.alerts").joinpath("templates.yaml").read_text("utf-8"))
    return AlertTemplates.from_data(data)
