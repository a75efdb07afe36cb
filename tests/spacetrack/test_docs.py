"""docs/spacetrack.md stays true: its field lists, error table and Python example."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import accord.spacetrack
from accord.spacetrack import REQUEST_CLASSES

DOC = Path(__file__).resolve().parents[2] / "docs" / "spacetrack.md"
TEXT = DOC.read_text(encoding="utf-8")


@pytest.mark.parametrize("class_name", sorted(REQUEST_CLASSES))
def test_documented_fields_and_types_are_the_models(class_name: str) -> None:
    block = TEXT.split(f"<!-- fields:{class_name} -->", 1)[1].split("<!-- /fields -->", 1)[0]
    documented = re.findall(r"`(\w+)` `([^`]+)`", block)
    fields = REQUEST_CLASSES[class_name].fields
    assert documented == [(field.name, field.sql_type) for field in fields]


def test_documented_exceptions_exist_with_their_statuses() -> None:
    rows = re.findall(r"^\| `(\w+Error)` \| (\d{3}) \|", TEXT, flags=re.MULTILINE)
    assert len(rows) == 6
    for name, status in rows:
        assert getattr(accord.spacetrack, name).http_status == int(status)


def test_python_example_runs() -> None:
    (example,) = re.findall(r"```python\n(.*?)```", TEXT, flags=re.DOTALL)
    exec(compile(example, str(DOC), "exec"), {})
