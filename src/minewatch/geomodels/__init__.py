"""Geomodels: science as SPEC + kernels + compute + tool (STYLE.md rule 6), registered as entry points.

A model is a module (or package) exposing ``SPEC`` (:class:`~minewatch.geomodels.spec.Spec`),
``compute(...)`` (arrays or xarray DataArrays in, out; optional Dask, one dispatch point) and
``tool(..., out_dir) -> {output name: path}`` (file I/O around compute). Built-in models are
registered in pyproject.toml under ``[project.entry-points."minewatch.geomodels"]`` exactly as a
plug-in would be.
"""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points

GROUP = "minewatch.geomodels"


def registered() -> dict[str, object]:
    """{model id: module} of every installed geomodel."""
    models = {}
    for ep in entry_points(group=GROUP):
        models[ep.name] = importlib.import_module(ep.value)
    return models
