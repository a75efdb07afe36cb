"""`satrec_from_element_set`: the same satellite record python-sgp4's own readers build.

References: python-sgp4's `sgp4.omm.initialize` (OMM fields) and `Satrec.twoline2rv` (TLE);
nobody on this team wrote either.
"""

from __future__ import annotations

import csv
import dataclasses
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
from sgp4 import omm
from sgp4.api import Satrec

from accord.orbits import DEEP_SPACE_PERIOD_MIN, ElementSetError, satrec_from_element_set
from tests.orbits._reference import element_set_from_tle, read_celestrak_csv

CATALOG = "catalogs/celestrak_on_orbit_2024-11-01.csv"
#: Two computations of the epoch in days (ours sums whole days and the day fraction, python-sgp4
#: divides total seconds) may differ by float64 rounding of ~27,000 days: 1e-11 day = 1 us.
EPOCH_TOLERANCE_DAYS = 1e-11
#: Unit conversions written as different float64 products agree to a few ulp.
UNIT_RTOL = 1e-14

ISS_LINE1 = "1 25544U 98067A   24176.43130787  .00015944  00000+0  28697-3 0  9997"
ISS_LINE2 = "2 25544  51.6405  97.6018 0005068 185.9944 276.2257 15.50387286453432"


def test_omm_fields_give_python_sgp4s_record_for_the_whole_catalog(
    shared: Callable[[str], Path],
) -> None:
    path = shared(CATALOG)
    element_sets = read_celestrak_csv(path)
    with path.open(newline="") as stream:
        rows = list(csv.DictReader(stream))

    ours = [satrec_from_element_set(element_set) for element_set in element_sets]
    references = []
    for row in rows:
        reference = Satrec()
        omm.initialize(reference, row)
        references.append(reference)

    def column(satrecs: list[Satrec], name: str) -> np.ndarray:
        return np.array([getattr(satrec, name) for satrec in satrecs])

    epoch_difference_days = (column(ours, "jdsatepoch") - column(references, "jdsatepoch")) + (
        column(ours, "jdsatepochF") - column(references, "jdsatepochF")
    )
    assert np.abs(epoch_difference_days).max() < EPOCH_TOLERANCE_DAYS
    for name in ("no_kozai", "ecco", "inclo", "nodeo", "argpo", "mo", "bstar", "ndot", "nddot"):
        np.testing.assert_allclose(
            column(ours, name), column(references, name), rtol=UNIT_RTOL, atol=0, err_msg=name
        )
    for name in ("method", "satnum", "intldesg", "error"):
        assert column(ours, name).tolist() == column(references, name).tolist(), name


def test_tle_lines_are_parsed_verbatim_by_twoline2rv() -> None:
    element_set = element_set_from_tle(ISS_LINE1, ISS_LINE2)
    # Wrong mean elements beside the lines must not matter: the lines win.
    altered = dataclasses.replace(element_set, mean_motion_rev_per_day=1.0, eccentricity=0.5)

    ours = satrec_from_element_set(altered)
    reference = Satrec.twoline2rv(ISS_LINE1, ISS_LINE2)

    for minutes in (0.0, 90.0, 1440.0):
        assert ours.sgp4_tsince(minutes) == reference.sgp4_tsince(minutes)


def test_mean_elements_without_lines_reproduce_the_tle_to_a_millimetre() -> None:
    from_lines = element_set_from_tle(ISS_LINE1, ISS_LINE2)
    reference = Satrec.twoline2rv(ISS_LINE1, ISS_LINE2)
    without_lines = dataclasses.replace(
        from_lines,
        tle_line1=None,
        tle_line2=None,
        # TLE line 1 holds ndot/2 in rev/day^2: the ElementSet field carries it as printed.
        mean_motion_dot_rev_per_day2=0.00015944,
    )

    ours = satrec_from_element_set(without_lines)

    assert ours.ndot == pytest.approx(reference.ndot, rel=1e-12)
    for minutes in (0.0, 720.0, 2880.0):
        _, position_ours, _ = ours.sgp4_tsince(minutes)
        _, position_reference, _ = reference.sgp4_tsince(minutes)
        # The epoch goes through a datetime (microseconds): 1 us at 7.7 km/s is 8 mm.
        np.testing.assert_allclose(position_ours, position_reference, rtol=0, atol=1e-5)


def test_omm_only_catalog_numbers_propagate() -> None:
    # 9-digit numbers exist only in OMM; sgp4init refuses satnum > 339999, so the record is
    # labelled 0 while propagation is unchanged.
    element_set = dataclasses.replace(
        element_set_from_tle(ISS_LINE1, ISS_LINE2),
        norad_id=900_000_001,
        tle_line1=None,
        tle_line2=None,
    )

    satrec = satrec_from_element_set(element_set)

    assert satrec.satnum == 0
    error, position, _ = satrec.sgp4_tsince(60.0)
    assert error == 0 and np.isfinite(position).all()


def test_naive_epoch_is_refused_with_the_fix() -> None:
    element_set = dataclasses.replace(
        element_set_from_tle(ISS_LINE1, ISS_LINE2),
        epoch=datetime(2024, 6, 24, 10, 21),
        tle_line1=None,
        tle_line2=None,
    )

    with pytest.raises(ElementSetError, match="timezone-aware UTC"):
        satrec_from_element_set(element_set)


def test_deep_space_threshold_is_the_225_minute_period() -> None:
    # Mean motions just either side of 1440/225 = 6.4 rev/day (un-Kozai'd period decides).
    base = dataclasses.replace(
        element_set_from_tle(ISS_LINE1, ISS_LINE2),
        tle_line1=None,
        tle_line2=None,
        eccentricity=0.01,
    )
    revs_at_threshold = 1440.0 / DEEP_SPACE_PERIOD_MIN

    fast = satrec_from_element_set(
        dataclasses.replace(base, mean_motion_rev_per_day=revs_at_threshold + 0.05)
    )
    slow = satrec_from_element_set(
        dataclasses.replace(base, mean_motion_rev_per_day=revs_at_threshold - 0.05)
    )

    assert (fast.method, slow.method) == ("n", "d")
