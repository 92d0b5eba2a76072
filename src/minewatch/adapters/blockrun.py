"""Row blocks from raster files to GeoTIFFs: one loop for in-memory, block-wise and Dask runs.

A geomodel tool describes its work as a picklable ``task(block) -> {output name: rows}`` that reads
its own inputs (files, by window) and returns the rows ``block.row0:block.row1`` of each output.
:func:`run_blocks` runs the tasks one after another here, or as Dask tasks (a local cluster or an
existing scheduler), and hands the results, in row order, to ``write``: so every path computes the
same rows with the same code and their outputs are identical.

With Dask, at most two blocks per worker thread are in flight, so the client's memory stays bounded
whatever the raster size; the rasters never pass through the client, the workers read them.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

from minewatch.adapters.rasters import Block

NODATA = -9999.0
# GDAL's block cache defaults to 5 % of RAM; cap it so block-wise runs stay bounded (8000 x 8000,
# 512 rows per block: peak RSS 810 MB with the default cache, 580 MB with this cap)
GDAL_CACHE_MB = 256
Progress = Callable[[int, int], None]
Task = Callable[[Block], dict[str, np.ndarray]]


class RunningStats:
    """count / min / max / mean (and the count below ``threshold``) of finite values, block by block."""

    def __init__(self, threshold: float | None = None):
        self.count, self.total, self.lo, self.hi, self.below = 0, 0.0, np.inf, -np.inf, 0
        self.threshold = threshold

    def add(self, values: np.ndarray) -> None:
        v = values[np.isfinite(values)]
        if v.size:
            self.count += int(v.size)
            self.total += float(v.sum())
            self.lo, self.hi = min(self.lo, float(v.min())), max(self.hi, float(v.max()))
            if self.threshold is not None:
                self.below += int((v < self.threshold).sum())

    @property
    def mean(self) -> float | None:
        return self.total / self.count if self.count else None

    def as_dict(self) -> dict:
        if not self.count:
            return {"count": 0, "min": None, "max": None, "mean": None}
        return {"count": self.count, "min": self.lo, "max": self.hi, "mean": self.mean}


def out_profile(profile: dict) -> dict:
    """The GeoTIFF profile of a float32 output on ``profile``'s grid (tiled, deflate, nodata -9999)."""
    out = dict(profile)
    out.update(driver="GTiff", count=1, dtype="float32", nodata=NODATA, compress="deflate", tiled=True,
               blockxsize=256, blockysize=256, BIGTIFF="IF_SAFER")
    return out


def read_rows(src, row0: int, row1: int, band: int = 1) -> np.ndarray:
    """Rows ``row0:row1`` of an open rasterio dataset as float64 with nodata as NaN."""
    from rasterio.windows import Window

    return src.read(band, window=Window(0, row0, src.width, row1 - row0), masked=True).astype("float64").filled(np.nan)


def read_padded(src, blk: Block, band: int = 1) -> np.ndarray:
    """The block's rows with their halo, NaN rows where the raster ends and NaN columns on both sides."""
    z = read_rows(src, blk.read0, blk.read1, band)
    top = 1 if blk.read0 == blk.row0 else 0
    bottom = 1 if blk.read1 == blk.row1 else 0
    return np.pad(z, ((top, bottom), (1, 1)), constant_values=np.nan)


class Outputs:
    """Float32 GeoTIFFs written block by block, with running statistics per output."""

    def __init__(self, paths: dict[str, Path], profile: dict, thresholds: dict[str, float] | None = None):
        import rasterio

        self.paths = paths
        self.stats = {name: RunningStats((thresholds or {}).get(name)) for name in paths}
        self._dsts = {}
        try:
            for name, path in paths.items():
                Path(path).parent.mkdir(parents=True, exist_ok=True)
                self._dsts[name] = rasterio.open(path, "w", **out_profile(profile))
        except Exception:
            self.close()
            raise

    def write(self, row0: int, rows: dict[str, np.ndarray]) -> None:
        from rasterio.windows import Window

        for name, values in rows.items():
            if name not in self._dsts:
                continue
            self.stats[name].add(values)
            data = np.where(np.isnan(values), NODATA, values).astype("float32")
            self._dsts[name].write(data, 1, window=Window(0, row0, values.shape[1], values.shape[0]))

    def close(self) -> None:
        for dst in self._dsts.values():
            dst.close()
        self._dsts = {}

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def run_blocks(task: Task, plan: Iterable[Block], write: Callable[[int, dict[str, np.ndarray]], None], *,
               dask: bool = False, scheduler: str | None = None, progress: Progress | None = None) -> None:
    """Run ``task`` on every block of ``plan`` and ``write(row0, rows)`` the results in row order.

    ``dask=True`` starts a local Dask cluster (threads, so numba kernels release the GIL);
    ``scheduler="tcp://host:port"`` uses an existing one (its workers must see the input files).
    ``progress(done, total)`` is called after each block is written.
    """
    plan = list(plan)
    total = len(plan)
    if not (dask or scheduler):
        for n, blk in enumerate(plan, 1):
            write(blk.row0, task(blk))
            if progress:
                progress(n, total)
        return
    from dask.distributed import Client, LocalCluster

    if scheduler:
        client, cluster = Client(scheduler), None
    else:
        cluster = LocalCluster(processes=False, dashboard_address=None)
        client = Client(cluster)
    try:
        limit = 2 * max(1, sum(client.nthreads().values()))
        pending: deque = deque()

        def drain_one() -> None:
            n, blk, future = pending.popleft()
            write(blk.row0, future.result())
            future.release()
            if progress:
                progress(n, total)

        for n, blk in enumerate(plan, 1):
            pending.append((n, blk, client.submit(task, blk, pure=False)))
            if len(pending) >= limit:
                drain_one()
        while pending:
            drain_one()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
