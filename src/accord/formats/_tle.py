"""Read two-line element sets (TLE) and three-line ones (3LE, with a name line).

Column layout: the NORAD/Space-Track TLE definition (as in Hoots & Roehrich, Spacetrack
Report No. 3, and Vallado et al. 2006, AIAA 2006-6753, appendix). Columns below are 1-based
as in those documents; the slices are 0-based. Checksums are modulo 10 over columns 1-68,
digits counting their value and '-' counting 1. Catalog numbers above 99999 use Alpha-5
(a letter for the leading two digits, I and O skipped).

Real catalogs carry quirks this reader accepts: catalog numbers padded with spaces or
zeros, a '+' in the sign columns, zero-padded angles, and blank international designators
on the "T-numbers" of objects not yet catalogued.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from accord.formats._elements import MAX_TLE_NORAD_ID, ElementSet
from accord.formats._errors import FormatError, RecordError
from accord.formats._reading import CatalogFormat, CatalogReading, ReadElementSet

__all__ = [
    "alpha5_to_norad_id",
    "norad_id_to_alpha5",
    "parse_tle",
    "read_tle",
    "tle_checksum",
]

# Alpha-5 letters: A=10 ... Z=33, skipping I and O (they read like 1 and 0).
_ALPHA5_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
_ALPHA5_VALUE = {letter: 10 + index for index, letter in enumerate(_ALPHA5_LETTERS)}
_TLE_LINE_LENGTH = 69
# Checksum weight of each byte: digits their value, '-' one, anything else zero.
_CHECKSUM_WEIGHTS = bytes(
    code - 48 if 48 <= code <= 57 else 1 if code == 45 else 0 for code in range(256)
)
_INFINITIES = (float("inf"), float("-inf"))
# Ephemeris types that SGP4 propagates: 0 (current practice) and the historic 1-3 that
# Space-Track still treats as SGP4. 4 is SGP4-XP, which needs a different propagator.
_SGP4_EPHEMERIS_TYPES = frozenset({0, 1, 2, 3})

#: A problem found in a TLE record: (1-based line within the record's TLE lines, or 0 for
#: the record as a whole; field; problem; expected).
_Problem = tuple[int, str, str, str]


def alpha5_to_norad_id(text: str) -> int:
    """Decode a TLE catalog number field: digits, or Alpha-5 'A0000'..'Z9999' (100000..339999).

    Leading and trailing spaces are ignored ('    5' is 5). Raise ValueError otherwise.
    """
    field = text.strip()
    if field.isascii() and field.isdigit() and len(field) <= 5:
        return int(field)
    if len(field) == 5 and field[0] in _ALPHA5_VALUE and field[1:].isascii():
        tail = field[1:]
        if tail.isdigit():
            return _ALPHA5_VALUE[field[0]] * 10_000 + int(tail)
    raise ValueError(
        f"{text!r} is not a TLE catalog number; expected up to five digits or Alpha-5 "
        "(a letter other than I or O followed by four digits, e.g. A0000)"
    )


def norad_id_to_alpha5(norad_id: int) -> str:
    """Encode a catalog number as the five TLE characters: zero-padded digits, or Alpha-5.

    Raise ValueError for ids above 339999 (Alpha-5 'Z9999'): only OMM can carry those.
    """
    if 0 <= norad_id <= 99_999:
        return f"{norad_id:05d}"
    if 100_000 <= norad_id <= MAX_TLE_NORAD_ID:
        return _ALPHA5_LETTERS[norad_id // 10_000 - 10] + f"{norad_id % 10_000:04d}"
    raise ValueError(
        f"catalog number {norad_id} does not fit a TLE (Alpha-5 ends at {MAX_TLE_NORAD_ID}); "
        "only OMM can carry this id, so write OMM (KVN, XML, GP CSV/JSON) instead"
    )


def tle_checksum(line: str) -> int:
    """The modulo-10 checksum of TLE columns 1-68: digits count their value, '-' counts 1."""
    # Map each byte to its checksum weight and let sum() add them in C: one pass, no loop.
    return sum(line[:68].encode("ascii", "replace").translate(_CHECKSUM_WEIGHTS)) % 10


def parse_tle(line1: str, line2: str, *, object_name: str | None = None) -> ElementSet:
    """Parse one TLE (two lines, without line terminators) into an element set.

    Raise FormatError listing every problem, each naming the line and field.
    """
    element_set, problems = _parse_lines(line1.rstrip(), line2.rstrip(), object_name)
    if element_set is None:
        raise FormatError(
            [
                RecordError("TLE", 1, line or None, field, problem, expected)
                for line, field, problem, expected in problems
            ]
        )
    return element_set


def read_tle(text: str, source: str) -> CatalogReading:
    """Read every TLE/3LE record from decoded text, reporting each bad one precisely.

    A record is an optional name line ('0 NAME' as Space-Track writes it, or a bare name as
    CelesTrak does) followed by lines 1 and 2. Blank lines between records are ignored;
    any other text is reported as a record of its own.
    """
    reading = CatalogReading(source=source, format=CatalogFormat.TLE)
    lines = [line.rstrip() for line in text.split("\n")]
    count = len(lines)
    index = 0
    record = 0
    while index < count:
        line = lines[index]
        if not line:
            index += 1
            continue
        record += 1
        first_line_number = index + 1
        name: str | None = None
        if not (line.startswith("1 ") or line.startswith("2 ")):
            following = lines[index + 1] if index + 1 < count else ""
            if not following.startswith("1 "):
                reading.errors.append(_structure_error(source, record, index + 1, line, following))
                index += 1
                continue
            name = (line[2:] if line.startswith("0 ") else line).strip() or None
            index += 1
            line = following
        if line.startswith("2 "):
            reading.errors.append(
                RecordError(
                    source,
                    record,
                    index + 1,
                    "line 1",
                    "TLE line 2 without a line 1 before it",
                    "line 1 (starting '1 ') immediately before line 2",
                )
            )
            index += 1
            continue
        line1_number = index + 1
        line2 = lines[index + 1] if index + 1 < count else ""
        if not line2.startswith("2 "):
            at_end = all(not rest for rest in lines[index + 1 :])
            problem = (
                "missing at the end of the input"
                if at_end
                else f"missing: line {index + 2} is {_preview(line2)}"
            )
            reading.errors.append(
                RecordError(
                    source,
                    record,
                    line1_number,
                    "line 2",
                    problem,
                    "TLE line 2 (starting '2 ') immediately after line 1",
                )
            )
            index += 1
            continue
        element_set, problems = _parse_lines(line, line2, name)
        if element_set is not None:
            reading.element_sets.append(ReadElementSet(record, first_line_number, element_set))
        else:
            for which, field, problem, expected in problems:
                at_line = line1_number + which - 1 if which else first_line_number
                reading.errors.append(
                    RecordError(source, record, at_line, field, problem, expected)
                )
        index += 2
    return reading


def _structure_error(
    source: str, record: int, line_number: int, line: str, following: str
) -> RecordError:
    if line.startswith("0 "):
        problem = f"name line {_preview(line)} is not followed by a TLE line 1"
        if following:
            problem += f" (line {line_number + 1} is {_preview(following)})"
        return RecordError(
            source,
            record,
            line_number,
            "line 1",
            problem,
            "TLE line 1 (starting '1 ') immediately after the name line",
        )
    return RecordError(
        source,
        record,
        line_number,
        "line 0",
        f"unexpected text {_preview(line)}: not a TLE line, and not a name because no "
        "TLE line 1 follows it",
        "a name line followed by TLE lines 1 and 2, or TLE lines 1 and 2",
    )


def _preview(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:37] + "...") if text else "blank"


def _parse_lines(
    line1: str, line2: str, object_name: str | None
) -> tuple[ElementSet | None, list[_Problem]]:
    """Parse lines 1 and 2 (trailing whitespace removed); collect every problem found."""
    problems: list[_Problem] = []
    ok1 = _check_line(line1, 1, problems)
    ok2 = _check_line(line2, 2, problems)
    fields1 = _parse_line1(line1, problems) if ok1 else None
    fields2 = _parse_line2(line2, problems) if ok2 else None
    if fields1 is None or fields2 is None or problems:
        return None, problems
    norad_id, classification, object_id, epoch, ndot, nddot, bstar, eph_type, set_no = fields1
    norad_id2, incl, raan, ecc, argp, mean_anomaly, mean_motion, rev = fields2
    if norad_id2 != norad_id:
        problems.append(
            (
                2,
                "line 2 catalog number",
                f"{line2[2:7]!r} differs from line 1's {line1[2:7]!r}",
                "the same catalog number on both lines (columns 3-7)",
            )
        )
        return None, problems
    element_set = ElementSet(
        norad_id=norad_id,
        epoch=epoch,
        mean_motion_rev_per_day=mean_motion,
        eccentricity=ecc,
        inclination_deg=incl,
        raan_deg=raan,
        arg_of_pericenter_deg=argp,
        mean_anomaly_deg=mean_anomaly,
        bstar_per_earth_radius=bstar,
        mean_motion_dot_rev_per_day2=ndot,
        mean_motion_ddot_rev_per_day3=nddot,
        object_name=object_name,
        object_id=object_id,
        classification=classification,
        ephemeris_type=eph_type,
        element_set_no=set_no,
        rev_at_epoch=rev,
        tle_line1=line1,
        tle_line2=line2,
    )
    return element_set, problems


def _check_line(line: str, which: int, problems: list[_Problem]) -> bool:
    """Check line number, length and checksum; False when the fields cannot be sliced."""
    if line[:2] != f"{which} ":
        problems.append(
            (
                which,
                f"line {which}",
                f"starts {line[:2]!r}",
                f"TLE line {which} starting with {which!r} and a space",
            )
        )
        return False
    if len(line) != _TLE_LINE_LENGTH:
        state = "truncated" if len(line) < _TLE_LINE_LENGTH else "too long"
        problems.append(
            (
                which,
                f"line {which}",
                f"{state}: {len(line)} columns",
                f"{_TLE_LINE_LENGTH} columns (68 of data and the checksum)",
            )
        )
        return False
    if not line.isascii():
        problems.append((which, f"line {which}", "contains non-ASCII characters", "ASCII text"))
        return False
    check = line[68]
    if not check.isdigit():
        problems.append(
            (which, f"line {which} checksum", f"{check!r} is not a digit", "a digit in column 69")
        )
    elif int(check) != tle_checksum(line):
        problems.append(
            (
                which,
                f"line {which} checksum",
                f"column 69 says {check} but columns 1-68 sum to {tle_checksum(line)} (mod 10)",
                f"{tle_checksum(line)}, or correct the corrupted columns",
            )
        )
    return True


def _parse_line1(
    line: str, problems: list[_Problem]
) -> tuple[int, str, str | None, datetime, float, float, float, int, int] | None:
    before = len(problems)
    norad_id = _catalog_number(line, 1, problems)
    classification = line[7]
    if classification not in "UCS":
        problems.append(
            (
                1,
                "line 1 classification",
                f"{classification!r} is not a classification",
                "U, C or S in column 8",
            )
        )
    object_id = _international_designator(line[9:17], problems)
    epoch = _epoch(line[18:20], line[20:32], problems)
    ndot = _float(line[33:43], 1, "first derivative of mean motion", "columns 34-43", problems)
    nddot = _implied_decimal(line[44:52], "second derivative of mean motion", "45-52", problems)
    bstar = _implied_decimal(line[53:61], "BSTAR", "54-61", problems)
    eph_text = line[62]
    ephemeris_type = 0 if eph_text == " " else (int(eph_text) if eph_text.isdigit() else -1)
    if ephemeris_type not in _SGP4_EPHEMERIS_TYPES:
        problems.append(
            (
                1,
                "line 1 ephemeris type",
                f"{eph_text!r} is not an SGP4 ephemeris type (4 is SGP4-XP, which Accord "
                "does not propagate)",
                "0 (or blank) in column 63",
            )
        )
    set_no = _integer(line[64:68], 1, "element set number", "columns 65-68", problems)
    if len(problems) > before:
        return None
    assert norad_id is not None and epoch is not None
    assert ndot is not None and nddot is not None and bstar is not None and set_no is not None
    return (
        norad_id,
        classification,
        object_id,
        epoch,
        ndot,
        nddot,
        bstar,
        ephemeris_type,
        set_no,
    )


def _parse_line2(
    line: str, problems: list[_Problem]
) -> tuple[int, float, float, float, float, float, float, int] | None:
    before = len(problems)
    norad_id = _catalog_number(line, 2, problems)
    inclination = _angle(line[8:16], "inclination", "9-16", 180.0, True, problems)
    raan = _angle(line[17:25], "right ascension of ascending node", "18-25", 360.0, False, problems)
    ecc_text = line[26:33]
    eccentricity: float | None = None
    if ecc_text.isdigit():
        eccentricity = int(ecc_text) / 1e7
    else:
        problems.append(
            (
                2,
                "line 2 eccentricity",
                f"{ecc_text!r} is not an eccentricity",
                "seven digits with an assumed leading decimal point (0 <= e < 1), columns 27-33",
            )
        )
    argp = _angle(line[34:42], "argument of perigee", "35-42", 360.0, False, problems)
    mean_anomaly = _angle(line[43:51], "mean anomaly", "44-51", 360.0, False, problems)
    mean_motion = _float(line[52:63], 2, "mean motion", "columns 53-63", problems)
    if mean_motion is not None and not mean_motion > 0.0:
        problems.append(
            (
                2,
                "line 2 mean motion",
                f"{mean_motion} rev/day is not positive",
                "a mean motion > 0 rev/day, columns 53-63",
            )
        )
    rev = _integer(line[63:68], 2, "revolution number at epoch", "columns 64-68", problems)
    if len(problems) > before:
        return None
    assert norad_id is not None and inclination is not None and raan is not None
    assert eccentricity is not None and argp is not None and mean_anomaly is not None
    assert mean_motion is not None and rev is not None
    return norad_id, inclination, raan, eccentricity, argp, mean_anomaly, mean_motion, rev


def _catalog_number(line: str, which: int, problems: list[_Problem]) -> int | None:
    try:
        norad_id = alpha5_to_norad_id(line[2:7])
    except ValueError:
        norad_id = 0
    if norad_id:
        return norad_id
    problems.append(
        (
            which,
            f"line {which} catalog number",
            f"{line[2:7]!r} is not a catalog number",
            "1 to 99999, or Alpha-5 such as A0000 (100000), in columns 3-7",
        )
    )
    return None


def _international_designator(text: str, problems: list[_Problem]) -> str | None:
    """'98067A  ' -> '1998-067A'; blank -> None (objects not yet catalogued)."""
    if not text.strip():
        return None
    year, launch, piece = text[0:2], text[2:5], text[5:8].strip()
    if year.isdigit() and launch.isdigit() and (not piece or piece.isalpha()):
        century = "19" if int(year) >= 57 else "20"
        return f"{century}{year}-{launch}{piece}"
    problems.append(
        (
            1,
            "line 1 international designator",
            f"{text!r} is not an international designator",
            "YYNNNPPP (launch year, launch number, piece letters) such as 98067A, "
            "or blank, in columns 10-17",
        )
    )
    return None


def _epoch(year_text: str, day_text: str, problems: list[_Problem]) -> datetime | None:
    """TLE epoch: two-digit year (57-99 -> 19xx, 00-56 -> 20xx) and day of year with fraction."""
    whole, dot, fraction = day_text.strip().partition(".")
    if not (year_text.isdigit() and whole.isdigit() and (not fraction or fraction.isdigit())):
        problems.append(
            (
                1,
                "line 1 epoch",
                f"{year_text + day_text!r} is not a TLE epoch",
                "YYDDD.DDDDDDDD (two-digit year, day of year and fraction), columns 19-32",
            )
        )
        return None
    two_digit_year = int(year_text)
    year = 1900 + two_digit_year if two_digit_year >= 57 else 2000 + two_digit_year
    day = int(whole)
    days_in_year = 366 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 365
    if not 1 <= day <= days_in_year:
        problems.append(
            (
                1,
                "line 1 epoch day",
                f"day {day} is outside year {year}",
                f"a day of year from 1 to {days_in_year}, columns 21-23",
            )
        )
        return None
    # Integer arithmetic from the digits (rounding half up) keeps the epoch exact to 1 us.
    digits = len(fraction)
    microseconds = 0
    if digits:
        microseconds = (int(fraction) * 172_800_000_000 + 10**digits) // (2 * 10**digits)
    return datetime(year, 1, 1, tzinfo=UTC) + timedelta(days=day - 1, microseconds=microseconds)


def _float(
    text: str, which: int, field: str, columns: str, problems: list[_Problem]
) -> float | None:
    try:
        value = float(text)
    except ValueError:
        value = None
    if value is None or value != value or "_" in text or value in _INFINITIES:
        problems.append(
            (which, f"line {which} {field}", f"{text!r} is not a number", f"a decimal in {columns}")
        )
        return None
    return value


def _angle(
    text: str,
    field: str,
    columns: str,
    limit: float,
    inclusive: bool,
    problems: list[_Problem],
) -> float | None:
    value = _float(text, 2, field, f"columns {columns}", problems)
    if value is None:
        return None
    if 0.0 <= value < limit or (inclusive and value == limit):
        return value
    bracket = "]" if inclusive else ")"
    problems.append(
        (
            2,
            f"line 2 {field}",
            f"{value} deg is out of range",
            f"degrees in [0, {limit:g}{bracket}, columns {columns}",
        )
    )
    return None


def _implied_decimal(text: str, field: str, columns: str, problems: list[_Problem]) -> float | None:
    """Decode the TLE exponent notation ' 12345-4' = 0.12345e-4 (sign, mantissa, exponent)."""
    body = text.strip()
    if not body:
        return 0.0
    mantissa, exponent = body[:-2], body[-2:]
    sign = ""
    if mantissa[:1] in ("-", "+"):
        sign, mantissa = mantissa[0], mantissa[1:]
    if mantissa.isdigit() and exponent[0] in "+-" and exponent[1].isdigit() and len(mantissa) <= 5:
        return float(f"{sign}0.{mantissa}e{exponent}")
    problems.append(
        (
            1,
            f"line 1 {field}",
            f"{text!r} is not in TLE exponent notation",
            f"sign, five digits with an assumed leading decimal point and a signed exponent "
            f"digit, such as ' 11479-3' for 0.11479e-3, columns {columns}",
        )
    )
    return None


def _integer(
    text: str, which: int, field: str, columns: str, problems: list[_Problem]
) -> int | None:
    body = text.strip()
    if not body:
        return 0
    if body.isdigit():
        return int(body)
    problems.append(
        (
            which,
            f"line {which} {field}",
            f"{text!r} is not a whole number",
            f"digits (or blank) in {columns}",
        )
    )
    return None
