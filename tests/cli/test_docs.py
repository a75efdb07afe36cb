"""docs/cli.md describes every command and option the CLI has, and no other."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import typer
from typer.core import TyperGroup, TyperOption

from accord.cli import app

DOCS = Path(__file__).resolve().parents[2] / "docs" / "cli.md"


def _commands(group: object, prefix: str) -> Iterator[tuple[str, object]]:
    if isinstance(group, TyperGroup):
        for name, command in group.commands.items():
            yield from _commands(command, f"{prefix} {name}")
    else:
        yield prefix, group


def _documented() -> dict[str, str]:
    text = DOCS.read_text(encoding="utf-8")
    sections = re.split(r"^### (accord[^\n]*)\n", text, flags=re.MULTILINE)
    return {sections[i].strip(): sections[i + 1] for i in range(1, len(sections), 2)}


def test_every_command_has_a_section_and_every_section_a_command() -> None:
    commands = dict(_commands(typer.main.get_command(app), "accord"))
    assert sorted(_documented()) == sorted(commands)


def test_every_option_of_a_command_is_documented_in_its_section() -> None:
    documented = _documented()
    missing = [
        f"{path} {option}"
        for path, command in _commands(typer.main.get_command(app), "accord")
        for parameter in getattr(command, "params")  # noqa: B009
        if isinstance(parameter, TyperOption) and "--help" not in parameter.opts
        for option in parameter.opts[:1]
        if option not in documented[path]
    ]
    assert missing == []
