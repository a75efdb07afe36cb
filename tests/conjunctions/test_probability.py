"""Foster 2-D Pc against NASA CARA's Alfano (2009) values, Monte Carlo, limits and errors."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from scipy.integrate import quad
from scipy.special import erf
from scipy.stats import norm

from accord.conjunctions import (
    CovarianceError,
    EncounterGeometryError,
    cdm_hard_body_radius_m,
    cdm_pc,
    encounter_plane_projection,
    foster_pc,
    pc_in_encounter_plane,
)
from accord.conjunctions._circle import gaussian_mass_in_circle
from accord.formats import read_cdm

#: CARA's own tolerance on these expected values (PcCircle_UnitTest.m, Pc2D_Foster_UnitTest.m).
ALFANO_RELATIVE_TOLERANCE = 1e-3
Shared = Callable[[str], Path]


def _expected(shared: Shared) -> dict[int, tuple[float, float]]:
    path = shared("cdm/nasa-cara/alfano_expected_pc.csv")
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    return {
        int(row["case"].removeprefix("Alfano")): (float(row["HBR_m"]), float(row["Pc2D_expected"]))
        for row in rows
    }


def load_alfano_case_at_tca(path: Path) -> tuple[np.ndarray, ...]:
    """States (m, m/s) and 6x6 ECI covariances of one Alfano case CSV, in file order."""
    numbers: list[list[float]] = []
    with path.open(newline="") as handle:
        for row in csv.reader(handle):
            try:
                values = [float(cell) for cell in row if cell.strip()]
            except ValueError:
                continue
            if values:
                numbers.append(values)
    r1, v1, c1 = np.array(numbers[0]), np.array(numbers[1]), np.array(numbers[2:8])
    r2, v2, c2 = np.array(numbers[8]), np.array(numbers[9]), np.array(numbers[10:16])
    return r1, v1, c1, r2, v2, c2


@pytest.mark.parametrize("case", range(1, 12))
def test_alfano_2009_cases_from_eci_states_match_cara(shared: Shared, case: int) -> None:
    hbr_m, expected = _expected(shared)[case]
    path = shared(f"cdm/nasa-cara/Alfano_2009_Test_Cases/Case{case}_data_at_TCA.csv")
    r1, v1, c1, r2, v2, c2 = load_alfano_case_at_tca(path)
    result = foster_pc(r1 / 1e3, v1 / 1e3, c1, r2 / 1e3, v2 / 1e3, c2, hbr_m)
    assert result.pc[0] == pytest.approx(expected, rel=ALFANO_RELATIVE_TOLERANCE)
    assert result.method == "FOSTER-1992"
    assert not result.remediated[0]


@pytest.mark.parametrize("case", range(1, 12))
def test_alfano_2009_cases_from_cara_sample_cdms_match_cara(shared: Shared, case: int) -> None:
    _, expected = _expected(shared)[case]
    path = shared(f"cdm/nasa-cara/SampleCDMs/AlfanoTestCase{case:02d}.cdm")
    cdm = read_cdm(path.read_bytes(), source=path.name)
    assert cdm_hard_body_radius_m(cdm) == _expected(shared)[case][0]
    assert cdm_pc(cdm).pc[0] == pytest.approx(expected, rel=ALFANO_RELATIVE_TOLERANCE)


def test_alfano_case_12_has_no_encounter_plane(shared: Shared) -> None:
    # CARA's expected 2-D Pc is NaN: the objects are co-moving (zero relative velocity).
    path = shared("cdm/nasa-cara/Alfano_2009_Test_Cases/Case12_data_at_TCA.csv")
    r1, v1, c1, r2, v2, c2 = load_alfano_case_at_tca(path)
    with pytest.raises(EncounterGeometryError, match="relative velocity is zero"):
        foster_pc(r1 / 1e3, v1 / 1e3, c1, r2 / 1e3, v2 / 1e3, c2, 4.0)


def test_ccsds_508_example_states_its_pc_but_its_data_do_not_determine_it(
    shared: Shared,
) -> None:
    # The Blue Book example gives Pc 4.835E-05 (FOSTER-1992) but no hard-body radius, and
    # its relative vector is only roughly consistent with its states. Foster's Pc from its
    # own states and covariances reaches 4.835E-05 at an HBR of about 54.6 m; we pin that.
    path = shared("cdm/ccsds508_example_section4.kvn")
    cdm = read_cdm(path.read_bytes(), source=path.name)
    assert cdm.relative.collision_probability == 4.835e-05
    assert cdm.relative.collision_probability_method == "FOSTER-1992"
    assert cdm_hard_body_radius_m(cdm) is None
    with pytest.raises(ValueError, match="no hard-body radius"):
        cdm_pc(cdm)
    assert cdm_pc(cdm, 54.584).pc[0] == pytest.approx(4.835e-05, rel=1e-3)
    assert cdm_pc(cdm, 20.0).pc[0] == pytest.approx(4.7428e-07, rel=1e-3)


def _example_encounter() -> tuple[np.ndarray, ...]:
    r1 = np.array([7000.0, 0.0, 0.0])
    v1 = np.array([0.0, 7.5, 0.0])
    r2 = r1 + np.array([0.05, 0.02, 0.1])
    v2 = np.array([0.0, 0.0, 7.5])
    c1 = np.diag([100.0, 2500.0, 400.0])
    c2 = np.array([[900.0, 50.0, 0.0], [50.0, 400.0, 30.0], [0.0, 30.0, 1600.0]])
    return r1, v1, c1, r2, v2, c2


def test_swapping_primary_and_secondary_gives_the_same_pc() -> None:
    r1, v1, c1, r2, v2, c2 = _example_encounter()
    forward = foster_pc(r1, v1, c1, r2, v2, c2, 20.0).pc[0]
    backward = foster_pc(r2, v2, c2, r1, v1, c1, 20.0).pc[0]
    assert forward == pytest.approx(backward, rel=1e-12)
    assert 1e-4 < forward < 1.0


def test_pc_vanishes_with_the_radius_and_saturates_for_a_huge_one() -> None:
    r1, v1, c1, r2, v2, c2 = _example_encounter()
    radii = np.array([0.0, 1e-6, 1e6])
    batch = foster_pc(
        np.tile(r1, (3, 1)), np.tile(v1, (3, 1)), c1, np.tile(r2, (3, 1)), v2, c2, radii
    )
    assert batch.pc[0] == 0.0
    assert 0.0 < batch.pc[1] < 1e-12
    assert batch.pc[2] == pytest.approx(1.0, abs=1e-12)


def test_pc_agrees_with_monte_carlo_on_alfano_case_1(shared: Shared) -> None:
    hbr_m, _ = _expected(shared)[1]
    path = shared("cdm/nasa-cara/Alfano_2009_Test_Cases/Case1_data_at_TCA.csv")
    r1, v1, c1, r2, v2, c2 = load_alfano_case_at_tca(path)
    samples = 100_000
    rng = np.random.default_rng(20090101)
    offsets = rng.multivariate_normal(r2 - r1, c1[:3, :3] + c2[:3, :3], size=samples)
    # A short encounter: a hit is a sample whose track passes within HBR, i.e. whose
    # distance from the relative velocity line is below HBR.
    direction = (v2 - v1) / np.linalg.norm(v2 - v1)
    across = offsets - np.outer(offsets @ direction, direction)
    hits = np.count_nonzero(np.linalg.norm(across, axis=1) < hbr_m)
    estimate = hits / samples
    pc = foster_pc(r1 / 1e3, v1 / 1e3, c1, r2 / 1e3, v2 / 1e3, c2, hbr_m).pc[0]
    standard_error = np.sqrt(pc * (1 - pc) / samples)
    assert abs(estimate - pc) < 5 * standard_error


def _reference_mass(mu: float, mv: float, sa: float, sb: float, radius: float) -> float:
    """Independent check: adaptive quadrature of the chord integral along the major axis."""

    def along(u: float) -> float:
        h = np.sqrt(max(radius * radius - u * u, 0.0))
        inside = 0.5 * (erf((h - mv) / (np.sqrt(2) * sb)) + erf((h + mv) / (np.sqrt(2) * sb)))
        return float(norm.pdf(u, mu, sa) * inside)

    value, _ = quad(along, -radius, radius, points=[mu], limit=500, epsrel=1e-12, epsabs=0)
    return float(value)


@pytest.mark.parametrize(
    ("mu", "mv", "sa", "sb", "radius"),
    [
        (10.0, 3.0, 50.0, 20.0, 5.0),  # small HBR, broad covariance
        (1000.0, 10.0, 300.0, 3.0, 15.0),  # thin ellipse, far miss
        (2.0, 0.5, 1.0, 0.8, 40.0),  # HBR much larger than sigma
        (7.6, 3.9, 4.9, 0.0102, 10.3),  # aspect ratio ~500, miss near the rim
    ],
)
def test_circle_integral_matches_adaptive_quadrature(
    mu: float, mv: float, sa: float, sb: float, radius: float
) -> None:
    got = gaussian_mass_in_circle(*(np.array([x]) for x in (mu, mv, sa, sb, radius)))[0]
    assert got == pytest.approx(_reference_mass(mu, mv, sa, sb, radius), rel=1e-6)


def test_non_positive_definite_projection_is_clipped_and_flagged() -> None:
    singular = np.array([[[100.0, 0.0], [0.0, 0.0]]])
    result = pc_in_encounter_plane(np.array([5.0]), singular, 10.0)
    assert result.remediated[0]
    assert np.isfinite(result.pc[0]) and 0.0 < result.pc[0] < 1.0
    assert result.sigma_minor_m[0] == pytest.approx(1e-4 * 10.0)


def test_raise_mode_names_the_object_with_the_bad_covariance() -> None:
    r1, v1, c1, r2, v2, _ = _example_encounter()
    indefinite = np.diag([100.0, -50.0, 100.0])
    with pytest.raises(CovarianceError, match="secondary covariance at batch index 0"):
        foster_pc(r1, v1, c1, r2, v2, indefinite, 10.0, remediation="raise")


def test_nan_covariance_is_an_error_never_a_nan_pc() -> None:
    r1, v1, c1, r2, v2, c2 = _example_encounter()
    c1 = c1.copy()
    c1[0, 0] = np.nan
    with pytest.raises(CovarianceError, match="primary covariance.*NaN"):
        foster_pc(r1, v1, c1, r2, v2, c2, 10.0)


def test_encounter_plane_keeps_the_miss_distance() -> None:
    r = np.array([[30.0, 40.0, 0.0]])
    v = np.array([[0.0, 0.0, 7000.0]])
    miss, cov = encounter_plane_projection(r, v, np.eye(3)[None] * 4.0)
    assert miss[0] == pytest.approx(50.0)
    assert np.allclose(cov[0], 4.0 * np.eye(2))
