"""pygeoprocessing-compatible routing for the InVEST-compatible erosion mode (numba kernels).

These kernels reproduce, cell for cell, the routing that InVEST 3.20.2 SDR calls from
pygeoprocessing 2.4.11 (``routing.pyx`` and ``geoprocessing_core.pyx``): multiple flow direction
(Quinn et al. 1991 weights, slope drop per unit distance, diagonals divided by sqrt 2) packed as
eight 4-bit integer proportions, its plateau resolution, flow accumulation, stream extraction with
a trace threshold, weighted distance to channel, and the percent slope with its edge fallbacks.
Arrays are float64 with NaN for nodata (elevation) and C-contiguous.

Neighbour index k = 0..7 runs E, NE, N, NW, W, SW, S, SE (pygeoprocessing's order, rows grow
southwards)::

    3 2 1
    4 x 0
    5 6 7

A flow direction is an int32 whose 4-bit nibble k, ``(d >> 4k) & 0xF``, is the integer weight
(0..15) of the flow sent to neighbour k; 0 means no flow (nodata). The proportion sent to k is
the nibble divided by the sum of the eight nibbles.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from minewatch.geomodels.hydrology._numba import _heap_pop, _heap_push  # the same binary heap

ROW_OFFSETS = np.array([0, -1, -1, -1, 0, 1, 1, 1], dtype=np.int64)
COL_OFFSETS = np.array([1, 1, 0, -1, -1, -1, 0, 1], dtype=np.int64)
SQRT2 = 1.4142135623730951
SQRT2_INV = 1.0 / 1.4142135623730951
STREAM_NODATA = 255


@njit(cache=True)
def _pack(slopes, total):
    """Integer MFD weights: nibble k = int(0.5 + 15 * slope_k / total) (pygeoprocessing)."""
    packed = 0
    for k in range(8):
        packed |= np.int32(0.5 + slopes[k] / total * 15.0) << (k * 4)
    return packed


@njit(cache=True)
def _grow(q, tail):
    """Return ``q`` with room for one more item after ``tail`` (doubling when full)."""
    if tail < q.shape[0]:
        return q
    bigger = np.empty(2 * q.shape[0] + 16, dtype=q.dtype)
    bigger[: q.shape[0]] = q
    return bigger


@njit(cache=True)
def flow_dir_mfd(z):  # pragma: no cover - compiled
    """MFD flow direction of ``z`` (pit-filled, NaN nodata), as pygeoprocessing ``flow_dir_mfd``.

    A cell with lower neighbours sends flow to each in proportion to its drop (divided by sqrt 2
    for diagonals). A cell without one belongs to a plateau (equal cells, 8-connected): plateau
    cells with a lower neighbour drain it; if there are none, cells beside nodata or the edge
    drain out of the raster; the other plateau cells flow to the neighbours nearer (distance in
    pixels, 1 or sqrt 2 per step, FIFO label correction) to a drain.
    """
    rows, cols = z.shape
    n = rows * cols
    fd = np.zeros((rows, cols), dtype=np.int32)
    flat = np.zeros((rows, cols), dtype=np.uint8)
    drain_mask = np.zeros((rows, cols), dtype=np.uint8)
    far = float(n)
    pdist = np.full((rows, cols), far)
    slopes = np.zeros(8)
    nd_slopes = np.zeros(8)
    region = np.empty(64, dtype=np.int64)
    drains = np.empty(64, dtype=np.int64)
    nd_cells = np.empty(64, dtype=np.int64)
    nd_dirs = np.empty(64, dtype=np.int32)
    dq = np.empty(64, dtype=np.int64)
    direction_q = np.empty(64, dtype=np.int64)
    for r in range(rows):
        for c in range(cols):
            root = z[r, c]
            if np.isnan(root) or fd[r, c] != 0:
                continue
            total = 0.0
            for k in range(8):
                slopes[k] = 0.0
                rn = r + ROW_OFFSETS[k]
                cn = c + COL_OFFSETS[k]
                if rn < 0 or rn >= rows or cn < 0 or cn >= cols:
                    continue
                h = z[rn, cn]
                if np.isnan(h):
                    continue
                s = root - h
                if s > 0.0:
                    if k & 1:
                        s *= SQRT2_INV
                    slopes[k] = s
                    total += s
            if total > 0.0:
                fd[r, c] = _pack(slopes, total)
                continue
            # plateau: breadth-first search of the equal cells, collecting drains
            head = 0
            tail = 0
            region = _grow(region, tail)
            region[tail] = r * cols + c
            tail += 1
            flat[r, c] = 1
            n_drains = 0
            n_nd = 0
            while head < tail:
                cell = region[head]
                head += 1
                rq = cell // cols
                cq = cell - rq * cols
                sw = 0.0
                nd_sw = 0.0
                for k in range(8):
                    slopes[k] = 0.0
                    nd_slopes[k] = 0.0
                    rn = rq + ROW_OFFSETS[k]
                    cn = cq + COL_OFFSETS[k]
                    if rn < 0 or rn >= rows or cn < 0 or cn >= cols or np.isnan(z[rn, cn]):
                        s = SQRT2_INV if k & 1 else 1.0
                        nd_sw += s
                        nd_slopes[k] = s
                        continue
                    s = root - z[rn, cn]
                    if s < 0:
                        continue
                    if s == 0.0:
                        if flat[rn, cn] == 0:
                            region = _grow(region, tail)
                            region[tail] = rn * cols + cn
                            tail += 1
                            flat[rn, cn] = 1
                        continue
                    if k & 1:
                        s *= SQRT2_INV
                    slopes[k] = s
                    sw += s
                if sw > 0.0:
                    fd[rq, cq] = _pack(slopes, sw)
                    pdist[rq, cq] = 0.0
                    drain_mask[rq, cq] = 1
                    drains = _grow(drains, n_drains)
                    drains[n_drains] = cell
                    n_drains += 1
                elif nd_sw > 0.0:
                    nd_cells = _grow(nd_cells, n_nd)
                    nd_dirs = _grow(nd_dirs, n_nd)
                    nd_cells[n_nd] = cell
                    nd_dirs[n_nd] = _pack(nd_slopes, nd_sw)
                    n_nd += 1
            if n_drains == 0:
                for i in range(n_nd):
                    cell = nd_cells[i]
                    rq = cell // cols
                    cq = cell - rq * cols
                    fd[rq, cq] = nd_dirs[i]
                    pdist[rq, cq] = 0.0
                    drain_mask[rq, cq] = 1
                    drains = _grow(drains, n_drains)
                    drains[n_drains] = cell
                    n_drains += 1
            dhead = 0
            dtail = 0
            dir_head = 0
            dir_tail = 0
            for i in range(n_drains):
                dq = _grow(dq, dtail)
                dq[dtail] = drains[i]
                dtail += 1
                direction_q = _grow(direction_q, dir_tail)
                direction_q[dir_tail] = drains[i]
                dir_tail += 1
            while dhead < dtail:
                cell = dq[dhead]
                dhead += 1
                rq = cell // cols
                cq = cell - rq * cols
                d0 = pdist[rq, cq]
                for k in range(8):
                    rn = rq + ROW_OFFSETS[k]
                    cn = cq + COL_OFFSETS[k]
                    if rn < 0 or rn >= rows or cn < 0 or cn >= cols:
                        continue
                    nd = d0 + (SQRT2 if k & 1 else 1.0)
                    if z[rn, cn] == root and pdist[rn, cn] > nd:
                        pdist[rn, cn] = nd
                        if dhead > 0 and dtail == dq.shape[0]:
                            dq[: dtail - dhead] = dq[dhead:dtail]
                            dtail -= dhead
                            dhead = 0
                        dq = _grow(dq, dtail)
                        dq[dtail] = rn * cols + cn
                        dtail += 1
            while dir_head < dir_tail:
                cell = direction_q[dir_head]
                dir_head += 1
                rq = cell // cols
                cq = cell - rq * cols
                d0 = pdist[rq, cq]
                sw = 0.0
                for k in range(8):
                    slopes[k] = 0.0
                    rn = rq + ROW_OFFSETS[k]
                    cn = cq + COL_OFFSETS[k]
                    if rn < 0 or rn >= rows or cn < 0 or cn >= cols:
                        continue
                    if z[rn, cn] != root:
                        continue
                    dn = pdist[rn, cn]
                    if dn == far:
                        continue
                    if dn < d0:
                        s = SQRT2_INV if k & 1 else 1.0
                        slopes[k] = s
                        sw += s
                    elif drain_mask[rn, cn] == 0:
                        direction_q = _grow(direction_q, dir_tail)
                        direction_q[dir_tail] = rn * cols + cn
                        dir_tail += 1
                        drain_mask[rn, cn] = 1
                if sw == 0:
                    continue
                fd[rq, cq] = _pack(slopes, sw)
    return fd


@njit(cache=True)
def topological_order(fd):  # pragma: no cover - compiled
    """Cells (flat indices) ordered so that every cell comes after all cells that flow into it."""
    rows, cols = fd.shape
    n = rows * cols
    indeg = np.zeros(n, dtype=np.int32)
    for r in range(rows):
        for c in range(cols):
            d = fd[r, c]
            if d == 0:
                continue
            for k in range(8):
                if (d >> (k * 4)) & 0xF:
                    rn = r + ROW_OFFSETS[k]
                    cn = c + COL_OFFSETS[k]
                    if 0 <= rn < rows and 0 <= cn < cols:
                        indeg[rn * cols + cn] += 1
    order = np.empty(n, dtype=np.int64)
    tail = 0
    for i in range(n):
        if indeg[i] == 0:
            order[tail] = i
            tail += 1
    head = 0
    while head < tail:
        cell = order[head]
        head += 1
        r = cell // cols
        c = cell - r * cols
        d = fd[r, c]
        if d == 0:
            continue
        for k in range(8):
            if (d >> (k * 4)) & 0xF:
                rn = r + ROW_OFFSETS[k]
                cn = c + COL_OFFSETS[k]
                if 0 <= rn < rows and 0 <= cn < cols:
                    nb = rn * cols + cn
                    indeg[nb] -= 1
                    if indeg[nb] == 0:
                        order[tail] = nb
                        tail += 1
    return order[:tail]


@njit(cache=True)
def accumulate_mfd(fd, order, weight):  # pragma: no cover - compiled
    """MFD accumulation as pygeoprocessing ``flow_accumulation_mfd``: a = w + sum_j a_j p(j, i).

    ``weight`` (float64, NaN = 0) is the cell's own contribution; cells with no flow direction
    are NaN. Inflows are added in neighbour order k = 0..7 as a_j * nibble / (sum of j's nibbles).
    """
    rows, cols = fd.shape
    acc = np.full((rows, cols), np.nan)
    for i in range(order.shape[0]):
        cell = order[i]
        r = cell // cols
        c = cell - r * cols
        if fd[r, c] == 0:
            continue
        w = weight[r, c]
        value = 0.0 if np.isnan(w) else w
        for k in range(8):
            rn = r + ROW_OFFSETS[k]
            cn = c + COL_OFFSETS[k]
            if rn < 0 or rn >= rows or cn < 0 or cn >= cols:
                continue
            du = fd[rn, cn]
            nib = (du >> (((k + 4) & 7) * 4)) & 0xF
            if nib == 0:
                continue
            total = 0
            for j in range(8):
                total += (du >> (j * 4)) & 0xF
            value += acc[rn, cn] * nib / np.float32(total)
        acc[r, c] = value
    return acc


@njit(cache=True)
def distance_to_channel_mfd(fd, order, channel, weight):  # pragma: no cover - compiled
    """Weighted MFD distance to channel as pygeoprocessing ``distance_to_channel_mfd``.

    d = 0 on channel cells; else d = sum_n p(i, n) (w_n + d_n) over the in-raster downstream
    neighbours n whose d is defined (w_n = the weight of the neighbour, NaN = 0), NaN when none.
    """
    rows, cols = fd.shape
    dist = np.full((rows, cols), np.nan)
    for i in range(order.shape[0] - 1, -1, -1):
        cell = order[i]
        r = cell // cols
        c = cell - r * cols
        if channel[r, c]:
            dist[r, c] = 0.0
            continue
        d = fd[r, c]
        if d == 0:
            continue
        sw = 0.0
        swd = 0.0
        for k in range(8):
            nib = (d >> (k * 4)) & 0xF
            if nib == 0:
                continue
            rn = r + ROW_OFFSETS[k]
            cn = c + COL_OFFSETS[k]
            if rn < 0 or rn >= rows or cn < 0 or cn >= cols:
                continue
            dn = dist[rn, cn]
            if np.isnan(dn):
                continue
            w = weight[rn, cn]
            if np.isnan(w):
                w = 0.0
            sw += nib
            swd += nib * (w + dn)
        if sw != 0:
            dist[r, c] = swd / sw
    return dist


@njit(cache=True)
def extract_streams_mfd(acc, fd, threshold, trace_proportion, block):  # pragma: no cover - compiled
    """Streams as pygeoprocessing ``extract_streams_mfd`` (1 stream, 0 not, 255 nodata).

    From each outlet with a >= threshold (flowing off the raster or onto a nodata accumulation),
    walks upstream: neighbours with a >= threshold become streams (and tentative cells between
    them and the stream become streams too), those with a >= trace_proportion * threshold are
    tentative. The raster is scanned in ``block`` x ``block`` tiles, row-major, as pygeoprocessing.
    """
    rows, cols = acc.shape
    n = rows * cols
    stream = np.full((rows, cols), STREAM_NODATA, dtype=np.uint8)
    trace = trace_proportion * threshold
    open_q = np.empty(n, dtype=np.int64)
    back_q = np.empty(n, dtype=np.int64)
    for br in range(0, rows, block):
        for bc in range(0, cols, block):
            for r in range(br, min(br + block, rows)):
                for c in range(bc, min(bc + block, cols)):
                    a = acc[r, c]
                    if np.isnan(a) or stream[r, c] != STREAM_NODATA:
                        continue
                    stream[r, c] = 0
                    if a < threshold:
                        continue
                    d = fd[r, c]
                    outlet = False
                    for k in range(8):
                        if ((d >> (k * 4)) & 0xF) == 0:
                            continue
                        rn = r + ROW_OFFSETS[k]
                        cn = c + COL_OFFSETS[k]
                        if rn < 0 or rn >= rows or cn < 0 or cn >= cols or np.isnan(acc[rn, cn]):
                            outlet = True
                            break
                    if not outlet:
                        continue
                    head = 0
                    tail = 0
                    open_q[tail] = r * cols + c
                    tail += 1
                    stream[r, c] = 1
                    while head < tail:
                        cell = open_q[head]
                        head += 1
                        rq = cell // cols
                        cq = cell - rq * cols
                        for k in range(8):
                            rs = rq + ROW_OFFSETS[k]
                            cs = cq + COL_OFFSETS[k]
                            if rs < 0 or rs >= rows or cs < 0 or cs >= cols:
                                continue
                            du = fd[rs, cs]
                            if du == 0:
                                continue
                            if ((du >> (((k + 4) & 7) * 4)) & 0xF) == 0:
                                continue
                            sv = stream[rs, cs]
                            if sv == 1 or sv == 2:
                                continue
                            au = acc[rs, cs]
                            if au >= threshold:
                                stream[rs, cs] = 1
                                open_q[tail] = rs * cols + cs
                                tail += 1
                                bh = 0
                                bt = 0
                                back_q[bt] = rs * cols + cs
                                bt += 1
                                while bh < bt:
                                    bcell = back_q[bh]
                                    bh += 1
                                    rb = bcell // cols
                                    cb = bcell - rb * cols
                                    db = fd[rb, cb]
                                    for j in range(8):
                                        if ((db >> (j * 4)) & 0xF) > 0:
                                            rj = rb + ROW_OFFSETS[j]
                                            cj = cb + COL_OFFSETS[j]
                                            if rj < 0 or rj >= rows or cj < 0 or cj >= cols:
                                                continue
                                            if stream[rj, cj] == 2:
                                                stream[rj, cj] = 1
                                                back_q[bt] = rj * cols + cj
                                                bt += 1
                            elif au >= trace:
                                stream[rs, cs] = 2
                                open_q[tail] = rs * cols + cs
                                tail += 1
    for r in range(rows):
        for c in range(cols):
            if stream[r, c] == 2:
                stream[r, c] = 0
    return stream


def slope_percent(z, x_size, y_size):
    """Percent slope as pygeoprocessing ``calculate_slope``: 100 sqrt(gx^2 + gy^2) of :func:`gradient`.

    >>> float(slope_percent(np.array([[2.0, 2, 2], [1, 1, 1], [0, 0, 0]]), 10.0, -10.0)[1, 1])
    10.0
    """
    gx, gy = gradient(z, x_size, y_size)
    return 100 * np.sqrt(gx**2 + gy**2)


@njit(cache=True, inline="always")
def _edge_row(p, m, q, e, pv, mv, qv, r2):  # pragma: no cover - compiled
    """(p - q difference, weight) of an outer row or column of the 3 x 3 window, with pygeoprocessing's
    fall-backs when cells are nodata (``calculate_slope``; r2 = sqrt 2 scales a difference to the centre)."""
    if pv and qv:
        return p - q, 2
    if pv and mv:
        return p - m, 1
    if mv and qv:
        return m - q, 1
    if pv:
        return (p - e) * r2, 1
    if qv:
        return (e - q) * r2, 1
    return 0.0, 0


@njit(cache=True, inline="always")
def _middle_row(p, q, e, pv, qv):  # pragma: no cover - compiled
    """(2 x difference, weight) of the window's middle row or column, with the centre as fall-back."""
    if pv and qv:
        return 2 * (p - q), 4
    if pv:
        return 2 * (p - e), 2
    if qv:
        return 2 * (e - q), 2
    return 0.0, 0


@njit(cache=True)
def gradient(z, x_size, y_size):  # pragma: no cover - compiled
    """Elevation gradient (gx, gy) as pygeoprocessing ``calculate_slope``: Horn (1981) 3x3
    differences with its fallbacks where neighbours are nodata or off the raster; ``y_size`` is
    signed (negative for north-up rasters), as the geotransform gives it. NaN where z is NaN.
    """
    rows, cols = z.shape
    gxo = np.full((rows, cols), np.nan)
    gyo = np.full((rows, cols), np.nan)
    zp = np.full((rows + 2, cols + 2), np.nan)
    zp[1:-1, 1:-1] = z
    r2 = 2 ** 0.5
    for r in range(rows):
        for c in range(cols):
            e = zp[r + 1, c + 1]
            if np.isnan(e):
                continue
            a = zp[r, c]
            b = zp[r, c + 1]
            cv = zp[r, c + 2]
            d = zp[r + 1, c]
            f = zp[r + 1, c + 2]
            g = zp[r + 2, c]
            h = zp[r + 2, c + 1]
            i = zp[r + 2, c + 2]
            av = not np.isnan(a)
            bv = not np.isnan(b)
            cvv = not np.isnan(cv)
            dv = not np.isnan(d)
            fv = not np.isnan(f)
            gv = not np.isnan(g)
            hv = not np.isnan(h)
            iv = not np.isnan(i)
            dzdx = 0.0
            dzdy = 0.0
            xd = 0
            yd = 0
            dz, n = _edge_row(a, b, cv, e, av, bv, cvv, r2)
            dzdx += dz
            xd += n
            dz, n = _middle_row(d, f, e, dv, fv)
            dzdx += dz
            xd += n
            dz, n = _edge_row(g, h, i, e, gv, hv, iv, r2)
            dzdx += dz
            xd += n
            dz, n = _edge_row(a, d, g, e, av, dv, gv, r2)
            dzdy += dz
            yd += n
            dz, n = _middle_row(b, h, e, bv, hv)
            dzdy += dz
            yd += n
            dz, n = _edge_row(cv, f, i, e, cvv, fv, iv, r2)
            dzdy += dz
            yd += n
            gx = dzdx / (xd * x_size) if xd != 0 else 0.0
            gy = dzdy / (yd * y_size) if yd != 0 else 0.0
            gxo[r, c] = gx
            gyo[r, c] = gy
    return gxo, gyo


@njit(cache=True)
def fill_pits(z, block):  # pragma: no cover - compiled
    """Pit filling as pygeoprocessing ``fill_pits``: every region with no drain (a lower cell, the
    raster edge or nodata) is raised to its pour point, found by a priority search from its lowest
    cell; roots are scanned tile by tile (``block`` x ``block``) as pygeoprocessing does.

    Only local minima start a search, so a DEM without pits costs one pass.
    """
    rows, cols = z.shape
    filled = z.copy()
    flat = np.zeros((rows, cols), dtype=np.uint8)
    pit_mask = np.zeros((rows, cols), dtype=np.int64)
    queue = np.empty(64, dtype=np.int64)
    keys = np.empty(64)
    ids = np.empty(64, dtype=np.int64)
    feature = 0
    for br in range(0, rows, block):
        for bc in range(0, cols, block):
            for r in range(br, min(br + block, rows)):
                for c in range(bc, min(bc + block, cols)):
                    center = filled[r, c]
                    if np.isnan(center) or flat[r, c] != 0:
                        continue
                    drains = False
                    for k in range(8):
                        rn = r + ROW_OFFSETS[k]
                        cn = c + COL_OFFSETS[k]
                        if rn < 0 or rn >= rows or cn < 0 or cn >= cols:
                            drains = True
                            break
                        h = filled[rn, cn]
                        if np.isnan(h) or h < center:
                            drains = True
                            break
                    if drains:
                        continue
                    head = 0
                    tail = 0
                    queue = _grow(queue, tail)
                    queue[tail] = r * cols + c
                    tail += 1
                    flat[r, c] = 1
                    natural = False
                    while head < tail:
                        cell = queue[head]
                        head += 1
                        rq = cell // cols
                        cq = cell - rq * cols
                        for k in range(8):
                            rn = rq + ROW_OFFSETS[k]
                            cn = cq + COL_OFFSETS[k]
                            if rn < 0 or rn >= rows or cn < 0 or cn >= cols:
                                natural = True
                                continue
                            h = filled[rn, cn]
                            if np.isnan(h) or h < center:
                                natural = True
                                continue
                            if flat[rn, cn] == 1:
                                continue
                            if h == center:
                                queue = _grow(queue, tail)
                                queue[tail] = rn * cols + cn
                                tail += 1
                                flat[rn, cn] = 1
                    if natural:
                        continue
                    feature += 1
                    pit_mask[r, c] = feature
                    size = _heap_push(keys, ids, 0, center, r * cols + c)
                    fill_height = center
                    pour = False
                    while size > 0:
                        fill_height = keys[0]
                        cell = ids[0]
                        size = _heap_pop(keys, ids, size)
                        rq = cell // cols
                        cq = cell - rq * cols
                        for k in range(8):
                            rn = rq + ROW_OFFSETS[k]
                            cn = cq + COL_OFFSETS[k]
                            if rn < 0 or rn >= rows or cn < 0 or cn >= cols:
                                pour = True
                                break
                            if pit_mask[rn, cn] == feature:
                                continue
                            pit_mask[rn, cn] = feature
                            h = filled[rn, cn]
                            if np.isnan(h):
                                pour = True
                                continue
                            if h < fill_height:
                                pour = True
                                break
                            if size == keys.shape[0]:
                                keys = _grow(keys, size)
                                ids = _grow(ids, size)
                            size = _heap_push(keys, ids, size, h, rn * cols + cn)
                        if pour:
                            break
                    if not pour:
                        continue
                    head = 0
                    tail = 0
                    queue[tail] = r * cols + c
                    tail += 1
                    filled[r, c] = fill_height
                    while head < tail:
                        cell = queue[head]
                        head += 1
                        rq = cell // cols
                        cq = cell - rq * cols
                        for k in range(8):
                            rn = rq + ROW_OFFSETS[k]
                            cn = cq + COL_OFFSETS[k]
                            if rn < 0 or rn >= rows or cn < 0 or cn >= cols:
                                continue
                            h = filled[rn, cn]
                            if np.isnan(h):
                                continue
                            if h < fill_height:
                                filled[rn, cn] = fill_height
                                queue = _grow(queue, tail)
                                queue[tail] = rn * cols + cn
                                tail += 1
    return filled


@njit(cache=True)
def upstream_walk_sum(fd, order, channel, dist, g):  # pragma: no cover - compiled
    """A_i = sum over cells u of g_u times the chance that the walk of :func:`distance_to_channel_mfd` from u
    steps into i: A_i = sum_{u -> i} p~(u, i) (g_u + A_u) over non-channel cells u with a defined distance,
    p~ = u's nibble to i over the nibbles of u's in-raster neighbours with a defined distance (the
    renormalisation distance_to_channel_mfd uses). Walks stop on channel cells (their distance is 0).

    With ``g_u = dF/dD_dn(u)`` this is ``dF/dw_i``: how a function F of the downslope distances changes with
    the weight of cell i, because D_dn(u) = sum_n p~(u, n)(w_n + D_dn(n)).
    """
    rows, cols = fd.shape
    acc = np.zeros((rows, cols))
    for t in range(order.shape[0]):
        cell = order[t]
        r = cell // cols
        c = cell - r * cols
        if channel[r, c] or np.isnan(dist[r, c]):
            continue
        d = fd[r, c]
        if d == 0:
            continue
        share = np.zeros(8)  # nibbles to the in-raster neighbours with a defined distance
        total = 0.0
        for k in range(8):
            nib = (d >> (k * 4)) & 0xF
            rn = r + ROW_OFFSETS[k]
            cn = c + COL_OFFSETS[k]
            if nib == 0 or rn < 0 or rn >= rows or cn < 0 or cn >= cols or np.isnan(dist[rn, cn]):
                continue
            share[k] = nib
            total += nib
        if total == 0:
            continue
        gv = g[r, c]
        carry = (0.0 if np.isnan(gv) else gv) + acc[r, c]
        for k in range(8):
            if share[k] > 0:
                acc[r + ROW_OFFSETS[k], c + COL_OFFSETS[k]] += carry * share[k] / total
    return acc


@njit(cache=True)
def downstream_sum_mfd(fd, order, h):  # pragma: no cover - compiled
    """H_i = h_i + sum_k p(i, k) H_k with :func:`accumulate_mfd`'s proportions (nibble over the sum of the
    cell's nibbles; flow leaving the raster or entering nodata is lost): the sum of h over the cells
    downstream of i, each weighted by the share of i's flow that reaches it. With ``h_v = dF/da_v`` for an
    accumulation a this is ``dF/dweight_i``. NaN in h counts as 0; cells without a flow direction get h."""
    rows, cols = fd.shape
    out = np.zeros((rows, cols))
    for t in range(order.shape[0] - 1, -1, -1):
        cell = order[t]
        r = cell // cols
        c = cell - r * cols
        hv = h[r, c]
        value = 0.0 if np.isnan(hv) else hv
        d = fd[r, c]
        if d != 0:
            total = 0
            for k in range(8):
                total += (d >> (k * 4)) & 0xF
            for k in range(8):
                nib = (d >> (k * 4)) & 0xF
                if nib == 0:
                    continue
                rn = r + ROW_OFFSETS[k]
                cn = c + COL_OFFSETS[k]
                if rn < 0 or rn >= rows or cn < 0 or cn >= cols:
                    continue
                value += out[rn, cn] * nib / np.float32(total)
        out[r, c] = value
    return out
