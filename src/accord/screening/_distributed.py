"""Screening split into time pieces that run on Dask, merged into the single-process result.

The split is by **time**: the span's grid of steps is cut into contiguous pieces, each
screened over the whole catalog by `accord.conjunctions.screen_catalog`. Why time and not
blocks of the pair matrix: every object's boxes would be built once per block row and
column (G + 1 times the broad-phase work for G object groups), while time pieces share
nothing and cost one screening in total, plus two short margins per piece.

Exactness (docs/screening.md, "Jobs and scale-out"):

- Piece boundaries and margins are multiples of `ALIGN_STEPS` grid steps from the span's
  start, a multiple of the engine's coarsest sampling cadence (16 steps), so each piece
  samples every object at the same nodes as the whole-span run (up to the last bits of
  the float time) and so builds the same cubics, boxes and candidates on shared steps.
- Each piece screens its owned steps plus a margin of `ALIGN_STEPS` steps on each inner
  side, and keeps the conjunctions whose TCA falls in its owned interval [start, end) (the
  last piece also owns the span's end). The engine reports a spurious minimum at the edge
  of its span when the distance still falls there; those lie a margin away from the owned
  interval and are never kept. A TCA within float noise of a boundary may be kept by both
  neighbours: each piece keeps `BOUNDARY_SLACK_S` beyond its interval and duplicates
  (same pair, TCAs within `DUPLICATE_TCA_S`) keep the lower piece's copy.
- Edge approaches (a distance under the threshold at the span's start or end whose minimum
  lies outside the span) are those of the first piece at the span's start and of the last
  piece at the span's end; every piece also reports some at its own inner edges, which lie
  in a margin and are dropped.
- Co-location needs the whole span: a pair is co-located when its element sets are
  identical (any piece says so) or when every piece reports it co-located. A pair
  co-located in some pieces only (a vehicle that undocks) had its conjunctions dropped
  there, so it is screened again alone over the whole span, which is exactly the
  whole-catalog run restricted to that pair (every engine stage is per pair or per
  object).
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from accord.conjunctions import (
    CoLocation,
    Conjunction,
    PropagationFailure,
    ScreeningResult,
    ScreeningVolume,
    screen_catalog,
)
from accord.formats import ElementSet

__all__ = [
    "ALIGN_STEPS",
    "DaskScreeningError",
    "ScreeningPiece",
    "dask_client",
    "plan_pieces",
    "screen_catalog_distributed",
]

#: Piece boundaries and margins are multiples of this many grid steps: the engine's
#: coarsest sampling cadence (16 steps), so that coarse nodes fall on the same times.
ALIGN_STEPS = 16
#: A piece also keeps TCAs this far (s) beyond its owned interval (float noise at the
#: boundary); the duplicates this can make are removed.
BOUNDARY_SLACK_S = 1e-3
#: Conjunctions of one pair whose TCAs are this close (s) are one encounter (two local
#: minima of one pair are at least minutes apart).
DUPLICATE_TCA_S = 1.0


class DaskScreeningError(RuntimeError):
    """A distributed screening could not run: no cluster, or a piece failed on a worker."""


@dataclass(frozen=True, slots=True)
class ScreeningPiece:
    """One piece of the span: it owns grid steps [first_step, last_step) and screens a margin.

    `screen_first_step`..`screen_last_step` is what it screens (owned steps plus margins,
    within the span); steps of `step_s` seconds from the span's start.
    """

    index: int
    first_step: int
    last_step: int
    screen_first_step: int
    screen_last_step: int


def plan_pieces(step_count: int, piece_count: int) -> list[ScreeningPiece]:
    """Cut `step_count` grid steps into at most `piece_count` aligned pieces (see module)."""
    if step_count < 1 or piece_count < 1:
        raise ValueError(
            f"plan_pieces needs at least one step and one piece; got {step_count} steps, "
            f"{piece_count} pieces"
        )
    blocks = math.ceil(step_count / ALIGN_STEPS)
    count = min(piece_count, blocks)
    pieces = []
    for index in range(count):
        first = (index * blocks // count) * ALIGN_STEPS
        last = min(((index + 1) * blocks // count) * ALIGN_STEPS, step_count)
        pieces.append(
            ScreeningPiece(
                index=index,
                first_step=first,
                last_step=last,
                screen_first_step=max(0, first - ALIGN_STEPS),
                screen_last_step=min(step_count, last + ALIGN_STEPS),
            )
        )
    return pieces


def _screen_piece(
    element_sets: Sequence[ElementSet],
    start: datetime,
    duration: timedelta,
    threshold_km: float,
    volume: ScreeningVolume | None,
    step_s: float,
    threads: int | None,
) -> ScreeningResult:
    """Run on a worker: the engine over one piece (threads: per piece, None = engine's)."""
    if threads is not None:
        import numba

        # Worker processes share the machine; keep numba's pool to the piece's share.
        numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))  # type: ignore[attr-defined]
    return screen_catalog(
        element_sets,
        start=start,
        duration=duration,
        threshold_km=threshold_km,
        screening_volume=volume,
        step_s=step_s,
        threads=threads,
    )


def screen_catalog_distributed(
    element_sets: Sequence[ElementSet],
    *,
    client: Any,
    start: datetime,
    duration: timedelta = timedelta(days=7),
    threshold_km: float = 5.0,
    screening_volume: ScreeningVolume | None = None,
    step_s: float = 60.0,
    piece_count: int | None = None,
    threads_per_piece: int | None = 1,
    progress: Callable[[float], None] | None = None,
) -> ScreeningResult:
    """`screen_catalog` split into time pieces run on a Dask `client`; the same result.

    Same conjunctions (pair, TCA within 1 microsecond, miss within 1 mm: each is refined from
    the same samples), co-locations and failures as `screen_catalog` with the same
    arguments. `piece_count` defaults to the workers (each piece pays the set-up of
    its propagators, so fewer, larger pieces are cheaper); each piece
    runs with `threads_per_piece` threads. `candidate_count` and `stage_seconds` are sums
    over pieces (margins counted twice; seconds of worker time). `progress(fraction)` is
    called as pieces finish.
    """
    from distributed import as_completed

    if start.utcoffset() is None:
        raise ValueError(
            f"screening start {start.isoformat()} is naive; pass a timezone-aware UTC datetime"
        )
    duration_s = duration.total_seconds()
    if duration_s <= 0 or step_s <= 0 or threshold_km <= 0:
        raise ValueError(
            f"screening needs a positive duration, step_s and threshold_km; got {duration}, "
            f"{step_s}, {threshold_km}"
        )
    # The engine's own grid: n steps of duration / n, n = ceil(duration / step_s).
    step_count = max(1, math.ceil(duration_s / step_s - 1e-9))
    step = duration_s / step_count
    if piece_count is None:
        piece_count = max(1, len(client.scheduler_info(n_workers=-1)["workers"]))
    pieces = plan_pieces(step_count, piece_count)
    catalog = list(element_sets)
    # One object for the whole catalog, under a fresh key (content-hashed keys of an earlier
    # call may be being released while this one starts).
    (shared,) = client.scatter([catalog], broadcast=True, hash=False)
    futures = {}
    for piece in pieces:
        piece_steps = piece.screen_last_step - piece.screen_first_step
        piece_duration = timedelta(seconds=piece_steps * step)
        future = client.submit(
            _screen_piece,
            shared,
            start + timedelta(seconds=piece.screen_first_step * step),
            piece_duration,
            threshold_km,
            screening_volume,
            # The piece's own step from its (microsecond-rounded) duration, so that the
            # engine cuts it into exactly piece_steps steps.
            piece_duration.total_seconds() / piece_steps,
            threads_per_piece,
            pure=False,
        )
        futures[future] = piece
    results: dict[int, ScreeningResult] = {}
    try:
        for done, future in enumerate(as_completed(list(futures)), start=1):
            results[futures[future].index] = future.result()
            if progress is not None:
                progress(done / len(pieces))
    except Exception as error:
        for future in futures:
            future.cancel()
        raise DaskScreeningError(
            f"a screening piece failed on the Dask cluster ({type(error).__name__}: {error}); "
            "see the worker logs, or screen in one process without --workers/--scheduler"
        ) from error
    merged = _merge(
        [(piece, results[piece.index]) for piece in pieces],
        start=start,
        step=step,
        step_count=step_count,
    )
    partial = merged.partial_co_locations
    if partial:
        by_id = {es.norad_id: es for es in catalog}
        rescreens = [
            client.submit(
                _screen_piece,
                [by_id[primary], by_id[secondary]],
                start,
                duration,
                threshold_km,
                screening_volume,
                step_s,
                threads_per_piece,
                pure=False,
            )
            for primary, secondary in sorted(partial)
        ]
        conjunctions = [c for c in merged.conjunctions if (c[1], c[2]) not in partial]
        edge_approaches = [c for c in merged.edge_approaches if (c[1], c[2]) not in partial]
        co_locations = list(merged.co_locations)
        for rescreen in client.gather(rescreens):
            conjunctions.extend(
                (c.tca_offset_s, c.primary_norad_id, c.secondary_norad_id, c)
                for c in rescreen.conjunctions
            )
            edge_approaches.extend(
                (c.tca_offset_s, c.primary_norad_id, c.secondary_norad_id, c)
                for c in rescreen.edge_approaches
            )
            # The whole-span verdict: co-located, a formation, or conjunctions.
            co_locations.extend(rescreen.co_locations)
        co_locations.sort(key=lambda c: (c.primary_norad_id, c.secondary_norad_id))
        merged = dataclasses.replace(
            merged,
            conjunctions=conjunctions,
            co_locations=co_locations,
            edge_approaches=edge_approaches,
        )
    merged.conjunctions.sort(key=lambda item: item[:3])
    merged.edge_approaches.sort(key=lambda item: item[:3])
    stage_seconds: dict[str, float] = {}
    for result in results.values():
        for stage, seconds in result.stage_seconds.items():
            stage_seconds[stage] = round(stage_seconds.get(stage, 0.0) + seconds, 3)
    return ScreeningResult(
        start=start,
        end=start + duration,
        threshold_km=threshold_km,
        volume=screening_volume,
        step_s=step,
        conjunctions=[item[3] for item in merged.conjunctions],
        co_locations=merged.co_locations,
        failures=merged.failures,
        stage_seconds=stage_seconds,
        candidate_count=sum(result.candidate_count for result in results.values()),
        edge_approaches=[item[3] for item in merged.edge_approaches],
    )


@dataclass(frozen=True, slots=True)
class _Merged:
    #: (TCA offset from the span's start s, primary, secondary, conjunction)
    conjunctions: list[tuple[float, int, int, Conjunction]]
    co_locations: list[CoLocation]
    partial_co_locations: set[tuple[int, int]]
    failures: list[PropagationFailure]
    #: As `conjunctions`: the edge approaches at the span's start and end.
    edge_approaches: list[tuple[float, int, int, Conjunction]]


def _merge(
    pieces: Sequence[tuple[ScreeningPiece, ScreeningResult]],
    *,
    start: datetime,
    step: float,
    step_count: int,
) -> _Merged:
    """Merge the pieces' results in piece order (deterministic whatever order they finished)."""
    kept: list[tuple[float, int, int, Conjunction]] = []
    edges: list[tuple[float, int, int, Conjunction]] = []
    edge_seen: set[tuple[int, int, bool]] = set()
    span_end_s = step_count * step
    last_kept: dict[tuple[int, int], list[float]] = {}
    co_located: dict[tuple[int, int], tuple[bool, float, int]] = {}
    first_failure: dict[int, datetime] = {}
    for piece, result in pieces:
        offset_s = piece.screen_first_step * step
        owned_lo = piece.first_step * step - BOUNDARY_SLACK_S
        owned_hi = piece.last_step * step + BOUNDARY_SLACK_S
        is_last = piece.last_step == step_count
        for conjunction in result.conjunctions:
            tca_s = offset_s + conjunction.tca_offset_s
            if tca_s < owned_lo or (tca_s >= owned_hi and not is_last):
                continue
            pair = (conjunction.primary_norad_id, conjunction.secondary_norad_id)
            seen = last_kept.setdefault(pair, [])
            if any(abs(tca_s - other) < DUPLICATE_TCA_S for other in seen):
                continue
            seen.append(tca_s)
            kept.append(
                (
                    tca_s,
                    pair[0],
                    pair[1],
                    dataclasses.replace(
                        conjunction,
                        tca=start + timedelta(seconds=tca_s),
                        tca_offset_s=tca_s,
                    ),
                )
            )
        for approach in result.edge_approaches:
            tca_s = offset_s + approach.tca_offset_s
            # Only the span's own edges: a piece's inner edges lie in a margin. Short pieces
            # can share the span's start or end (a margin reaches it): keep one copy.
            at_end = tca_s >= span_end_s - BOUNDARY_SLACK_S
            if tca_s > BOUNDARY_SLACK_S and not at_end:
                continue
            edge_key = (approach.primary_norad_id, approach.secondary_norad_id, at_end)
            if edge_key in edge_seen:
                continue
            edge_seen.add(edge_key)
            edges.append(
                (
                    tca_s,
                    approach.primary_norad_id,
                    approach.secondary_norad_id,
                    dataclasses.replace(
                        approach, tca=start + timedelta(seconds=tca_s), tca_offset_s=tca_s
                    ),
                )
            )
        for co_location in result.co_locations:
            pair = (co_location.primary_norad_id, co_location.secondary_norad_id)
            identical, worst_km, count = co_located.get(pair, (False, 0.0, 0))
            co_located[pair] = (
                identical or co_location.identical_elements,
                max(worst_km, co_location.max_sampled_distance_km),
                count + 1,
            )
        for failure in result.failures:
            known = first_failure.get(failure.norad_id)
            if known is None or failure.first_failure < known:
                first_failure[failure.norad_id] = failure.first_failure
    # Only identical element sets are decided here; any other pair grouped in some piece
    # (docked, or a formation: close for a fraction of the span) is screened again alone
    # over the whole span, whose fraction and distances the pieces cannot give exactly.
    whole = {pair for pair, (identical, _, _) in co_located.items() if identical}
    return _Merged(
        conjunctions=[item for item in kept if (item[1], item[2]) not in whole],
        co_locations=[
            CoLocation(pair[0], pair[1], co_located[pair][0], co_located[pair][1])
            for pair in sorted(whole)
        ],
        partial_co_locations=set(co_located) - whole,
        edge_approaches=[item for item in edges if (item[1], item[2]) not in whole],
        failures=[
            PropagationFailure(norad_id, first_failure[norad_id])
            for norad_id in sorted(first_failure)
        ],
    )


@contextmanager
def dask_client(
    scheduler: str | None = None, *, workers: int | None = None, connect_timeout_s: float = 10.0
) -> Iterator[Any]:
    """A Dask client: on the cluster at `scheduler` (e.g. tcp://host:8786), else a local one.

    The local cluster has `workers` processes (default: the machine's cores) of one thread
    each; it is closed on exit. Raises DaskScreeningError when the scheduler does not
    answer within `connect_timeout_s`.
    """
    from distributed import Client, LocalCluster

    if scheduler is not None:
        try:
            client = Client(scheduler, timeout=connect_timeout_s)
        except OSError as error:
            raise DaskScreeningError(
                f"no Dask scheduler answers at {scheduler} ({error}); start one "
                "(dask scheduler) or leave out --scheduler / ACCORD_DASK_SCHEDULER"
            ) from error
        try:
            yield client
        finally:
            client.close()
        return
    n_workers = workers if workers is not None else (os.cpu_count() or 1)
    with (
        LocalCluster(
            n_workers=n_workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client
