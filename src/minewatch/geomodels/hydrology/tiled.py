"""Depression filling and D8 accumulation tile by tile, for rasters larger than memory.

Both hold one tile (plus a one-cell halo) in memory at a time, and globally only what lies on tile
perimeters; their results equal the in-memory kernels exactly (tests/geomodels/test_hydrology_tiled.py).

* :func:`fill_depressions_tiled`: Barnes (2016) 'Parallel Priority-Flood' in three stages: (1) each
  tile is flooded from its perimeter cells, each its own label, giving local heights and the
  spill elevations where labelled floods meet, plus the edges across tile borders; (2) a
  Priority-Flood over that small graph from the outlets ('ocean') gives each label's water level;
  (3) each tile's filled height is max(local height, level of its label). Plain filling (no
  epsilon): flats stay flat.
* :func:`flow_accumulation_d8_tiled`: Barnes (2017) 'Parallel non-divergent flow accumulation':
  local accumulation per tile, then the inflow at each perimeter cell is resolved over the graph of
  perimeter links and added along the downstream paths.

Tiles are read and written through callables ``read(r0, r1, c0, c1) -> array`` and
``write(r0, r1, c0, c1, values)`` (numpy slices, rasterio windows, ...). The global stage runs in
Python over perimeter cells: fine for thousands of tiles, not tuned.

References: Barnes, R. (2016) Parallel priority-flood depression filling for trillion cell digital
elevation models on desktops or clusters. Computers & Geosciences 96, 56-68. Barnes, R. (2017)
Parallel non-divergent flow accumulation for trillion cell digital elevation models on desktops or
clusters. Environmental Modelling & Software 92, 202-212.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterator

import numpy as np

from minewatch.geomodels.hydrology import _numba
from minewatch.geomodels.hydrology.kernels import D8_NODATA, d8_index

Reader = Callable[[int, int, int, int], np.ndarray]
Writer = Callable[[int, int, int, int, np.ndarray], None]


def tiles(shape: tuple[int, int], tile: int) -> Iterator[tuple[int, int, int, int]]:
    """(r0, r1, c0, c1) of the tiles covering ``shape``, row by row."""
    rows, cols = shape
    for r0 in range(0, rows, tile):
        for c0 in range(0, cols, tile):
            yield r0, min(rows, r0 + tile), c0, min(cols, c0 + tile)


def array_io(source: np.ndarray, target: np.ndarray | None = None) -> tuple[Reader, Writer]:
    """Reader and writer over in-memory arrays (for tests and small rasters)."""

    def read(r0, r1, c0, c1):
        return np.array(source[r0:r1, c0:c1])

    def write(r0, r1, c0, c1, values):
        target[r0:r1, c0:c1] = values

    return read, write


def _perimeter(h: int, w: int) -> np.ndarray:
    m = np.zeros((h, w), bool)
    m[0, :] = m[-1, :] = m[:, 0] = m[:, -1] = True
    return m


def _tile_stage1(read: Reader, shape, r0, r1, c0, c1):
    rows, cols = shape
    h0, h1, g0, g1 = max(r0 - 1, 0), min(r1 + 1, rows), max(c0 - 1, 0), min(c1 + 1, cols)
    zh = np.asarray(read(h0, h1, g0, g1), dtype=np.float64)
    ir, ic = r0 - h0, c0 - g0
    th, tw = r1 - r0, c1 - c0
    z = np.ascontiguousarray(zh[ir:ir + th, ic:ic + tw])
    valid = ~np.isnan(z)
    # outlets: valid cells on the raster edge or next to a NaN cell (as the in-memory Priority-Flood)
    nanp = np.pad(np.isnan(zh), 1, constant_values=False)
    nan_nb = np.zeros_like(valid)
    for dr, dc in zip(_numba.DR, _numba.DC):
        nan_nb |= nanp[1 + ir + dr:1 + ir + dr + th, 1 + ic + dc:1 + ic + dc + tw]
    gr, gc = np.mgrid[r0:r1, c0:c1]
    outlet = valid & (nan_nb | (gr == 0) | (gc == 0) | (gr == rows - 1) | (gc == cols - 1))
    gid = gr * cols + gc + 1  # label of a perimeter cell; 0 is the ocean
    perim = _perimeter(th, tw) & valid
    seeds = np.full((th, tw), -1, dtype=np.int64)
    seeds[outlet] = 0
    seeds[perim] = gid[perim]
    return z, zh, (ir, ic), seeds, gid, perim, outlet


def fill_depressions_tiled(read: Reader, write: Writer, shape: tuple[int, int], tile: int = 1024) -> None:
    """Fill depressions tile by tile (Barnes 2016); equals ``fill_depressions(z, epsilon=False)``."""
    rows, cols = shape
    ea, eb, ew = [], [], []
    for r0, r1, c0, c1 in tiles(shape, tile):
        z, zh, (ir, ic), seeds, gid, perim, outlet = _tile_stage1(read, shape, r0, r1, c0, c1)
        _, _, a, b, w = _numba.labelled_flood(z, seeds)
        ea.append(a), eb.append(b), ew.append(w)
        po = perim & outlet  # perimeter outlets drain to the ocean at their own height
        ea.append(gid[po]), eb.append(np.zeros(po.sum(), np.int64)), ew.append(z[po])
        # edges across the tile border: perimeter cell p to its neighbour q in another tile
        pr, pc = np.nonzero(perim)
        th, tw = z.shape
        for dr, dc in zip(_numba.DR, _numba.DC):
            qr, qc = pr + dr, pc + dc
            gqr, gqc = qr + r0, qc + c0
            ok = ((qr < 0) | (qr >= th) | (qc < 0) | (qc >= tw)) & (gqr >= 0) & (gqr < rows) & (gqc >= 0) & (gqc < cols)
            zq = zh[qr[ok] + ir, qc[ok] + ic]
            keep = ~np.isnan(zq)
            zp = z[pr[ok][keep], pc[ok][keep]]
            ea.append(gid[pr[ok][keep], pc[ok][keep]])
            eb.append(gqr[ok][keep] * cols + gqc[ok][keep] + 1)
            ew.append(np.maximum(zp, zq[keep]))
    a = np.concatenate(ea).astype(np.int64)
    b = np.concatenate(eb).astype(np.int64)
    w = np.concatenate(ew)
    labels = np.unique(np.concatenate([a, b, [0]]))
    ia, ib = np.searchsorted(labels, a), np.searchsorted(labels, b)
    # adjacency (both directions), then a minimax Priority-Flood from the ocean (label 0 = index 0)
    src = np.concatenate([ia, ib])
    dst = np.concatenate([ib, ia])
    wt = np.concatenate([w, w])
    order = np.argsort(src, kind="stable")
    src, dst, wt = src[order], dst[order], wt[order]
    start = np.searchsorted(src, np.arange(labels.size + 1))
    level = np.full(labels.size, np.inf)
    level[0] = -np.inf
    done = np.zeros(labels.size, bool)
    heap = [(-np.inf, 0)]
    while heap:
        lv, u = heapq.heappop(heap)
        if done[u]:
            continue
        done[u] = True
        for j in range(start[u], start[u + 1]):
            v = dst[j]
            cand = max(lv, wt[j])
            if cand < level[v]:
                level[v] = cand
                heapq.heappush(heap, (cand, v))
    for r0, r1, c0, c1 in tiles(shape, tile):
        z, _, _, seeds, _, _, _ = _tile_stage1(read, shape, r0, r1, c0, c1)
        h, lab, _, _, _ = _numba.labelled_flood(z, seeds)
        lv = np.full(lab.shape, -np.inf)
        has = lab > 0
        lv[has] = level[np.searchsorted(labels, lab[has])]
        lv[~np.isfinite(lv)] = -np.inf  # a label cut off from every outlet keeps its local height
        write(r0, r1, c0, c1, np.where(np.isnan(z), np.nan, np.maximum(h, lv)))


def flow_accumulation_d8_tiled(read_codes: Reader, write: Writer, shape: tuple[int, int], tile: int = 1024) -> None:
    """D8 accumulation in cells tile by tile (Barnes 2017); equals ``flow_accumulation_d8(codes)``."""
    rows, cols = shape
    link: dict[int, int] = {}  # perimeter cell -> the tile cell its path leaves from (or -1)
    out_local: dict[int, float] = {}  # exit cell -> local accumulation
    recv: dict[int, int] = {}  # exit cell -> receiver in another tile (-1: off the raster)
    for r0, r1, c0, c1 in tiles(shape, tile):
        idx = np.ascontiguousarray(d8_index(np.asarray(read_codes(r0, r1, c0, c1))))
        acc, last = _numba.d8_tile_links(idx)
        th, tw = idx.shape
        pr, pc = np.nonzero(_perimeter(th, tw))
        flat = pr * tw + pc
        lst = last[flat]
        g = (pr + r0) * cols + pc + c0
        lg = np.where(lst >= 0, (lst // tw + r0) * cols + lst % tw + c0, -1)
        link.update(zip(g.tolist(), lg.tolist()))
        ex = np.nonzero(last == np.arange(th * tw))[0]
        er, ec = ex // tw, ex % tw
        k = idx[er, ec]
        qr, qc = er + r0 + _numba.DR[k], ec + c0 + _numba.DC[k]
        inside = (qr >= 0) & (qr < rows) & (qc >= 0) & (qc < cols)
        eg = (er + r0) * cols + ec + c0
        out_local.update(zip(eg.tolist(), acc[er, ec].tolist()))
        recv.update(zip(eg.tolist(), np.where(inside, qr * cols + qc, -1).tolist()))
    # Kahn over nodes ("in", p): inflow at perimeter cell p; ("out", e): outflow of exit cell e
    inflow = dict.fromkeys(link, 0.0)
    outflow = dict(out_local)
    pending = {("out", e): 0 for e in recv}
    pending.update({("in", p): 0 for p in link})
    for p, e in link.items():
        if e >= 0:
            pending[("out", e)] += 1
    for e, q in recv.items():
        if q >= 0:
            pending[("in", q)] += 1
    stack = [node for node, n in pending.items() if n == 0]
    while stack:
        kind, i = stack.pop()
        if kind == "in":
            e = link[i]
            if e >= 0:
                outflow[e] += inflow[i]
                pending[("out", e)] -= 1
                if pending[("out", e)] == 0:
                    stack.append(("out", e))
        else:
            q = recv[i]
            if q >= 0:
                inflow[q] += outflow[i]
                pending[("in", q)] -= 1
                if pending[("in", q)] == 0:
                    stack.append(("in", q))
    for r0, r1, c0, c1 in tiles(shape, tile):
        codes = np.asarray(read_codes(r0, r1, c0, c1))
        idx = np.ascontiguousarray(d8_index(codes))
        acc, _ = _numba.d8_tile_links(idx)
        th, tw = idx.shape
        pr, pc = np.nonzero(_perimeter(th, tw))
        amounts = np.array([inflow[(r + r0) * cols + c + c0] for r, c in zip(pr.tolist(), pc.tolist())])
        nz = amounts > 0
        _numba.add_along_paths(idx, acc, (pr * tw + pc)[nz].astype(np.int64), amounts[nz])
        acc[codes == D8_NODATA] = np.nan
        write(r0, r1, c0, c1, acc)
