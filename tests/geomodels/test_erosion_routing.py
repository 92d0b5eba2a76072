"""pygeoprocessing-compatible routing kernels (minewatch.geomodels.erosion.routing).

Expected values are derived in each test from the rules documented in pygeoprocessing 2.4.11
``routing.pyx`` (flow_dir_mfd: weight = drop / distance in pixels, stored as int(0.5 + 15 w / sum w)
per direction; flow_accumulation_mfd; distance_to_channel_mfd; extract_streams_mfd) and
``geoprocessing_core.pyx`` (calculate_slope); no published figure exists for these numbers.
"""

import numpy as np

from minewatch.geomodels.erosion import routing


def _nibbles(d):
    return [(int(d) >> (4 * k)) & 0xF for k in range(8)]


def test_mfd_weights_of_a_peak_are_the_rounded_pygeoprocessing_shares():
    z = np.array([[0.0, 0, 0], [0, 1, 0], [0, 0, 0]])
    fd = routing.flow_dir_mfd(z)
    total = 4 * 1.0 + 4 * (1 / np.sqrt(2))
    card, diag = int(0.5 + 15 / total), int(0.5 + 15 * (1 / np.sqrt(2)) / total)
    assert _nibbles(fd[1, 1]) == [card, diag] * 4


def test_plateau_drains_towards_its_outlet_by_distance():
    # a flat shelf at 5 m whose only lower neighbour is east of its east end
    z = np.full((3, 5), 9.0)
    z[1, :4] = 5.0
    z[1, 4] = 1.0
    fd = routing.flow_dir_mfd(z)
    # west-end cell (1, 0) flows only east (distance to the drain decreases only eastwards)
    assert _nibbles(fd[1, 0]) == [15, 0, 0, 0, 0, 0, 0, 0]
    # the drain cell (1, 3) sends everything to its lower neighbour (1, 4)
    assert _nibbles(fd[1, 3])[0] == 15


def test_accumulation_and_distance_on_a_column():
    z = np.arange(6.0, 0.0, -1.0)[:, None]  # a 6 x 1 column falling southwards
    fd = routing.flow_dir_mfd(z)
    order = routing.topological_order(fd)
    acc = routing.accumulate_mfd(fd, order, np.ones(z.shape))
    assert acc[:, 0].tolist() == [1, 2, 3, 4, 5, 6]
    channel = np.zeros(z.shape, dtype=bool)
    channel[-1] = True
    dist = routing.distance_to_channel_mfd(fd, order, channel, np.full(z.shape, 2.0))
    # d = sum of the weights of the downstream cells crossed (2 per step), 0 on the channel
    assert dist[:, 0].tolist() == [10, 8, 6, 4, 2, 0]


def test_streams_follow_the_threshold_upstream_from_the_outlet():
    z = np.arange(6.0, 0.0, -1.0)[:, None]
    fd = routing.flow_dir_mfd(z)
    acc = routing.accumulate_mfd(fd, routing.topological_order(fd), np.ones(z.shape))
    stream = routing.extract_streams_mfd(acc, fd, 4.0, 0.7, 256)
    assert stream[:, 0].tolist() == [0, 0, 0, 1, 1, 1]


def test_slope_percent_on_a_plane_includes_the_edges():
    z = np.add.outer(np.arange(4.0)[::-1] * 1.5, np.arange(5.0) * 2.0)  # 10 m cells: 15 % N-S, 20 % W-E
    slope = routing.slope_percent(z, 10.0, -10.0)
    np.testing.assert_allclose(slope, 25.0, rtol=1e-12)


def test_fill_pits_raises_a_pit_to_its_pour_point_and_keeps_the_rest():
    # a 5 x 5 block at 10 m with a 3 x 3 basin (2 m, centre 1 m) whose lowest rim cell is 4 m: the
    # basin is raised to 4 m (pygeoprocessing fill_pits: pits filled to the pour point height)
    z = np.full((5, 5), 10.0)
    z[1:4, 1:4] = 2.0
    z[2, 2] = 1.0
    z[0, 2] = 4.0
    filled = routing.fill_pits(z, 256)
    expected = z.copy()
    expected[1:4, 1:4] = 4.0
    np.testing.assert_array_equal(filled, expected)
    ramp = np.arange(25.0).reshape(5, 5)
    np.testing.assert_array_equal(routing.fill_pits(ramp, 256), ramp)
