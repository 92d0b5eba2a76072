"""Fused Monte Carlo kernel (numba): draws counter-based uniforms (SplitMix64 at a position given by
cell, iteration and variable), transforms them into parameter samples and counts failures, saturations
and wetness per cell without materialising anything. Private: call
:func:`minewatch.geomodels.slope_stability.montecarlo.probability_of_failure`.

The arithmetic is the same as ``montecarlo._numpy_engine`` (the reference it is tested against).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange


@njit(inline="always", cache=True)
def _coef(kind, p1, p2, p3):
    """Per-cell constants of the inverse CDF, so the inner loop does one sqrt at most."""
    if kind == 2:
        span = p3 - p1
        if span <= 0.0:
            return 0, p1, 0.0, 2.0, 0.0, 0.0  # constant
        return 2, p1, math.sqrt(span * (p2 - p1)), (p2 - p1) / span, p3, math.sqrt(span * (p3 - p2))
    if kind == 1:
        return 1, p1, p2 - p1, 0.0, 0.0, 0.0
    return kind, p1, p2, 0.0, 0.0, 0.0


_GAMMA = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)
_TO_UNIT = 1.0 / 9007199254740992.0  # 2**-53


@njit(inline="always", cache=True)
def _uniform(key, ctr):
    """The ctr-th output of SplitMix64 seeded with ``key`` (Steele, Lea & Flood 2014), as a double in [0, 1)."""
    z = key + (ctr + np.uint64(1)) * _GAMMA
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    z = z ^ (z >> _S31)
    return np.float64(z >> _S11) * _TO_UNIT


@njit(inline="always", cache=True)
def _draw(kind, a, b, fc, d, e, key, ctr):
    if kind == 0:  # constant
        return a
    v = _uniform(key, ctr)
    if kind == 1:  # uniform(low, high)
        return a + b * v
    if kind == 2:  # triangular(low, mode, high), inverse CDF
        if v < fc:
            return a + b * math.sqrt(v)
        return d - e * math.sqrt(1.0 - v)
    # Box-Muller from two uniforms
    z = math.sqrt(-2.0 * math.log(1.0 - v)) * math.cos(2.0 * math.pi * _uniform(key, ctr + np.uint64(1)))
    if kind == 3:  # normal(mean, sd)
        return a + b * z
    return math.exp(a + b * z)  # lognormal(mu, sigma) of the log


@njit(cache=True, parallel=True)
def mc_counts(iters, cell_offset, key_cell, key_shared, shared, sin_t, cos_t, area, rho, rooting, ratio, g, hmin,
              use_k, kinds, params, fail, sat, rw_sum):
    """Accumulate, per cell j, #(FS <= 1), #(w >= 1) and sum(min(w, 1)) over the iterations.

    Variables (index in ``kinds``/``params``/``shared``): 0 soil cohesion (Pa), 1 root cohesion (Pa),
    2 friction angle (deg), 3 thickness h (m), 4 transmissivity (m2/day) or conductivity (m/day) when
    ``use_k``, 5 recharge (m/day). ``params`` has shape (6, 3, ncells). Variable k at iteration i of
    global cell c uses SplitMix64 outputs number ((c * iters + i) * 12 + 2k) and the next one (one more
    for a normal) from ``key_cell``, or (i * 12 + 2k) from ``key_shared`` when ``shared[k]`` (one value
    per iteration for all cells).
    """
    n = sin_t.shape[0]
    it = np.uint64(iters)
    twelve = np.uint64(12)
    for jp in prange(n):
        j = np.intp(jp)
        cell = np.uint64(cell_offset) + np.uint64(jp)
        s = sin_t[j]
        c = cos_t[j]
        k0, a0, b0, f0, d0, e0 = _coef(kinds[0], params[0, 0, j], params[0, 1, j], params[0, 2, j])
        k1, a1, b1, f1, d1, e1 = _coef(kinds[1], params[1, 0, j], params[1, 1, j], params[1, 2, j])
        k2, a2, b2, f2, d2, e2 = _coef(kinds[2], params[2, 0, j], params[2, 1, j], params[2, 2, j])
        k3, a3, b3, f3, d3, e3 = _coef(kinds[3], params[3, 0, j], params[3, 1, j], params[3, 2, j])
        k4, a4, b4, f4, d4, e4 = _coef(kinds[4], params[4, 0, j], params[4, 1, j], params[4, 2, j])
        k5, a5, b5, f5, d5, e5 = _coef(kinds[5], params[5, 0, j], params[5, 1, j], params[5, 2, j])
        ar = area[j]
        wgt = rho[j] * g
        root_d = rooting[j]
        nf = 0
        ns = 0
        acc = 0.0
        for ii in range(iters):
            ui = np.uint64(ii)
            bc = (cell * it + ui) * twelve
            bs = ui * twelve
            h = _draw(k3, a3, b3, f3, d3, e3, key_shared if shared[3] else key_cell,
                      (bs if shared[3] else bc) + np.uint64(6))
            if h <= 0.0:
                h = hmin
            coh = _draw(k0, a0, b0, f0, d0, e0, key_shared if shared[0] else key_cell, bs if shared[0] else bc)
            if h <= root_d:
                coh += _draw(k1, a1, b1, f1, d1, e1, key_shared if shared[1] else key_cell,
                             (bs if shared[1] else bc) + np.uint64(2))
            phi = _draw(k2, a2, b2, f2, d2, e2, key_shared if shared[2] else key_cell,
                        (bs if shared[2] else bc) + np.uint64(4))
            t = _draw(k4, a4, b4, f4, d4, e4, key_shared if shared[4] else key_cell,
                      (bs if shared[4] else bc) + np.uint64(8))
            if use_k:
                t = t * h
            rech = _draw(k5, a5, b5, f5, d5, e5, key_shared if shared[5] else key_cell,
                         (bs if shared[5] else bc) + np.uint64(10))
            w = rech * ar / (t * s)
            if w >= 1.0:
                ns += 1
                w = 1.0
            acc += w
            fs = coh / (h * wgt) / s + c * math.tan(math.radians(phi)) * (1.0 - ratio * w) / s
            if fs <= 1.0:
                nf += 1
        fail[j] = nf
        sat[j] = ns
        rw_sum[j] = acc
