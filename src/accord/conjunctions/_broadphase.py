"""Broad phase: pairs of objects whose trajectories may come within reach during a time step.

For each object and each grid step ("window") the trajectory is the cubic Hermite through
the SGP4 positions and velocities at the step's ends, which lies inside the convex hull of
its four Bezier control points P0, P0 + V0 h/3, P1 - V1 h/3, P1. The true SGP4 trajectory
lies within the object's Hermite error bound of the cubic. Each (object, window) gets a
4-D box: the hull's axis-aligned box in TEME x, y, z, and an interval of geocentric radius
(upper bound: the largest control-point radius, since |x| is convex; lower bound: the
smallest projection of the control points on the chord midpoint direction, a linear
function's minimum over the hull), each padded by the error bound plus half the reach
(the threshold, or the screening volume's largest semi-axis). Two objects can come within
reach during a window only if their padded boxes overlap in all four dimensions.

Overlapping boxes are found with a uniform 4-D grid per window (compiled kernels in
`_broadphase_kernels`): each box is entered in every cell it touches, entries are sorted
per window by cell, pairs are formed within cells, and a pair is kept only in the one cell
that holds the corner max(lo_a, lo_b) (a point inside both boxes), so each overlapping
pair is reported exactly once. The x, y, z cell size is four times the median box width
of a sample of the chunk's boxes (a box touches one or two cells per axis; measured on
the catalog, larger cells cost fewer entries than they add in-cell tests); the radial
cell is twice the median radial extent, at least 25 km. Entries are grouped by cell with
a counting sort on a hash of the cell (linear time).

A pair of overlapping boxes is then kept only if the relative trajectory can come within
reach: the difference of the two cubics is the cubic with the differences of their Bezier
control points, so it lies in their convex hull; if the hull's box (or, after de Casteljau
halvings, every sub-curve's box) stays farther from the origin than pad_a + pad_b (the
reach plus both error bounds) plus a margin, the true distance stays above the reach.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from accord.conjunctions._broadphase_kernels import (
    LOW_CELL_BITS,
    box_arrays,
    count_entries,
    emit_pairs,
    sorted_entries,
)

__all__ = ["WindowBoxes", "candidate_pairs", "window_boxes"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: Boxes sampled (every n-th object and window) to choose the cell size.
_SAMPLE_STRIDE = 7
#: x, y, z cell size: this quantile of box widths times a factor (tuned on the catalog).
_CELL_QUANTILE = 0.5
_CELL_FACTOR = 4.0
_MIN_CELL_KM = 10.0
#: Slack (km) of the relative test over reach + error bounds: covers the narrow phase's
#: own margin (0.05 km) and rounding.
_RELATIVE_MARGIN_KM = 0.1
#: Halvings of the relative Bezier curve tested (2**depth sub-boxes at most).
_RELATIVE_DEPTH = 3
#: Pairs kept per window in the first scan; a window with more is scanned again.
_PAIRS_PER_WINDOW = 4096
#: Radial cell width floor (km); LEO boxes are a few km thick radially over a step.
_MIN_RADIAL_CELL_KM = 25.0


@dataclass(frozen=True)
class WindowBoxes:
    """Padded 4-D boxes of each (object, window), km, and the samples they bound.

    `packed` (windows, objects, 8): lo x, y, z, hi x, y, z, r_lo, r_hi, window-major so a
    window's boxes are contiguous for the kernels; `packed_valid` (windows, objects).
    `bezier_km` (windows, objects, 12): each window's Bezier control points P0,
    P0 + V0 h/3, P1 - V1 h/3, P1 (x, y, z each), for the relative test.
    `lo`, `hi` (objects, windows, 3), `r_lo`, `r_hi`, `valid` (objects, windows) are views.
    """

    packed: FloatArray
    packed_valid: NDArray[np.bool_]
    bezier_km: FloatArray
    position_km: FloatArray
    velocity_km_s: FloatArray
    step_s: float
    pad_km: FloatArray
    #: Work buffers of `candidate_pairs` (grid entries, found pairs), kept across reuse.
    scratch: dict[str, IntArray] = field(default_factory=dict)

    @property
    def lo(self) -> FloatArray:
        return self.packed[:, :, 0:3].transpose(1, 0, 2)

    @property
    def hi(self) -> FloatArray:
        return self.packed[:, :, 3:6].transpose(1, 0, 2)

    @property
    def r_lo(self) -> FloatArray:
        return self.packed[:, :, 6].T

    @property
    def r_hi(self) -> FloatArray:
        return self.packed[:, :, 7].T

    @property
    def valid(self) -> NDArray[np.bool_]:
        return self.packed_valid.T


def window_boxes(
    position_km: FloatArray,
    velocity_km_s: FloatArray,
    valid_nodes: NDArray[np.bool_],
    step_s: float,
    pad_km: FloatArray,
    *,
    reuse: WindowBoxes | None = None,
) -> WindowBoxes:
    """Boxes of each object's trajectory over each window between consecutive nodes.

    `reuse`: a previous result whose box arrays are overwritten when their shape fits (a
    chunked caller then touches no fresh memory per chunk); it must not be used after.
    """
    position = np.ascontiguousarray(position_km, dtype=np.float64)
    velocity = np.ascontiguousarray(velocity_km_s, dtype=np.float64)
    pad = np.ascontiguousarray(pad_km, dtype=np.float64)
    n_objects, n_nodes = valid_nodes.shape
    shape = (n_nodes - 1, n_objects)
    if reuse is not None and reuse.packed_valid.shape == shape:
        packed, packed_valid, bezier = reuse.packed, reuse.packed_valid, reuse.bezier_km
        scratch = reuse.scratch
    else:
        scratch = {}
        packed, packed_valid = np.empty((*shape, 8)), np.empty(shape, dtype=np.bool_)
        bezier = np.empty((*shape, 12))
    box_arrays(
        position,
        velocity,
        np.ascontiguousarray(valid_nodes, dtype=np.bool_),
        float(step_s),
        pad,
        packed,
        packed_valid,
        bezier,
    )
    return WindowBoxes(
        packed, packed_valid, bezier, position, velocity, float(step_s), pad, scratch
    )


def candidate_pairs(
    boxes: WindowBoxes,
    allowed: NDArray[np.bool_] | None = None,
    *,
    extra_reach_km: float = 0.0,
) -> tuple[IntArray, IntArray, IntArray]:
    """(object a, object b, window) of every pair of overlapping boxes, a < b, each once,
    whose relative cubic can come within pad_a + pad_b + extra_reach_km (+ a margin) of 0.

    `allowed`, when given, is a (objects, 2) mask of (may be a primary, may be a
    secondary); a pair is kept when one may be a primary and the other a secondary.
    pad_a + pad_b is the reach plus both error bounds; `extra_reach_km` widens the
    relative test (the screening passes threshold - reach when the threshold is larger,
    so that co-location bookkeeping sees every window closer than the threshold).
    """
    n_objects = boxes.valid.shape[0]
    empty = np.empty(0, dtype=np.int64)
    if n_objects < 2 or not boxes.valid.any():
        return empty, empty, empty
    cell_km, radial_cell_km = _cell_sizes(boxes)
    object_bits = max(1, int(n_objects - 1).bit_length())
    # 63 bits: cell (3 axis + radial), LOW_CELL_BITS ownership flags, object index.
    cell_bits = 63 - object_bits - LOW_CELL_BITS
    axis_bits = cell_bits // 4
    radial_bits = cell_bits - 3 * axis_bits
    inv_cell, inv_radial = 1.0 / cell_km, 1.0 / radial_cell_km
    use_allowed = allowed is not None
    allowed_mask = (
        np.ascontiguousarray(allowed, dtype=np.bool_)
        if allowed is not None
        else np.ones((1, 2), dtype=np.bool_)
    )
    relative = np.array([_RELATIVE_MARGIN_KM + max(0.0, extra_reach_km), _RELATIVE_DEPTH])
    geometry = (boxes.bezier_km, boxes.pad_km, relative)
    counts = count_entries(
        boxes.packed,
        boxes.packed_valid,
        inv_cell,
        inv_radial,
        axis_bits,
        radial_bits,
    )
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    entries, found = _scratch(boxes, int(offsets[-1]))
    pair_counts = sorted_entries(
        boxes.packed,
        boxes.packed_valid,
        inv_cell,
        inv_radial,
        axis_bits,
        radial_bits,
        object_bits,
        offsets,
        allowed_mask,
        use_allowed,
        *geometry,
        entries,
        found,
    )
    if int(pair_counts.max()) <= _PAIRS_PER_WINDOW:
        # Usual case: every window's pairs fit its buffer; no second scan.
        rows = found[np.arange(_PAIRS_PER_WINDOW)[None, :] < pair_counts[:, None]]
        return rows[:, 0].copy(), rows[:, 1].copy(), rows[:, 2].copy()
    pair_offsets = np.concatenate([[0], np.cumsum(pair_counts)]).astype(np.int64)
    rows = emit_pairs(
        entries,
        offsets,
        pair_offsets,
        boxes.packed,
        boxes.packed_valid,
        inv_cell,
        inv_radial,
        axis_bits,
        radial_bits,
        object_bits,
        allowed_mask,
        use_allowed,
        *geometry,
    )
    return rows[:, 0].copy(), rows[:, 1].copy(), rows[:, 2].copy()


def _scratch(boxes: WindowBoxes, n_entries: int) -> tuple[IntArray, IntArray]:
    """The grid-entry and found-pair buffers, kept with the boxes (reused with them)."""
    n_windows = boxes.packed_valid.shape[0]
    entries = boxes.scratch.get("entries")
    if entries is None or entries.size < n_entries:
        # Headroom: the entry count varies a little from chunk to chunk.
        entries = np.empty(int(n_entries * 1.1) + 1024, dtype=np.int64)
        boxes.scratch["entries"] = entries
    found = boxes.scratch.get("found")
    if found is None or found.shape[0] != n_windows:
        found = np.empty((n_windows, _PAIRS_PER_WINDOW, 3), dtype=np.int64)
        boxes.scratch["found"] = found
    return entries, found


def _cell_sizes(boxes: WindowBoxes) -> tuple[float, float]:
    """Grid cell sizes (km): x, y, z from a sample of box widths, radial with a floor."""
    sample = boxes.packed[::_SAMPLE_STRIDE, ::_SAMPLE_STRIDE][
        boxes.packed_valid[::_SAMPLE_STRIDE, ::_SAMPLE_STRIDE]
    ]
    if sample.shape[0] == 0:
        sample = boxes.packed[boxes.packed_valid]
    widths = sample[:, 3:6] - sample[:, 0:3]
    radial = sample[:, 7] - sample[:, 6]
    cell = max(_MIN_CELL_KM, float(np.quantile(widths, _CELL_QUANTILE)) * _CELL_FACTOR)
    radial_cell = max(_MIN_RADIAL_CELL_KM, float(np.median(radial)) * 2.0)
    return cell, radial_cell
