"""numba translation of :mod:`.kernels`, fused: one pass over the padded array, rows in parallel.

Same equations, same conventions (see kernels.py); a test checks both agree. Compiled with
``fastmath=False`` so results are reproducible and identical whatever the block or chunk layout
(each cell's arithmetic depends only on its window, its row's dx and dy).
"""

from __future__ import annotations

import math

import numba
import numpy as np

SLOPE, ASPECT, PROFILE, PLAN = 0, 1, 2, 3


@numba.njit(parallel=True, cache=True, fastmath=False)
def terrain_padded(zp, dx_rows, dy, zt_slope, want):  # pragma: no cover - compiled
    """Outputs ``(len(want), rows, cols)`` for a padded ``zp``; ``want`` lists SLOPE/ASPECT/PROFILE/PLAN codes."""
    rows = zp.shape[0] - 2
    cols = zp.shape[1] - 2
    n = want.shape[0]
    out = np.empty((n, rows, cols), dtype=np.float64)
    need_curv = False
    need_grad = False
    for k in range(n):
        if want[k] >= PROFILE:
            need_curv = True
        else:
            need_grad = True
    for r in numba.prange(rows):
        dx = dx_rows[r]
        for col in range(cols):
            a = zp[r, col]
            b = zp[r, col + 1]
            c = zp[r, col + 2]
            d = zp[r + 1, col]
            e = zp[r + 1, col + 1]
            f = zp[r + 1, col + 2]
            g = zp[r + 2, col]
            h = zp[r + 2, col + 1]
            i = zp[r + 2, col + 2]
            if math.isnan(a + b + c + d + e + f + g + h + i):
                for k in range(n):
                    out[k, r, col] = np.nan
                continue
            G = (f - d) / (2 * dx)
            H = (b - h) / (2 * dy)
            p = 0.0
            q = 0.0
            if need_grad:
                if zt_slope:
                    p = G
                    q = H
                else:
                    p = ((c + 2 * f + i) - (a + 2 * d + g)) / (8 * dx)
                    q = ((a + 2 * b + c) - (g + 2 * h + i)) / (8 * dy)
            prof = 0.0
            plan = 0.0
            if need_curv:
                p2 = G * G + H * H
                if p2 != 0.0:
                    D = ((d + f) / 2 - e) / (dx * dx)
                    E = ((b + h) / 2 - e) / (dy * dy)
                    F = (-a + c + g - i) / (4 * dx * dy)
                    prof = -2.0 * (D * G * G + E * H * H + F * G * H) / (p2 * (1.0 + p2) ** 1.5)
                    plan = -2.0 * (D * H * H + E * G * G - F * G * H) / p2**1.5
            for k in range(n):
                w = want[k]
                if w == SLOPE:
                    out[k, r, col] = math.degrees(math.atan(math.sqrt(p * p + q * q)))
                elif w == ASPECT:
                    if p == 0.0 and q == 0.0:
                        out[k, r, col] = -1.0
                    else:
                        az = math.degrees(math.atan2(-p, -q))
                        if az < 0:
                            az += 360.0
                        out[k, r, col] = az + 0.0
                elif w == PROFILE:
                    out[k, r, col] = prof
                else:
                    out[k, r, col] = plan
    return out
