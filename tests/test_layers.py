"""The package's architecture rules, checked on the code rather than trusted."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import pytest

import accord

SRC = Path(accord.__file__).resolve().parent

#: Pure computation and pure policy must not depend on the web framework, the database layer
#: or the edges.
PURE_PACKAGES = (
    "formats",
    "orbits",
    "conjunctions",
    "agreements",
    "coordination",
    "campaigns",
    "spacetrack",
)
FORBIDDEN_IN_PURE = (
    "fastapi",
    "starlette",
    "sqlalchemy",
    "alembic",
    "typer",
    "httpx",
    "accord.store",
    "accord.service",
    "accord.cli",
    "accord.catalog",
)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _modules_of(package: str) -> list[Path]:
    return sorted((SRC / package).rglob("*.py"))


@pytest.mark.parametrize("package", PURE_PACKAGES)
def test_pure_packages_import_no_framework_or_store(package: str) -> None:
    offenders = []
    for path in _modules_of(package):
        for name in _imports(path):
            if any(name == f or name.startswith(f + ".") for f in FORBIDDEN_IN_PURE):
                offenders.append(f"{path.relative_to(SRC)} imports {name}")
    assert offenders == []


def test_store_does_not_import_the_edges() -> None:
    offenders = [
        f"{path.relative_to(SRC)} imports {name}"
        for path in _modules_of("store")
        for name in _imports(path)
        if name.startswith(("accord.service", "accord.cli", "fastapi", "typer"))
    ]
    assert offenders == []


def _public_packages() -> list[str]:
    found = []
    for info in pkgutil.walk_packages([str(SRC)], prefix="accord."):
        leaf = info.name.rsplit(".", 1)[-1]
        if info.ispkg and not leaf.startswith("_") and "migrations" not in info.name:
            found.append(info.name)
    return found


@pytest.mark.parametrize("name", _public_packages())
def test_dunder_all_lists_exactly_the_public_names(name: str) -> None:
    """Every package that declares `__all__` exports real objects and nothing it omits."""
    module = importlib.import_module(name)
    exported = getattr(module, "__all__", [])
    missing = [n for n in exported if not hasattr(module, n)]
    assert missing == []
    assert len(set(exported)) == len(exported)
    public = {
        n
        for n, value in vars(module).items()
        if not n.startswith("_")
        and not isinstance(value, type(importlib))
        and getattr(value, "__module__", name).startswith("accord")
    }
    assert public - set(exported) == set(), "public names not listed in __all__"
