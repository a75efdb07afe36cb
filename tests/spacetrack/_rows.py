"""Rows shared by the spacetrack tests: real-looking element sets made into gp rows."""

from __future__ import annotations

from datetime import UTC, date, datetime

from accord.formats import ElementSet, parse_tle, tle_checksum
from accord.spacetrack import gp_row

#: When the tests' queries run; `now-N` values are relative to it.
NOW = datetime(2024, 1, 10, 12, 0, tzinfo=UTC)
CREATED = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)


def _tle(name: str, line1: str, line2: str) -> ElementSet:
    line1 += str(tle_checksum(line1))
    line2 += str(tle_checksum(line2))
    return parse_tle(line1, line2, object_name=name)


ISS = _tle(
    "ISS (ZARYA)",
    "1 25544U 98067A   24001.50000000  .00016717  00000-0  30200-3 0  999",
    "2 25544  51.6416 247.4627 0006703 130.5360 325.0288 15.4981539943201",
)
HUBBLE = _tle(
    "HST",
    "1 20580U 90037B   24005.25000000  .00001234  00000-0  61234-4 0  999",
    "2 20580  28.4694 123.4567 0002345  88.1234 271.9876 15.1512345612345",
)
GOES = _tle(
    "GOES 16",
    "1 41866U 16071A   24009.75000000 -.00000251  00000-0  00000+0 0  999",
    "2 41866   0.0512  95.4321 0000987 250.1234  14.5678  1.0027123426789",
)
STARLINK = _tle(
    "STARLINK-1007",
    "1 44713U 19074A   23340.10000000  .00002000  00000-0  15000-3 0  999",
    "2 44713  53.0541 160.2345 0001456  90.1234 269.9876 15.0640123423456",
)
ELEMENT_SETS = (ISS, HUBBLE, GOES, STARLINK)


def catalog_rows() -> list[dict[str, object]]:
    """gp rows of the four element sets, with catalog metadata for filtering."""
    metadata = {
        25544: ("PAYLOAD", "LARGE", "ISS", date(1998, 11, 20)),
        20580: ("PAYLOAD", "LARGE", "US", date(1990, 4, 24)),
        41866: ("PAYLOAD", None, "US", date(2016, 11, 19)),
        44713: ("PAYLOAD", "LARGE", "US", date(2019, 11, 11)),
    }
    rows = []
    for gp_id, element_set in enumerate(ELEMENT_SETS, start=1):
        object_type, rcs_size, country, launch = metadata[element_set.norad_id]
        rows.append(
            gp_row(
                element_set,
                gp_id=gp_id,
                creation_date=CREATED,
                object_type=object_type,
                rcs_size=rcs_size,
                country_code=country,
                launch_date=launch,
            )
        )
    return rows
