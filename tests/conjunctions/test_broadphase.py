"""Broad phase: no (pair, window) within reach is missed, each pair once, buffers reusable.

The reference is brute force in numpy, sharing nothing with the grid kernels: every pair's
relative cubic Hermite over every window, sampled densely, and every pair's 4-D box
overlap.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from accord.conjunctions._broadphase import candidate_pairs, window_boxes

STEP_S = 60.0
#: Samples per window of the reference's relative cubic (its sampled minimum is an upper
#: bound of the true one, so a pair it finds within reach must be a candidate).
REFERENCE_SAMPLES = 121
MU_KM3_S2 = 398600.4418

FloatArray = NDArray[np.float64]


def _states(
    n_objects: int, n_nodes: int, spread_km: float, speed_spread_km_s: float, seed: int
) -> tuple[FloatArray, FloatArray]:
    """Positions and velocities on the grid of objects near one LEO point (gravity only)."""
    rng = np.random.default_rng(seed)
    position = np.array([7000.0, 0.0, 0.0]) + rng.uniform(-spread_km, spread_km, (n_objects, 3))
    velocity = np.array([0.0, 7.5, 0.0]) + rng.uniform(
        -speed_spread_km_s, speed_spread_km_s, (n_objects, 3)
    )
    positions = np.empty((n_objects, n_nodes, 3))
    velocities = np.empty((n_objects, n_nodes, 3))
    for node in range(n_nodes):
        positions[:, node] = position
        velocities[:, node] = velocity
        # Small semi-implicit Euler steps: smooth, curved trajectories with consistent
        # velocities (any states would do: the cubic is defined by them).
        for _ in range(10):
            r = np.linalg.norm(position, axis=1, keepdims=True)
            velocity = velocity - MU_KM3_S2 * position / r**3 * (STEP_S / 10)
            position = position + velocity * (STEP_S / 10)
    return positions, velocities


def _hermite(p0: FloatArray, v0: FloatArray, p1: FloatArray, v1: FloatArray) -> FloatArray:
    """(..., samples, 3) points of the cubic Hermite over one window."""
    tau = np.linspace(0.0, 1.0, REFERENCE_SAMPLES)[:, None]
    h00, h10 = 2 * tau**3 - 3 * tau**2 + 1, tau**3 - 2 * tau**2 + tau
    h01, h11 = -2 * tau**3 + 3 * tau**2, tau**3 - tau**2
    expand = (slice(None), None, slice(None))
    return (
        h00 * p0[expand] + h10 * STEP_S * v0[expand] + h01 * p1[expand] + h11 * STEP_S * v1[expand]
    )


def _reference_within_reach(
    position: FloatArray, velocity: FloatArray, valid: NDArray[np.bool_], pad_km: FloatArray
) -> set[tuple[int, int, int]]:
    """(a, b, window) whose sampled relative cubic comes within pad_a + pad_b."""
    n_objects, n_nodes = valid.shape
    a, b = np.triu_indices(n_objects, k=1)
    found: set[tuple[int, int, int]] = set()
    for w in range(n_nodes - 1):
        curves = _hermite(position[:, w], velocity[:, w], position[:, w + 1], velocity[:, w + 1])
        distance = np.linalg.norm(curves[b] - curves[a], axis=2).min(axis=1)
        ok = valid[a, w] & valid[a, w + 1] & valid[b, w] & valid[b, w + 1]
        near = ok & (distance <= pad_km[a] + pad_km[b])
        found.update((int(i), int(j), w) for i, j in zip(a[near], b[near], strict=True))
    return found


def _box_overlaps(boxes_packed: FloatArray, packed_valid: NDArray[np.bool_]) -> set[tuple]:
    n_windows, n_objects, _ = boxes_packed.shape
    a, b = np.triu_indices(n_objects, k=1)
    found: set[tuple[int, int, int]] = set()
    for w in range(n_windows):
        lo = boxes_packed[w, :, [0, 1, 2, 6]].T
        hi = boxes_packed[w, :, [3, 4, 5, 7]].T
        overlap = np.all(np.maximum(lo[a], lo[b]) <= np.minimum(hi[a], hi[b]), axis=1)
        overlap &= packed_valid[w, a] & packed_valid[w, b]
        found.update((int(i), int(j), w) for i, j in zip(a[overlap], b[overlap], strict=True))
    return found


def _pairs(boxes: object) -> list[tuple[int, int, int]]:
    a, b, w = candidate_pairs(boxes)  # type: ignore[arg-type]
    return list(zip(a.tolist(), b.tolist(), w.tolist(), strict=True))


def test_no_pair_within_reach_is_missed_and_each_is_reported_once() -> None:
    # 150 objects in an 80 km cube with relative speeds up to ~1 km/s, and two fast
    # objects whose boxes are too large for the grid (the all-boxes path).
    position, velocity = _states(150, 9, spread_km=40.0, speed_spread_km_s=0.5, seed=1)
    velocity[:2] *= 12.0
    position[:2, 1:] = position[:2, :1] + velocity[:2, :1] * STEP_S * np.arange(1, 9)[:, None]
    valid = np.ones(position.shape[:2], dtype=bool)
    valid[7, 4] = False  # a failed sample: no box for windows 3 and 4
    pad_km = np.full(150, 2.5) + np.linspace(0.0, 0.05, 150)  # half of 5 km plus error
    boxes = window_boxes(position, velocity, valid, STEP_S, pad_km)
    pairs = _pairs(boxes)

    assert len(pairs) == len(set(pairs)), "a (pair, window) reported twice"
    assert all(a < b for a, b, _ in pairs)
    reference = _reference_within_reach(position, velocity, valid, pad_km)
    assert len(reference) > 50  # the case has approaches to find
    assert reference <= set(pairs), sorted(reference - set(pairs))[:5]
    assert set(pairs) <= _box_overlaps(boxes.packed, boxes.packed_valid)
    assert not any(7 in (a, b) and w in (3, 4) for a, b, w in pairs)


def test_a_dense_cluster_reports_every_pair_beyond_the_first_buffer() -> None:
    # 120 objects within 2 km moving together: every pair is within reach in every window
    # (7,140 pairs a window, more than the kernels' first per-window buffer of 4,096).
    position, velocity = _states(120, 4, spread_km=1.0, speed_spread_km_s=1e-4, seed=2)
    valid = np.ones(position.shape[:2], dtype=bool)
    boxes = window_boxes(position, velocity, valid, STEP_S, np.full(120, 2.5))
    pairs = _pairs(boxes)
    expected = {(a, b, w) for w in range(3) for a in range(120) for b in range(a + 1, 120)}
    assert len(pairs) == len(expected)
    assert set(pairs) == expected


def test_reused_buffers_give_the_same_pairs_as_fresh_ones() -> None:
    pad_km = np.full(200, 2.55)
    first = _states(200, 9, spread_km=150.0, speed_spread_km_s=0.5, seed=3)
    second = _states(200, 9, spread_km=150.0, speed_spread_km_s=0.5, seed=4)
    valid = np.ones((200, 9), dtype=bool)
    boxes = window_boxes(*first, valid, STEP_S, pad_km)
    _pairs(boxes)
    reused = window_boxes(*second, valid, STEP_S, pad_km, reuse=boxes)
    reused_pairs = _pairs(reused)
    fresh_pairs = _pairs(window_boxes(*second, valid, STEP_S, pad_km))
    assert reused_pairs == fresh_pairs
    assert len(fresh_pairs) > 0


def test_every_box_overlap_is_reported_exactly_once_whatever_cells_the_boxes_share() -> None:
    # With the relative test made to pass everything, the candidates must be exactly the
    # overlapping boxes, each once: ownership (the cell of the corner max(lo_a, lo_b),
    # decided from each entry's lowest-cell flags) neither drops nor repeats a pair when
    # boxes span one to several cells per axis. Widths vary from ~5 to ~600 km against
    # cells four times the median width, and radial extents from a few km to hundreds.
    position, velocity = _states(240, 5, spread_km=150.0, speed_spread_km_s=0.3, seed=5)
    velocity[::7] *= 1.8  # some wide boxes: several cells per axis
    valid = np.ones(position.shape[:2], dtype=bool)
    boxes = window_boxes(position, velocity, valid, STEP_S, np.full(240, 2.5))
    a, b, w = candidate_pairs(boxes, extra_reach_km=1e6)
    pairs = list(zip(a.tolist(), b.tolist(), w.tolist(), strict=True))

    assert len(pairs) == len(set(pairs)), "a (pair, window) reported twice"
    overlaps = _box_overlaps(boxes.packed, boxes.packed_valid)
    assert len(overlaps) > 500  # the case has many overlaps, in many cells
    assert set(pairs) == overlaps
