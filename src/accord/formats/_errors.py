"""Errors raised when a file or record does not follow its format."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["FormatError", "RecordError"]


@dataclass(frozen=True, slots=True)
class RecordError:
    """What is wrong with one record, located precisely enough to fix it.

    `source` is the file name (or another name the caller gave the input), `record` the
    1-based record number within it, `line` the 1-based line number where one applies,
    `field` the field name in the format's own vocabulary (`ECCENTRICITY`, `line 2
    checksum`), and `expected` what a valid value looks like.
    """

    source: str
    record: int | None
    line: int | None
    field: str | None
    problem: str
    expected: str | None = None

    def __str__(self) -> str:
        where = [self.source]
        if self.record is not None:
            where.append(f"record {self.record}")
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.field is not None:
            where.append(f"field {self.field}")
        text = ", ".join(where) + f": {self.problem}"
        if self.expected:
            text += f"; expected {self.expected}"
        return text


class FormatError(ValueError):
    """A file, or records in it, do not follow the format; `errors` lists every problem."""

    def __init__(self, errors: list[RecordError]) -> None:
        if not errors:
            raise ValueError("FormatError needs at least one RecordError")
        self.errors = errors
        first = str(errors[0])
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        super().__init__(first + more)
