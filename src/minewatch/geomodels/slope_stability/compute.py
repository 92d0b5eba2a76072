"""Slope stability on arrays (numpy or xarray DataArrays): factor of safety, SHALSTAB, SINMAP SI and the
Monte Carlo probability of failure, all local (cell-by-cell) operators, so blocks need no halo.

Dask is not dispatched here yet: every output is a per-cell function of per-cell inputs, so a caller can
run :func:`compute` block by block (``adapters.rasters.blocks(..., halo=0)``); the Monte Carlo is
block-invariant when each block passes ``cell_offset`` (see ``montecarlo``).
"""

from __future__ import annotations

import numpy as np

from minewatch.errors import InvalidInput
from minewatch.geomodels.slope_stability import kernels
from minewatch.geomodels.slope_stability.montecarlo import probability_of_failure

SHALSTAB_CODES = {kernels.SHALSTAB_UNSTABLE: 1, "": 2, kernels.SHALSTAB_STABLE: 3}


def _values(x):
    return np.asarray(getattr(x, "values", x), dtype=float)


def compute(slope_deg, specific_area_m, *, soil_density_kg_m3=2000.0, friction_deg=32.0, cohesion_pa=0.0,
            root_cohesion_pa=0.0, rooting_depth_m=None, thickness_m=1.0, transmissivity_m2_day=10.0,
            recharge_m_day=0.05, surcharge_pa=0.0, density_ratio=0.5, sinmap: dict | None = None,
            monte_carlo: dict | None = None, rng: np.random.Generator | None = None) -> dict:
    """Every slope-stability output for one set of rasters; returns {CSDMS name: array}.

    Deterministic: relative wetness w = min(R a/(T sin theta), 1), factor of safety
    (:func:`kernels.factor_of_safety`), SHALSTAB critical recharge and class (1 unconditionally
    unstable, 2 recharge-dependent, 3 unconditionally stable). ``sinmap`` (keywords c_min, c_max,
    phi_min_deg, phi_max_deg, tr_min_m, tr_max_m) adds SI, its class (1 stable ... 6 defended) and the
    saturation indicator; ``monte_carlo`` (keywords of :func:`montecarlo.probability_of_failure`, e.g.
    from ``landlab_preset``, plus ``iterations``) adds the probabilities, drawn from ``rng``.
    If ``slope_deg`` is an xarray DataArray, outputs are DataArrays on its coordinates.
    """
    like = slope_deg
    slope = _values(slope_deg)
    a = _values(specific_area_m)
    out = {}
    w = kernels.relative_wetness(a, slope, _values(recharge_m_day), _values(transmissivity_m2_day))
    out["soil__relative_wetness"] = w
    out["soil__factor_of_safety"] = kernels.factor_of_safety(
        slope, _values(friction_deg), _values(cohesion_pa), _values(thickness_m), _values(soil_density_kg_m3), w,
        density_ratio=density_ratio, root_cohesion_pa=_values(root_cohesion_pa), surcharge_pa=_values(surcharge_pa),
        rooting_depth_m=None if rooting_depth_m is None else _values(rooting_depth_m))
    cr = _values(root_cohesion_pa)
    if rooting_depth_m is not None:
        cr = np.where(_values(thickness_m) <= _values(rooting_depth_m), cr, 0.0)
    q, cls = kernels.shalstab_critical_recharge(slope, _values(friction_deg), _values(cohesion_pa) + cr,
                                                _values(thickness_m), _values(soil_density_kg_m3), a,
                                                _values(transmissivity_m2_day), density_ratio=density_ratio)
    out["groundwater__critical_recharge_rate"] = q
    code = np.vectorize(SHALSTAB_CODES.get, otypes=[float])(cls) if cls.size else cls.astype(float)
    out["soil__shalstab_class"] = np.where(np.isnan(slope), np.nan, code)
    if sinmap is not None:
        si, sat = kernels.sinmap_stability_index(slope, a, density_ratio=density_ratio, **sinmap)
        names = kernels.sinmap_class(si)
        out["soil__stability_index"] = si
        code = {name: i + 1.0 for i, name in enumerate(kernels.SI_CLASSES)}
        out["soil__stability_class"] = np.vectorize(lambda c: code.get(c, np.nan), otypes=[float])(names)
        out["soil__saturation_index"] = sat
    if monte_carlo is not None:
        if rng is None:
            raise InvalidInput("monte_carlo needs rng=np.random.default_rng(seed)")
        res = probability_of_failure(slope, a, _values(soil_density_kg_m3), rng=rng, **monte_carlo)
        out["soil__probability_of_failure"] = res.probability_of_failure
        out["soil__probability_of_saturation"] = res.probability_of_saturation
        out["soil__mean_relative_wetness"] = res.mean_relative_wetness
    if hasattr(like, "dims") and hasattr(like, "coords"):
        import xarray as xr

        out = {k: xr.DataArray(np.broadcast_to(v, slope.shape), coords=like.coords, dims=like.dims, name=k)
               for k, v in out.items()}
    return out
