"""Foster 2-D Pc throughput on one core: Accord's vectorised batch vs per-case baselines.

Workload: `N_BATCH` random encounters at TCA (LEO-like states, relative speeds 0.1-15 km/s,
misses 0-5 km, random SPD position covariances with sigmas 5 m-5 km per object, hard-body
radii 1-30 m), full path: states and two 3x3 inertial covariances in, Pc out. Figures:

- `foster_pc` on the whole batch (wall and process-CPU time; numpy's element-wise kernels
  are single-threaded, and CPU time shows any BLAS threading);
- baseline 1: the same function called once per encounter on `N_LOOP` cases;
- baseline 2: scipy.integrate.dblquad of the 2-D Gaussian over the disc, per case, on
  `N_DBLQUAD` cases, which also gives the batch's agreement with an independent integrator.

Run: `python -m benchmarks.collision_probability`; writes
benchmarks/results/collision_probability.json.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from scipy.integrate import dblquad

from accord.conjunctions import encounter_plane_projection, foster_pc
from benchmarks._common import write_result

N_BATCH = 1_000_000
N_LOOP = 2_000
N_DBLQUAD = 200
SEED = 508


def random_encounters(count: int, seed: int = SEED) -> dict[str, np.ndarray]:
    """Random but plausible encounters: km, km/s, m^2 covariances, metre radii."""
    rng = np.random.default_rng(seed)
    r1 = rng.normal(size=(count, 3))
    r1 *= (6778.0 + rng.uniform(0, 1500, count))[:, None] / np.linalg.norm(r1, axis=1)[:, None]
    v1 = np.cross(r1, rng.normal(size=(count, 3)))
    v1 *= 7.5 / np.linalg.norm(v1, axis=1)[:, None]
    relative_velocity = rng.normal(size=(count, 3))
    relative_velocity *= (
        rng.uniform(0.1, 15.0, count)[:, None] / np.linalg.norm(relative_velocity, axis=1)[:, None]
    )
    miss = rng.normal(size=(count, 3))
    miss -= (
        np.einsum("ij,ij->i", miss, relative_velocity)[:, None]
        * relative_velocity
        / (np.einsum("ij,ij->i", relative_velocity, relative_velocity)[:, None])
    )
    miss *= rng.uniform(0.0, 5.0, count)[:, None] / np.linalg.norm(miss, axis=1)[:, None]

    def covariance() -> np.ndarray:
        axes = np.linalg.qr(rng.normal(size=(count, 3, 3)))[0]
        sigmas = 10 ** rng.uniform(np.log10(5.0), np.log10(5000.0), (count, 3))
        return np.einsum("nij,nj,nkj->nik", axes, sigmas**2, axes)

    return {
        "r1": r1, "v1": v1, "c1": covariance(),
        "r2": r1 + miss, "v2": v1 + relative_velocity, "c2": covariance(),
        "hbr": rng.uniform(1.0, 30.0, count),
    }  # fmt: skip


def _batch(e: dict[str, np.ndarray], index: Any = slice(None)) -> np.ndarray:
    return foster_pc(
        e["r1"][index], e["v1"][index], e["c1"][index],
        e["r2"][index], e["v2"][index], e["c2"][index], e["hbr"][index],
    ).pc  # fmt: skip


def _dblquad_pc(miss_m: float, cov: np.ndarray, radius: float) -> float:
    inverse = np.linalg.inv(cov)
    norm = 1.0 / (2 * np.pi * np.sqrt(np.linalg.det(cov)))

    def density(y: float, x: float) -> float:
        d = np.array([x - miss_m, y])
        return float(norm * np.exp(-0.5 * d @ inverse @ d))

    value, _ = dblquad(
        density, -radius, radius,
        lambda x: -np.sqrt(radius * radius - x * x), lambda x: np.sqrt(radius * radius - x * x),
        epsabs=1e-13, epsrel=1e-10,
    )  # fmt: skip
    return float(value)


def run() -> dict[str, Any]:
    encounters = random_encounters(N_BATCH)
    _batch(encounters, slice(0, 10_000))  # warm-up

    wall, cpu = time.perf_counter(), time.process_time()
    pc = _batch(encounters)
    batch_wall, batch_cpu = time.perf_counter() - wall, time.process_time() - cpu

    wall = time.perf_counter()
    looped = np.array([_batch(encounters, slice(i, i + 1))[0] for i in range(N_LOOP)])
    loop_wall = time.perf_counter() - wall

    subset = slice(0, N_DBLQUAD)
    miss, cov = encounter_plane_projection(
        (encounters["r2"][subset] - encounters["r1"][subset]) * 1e3,
        (encounters["v2"][subset] - encounters["v1"][subset]) * 1e3,
        encounters["c1"][subset] + encounters["c2"][subset],
    )
    wall = time.perf_counter()
    reference = np.array(
        [_dblquad_pc(m, c, r) for m, c, r in zip(miss, cov, encounters["hbr"][subset], strict=True)]
    )
    dblquad_wall = time.perf_counter() - wall
    measurable = reference > 1e-12
    relative = np.abs(pc[subset][measurable] - reference[measurable]) / reference[measurable]

    payload = {
        "workload": {"encounters": N_BATCH, "seed": SEED, "path": "states + 3x3 inertial covs"},
        "accord_batch": {
            "wall_s": batch_wall,
            "cpu_s": batch_cpu,
            "pc_per_s_wall": N_BATCH / batch_wall,
            "pc_per_cpu_s": N_BATCH / batch_cpu,
        },
        "baseline_per_case_loop": {"cases": N_LOOP, "pc_per_s": N_LOOP / loop_wall},
        "baseline_scipy_dblquad": {"cases": N_DBLQUAD, "pc_per_s": N_DBLQUAD / dblquad_wall},
        "speedup_vs_loop": (N_BATCH / batch_wall) / (N_LOOP / loop_wall),
        "speedup_vs_dblquad": (N_BATCH / batch_wall) / (N_DBLQUAD / dblquad_wall),
        "loop_equals_batch": bool(np.allclose(looped, pc[:N_LOOP], rtol=1e-12, atol=0)),
        "vs_dblquad": {
            "cases_compared": int(measurable.sum()),
            "max_relative_difference": float(relative.max()) if relative.size else None,
            "median_relative_difference": float(np.median(relative)) if relative.size else None,
        },
        "pc_quantiles": {q: float(np.quantile(pc, float(q))) for q in ("0.5", "0.9", "0.99")},
    }
    write_result("collision_probability", payload)
    return payload


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))
