"""Batch SGP4/SDP4: many element sets at many UTC times, each object on the fastest correct engine.

Engines (docs/propagation.md has the measurements):

- heyoka's `sgp4_propagator` (JIT-compiled, SIMD, multithreaded through TBB) for near-Earth
  objects. It implements SGP4 only: given a deep-space element set it silently returns
  near-Earth results with error code 0, so deep-space objects must never reach it.
- python-sgp4's `SatrecArray` (Vallado's C++ SGP4/SDP4, single-threaded) for deep-space
  objects (period >= 225 min, python-sgp4's method 'd'), and for everything with
  `engine="python-sgp4"`, the reference path.

Both engines receive the same minutes since epoch, computed as python-sgp4 computes them:
`(jd - jd_epoch) * 1440 + (fraction - jd_epoch_fraction) * 1440`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from numpy.typing import NDArray
from sgp4.api import Satrec, SatrecArray

from accord.formats import ElementSet
from accord.orbits._satrec import satrec_from_element_set
from accord.orbits._states import Sgp4ErrorCode, TemeStates, _frozen_array
from accord.orbits._times import JulianDates, utc_julian_dates

if TYPE_CHECKING:
    import heyoka

__all__ = ["Sgp4Engine", "Sgp4Propagator", "TemeSamples"]

FloatArray = NDArray[np.float64]

#: "auto": heyoka for near-Earth objects, python-sgp4 for deep space (the default);
#: "python-sgp4": python-sgp4 for every object (the reference implementation).
Sgp4Engine = Literal["auto", "python-sgp4"]

_MINUTES_PER_DAY = 1440.0
#: heyoka writes (times, 7 outputs, satellites) float64 blocks; this bounds one block so that
#: the block stays in cache-friendly size while it is transposed into (objects, times, 3).
_HEYOKA_BLOCK_BYTES = 32 * 2**20
_HEYOKA_OUTPUTS = 7  # x, y, z (km), vx, vy, vz (km/s), error code

# heyoka's thread limit is process-wide (a TBB global_control); serialise changes to it.
_HEYOKA_THREADS_LOCK = threading.Lock()


@contextmanager
def _heyoka_threads(threads: int | None) -> Iterator[None]:
    """Limit heyoka (TBB) to `threads` worker threads for the duration of the block."""
    if threads is None:
        yield
        return
    import heyoka

    with _HEYOKA_THREADS_LOCK:
        previous = heyoka.get_nthreads()
        heyoka.set_nthreads(threads)
        try:
            yield
        finally:
            heyoka.set_nthreads(previous)


@dataclass(frozen=True)
class TemeSamples:
    """SGP4 states of each object at its own minutes since its own epoch, in TEME.

    - `norad_ids`: (n_objects,) int64.
    - `minutes_since_epoch`: (n_objects, n_samples) float64, minutes after each object's epoch.
    - `position_km`, `velocity_km_s`: (n_objects, n_samples, 3) float64, km and km/s, TEME.
    - `error_code`: (n_objects, n_samples) int8 `Sgp4ErrorCode`; states are NaN where it is
      not 0.
    """

    norad_ids: NDArray[np.int64]
    minutes_since_epoch: FloatArray
    position_km: FloatArray
    velocity_km_s: FloatArray
    error_code: NDArray[np.int8]
    frame: str = "TEME"

    def __post_init__(self) -> None:
        grid = np.shape(self.minutes_since_epoch)
        frozen = {
            "norad_ids": _frozen_array(self.norad_ids, np.int64, "norad_ids", grid[:1]),
            "minutes_since_epoch": _frozen_array(
                self.minutes_since_epoch, np.float64, "minutes_since_epoch", grid
            ),
            "position_km": _frozen_array(self.position_km, np.float64, "position_km", (*grid, 3)),
            "velocity_km_s": _frozen_array(
                self.velocity_km_s, np.float64, "velocity_km_s", (*grid, 3)
            ),
            "error_code": _frozen_array(self.error_code, np.int8, "error_code", grid),
        }
        for name, array in frozen.items():
            object.__setattr__(self, name, array)


def _index_or_slice(index: NDArray[np.int64]) -> slice | NDArray[np.int64]:
    """A slice when `index` is a contiguous run (cheap scatter), else the index itself."""
    if index.size and np.array_equal(index, np.arange(index[0], index[0] + index.size)):
        return slice(int(index[0]), int(index[0]) + index.size)
    return index


class Sgp4Propagator:
    """Propagate a fixed set of element sets with SGP4/SDP4 to UTC times, giving TEME states.

    Each element set becomes a python-sgp4 `Satrec` (`satrec_from_element_set`). With
    `engine="auto"` near-Earth objects (period < 225 min) go through heyoka's compiled SGP4,
    built once here (about 0.1 s to JIT-compile the first time in a process, 0.02 s when
    heyoka's compiled-code cache has it), and deep-space objects through python-sgp4's
    `SatrecArray`. `threads` caps heyoka's worker threads during `propagate` (None: all
    cores); python-sgp4 always runs on one thread.
    """

    def __init__(
        self,
        element_sets: Sequence[ElementSet],
        *,
        engine: Sgp4Engine = "auto",
        threads: int | None = None,
    ) -> None:
        if engine not in ("auto", "python-sgp4"):
            raise ValueError(f"engine must be 'auto' or 'python-sgp4', not {engine!r}")
        if threads is not None and threads < 1:
            raise ValueError(f"threads must be a positive count or None (all cores), not {threads}")
        self.engine: Sgp4Engine = engine
        self.threads = threads
        self._satrecs: list[Satrec] = [satrec_from_element_set(es) for es in element_sets]
        self.norad_ids: NDArray[np.int64] = np.array(
            [es.norad_id for es in element_sets], dtype=np.int64
        )
        self.norad_ids.setflags(write=False)
        deep_space = np.array([satrec.method == "d" for satrec in self._satrecs], dtype=bool)
        on_heyoka = ~deep_space if engine == "auto" else np.zeros_like(deep_space)
        #: (n_objects,) True where the object is propagated by heyoka.
        self.on_heyoka: NDArray[np.bool_] = on_heyoka
        self.on_heyoka.setflags(write=False)
        self._heyoka_index = np.flatnonzero(on_heyoka).astype(np.int64)
        self._sgp4_index = np.flatnonzero(~on_heyoka).astype(np.int64)
        self._heyoka: heyoka.model.sgp4_propagator_dbl | None = None
        if self._heyoka_index.size:
            import heyoka

            self._heyoka = heyoka.model.sgp4_propagator(
                [self._satrecs[i] for i in self._heyoka_index]
            )
        self._heyoka_epoch_whole = np.array(
            [self._satrecs[i].jdsatepoch for i in self._heyoka_index], dtype=np.float64
        )
        self._heyoka_epoch_fraction = np.array(
            [self._satrecs[i].jdsatepochF for i in self._heyoka_index], dtype=np.float64
        )
        self._sgp4_array = SatrecArray([self._satrecs[i] for i in self._sgp4_index])

    def __len__(self) -> int:
        return int(self.norad_ids.shape[0])

    def propagate(
        self, times: JulianDates | NDArray[np.datetime64] | Sequence[datetime]
    ) -> TemeStates:
        """States of every object at every time, TEME, km and km/s, shape (objects, times, 3).

        `times` are UTC: a `datetime64` array, timezone-aware datetimes, or `JulianDates`
        (two-part Julian dates, as python-sgp4's `jday` gives them).
        """
        dates = utc_julian_dates(times)
        n_times = len(dates)
        state, error_code = self._allocate(n_times)
        outputs = (state, error_code)
        if self._heyoka is not None:
            epoch_whole = self._heyoka_epoch_whole[np.newaxis, :]
            epoch_fraction = self._heyoka_epoch_fraction[np.newaxis, :]

            def minutes_block(start: int, stop: int, out: FloatArray) -> FloatArray:
                # The same two-part difference python-sgp4 uses, so that both engines see
                # identical minutes since epoch.
                np.subtract(dates.whole[start:stop, np.newaxis], epoch_whole, out=out)
                out *= _MINUTES_PER_DAY
                out += (dates.fraction[start:stop, np.newaxis] - epoch_fraction) * _MINUTES_PER_DAY
                return out

            self._run_heyoka(n_times, minutes_block, outputs)
        if self._sgp4_index.size:
            errors, positions, velocities = self._sgp4_array.sgp4(dates.whole, dates.fraction)
            self._mask_errors(errors, positions, velocities)
            rows = _index_or_slice(self._sgp4_index)
            state[rows, :, 0:3] = positions
            state[rows, :, 3:6] = velocities
            error_code[rows] = errors
        return TemeStates(
            norad_ids=self.norad_ids,
            times=dates.to_datetime64(),
            position_km=state[..., 0:3],
            velocity_km_s=state[..., 3:6],
            error_code=error_code,
        )

    def propagate_minutes_since_epoch(self, minutes_since_epoch: FloatArray) -> TemeSamples:
        """States of each object at its own times, given as minutes after its own epoch.

        `minutes_since_epoch` has shape (n_objects,) (one time per object) or
        (n_objects, n_samples); results have the same leading shape, TEME, km and km/s. This
        is the form of Vallado's verification output (tsince) and of per-object refinement.
        """
        minutes = np.asarray(minutes_since_epoch, dtype=np.float64)
        if minutes.ndim == 1:
            minutes = minutes[:, np.newaxis]
        if minutes.ndim != 2 or minutes.shape[0] != len(self):
            raise ValueError(
                f"minutes_since_epoch must have shape ({len(self)},) or ({len(self)}, n_samples), "
                f"one row per object in the propagator; got {np.shape(minutes_since_epoch)}"
            )
        if not np.isfinite(minutes).all():
            raise ValueError(
                "minutes_since_epoch holds NaN or infinite values; give finite minutes"
            )
        n_samples = minutes.shape[1]
        state, error_code = self._allocate(n_samples)
        outputs = (state, error_code)
        if self._heyoka is not None:
            heyoka_minutes = minutes[self._heyoka_index]

            def minutes_block(start: int, stop: int, out: FloatArray) -> FloatArray:
                out[...] = heyoka_minutes[:, start:stop].T
                return out

            self._run_heyoka(n_samples, minutes_block, outputs)
        for row in self._sgp4_index:
            satrec = self._satrecs[row]
            # Whole days and the remaining minutes go onto the epoch's two parts separately
            # (the remainder is exact), so that python-sgp4's own subtraction gives back the
            # minutes to ~1e-13 min; dividing all the minutes by 1440 first would lose ~1e-10
            # min over years, which near perigee moves the position by 0.1 m.
            whole_days = np.floor(minutes[row] / _MINUTES_PER_DAY)
            remainder_min = minutes[row] - whole_days * _MINUTES_PER_DAY
            errors, positions, velocities = satrec.sgp4_array(
                satrec.jdsatepoch + whole_days,
                satrec.jdsatepochF + remainder_min / _MINUTES_PER_DAY,
            )
            self._mask_errors(errors, positions, velocities)
            state[row, :, 0:3] = positions
            state[row, :, 3:6] = velocities
            error_code[row] = errors
        return TemeSamples(
            norad_ids=self.norad_ids,
            minutes_since_epoch=minutes,
            position_km=state[..., 0:3],
            velocity_km_s=state[..., 3:6],
            error_code=error_code,
        )

    def propagate_time_major(
        self,
        times: JulianDates | NDArray[np.datetime64] | Sequence[datetime],
        out: FloatArray | None = None,
    ) -> FloatArray:
        """States of every object at every UTC time in heyoka's own (times, 7, objects) layout.

        Rows 0-2: x, y, z (km, TEME); 3-5: vx, vy, vz (km/s); 6: the `Sgp4ErrorCode` as a
        float (states are NaN where it is not 0). The same numbers as `propagate`, without
        its transposing copy into (objects, times, 3): for callers (conjunction screening)
        that consume samples time by time or re-lay them out themselves. Heyoka objects
        are written by heyoka in place when the propagator holds no deep-space object.
        `out`, when given, is a C-contiguous float64 (times, 7, objects) array to fill and
        return (a caller reusing one buffer avoids fresh pages on every call).
        """
        dates = utc_julian_dates(times)
        n_times = len(dates)
        shape = (n_times, _HEYOKA_OUTPUTS, len(self))
        if out is None:
            result = np.empty(shape)
        elif out.shape != shape or out.dtype != np.float64 or not out.flags.c_contiguous:
            raise ValueError(
                f"out must be a C-contiguous float64 array of shape {shape} (times, 7, "
                f"objects); got {out.dtype} {out.shape}"
            )
        else:
            result = out
        if self._heyoka is not None:
            minutes = np.subtract(dates.whole[:, np.newaxis], self._heyoka_epoch_whole)
            minutes *= _MINUTES_PER_DAY
            minutes += (
                dates.fraction[:, np.newaxis] - self._heyoka_epoch_fraction
            ) * _MINUTES_PER_DAY
            only_heyoka = self._sgp4_index.size == 0
            target = (
                result if only_heyoka else np.empty((n_times, _HEYOKA_OUTPUTS, minutes.shape[1]))
            )
            with _heyoka_threads(self.threads):
                out = self._heyoka(minutes, out=target)
            failed = out[:, 6:7, :] != 0.0
            np.copyto(out[:, :6, :], np.nan, where=failed)
            if not only_heyoka:
                result[:, :, self._heyoka_index] = out
        if self._sgp4_index.size:
            errors, positions, velocities = self._sgp4_array.sgp4(dates.whole, dates.fraction)
            self._mask_errors(errors, positions, velocities)
            rows = _index_or_slice(self._sgp4_index)
            result[:, 0:3, rows] = positions.transpose(1, 2, 0)
            result[:, 3:6, rows] = velocities.transpose(1, 2, 0)
            result[:, 6, rows] = errors.T
        return result

    def _allocate(self, n_times: int) -> tuple[FloatArray, NDArray[np.int8]]:
        # Positions and velocities share one (objects, times, 6) array: filling it from
        # heyoka's (times, outputs, objects) blocks is one transposing copy instead of two,
        # which is a third of the Accord path's time; results expose the two halves as views.
        state = np.empty((len(self), n_times, 6))
        error_code = np.empty((len(self), n_times), dtype=np.int8)
        return state, error_code

    def _run_heyoka(
        self,
        n_times: int,
        minutes_block: Any,
        outputs: tuple[FloatArray, NDArray[np.int8]],
    ) -> None:
        """Propagate the heyoka objects block by block of times and scatter into `outputs`."""
        assert self._heyoka is not None
        state, error_code = outputs
        n_sats = self._heyoka_index.size
        block = max(1, min(n_times, _HEYOKA_BLOCK_BYTES // (8 * _HEYOKA_OUTPUTS * n_sats)))
        minutes = np.empty((block, n_sats))
        result = np.empty((block, _HEYOKA_OUTPUTS, n_sats))
        rows = _index_or_slice(self._heyoka_index)
        with _heyoka_threads(self.threads):
            for start in range(0, n_times, block):
                stop = min(n_times, start + block)
                count = stop - start
                out = self._heyoka(minutes_block(start, stop, minutes[:count]), out=result[:count])
                failed = out[:, 6:7, :] != 0.0
                # heyoka leaves finite numbers in failed samples; blank them.
                np.copyto(out[:, :6, :], np.nan, where=failed)
                state[rows, start:stop, :] = out[:, 0:6, :].transpose(2, 0, 1)
                error_code[rows, start:stop] = out[:, 6, :].T

    @staticmethod
    def _mask_errors(
        errors: NDArray[np.uint8], positions: FloatArray, velocities: FloatArray
    ) -> None:
        # python-sgp4 NaNs codes 1-5 itself but keeps the (meaningless) state for code 6.
        failed = (errors != Sgp4ErrorCode.OK)[..., np.newaxis]
        np.copyto(positions, np.nan, where=failed)
        np.copyto(velocities, np.nan, where=failed)
