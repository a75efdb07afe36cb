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
pair is reported exactly once. The x, y, z cell size is the median box width of a sample
of the chunk's boxes (so a box touches one to three cells per axis); the radial cell is
twice the median radial extent, at least 25 km.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from accord.conjunctions._broadphase_kernels import (
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
_CELL_FACTOR = 1.0
_MIN_CELL_KM = 10.0
#: Slack (km) of the relative test over reach + error bounds: covers the narrow phase's
#: own margin (0.05 km) and rounding.
_RELATIVE_MARGIN_KM = 0.1
#: Halvings of the relative Bezier curve tested (2**depth sub-boxes at most).
_RELATIVE_DEPTH = 3
#: Radial cell width floor (km); LEO boxes are a few km thick radially over a step.
_MIN_RADIAL_CELL_KM = 25.0


@dataclass(frozen=True)
class WindowBoxes:
    """Padded 4-D boxes: `lo`, `hi` (objects, windows, 3) km; `r_lo`, `r_hi` (objects, windows)."""

    lo: FloatArray
    hi: FloatArray
    r_lo: FloatArray
    r_hi: FloatArray
    valid: NDArray[np.bool_]
    position_km: FloatArray
    velocity_km_s: FloatArray
    step_s: float
    pad_km: FloatArray


def window_boxes(
    position_km: FloatArray,
    velocity_km_s: FloatArray,
    valid_nodes: NDArray[np.bool_],
    step_s: float,
    pad_km: FloatArray,
) -> WindowBoxes:
    """Boxes of each object's trajectory over each window between consecutive nodes."""
    position = np.ascontiguousarray(position_km, dtype=np.float64)
    velocity = np.ascontiguousarray(velocity_km_s, dtype=np.float64)
    pad = np.ascontiguousarray(pad_km, dtype=np.float64)
    lo, hi, r_lo, r_hi, valid = box_arrays(
        position, velocity, np.ascontiguousarray(valid_nodes, dtype=np.bool_), float(step_s), pad
    )
    return WindowBoxes(lo, hi, r_lo, r_hi, valid, position, velocity, float(step_s), pad)


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
    axis_bits = (63 - object_bits) // 4
    radial_bits = 63 - object_bits - 3 * axis_bits
    inv_cell, inv_radial = 1.0 / cell_km, 1.0 / radial_cell_km
    use_allowed = allowed is not None
    allowed_mask = (
        np.ascontiguousarray(allowed, dtype=np.bool_)
        if allowed is not None
        else np.ones((1, 2), dtype=np.bool_)
    )
    relative = np.array(
        [boxes.step_s / 3.0, _RELATIVE_MARGIN_KM + max(0.0, extra_reach_km), _RELATIVE_DEPTH]
    )
    geometry = (boxes.position_km, boxes.velocity_km_s, boxes.pad_km, relative)
    counts = count_entries(
        boxes.lo,
        boxes.hi,
        boxes.r_lo,
        boxes.r_hi,
        boxes.valid,
        inv_cell,
        inv_radial,
        axis_bits,
        radial_bits,
    )
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    entries, pair_counts = sorted_entries(
        boxes.lo,
        boxes.hi,
        boxes.r_lo,
        boxes.r_hi,
        boxes.valid,
        inv_cell,
        inv_radial,
        axis_bits,
        radial_bits,
        object_bits,
        offsets,
        allowed_mask,
        use_allowed,
        *geometry,
    )
    pair_offsets = np.concatenate([[0], np.cumsum(pair_counts)]).astype(np.int64)
    rows = emit_pairs(
        entries,
        offsets,
        pair_offsets,
        boxes.lo,
        boxes.hi,
        boxes.r_lo,
        boxes.r_hi,
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


def _cell_sizes(boxes: WindowBoxes) -> tuple[float, float]:
    """Grid cell sizes (km): x, y, z from a sample of box widths, radial with a floor."""
    sample_lo = boxes.lo[::_SAMPLE_STRIDE, ::_SAMPLE_STRIDE]
    sample_hi = boxes.hi[::_SAMPLE_STRIDE, ::_SAMPLE_STRIDE]
    sample_ok = boxes.valid[::_SAMPLE_STRIDE, ::_SAMPLE_STRIDE]
    widths = (sample_hi - sample_lo)[sample_ok]
    radial = (boxes.r_hi - boxes.r_lo)[::_SAMPLE_STRIDE, ::_SAMPLE_STRIDE][sample_ok]
    if widths.size == 0:
        widths = (boxes.hi - boxes.lo)[boxes.valid]
        radial = (boxes.r_hi - boxes.r_lo)[boxes.valid]
    cell = max(_MIN_CELL_KM, float(np.quantile(widths, _CELL_QUANTILE)) * _CELL_FACTOR)
    radial_cell = max(_MIN_RADIAL_CELL_KM, float(np.median(radial)) * 2.0)
    return cell, radial_cell
