"""Tiled depression filling and D8 accumulation equal the in-memory results exactly (issue 4, item 6)."""

from __future__ import annotations

import numpy as np
import pytest

from minewatch.geomodels.hydrology import kernels as K
from minewatch.geomodels.hydrology.tiled import array_io, fill_depressions_tiled, flow_accumulation_d8_tiled


def rough_dem(rows: int, cols: int, seed: int, holes: bool) -> np.ndarray:
    """A sloping surface with many pits and flats (rounded to 0.5 m) and, optionally, NaN holes."""
    rng = np.random.default_rng(seed)
    r, c = np.mgrid[0:rows, 0:cols]
    z = 0.05 * r + 3 * np.sin(c / 4.0) + rng.normal(0, 1.5, (rows, cols))
    z = np.round(z * 2) / 2
    if holes:
        z[rng.random((rows, cols)) < 0.02] = np.nan
        z[10:14, 20:25] = np.nan
    return z


@pytest.mark.parametrize("seed,holes", [(1, False), (2, True), (3, True)])
@pytest.mark.parametrize("tile", [7, 16, 25])
def test_tiled_fill_equals_in_memory(seed, holes, tile):
    z = rough_dem(57, 43, seed, holes)
    expected = K.fill_depressions(z, epsilon=False)
    assert not np.array_equal(np.nan_to_num(expected), np.nan_to_num(z))  # there was something to fill
    out = np.full(z.shape, -1.0)
    read, write = array_io(z, out)
    fill_depressions_tiled(read, write, z.shape, tile=tile)
    np.testing.assert_array_equal(out, expected)


@pytest.mark.parametrize("seed,holes", [(1, False), (2, True)])
@pytest.mark.parametrize("tile", [5, 16, 30])
def test_tiled_d8_accumulation_equals_in_memory(seed, holes, tile):
    z = rough_dem(57, 43, seed, holes)
    codes, _ = K.flow_direction_d8(K.fill_depressions(z, epsilon=True))
    expected = K.flow_accumulation_d8(codes)
    out = np.full(z.shape, -1.0)
    read, write = array_io(codes, out)
    flow_accumulation_d8_tiled(read, write, z.shape, tile=tile)
    np.testing.assert_array_equal(out, expected)
