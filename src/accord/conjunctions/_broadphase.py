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

Overlapping boxes are found with a uniform 4-D grid per window: a cell is at least as wide
as the widest box in x, y, z, so a box touches at most two cells per axis; each box is
entered in every cell it touches, pairs are formed within cells, and a pair is kept only
in the one cell that holds the corner max(lo_a, lo_b) (a point inside both boxes), so each
overlapping pair is reported exactly once. Sorting one array of packed (window, cell) keys
for a whole chunk of windows keeps this vectorised.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = ["WindowBoxes", "candidate_pairs", "window_boxes"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

_AXIS_BITS = 12
_AXIS_OFFSET = 1 << (_AXIS_BITS - 1)
_RADIUS_BITS = 16
_WINDOW_BITS = 61 - 3 * _AXIS_BITS - _RADIUS_BITS
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


def window_boxes(
    position_km: FloatArray,
    velocity_km_s: FloatArray,
    valid_nodes: NDArray[np.bool_],
    step_s: float,
    pad_km: FloatArray,
) -> WindowBoxes:
    """Boxes of each object's trajectory over each window between consecutive nodes."""
    p0, p1 = position_km[:, :-1], position_km[:, 1:]
    c1 = p0 + velocity_km_s[:, :-1] * (step_s / 3.0)
    c2 = p1 - velocity_km_s[:, 1:] * (step_s / 3.0)
    pad = pad_km[:, None, None]
    lo = np.minimum(np.minimum(p0, p1), np.minimum(c1, c2)) - pad
    hi = np.maximum(np.maximum(p0, p1), np.maximum(c1, c2)) + pad
    r_hi = np.sqrt(
        np.maximum(
            np.maximum(np.einsum("owi,owi->ow", p0, p0), np.einsum("owi,owi->ow", p1, p1)),
            np.maximum(np.einsum("owi,owi->ow", c1, c1), np.einsum("owi,owi->ow", c2, c2)),
        )
    )
    chord_mid = p0 + p1
    unit = chord_mid / np.linalg.norm(chord_mid, axis=-1, keepdims=True)
    r_lo = np.minimum(
        np.minimum(np.einsum("owi,owi->ow", p0, unit), np.einsum("owi,owi->ow", p1, unit)),
        np.minimum(np.einsum("owi,owi->ow", c1, unit), np.einsum("owi,owi->ow", c2, unit)),
    )
    valid = valid_nodes[:, :-1] & valid_nodes[:, 1:]
    return WindowBoxes(lo, hi, r_lo - pad_km[:, None], r_hi + pad_km[:, None], valid)


def candidate_pairs(
    boxes: WindowBoxes, allowed: NDArray[np.bool_] | None = None
) -> tuple[IntArray, IntArray, IntArray]:
    """(object a, object b, window) of every pair of overlapping boxes, a < b, each once.

    `allowed`, when given, is a (objects, 2) mask of (may be a primary, may be a
    secondary); a pair is kept when one may be a primary and the other a secondary.
    """
    obj, win = np.nonzero(boxes.valid)
    if obj.size == 0:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, empty
    lo = boxes.lo[obj, win]
    hi = boxes.hi[obj, win]
    r_lo = boxes.r_lo[obj, win]
    r_hi = boxes.r_hi[obj, win]
    cell = float(np.max(hi - lo)) * (1.0 + 1e-9)
    radial_cell = max(_MIN_RADIAL_CELL_KM, float(np.median(r_hi - r_lo)) * 2.0)
    lo_cell = np.floor(lo / cell).astype(np.int64)
    hi_cell = np.floor(hi / cell).astype(np.int64)
    r_lo_cell = np.floor(r_lo / radial_cell).astype(np.int64)
    r_hi_cell = np.floor(r_hi / radial_cell).astype(np.int64)

    # Expand each box over the radial cells it spans, then over its 1-2 cells per axis.
    n_radial = r_hi_cell - r_lo_cell + 1
    box = np.repeat(np.arange(obj.size), n_radial)
    first = np.repeat(np.cumsum(n_radial) - n_radial, n_radial)
    radial = r_lo_cell[box] + (np.arange(box.size) - first)
    entries_box: list[IntArray] = []
    entries_cell: list[IntArray] = []
    for dx in (0, 1):
        for dy in (0, 1):
            for dz in (0, 1):
                offset = np.array([dx, dy, dz])
                cells = lo_cell[box] + offset
                keep = np.all(cells <= hi_cell[box], axis=1)
                entries_box.append(box[keep])
                entries_cell.append(np.column_stack([cells[keep], radial[keep]]))
    entry_box = np.concatenate(entries_box)
    entry_cell = np.concatenate(entries_cell)
    key = _pack(win[entry_box], entry_cell)
    order = np.argsort(key, kind="stable")
    key = key[order]
    entry_box = entry_box[order]
    entry_cell = entry_cell[order]

    # Pairs within runs of equal keys.
    run_start = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    run_length = np.diff(np.r_[run_start, key.size])
    position = np.arange(key.size)
    run_end = np.repeat(run_start + run_length, run_length)
    after = run_end - position - 1
    total = int(after.sum())
    if total == 0:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, empty
    first_pos = np.repeat(position, after)
    base = np.repeat(np.cumsum(after) - after, after)
    second_pos = first_pos + 1 + (np.arange(total) - base)
    a_box = entry_box[first_pos]
    b_box = entry_box[second_pos]
    here = entry_cell[first_pos]
    # Keep the pair only in the cell holding max(lo_a, lo_b), and only if the boxes overlap.
    corner = np.maximum(lo[a_box], lo[b_box])
    corner_r = np.maximum(r_lo[a_box], r_lo[b_box])
    keep = (
        np.all(np.floor(corner / cell).astype(np.int64) == here[:, :3], axis=1)
        & (np.floor(corner_r / radial_cell).astype(np.int64) == here[:, 3])
        & np.all(corner <= np.minimum(hi[a_box], hi[b_box]), axis=1)
        & (corner_r <= np.minimum(r_hi[a_box], r_hi[b_box]))
    )
    a_obj, b_obj, window = obj[a_box[keep]], obj[b_box[keep]], win[a_box[keep]]
    if allowed is not None:
        pair_ok = (allowed[a_obj, 0] & allowed[b_obj, 1]) | (allowed[b_obj, 0] & allowed[a_obj, 1])
        a_obj, b_obj, window = a_obj[pair_ok], b_obj[pair_ok], window[pair_ok]
    swap = a_obj > b_obj
    a_obj, b_obj = np.where(swap, b_obj, a_obj), np.where(swap, a_obj, b_obj)
    return a_obj, b_obj, window


def _pack(window: IntArray, cell: IntArray) -> IntArray:
    """One sortable int64 key per (window, x cell, y cell, z cell, radial cell)."""
    axis_mask = (1 << _AXIS_BITS) - 1
    xyz = np.clip(cell[:, :3] + _AXIS_OFFSET, 0, axis_mask)
    radial = np.clip(cell[:, 3], 0, (1 << _RADIUS_BITS) - 1)
    key = window.astype(np.int64) << (3 * _AXIS_BITS + _RADIUS_BITS)
    key |= xyz[:, 0] << (2 * _AXIS_BITS + _RADIUS_BITS)
    key |= xyz[:, 1] << (_AXIS_BITS + _RADIUS_BITS)
    key |= xyz[:, 2] << _RADIUS_BITS
    key |= radial
    return key
