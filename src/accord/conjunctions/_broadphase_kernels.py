"""Compiled (numba) kernels of the broad phase's 4-D grid: entries, per-window sort, pairs.

Each (object, window) box is entered in every grid cell its padded extent touches (x, y, z
and geocentric radius). An entry is one int64: the packed cell (clipped to the key's
range) in the high bits, then `LOW_CELL_BITS` flags (one per axis: the cell is the box's
lowest on that axis), then the object index in the low bits, so grouping a window's
entries by cell brings each cell's boxes together, objects ascending within a cell. A pair
is reported only from the cell holding the corner max(lo_a, lo_b) of the two boxes (a
point inside both when they overlap), so each overlapping (pair, window) appears exactly
once. Cell ranges are clipped before iterating, so a box has at most one entry per
(clipped) cell; a clipped cell merges far-away cells, which adds tests but never loses a
pair, since the corner's cell is clipped the same way.

Ownership from the flags, before any box is read: the cell index of a coordinate,
floor(value / cell) clipped to the key's range, is non-decreasing in the value, so the
corner's cell on an axis is max(c_a, c_b), c the boxes' lowest cells there. In a cell c
shared by both boxes c >= c_a and c >= c_b, so c == max(c_a, c_b) exactly when c == c_a or
c == c_b: the pair is owned by c exactly when, on every axis, one of the two entries has
its flag set (flags_a | flags_b == all four). This is the same set of pairs as computing
the corner's cell after the overlap test, and rejects the copies of a pair in its other
shared cells without reading their boxes.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import prange

__all__ = [
    "LOW_CELL_BITS",
    "MAX_CELLS_PER_BOX",
    "box_arrays",
    "count_entries",
    "emit_pairs",
    "sorted_entries",
]

#: A box touching more cells than this (a far or very fast object, or one beyond the
#: key's clipped range) stays out of the grid and is tested against every box instead.
MAX_CELLS_PER_BOX = 64
#: Flag bits of an entry between the cell and the object index: x, y, z, radial, set
#: where the entry's cell is the box's lowest on that axis (see the module docstring).
LOW_CELL_BITS = 4
_ALL_LOW = (1 << LOW_CELL_BITS) - 1


@numba.njit(cache=True, nogil=True, inline="always")
def _axis_cell(value: float, inv_cell: float, offset: int, top: int) -> int:
    cell = int(np.floor(value * inv_cell)) + offset
    return min(max(cell, 0), top)


@numba.njit(cache=True, nogil=True)
def _box_cells(box, o, w, inv_cell, inv_radial, axis_top, radial_top):
    offset = (axis_top + 1) // 2
    x0 = _axis_cell(box[w, o, 0], inv_cell, offset, axis_top)
    x1 = _axis_cell(box[w, o, 3], inv_cell, offset, axis_top)
    y0 = _axis_cell(box[w, o, 1], inv_cell, offset, axis_top)
    y1 = _axis_cell(box[w, o, 4], inv_cell, offset, axis_top)
    z0 = _axis_cell(box[w, o, 2], inv_cell, offset, axis_top)
    z1 = _axis_cell(box[w, o, 5], inv_cell, offset, axis_top)
    q0 = _axis_cell(box[w, o, 6], inv_radial, 0, radial_top)
    q1 = _axis_cell(box[w, o, 7], inv_radial, 0, radial_top)
    return x0, x1, y0, y1, z0, z1, q0, q1


@numba.njit(cache=True, nogil=True)
def _bucket_shift(n):
    """64 - bits of a power-of-two bucket count of at least n (and 2)."""
    bits = 1
    while (1 << bits) < n:
        bits += 1
    return 64 - bits


@numba.njit(cache=True, nogil=True, inline="always")
def _bucket(cell, shift):
    """Fibonacci hash of a packed cell into 2**(64 - shift) buckets."""
    return int((np.uint64(cell) * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(shift))


@numba.njit(cache=True, nogil=True)
def _group_by_bucket(segment, object_bits):
    """Reorder entries so that equal hash buckets (hence equal cells) are contiguous.

    A counting sort by bucket: linear time, where a full sort of the packed keys cost
    most of the broad phase.
    """
    n = segment.size
    shift = _bucket_shift(n)
    starts = np.zeros((1 << (64 - shift)) + 1, dtype=np.int64)
    for k in range(n):
        starts[_bucket(segment[k] >> object_bits, shift) + 1] += 1
    for k in range(1, starts.size):
        starts[k] += starts[k - 1]
    grouped = np.empty(n, dtype=np.int64)
    for k in range(n):
        bucket = _bucket(segment[k] >> object_bits, shift)
        grouped[starts[bucket]] = segment[k]
        starts[bucket] += 1
    segment[:] = grouped


@numba.njit(cache=True, nogil=True, parallel=True)
def count_entries(box, valid, inv_cell, inv_radial, axis_bits, radial_bits):
    """Number of grid entries of each window (all its valid boxes)."""
    n_windows, n_objects = valid.shape
    axis_top = (1 << axis_bits) - 1
    radial_top = (1 << radial_bits) - 1
    counts = np.zeros(n_windows, dtype=np.int64)
    for w in prange(n_windows):
        total = 0
        for o in range(n_objects):
            if not valid[w, o]:
                continue
            x0, x1, y0, y1, z0, z1, q0, q1 = _box_cells(
                box, o, w, inv_cell, inv_radial, axis_top, radial_top
            )
            cells = (x1 - x0 + 1) * (y1 - y0 + 1) * (z1 - z0 + 1) * (q1 - q0 + 1)
            if cells <= MAX_CELLS_PER_BOX:
                total += cells
        counts[w] = total
    return counts


@numba.njit(cache=True, nogil=True, parallel=True)
def sorted_entries(
    box,
    valid,
    inv_cell,
    inv_radial,
    axis_bits,
    radial_bits,
    object_bits,
    offsets,
    allowed,
    use_allowed,
    bezier,
    pad,
    relative,
    entries,
    found,
):
    """Group every window's packed entries into `entries` (window w at
    offsets[w]:offsets[w+1]), and return the number of pairs each window reports; its
    first found.shape[1] pairs (rows a, b, w) go to found[w].

    `entries` (at least offsets[-1]) and `found` (windows, capacity, 3) are the caller's,
    reused from chunk to chunk: fresh pages for them cost system time on every chunk.
    """
    n_windows, n_objects = valid.shape
    axis_top = (1 << axis_bits) - 1
    radial_top = (1 << radial_bits) - 1
    pair_counts = np.zeros(n_windows, dtype=np.int64)
    for w in prange(n_windows):
        k = offsets[w]
        for o in range(n_objects):
            if not valid[w, o]:
                continue
            x0, x1, y0, y1, z0, z1, q0, q1 = _box_cells(
                box, o, w, inv_cell, inv_radial, axis_top, radial_top
            )
            if (x1 - x0 + 1) * (y1 - y0 + 1) * (z1 - z0 + 1) * (q1 - q0 + 1) > MAX_CELLS_PER_BOX:
                continue  # a large box: tested against every box by _scan_large
            for x in range(x0, x1 + 1):
                flag_x = 8 if x == x0 else 0
                for y in range(y0, y1 + 1):
                    flag_xy = flag_x | (4 if y == y0 else 0)
                    for z in range(z0, z1 + 1):
                        flag_xyz = flag_xy | (2 if z == z0 else 0)
                        base = (((x << axis_bits) | y) << axis_bits) | z
                        for q in range(q0, q1 + 1):
                            cell = (base << radial_bits) | q
                            flags = flag_xyz | (1 if q == q0 else 0)
                            entries[k] = (((cell << LOW_CELL_BITS) | flags) << object_bits) | o
                            k += 1
        segment = entries[offsets[w] : offsets[w + 1]]
        _group_by_bucket(segment, object_bits + LOW_CELL_BITS)
        in_grid = _scan_window(
            segment,
            box,
            w,
            object_bits,
            allowed,
            use_allowed,
            bezier,
            pad,
            relative,
            found[w],
            0,
        )
        pair_counts[w] = in_grid + _scan_large(
            box,
            valid,
            w,
            inv_cell,
            inv_radial,
            axis_bits,
            radial_bits,
            allowed,
            use_allowed,
            bezier,
            pad,
            relative,
            found[w],
            in_grid,
        )
    return pair_counts


@numba.njit(cache=True, nogil=True, parallel=True)
def emit_pairs(
    entries,
    offsets,
    pair_offsets,
    box,
    valid,
    inv_cell,
    inv_radial,
    axis_bits,
    radial_bits,
    object_bits,
    allowed,
    use_allowed,
    bezier,
    pad,
    relative,
):
    """(object a, object b, window) rows, a < b, of every window's reported pairs."""
    n_windows = offsets.size - 1
    out = np.empty((pair_offsets[n_windows], 3), dtype=np.int64)
    for w in prange(n_windows):
        in_grid = _scan_window(
            entries[offsets[w] : offsets[w + 1]],
            box,
            w,
            object_bits,
            allowed,
            use_allowed,
            bezier,
            pad,
            relative,
            out,
            pair_offsets[w],
        )
        _scan_large(
            box,
            valid,
            w,
            inv_cell,
            inv_radial,
            axis_bits,
            radial_bits,
            allowed,
            use_allowed,
            bezier,
            pad,
            relative,
            out,
            pair_offsets[w] + in_grid,
        )
    return out


@numba.njit(cache=True, nogil=True)
def _scan_window(
    segment,
    box,
    w,
    object_bits,
    allowed,
    use_allowed,
    bezier,
    pad,
    relative,
    out,
    first_row,
):
    """Number of pairs of one window's grouped entries, written to out[first_row:] while
    out has rows."""
    cell_shift = object_bits + LOW_CELL_BITS
    object_mask = (1 << object_bits) - 1
    limit = out.shape[0]
    margin, depth = relative[0], int(relative[1])
    stack = np.empty((depth + 2, 4, 3))
    levels = np.empty(depth + 2, dtype=np.int64)
    row = first_row
    n = segment.size
    start = 0
    shift = _bucket_shift(n)
    while start < n:
        bucket = _bucket(segment[start] >> cell_shift, shift)
        end = start + 1
        while end < n and _bucket(segment[end] >> cell_shift, shift) == bucket:
            end += 1
        for i in range(start, end - 1):
            cell = segment[i] >> cell_shift
            flags_i = (segment[i] >> object_bits) & _ALL_LOW
            for j in range(i + 1, end):
                if (segment[j] >> cell_shift) != cell:
                    continue  # another cell in the same hash bucket
                # Ownership first (module docstring): this cell holds the corner
                # max(lo_a, lo_b) exactly when every axis has a lowest-cell flag.
                if (flags_i | ((segment[j] >> object_bits) & _ALL_LOW)) != _ALL_LOW:
                    continue
                a = segment[i] & object_mask
                b = segment[j] & object_mask
                if a > b:
                    a, b = b, a
                # 4-D overlap, all four axes combined without branching on each (about
                # half of the single-axis tests fail, which a predictor cannot guess).
                apart = (
                    (max(box[w, a, 0], box[w, b, 0]) > min(box[w, a, 3], box[w, b, 3]))
                    | (max(box[w, a, 1], box[w, b, 1]) > min(box[w, a, 4], box[w, b, 4]))
                    | (max(box[w, a, 2], box[w, b, 2]) > min(box[w, a, 5], box[w, b, 5]))
                    | (max(box[w, a, 6], box[w, b, 6]) > min(box[w, a, 7], box[w, b, 7]))
                )
                if apart:
                    continue
                if use_allowed and not (
                    (allowed[a, 0] and allowed[b, 1]) or (allowed[b, 0] and allowed[a, 1])
                ):
                    continue
                cutoff = pad[a] + pad[b] + margin
                if not _relative_may_reach(bezier, a, b, w, cutoff, depth, stack, levels):
                    continue
                if row < limit:
                    out[row, 0] = a
                    out[row, 1] = b
                    out[row, 2] = w
                row += 1
        start = end
    return row - first_row


@numba.njit(cache=True, nogil=True)
def _scan_large(
    box,
    valid,
    w,
    inv_cell,
    inv_radial,
    axis_bits,
    radial_bits,
    allowed,
    use_allowed,
    bezier,
    pad,
    relative,
    out,
    first_row,
):
    """Pairs of window w with a box too large for the grid, by testing it against every
    box (a pair of two large boxes once, from the lower index); written as _scan_window."""
    n_objects = valid.shape[1]
    axis_top = (1 << axis_bits) - 1
    radial_top = (1 << radial_bits) - 1
    limit = out.shape[0]
    margin, depth = relative[0], int(relative[1])
    stack = np.empty((depth + 2, 4, 3))
    levels = np.empty(depth + 2, dtype=np.int64)
    large = np.zeros(n_objects, dtype=np.bool_)
    any_large = False
    for o in range(n_objects):
        if valid[w, o]:
            x0, x1, y0, y1, z0, z1, q0, q1 = _box_cells(
                box, o, w, inv_cell, inv_radial, axis_top, radial_top
            )
            cells = (x1 - x0 + 1) * (y1 - y0 + 1) * (z1 - z0 + 1) * (q1 - q0 + 1)
            if cells > MAX_CELLS_PER_BOX:
                large[o] = True
                any_large = True
    row = first_row
    if not any_large:
        return 0
    for o in range(n_objects):
        if not large[o]:
            continue
        for p in range(n_objects):
            if p == o or not valid[w, p] or (large[p] and p < o):
                continue
            overlap = True
            for k in range(3):
                if max(box[w, o, k], box[w, p, k]) > min(box[w, o, 3 + k], box[w, p, 3 + k]):
                    overlap = False
            if max(box[w, o, 6], box[w, p, 6]) > min(box[w, o, 7], box[w, p, 7]):
                overlap = False
            if not overlap:
                continue
            a, b = min(o, p), max(o, p)
            if use_allowed and not (
                (allowed[a, 0] and allowed[b, 1]) or (allowed[b, 0] and allowed[a, 1])
            ):
                continue
            cutoff = pad[a] + pad[b] + margin
            if not _relative_may_reach(bezier, a, b, w, cutoff, depth, stack, levels):
                continue
            if row < limit:
                out[row, 0] = a
                out[row, 1] = b
                out[row, 2] = w
            row += 1
    return row - first_row


@numba.njit(cache=True, nogil=True, parallel=True)
def box_arrays(position, velocity, valid_nodes, step_s, pad, box, valid, bezier):
    """Fill padded boxes `box` (windows, objects, 8): lo x y z, hi x y z, r_lo, r_hi,
    `valid` (windows, objects) and the Bezier control points `bezier` (windows, objects,
    12: P0, P0 + V0 h/3, P1 - V1 h/3, P1, km); the caller allocates them (and may reuse
    them).

    Same bounds as `_broadphase.window_boxes` documents: the Bezier control points' box,
    the largest control-point radius, the smallest projection on the chord midpoint. The
    control points are stored window-major beside the boxes so the relative test of a pair
    reads one window's slab instead of two objects' rows of the (objects, nodes) samples
    (scattered reads were most of the broad phase's time).
    """
    n_objects, n_nodes = valid_nodes.shape
    n_windows = n_nodes - 1
    third = step_s / 3.0
    points = np.empty((4, 3))
    for o in prange(n_objects):
        points = np.empty((4, 3))
        for w in range(n_windows):
            valid[w, o] = valid_nodes[o, w] and valid_nodes[o, w + 1]
            mid_norm = 0.0
            for k in range(3):
                p0 = position[o, w, k]
                p1 = position[o, w + 1, k]
                points[0, k] = p0
                points[1, k] = p0 + velocity[o, w, k] * third
                points[2, k] = p1 - velocity[o, w + 1, k] * third
                points[3, k] = p1
                mid_norm += (p0 + p1) * (p0 + p1)
            for c in range(4):
                for k in range(3):
                    bezier[w, o, 3 * c + k] = points[c, k]
            mid_norm = np.sqrt(mid_norm)
            largest = 0.0
            smallest = np.inf
            for k in range(3):
                low = min(min(points[0, k], points[1, k]), min(points[2, k], points[3, k]))
                high = max(max(points[0, k], points[1, k]), max(points[2, k], points[3, k]))
                box[w, o, k] = low - pad[o]
                box[w, o, 3 + k] = high + pad[o]
            for c in range(4):
                squared = 0.0
                projection = 0.0
                for k in range(3):
                    squared += points[c, k] * points[c, k]
                    projection += points[c, k] * (position[o, w, k] + position[o, w + 1, k])
                largest = max(largest, squared)
                smallest = min(smallest, projection / mid_norm)
            box[w, o, 7] = np.sqrt(largest) + pad[o]
            box[w, o, 6] = smallest - pad[o]
    return box, valid, bezier


@numba.njit(cache=True, nogil=True)
def _relative_may_reach(bezier, a, b, w, cutoff_km, depth, stack, levels):
    """False when b - a's relative cubic over window w stays farther than cutoff_km from 0.

    The relative cubic Hermite has the Bezier control points R0, R0 + dV0 h/3,
    R1 - dV1 h/3, R1: the differences of the two objects' control points (`bezier`, as
    `box_arrays` writes them; the map from a cubic to its control points is linear), so
    it lies in their convex hull. The hull's axis-aligned box is tested, and halves of the
    curve (de Casteljau split) are tested in turn down to `depth` levels while a box is
    within the cutoff. Rounding of the differences (about 1e-12 km) is far inside the
    cutoff's margin over the narrow phase.
    """
    for c in range(4):
        for k in range(3):
            stack[0, c, k] = bezier[w, b, 3 * c + k] - bezier[w, a, 3 * c + k]
    levels[0] = 0
    top = 1
    cutoff_squared = cutoff_km * cutoff_km
    while top > 0:
        top -= 1
        squared = 0.0
        for k in range(3):
            low = min(
                min(stack[top, 0, k], stack[top, 1, k]), min(stack[top, 2, k], stack[top, 3, k])
            )
            high = max(
                max(stack[top, 0, k], stack[top, 1, k]), max(stack[top, 2, k], stack[top, 3, k])
            )
            if low > 0.0:
                squared += low * low
            elif high < 0.0:
                squared += high * high
        if squared > cutoff_squared:
            continue
        level = levels[top]
        if level >= depth:
            return True
        for k in range(3):
            p0, p1, p2, p3 = stack[top, 0, k], stack[top, 1, k], stack[top, 2, k], stack[top, 3, k]
            q1 = 0.5 * (p0 + p1)
            m = 0.5 * (p1 + p2)
            r2 = 0.5 * (p2 + p3)
            q2 = 0.5 * (q1 + m)
            r1 = 0.5 * (m + r2)
            q3 = 0.5 * (q2 + r1)
            stack[top, 1, k] = q1
            stack[top, 2, k] = q2
            stack[top, 3, k] = q3
            stack[top + 1, 0, k] = q3
            stack[top + 1, 1, k] = r1
            stack[top + 1, 2, k] = r2
            stack[top + 1, 3, k] = p3
        levels[top] = level + 1
        levels[top + 1] = level + 1
        top += 2
    return False
