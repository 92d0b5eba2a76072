"""numba kernels for the hydrology geomodel (private: call them through ``kernels``).

Sequential algorithms (priority queues, topological sweeps) that numpy cannot vectorise. Every
function takes C-contiguous float64 arrays with NaN for nodata; cell sizes are ``dx`` per row (m,
shape (rows,)) and ``dy`` (m). Neighbour index k = 0..7 runs E, SE, S, SW, W, NW, N, NE (rows grow
southwards), so the ESRI D8 code of direction k is ``1 << k``.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

# neighbour k: (row offset, column offset), E SE S SW W NW N NE
DR = np.array([0, 1, 1, 1, 0, -1, -1, -1], dtype=np.int64)
DC = np.array([1, 1, 0, -1, -1, -1, 0, 1], dtype=np.int64)


@njit(cache=True)
def _dist(dx, dy, r, rn, k):
    """Centre-to-centre distance (m) from a cell in row r to its neighbour k in row rn."""
    if k == 0 or k == 4:
        return dx[r]
    if k == 2 or k == 6:
        return dy
    w = 0.5 * (dx[r] + dx[rn])
    return math.sqrt(w * w + dy * dy)


# ---------------------------------------------------------------- binary min-heap on (key, id)
@njit(cache=True)
def _heap_push(keys, ids, size, key, ident):
    i = size
    while i > 0:  # move the hole up instead of swapping
        p = (i - 1) >> 1
        if keys[p] <= key:
            break
        keys[i] = keys[p]
        ids[i] = ids[p]
        i = p
    keys[i] = key
    ids[i] = ident
    return size + 1


@njit(cache=True)
def _heap_pop(keys, ids, size):
    """Remove the root; returns the new size (the root was keys[0], ids[0] before the call)."""
    size -= 1
    key = keys[size]
    ident = ids[size]
    i = 0
    while True:
        c = 2 * i + 1
        if c >= size:
            break
        if c + 1 < size and keys[c + 1] < keys[c]:
            c += 1
        if key <= keys[c]:
            break
        keys[i] = keys[c]
        ids[i] = ids[c]
        i = c
    keys[i] = key
    ids[i] = ident
    return size


@njit(cache=True)
def priority_flood(z, epsilon):
    """Fill depressions in place (Barnes, Lehman & Mulla 2014, Algorithm 2 'Priority-Flood' with the
    plain queue for pit cells; with ``epsilon`` Algorithm 3 'Priority-Flood+epsilon', each filled
    cell one float64 ulp above the cell it was reached from, so filled flats drain).

    Seeds (outlets): valid cells on the raster edge or next to a NaN cell. NaN cells stay NaN.
    """
    rows, cols = z.shape
    n = rows * cols
    closed = np.zeros(n, dtype=np.bool_)
    keys = np.empty(n, dtype=np.float64)
    ids = np.empty(n, dtype=np.int64)
    pit = np.empty(n, dtype=np.int64)
    size = 0
    for r in range(rows):
        for c in range(cols):
            if np.isnan(z[r, c]):
                closed[r * cols + c] = True
                continue
            seed = r == 0 or c == 0 or r == rows - 1 or c == cols - 1
            if not seed:
                for k in range(8):
                    if np.isnan(z[r + DR[k], c + DC[k]]):
                        seed = True
                        break
            if seed:
                closed[r * cols + c] = True
                size = _heap_push(keys, ids, size, z[r, c], r * cols + c)
    head = 0
    tail = 0
    pit_top = np.nan
    while size > 0 or head < tail:
        if head < tail and size > 0 and keys[0] == z.flat[pit[head]]:
            cell = ids[0]
            size = _heap_pop(keys, ids, size)
            pit_top = np.nan
        elif head < tail:
            cell = pit[head]
            head += 1
            if np.isnan(pit_top):
                pit_top = z.flat[cell]
        else:
            cell = ids[0]
            size = _heap_pop(keys, ids, size)
            pit_top = np.nan
        r = cell // cols
        c = cell - r * cols
        zc = z[r, c]
        spill = np.nextafter(zc, np.inf) if epsilon else zc
        for k in range(8):
            rn = r + DR[k]
            cn = c + DC[k]
            if rn < 0 or rn >= rows or cn < 0 or cn >= cols:
                continue
            nb = rn * cols + cn
            if closed[nb]:
                continue
            closed[nb] = True
            if z[rn, cn] <= spill:
                z[rn, cn] = spill
                pit[tail] = nb
                tail += 1
            else:
                size = _heap_push(keys, ids, size, z[rn, cn], nb)
    return z


@njit(cache=True)
def d8(z, dx, dy):
    """Steepest-descent D8 (O'Callaghan & Mark 1984): direction index 0..7 (-1: no downslope
    neighbour, an outlet or pit) and the steepest slope tan(beta) = drop / distance (0 at outlets)."""
    rows, cols = z.shape
    direction = np.full((rows, cols), -1, dtype=np.int8)
    slope = np.zeros((rows, cols), dtype=np.float64)
    for r in range(rows):
        for c in range(cols):
            zc = z[r, c]
            if np.isnan(zc):
                slope[r, c] = np.nan
                continue
            best = 0.0
            bk = -1
            for k in range(8):
                rn = r + DR[k]
                cn = c + DC[k]
                if rn < 0 or rn >= rows or cn < 0 or cn >= cols:
                    continue
                zn = z[rn, cn]
                if not zn < zc:  # also skips NaN
                    continue
                s = (zc - zn) / _dist(dx, dy, r, rn, k)
                if s > best:
                    best = s
                    bk = k
            direction[r, c] = bk
            slope[r, c] = best
    return direction, slope


@njit(cache=True)
def accumulate_d8(direction, weight):
    """Upslope sum of ``weight`` including the cell itself, along D8 directions (topological order,
    Kahn's algorithm). NaN weight marks nodata (result NaN); a direction pointing off the grid ends
    the path."""
    rows, cols = direction.shape
    n = rows * cols
    acc = weight.copy()
    indeg = np.zeros(n, dtype=np.int32)
    recv = np.full(n, -1, dtype=np.int64)
    for r in range(rows):
        for c in range(cols):
            k = direction[r, c]
            if k >= 0:
                rn = r + DR[k]
                cn = c + DC[k]
                if rn < 0 or rn >= rows or cn < 0 or cn >= cols:
                    continue  # flow leaves the grid
                nb = rn * cols + cn
                recv[r * cols + c] = nb
                indeg[nb] += 1
    stack = np.empty(n, dtype=np.int64)
    top = 0
    flat = acc.ravel()
    for i in range(n):
        if indeg[i] == 0 and not np.isnan(flat[i]):
            stack[top] = i
            top += 1
    while top > 0:
        top -= 1
        i = stack[top]
        j = recv[i]
        if j >= 0:
            flat[j] += flat[i]
            indeg[j] -= 1
            if indeg[j] == 0:
                stack[top] = j
                top += 1
    return acc


@njit(cache=True)
def dinf(z, dx, dy):
    """D-infinity (Tarboton 1997): flow angle (radians counter-clockwise from east, NaN where no
    facet slopes down) and the facet slope tan(beta) = s. Facets per Tarboton (1997) Table 1."""
    rows, cols = z.shape
    angle = np.full((rows, cols), np.nan)
    slope = np.zeros((rows, cols))
    # facet f: cardinal neighbour e1, diagonal e2 (neighbour indices), ac, af (Tarboton Table 1)
    e1 = (0, 6, 6, 4, 4, 2, 2, 0)
    e2 = (7, 7, 5, 5, 3, 3, 1, 1)
    ac = (0.0, 1.0, 1.0, 2.0, 2.0, 3.0, 3.0, 4.0)
    af = (1.0, -1.0, 1.0, -1.0, 1.0, -1.0, 1.0, -1.0)
    for r in range(rows):
        for c in range(cols):
            z0 = z[r, c]
            if np.isnan(z0):
                slope[r, c] = np.nan
                continue
            best_s = 0.0
            best_a = np.nan
            for f in range(8):
                k1 = e1[f]
                k2 = e2[f]
                r1 = r + DR[k1]
                c1 = c + DC[k1]
                r2 = r + DR[k2]
                c2 = c + DC[k2]
                if r2 < 0 or r2 >= rows or c2 < 0 or c2 >= cols:
                    continue
                z1 = z[r1, c1]
                z2 = z[r2, c2]
                if np.isnan(z1) or np.isnan(z2):
                    continue
                if k1 == 0 or k1 == 4:  # e1 east/west: d1 along x, d2 along y
                    d1 = dx[r]
                    d2 = dy
                else:
                    d1 = dy
                    d2 = 0.5 * (dx[r] + dx[r1])
                s1 = (z0 - z1) / d1
                s2 = (z1 - z2) / d2
                a = math.atan2(s2, s1)
                s = math.sqrt(s1 * s1 + s2 * s2)
                amax = math.atan2(d2, d1)
                if a < 0.0:
                    a = 0.0
                    s = s1
                elif a > amax:
                    a = amax
                    s = (z0 - z2) / math.sqrt(d1 * d1 + d2 * d2)
                if s > best_s:
                    best_s = s
                    # the facet's local angle a is measured from e1 towards e2; for a
                    # rectangular cell the global angle of e1 is ac*pi/2
                    best_a = af[f] * a + ac[f] * math.pi / 2
            if best_s > 0.0:
                if best_a < 0.0:
                    best_a += 2 * math.pi
                if best_a >= 2 * math.pi:
                    best_a -= 2 * math.pi
                angle[r, c] = best_a
                slope[r, c] = best_s
    return angle, slope


@njit(cache=True)
def dinf_split(angle, dx, dy, r):
    """The two receivers (neighbour indices) of a D-inf angle and the share of the first, by angular
    proximity (Tarboton 1997): p1 = (a2 - angle) / (a2 - a1) with a1, a2 the directions of the two
    neighbours bracketing the angle (multiples of pi/4 on square cells)."""
    w = dx[r]
    ad = math.atan2(dy, w)  # direction of the NE neighbour on a w x dy cell
    # directions (counter-clockwise from east) of neighbours E NE N NW W SW S SE, then E again
    dirs = (0.0, ad, math.pi / 2, math.pi - ad, math.pi, math.pi + ad, 1.5 * math.pi, 2 * math.pi - ad, 2 * math.pi)
    ks = (0, 7, 6, 5, 4, 3, 2, 1, 0)
    for i in range(8):
        if angle >= dirs[i] and angle <= dirs[i + 1]:
            p1 = (dirs[i + 1] - angle) / (dirs[i + 1] - dirs[i])
            return ks[i], ks[i + 1], p1
    return 0, 0, 1.0


@njit(cache=True)
def accumulate_dinf(angle, weight, dx, dy):
    """Upslope sum of ``weight`` (the cell itself included) with D-inf two-neighbour splitting."""
    rows, cols = angle.shape
    n = rows * cols
    acc = weight.copy()
    flat = acc.ravel()
    recv = np.full((n, 2), -1, dtype=np.int64)
    share = np.zeros((n, 2))
    indeg = np.zeros(n, dtype=np.int32)
    for r in range(rows):
        for c in range(cols):
            a = angle[r, c]
            if np.isnan(a):
                continue
            k1, k2, p1 = dinf_split(a, dx, dy, r)
            i = r * cols + c
            ps = (p1, 1.0 - p1)
            kk = (k1, k2)
            for j in range(2):
                if ps[j] <= 0.0:
                    continue
                rn = r + DR[kk[j]]
                cn = c + DC[kk[j]]
                if rn < 0 or rn >= rows or cn < 0 or cn >= cols or np.isnan(flat[rn * cols + cn]):
                    continue
                recv[i, j] = rn * cols + cn
                share[i, j] = ps[j]
                indeg[rn * cols + cn] += 1
    stack = np.empty(n, dtype=np.int64)
    top = 0
    for i in range(n):
        if indeg[i] == 0 and not np.isnan(flat[i]):
            stack[top] = i
            top += 1
    while top > 0:
        top -= 1
        i = stack[top]
        for j in range(2):
            t = recv[i, j]
            if t >= 0:
                flat[t] += share[i, j] * flat[i]
                indeg[t] -= 1
                if indeg[t] == 0:
                    stack[top] = t
                    top += 1
    return acc


@njit(cache=True)
def mfd_weights(z, dx, dy, r, c, out):
    """MFD shares of cell (r, c) into ``out`` (8 floats): drop / distance to each lower neighbour,
    normalised (pygeoprocessing ``flow_dir_mfd``, exponent 1 on the slope); returns their sum."""
    rows, cols = z.shape
    total = 0.0
    z0 = z[r, c]
    for k in range(8):
        out[k] = 0.0
        rn = r + DR[k]
        cn = c + DC[k]
        if rn < 0 or rn >= rows or cn < 0 or cn >= cols:
            continue
        zn = z[rn, cn]
        if zn < z0:
            out[k] = (z0 - zn) / _dist(dx, dy, r, rn, k)
            total += out[k]
    if total > 0.0:
        for k in range(8):
            out[k] /= total
    return total


@njit(cache=True)
def accumulate_mfd(z, weight, dx, dy):
    """Upslope sum of ``weight`` (the cell itself included) with MFD shares (mfd_weights)."""
    rows, cols = z.shape
    n = rows * cols
    acc = weight.copy()
    flat = acc.ravel()
    indeg = np.zeros(n, dtype=np.int32)
    for r in range(rows):
        for c in range(cols):
            z0 = z[r, c]
            if np.isnan(z0):
                continue
            for k in range(8):
                rn = r + DR[k]
                cn = c + DC[k]
                if rn < 0 or rn >= rows or cn < 0 or cn >= cols:
                    continue
                if z[rn, cn] > z0:
                    indeg[r * cols + c] += 1
    stack = np.empty(n, dtype=np.int64)
    top = 0
    for i in range(n):
        if indeg[i] == 0 and not np.isnan(flat[i]):
            stack[top] = i
            top += 1
    w = np.zeros(8)
    while top > 0:
        top -= 1
        i = stack[top]
        r = i // cols
        c = i - r * cols
        if mfd_weights(z, dx, dy, r, c, w) > 0.0:
            for k in range(8):
                if w[k] > 0.0:
                    t = (r + DR[k]) * cols + c + DC[k]
                    flat[t] += w[k] * flat[i]
                    indeg[t] -= 1
                    if indeg[t] == 0:
                        stack[top] = t
                        top += 1
    return acc


# ---------------------------------------------------------------- tiled (Barnes 2016) helpers
@njit(cache=True)
def labelled_flood(z, seed_label):
    """Priority-Flood of one tile from labelled seeds (Barnes 2016, 'Parallel Priority-Flood', first
    stage): ``seed_label`` >= 0 marks seeds (their label), -1 other cells; NaN cells are skipped.

    Returns the locally filled heights, each cell's label (the seed whose flood reached it) and the
    edges where two floods meet, (label a, label b, max of the two filled heights), one per meeting
    cell pair (duplicates reduced by the caller).
    """
    rows, cols = z.shape
    n = rows * cols
    h = z.copy()
    label = np.full((rows, cols), -1, dtype=np.int64)
    closed = np.zeros(n, dtype=np.bool_)
    keys = np.empty(n, dtype=np.float64)
    ids = np.empty(n, dtype=np.int64)
    pit = np.empty(n, dtype=np.int64)
    cap = rows + cols + 64
    ea = np.empty(cap, dtype=np.int64)
    eb = np.empty(cap, dtype=np.int64)
    ew = np.empty(cap, dtype=np.float64)
    ne = 0
    size = 0
    for r in range(rows):
        for c in range(cols):
            if np.isnan(z[r, c]):
                closed[r * cols + c] = True
            elif seed_label[r, c] >= 0:
                closed[r * cols + c] = True
                label[r, c] = seed_label[r, c]
                size = _heap_push(keys, ids, size, z[r, c], r * cols + c)
    head = 0
    tail = 0
    while size > 0 or head < tail:
        if head < tail:
            cell = pit[head]
            head += 1
        else:
            cell = ids[0]
            size = _heap_pop(keys, ids, size)
        r = cell // cols
        c = cell - r * cols
        hc = h[r, c]
        lc = label[r, c]
        for k in range(8):
            rn = r + DR[k]
            cn = c + DC[k]
            if rn < 0 or rn >= rows or cn < 0 or cn >= cols:
                continue
            nb = rn * cols + cn
            if np.isnan(z[rn, cn]):
                continue
            if closed[nb]:
                if label[rn, cn] != lc and label[rn, cn] >= 0:
                    if ne >= ea.size:  # grow the edge buffers
                        ea2 = np.empty(2 * ea.size, dtype=np.int64)
                        eb2 = np.empty(2 * ea.size, dtype=np.int64)
                        ew2 = np.empty(2 * ea.size, dtype=np.float64)
                        ea2[:ne] = ea[:ne]
                        eb2[:ne] = eb[:ne]
                        ew2[:ne] = ew[:ne]
                        ea = ea2
                        eb = eb2
                        ew = ew2
                    ea[ne] = lc
                    eb[ne] = label[rn, cn]
                    ew[ne] = max(hc, h[rn, cn])
                    ne += 1
                continue
            closed[nb] = True
            label[rn, cn] = lc
            if z[rn, cn] <= hc:
                h[rn, cn] = hc
                pit[tail] = nb
                tail += 1
            else:
                size = _heap_push(keys, ids, size, z[rn, cn], nb)
    return h, label, ea[:ne], eb[:ne], ew[:ne]


@njit(cache=True)
def d8_tile_links(direction):
    """For one tile of D8 directions (index 0..7, -1 none): local accumulation (cells), and for every
    cell the tile cell its downstream path last visits before leaving the tile (flat index, or -1 if
    the path ends inside the tile)."""
    rows, cols = direction.shape
    acc = accumulate_d8(direction, np.ones((rows, cols)))
    n = rows * cols
    last = np.full(n, -2, dtype=np.int64)  # -2 unknown
    path = np.empty(n, dtype=np.int64)
    for start in range(n):
        if last[start] != -2:
            continue
        m = 0
        cell = start
        result = -1
        while True:
            if last[cell] != -2:
                result = last[cell]
                break
            path[m] = cell
            m += 1
            r = cell // cols
            c = cell - r * cols
            k = direction[r, c]
            if k < 0:
                result = -1
                break
            rn = r + DR[k]
            cn = c + DC[k]
            if rn < 0 or rn >= rows or cn < 0 or cn >= cols:
                result = cell
                break
            cell = rn * cols + cn
        for i in range(m):
            last[path[i]] = result
    return acc, last


@njit(cache=True)
def add_along_paths(direction, acc, starts, amounts):
    """Add ``amounts[i]`` to every cell on the D8 path from tile cell ``starts[i]`` until it leaves
    the tile or ends."""
    rows, cols = direction.shape
    for i in range(starts.size):
        cell = starts[i]
        while True:
            r = cell // cols
            c = cell - r * cols
            acc[r, c] += amounts[i]
            k = direction[r, c]
            if k < 0:
                break
            rn = r + DR[k]
            cn = c + DC[k]
            if rn < 0 or rn >= rows or cn < 0 or cn >= cols:
                break
            cell = rn * cols + cn

