"""Readers for the shared reference data the orbit tests check against.

- Vallado's SGP4 verification set (AIAA 2006-6753): SGP4-VER.TLE and the C++ code's output
  tcppver.out, parsed here directly (the format readers are tested elsewhere).
- The CelesTrak GP CSV catalog, read with the `csv` module into `ElementSet`s.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from math import pi
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from sgp4.api import Satrec

from accord.formats import ElementSet

_JD_1949_12_31 = 2_433_281.5
_SGP4_ORIGIN = datetime(1949, 12, 31, tzinfo=UTC)


@dataclass(frozen=True)
class VerificationCase:
    """One satellite of SGP4-VER.TLE with the rows tcppver.out prints for it."""

    line1: str
    line2: str
    #: Start, stop and step of the schedule, minutes since epoch (columns 70+ of line 2).
    start_min: float
    stop_min: float
    step_min: float
    #: (n_rows, 7): minutes since epoch, x y z (km), vx vy vz (km/s), TEME.
    expected: NDArray[np.float64]

    @property
    def norad_id(self) -> int:
        return int(Satrec.twoline2rv(self.line1, self.line2).satnum)


def element_set_from_tle(line1: str, line2: str) -> ElementSet:
    """An `ElementSet` carrying the TLE lines verbatim, its other fields read by python-sgp4."""
    satrec = Satrec.twoline2rv(line1, line2)
    epoch_days = (satrec.jdsatepoch - _JD_1949_12_31) + satrec.jdsatepochF
    return ElementSet(
        norad_id=int(satrec.satnum),
        epoch=_SGP4_ORIGIN + timedelta(days=epoch_days),
        mean_motion_rev_per_day=satrec.no_kozai * 720.0 / pi,
        eccentricity=satrec.ecco,
        inclination_deg=np.degrees(satrec.inclo),
        raan_deg=np.degrees(satrec.nodeo),
        arg_of_pericenter_deg=np.degrees(satrec.argpo),
        mean_anomaly_deg=np.degrees(satrec.mo),
        bstar_per_earth_radius=satrec.bstar,
        tle_line1=line1,
        tle_line2=line2,
    )


def read_verification_cases(tle_path: Path, expected_path: Path) -> list[VerificationCase]:
    """Pair each satellite of SGP4-VER.TLE with its block of tcppver.out, in file order."""
    tle_lines = [
        line.rstrip() for line in tle_path.read_text().splitlines() if line[:2] in ("1 ", "2 ")
    ]
    blocks: list[tuple[int, list[list[float]]]] = []
    for line in expected_path.read_text().splitlines():
        fields = line.split()
        if len(fields) == 2 and fields[1] == "xx":
            blocks.append((int(fields[0]), []))
        elif fields:
            blocks[-1][1].append([float(value) for value in fields[:7]])
    pairs = list(zip(tle_lines[0::2], tle_lines[1::2], strict=True))
    assert len(pairs) == len(blocks), "SGP4-VER.TLE and tcppver.out list different satellites"
    cases = []
    for (line1, line2), (number, rows) in zip(pairs, blocks, strict=True):
        start, stop, step = (float(value) for value in line2[69:].split())
        case = VerificationCase(
            line1=line1[:69],
            line2=line2[:69],
            start_min=start,
            stop_min=stop,
            step_min=step,
            expected=np.array(rows, dtype=np.float64),
        )
        assert case.norad_id == number, f"tcppver.out block {number} does not follow its TLE"
        cases.append(case)
    return cases


def _parse_celestrak_epoch(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def read_celestrak_csv(path: Path) -> list[ElementSet]:
    """Every row of a CelesTrak GP CSV (OMM field names) as an `ElementSet`."""
    with path.open(newline="") as stream:
        return [
            ElementSet(
                norad_id=int(row["NORAD_CAT_ID"]),
                epoch=_parse_celestrak_epoch(row["EPOCH"]),
                mean_motion_rev_per_day=float(row["MEAN_MOTION"]),
                eccentricity=float(row["ECCENTRICITY"]),
                inclination_deg=float(row["INCLINATION"]),
                raan_deg=float(row["RA_OF_ASC_NODE"]),
                arg_of_pericenter_deg=float(row["ARG_OF_PERICENTER"]),
                mean_anomaly_deg=float(row["MEAN_ANOMALY"]),
                bstar_per_earth_radius=float(row["BSTAR"]),
                mean_motion_dot_rev_per_day2=float(row["MEAN_MOTION_DOT"]),
                mean_motion_ddot_rev_per_day3=float(row["MEAN_MOTION_DDOT"]),
                object_name=row["OBJECT_NAME"],
                object_id=row["OBJECT_ID"],
                classification=row["CLASSIFICATION_TYPE"],
                ephemeris_type=int(row["EPHEMERIS_TYPE"]),
                element_set_no=int(row["ELEMENT_SET_NO"]),
                rev_at_epoch=int(row["REV_AT_EPOCH"]),
            )
            for row in csv.DictReader(stream)
        ]
