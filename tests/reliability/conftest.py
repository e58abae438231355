"""Helpers for the reliability suite: a built copy of the mini project per test, a fingerprint of every
file in it (to prove that a refused input changed nothing on disk), and a CLI runner that returns the
exit code and the lines of each stream.

pytest imports this file as the module ``conftest`` as well (the tests folder has no ``__init__.py``),
so it re-exports the names of ``tests/conftest.py``: ``from conftest import make_project`` keeps working
in every test module, whichever of the two was imported last.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pytest
import tokutei_tests_conftest
from click.testing import CliRunner

from tokutei_kg.cli import main

# Every helper of tests/conftest.py (not its fixtures nor hooks: registered again here they would run twice),
# whatever it adds later, so that `from conftest import …` works whichever conftest was imported last.
globals().update({name: value for name, value in vars(tokutei_tests_conftest).items()
                  if not name.startswith(("_", "pytest_")) and not isinstance(value, pytest.FixtureDef)
                  and type(value).__name__ != "FixtureFunctionDefinition" and name not in globals()})

CLAIMS = "graph/curated/claims.csv"
ENTITIES = "graph/curated/entities.csv"
SOURCES = "graph/curated/sources.csv"
OBSERVATIONS = "graph/curated/observations.csv"
ONTOLOGY = "ontology/tokutei.ttl"
SHAPES = "ontology/shapes.ttl"


@pytest.fixture(scope="session")
def built_mini(built_mini_once: Path) -> Path:
    """The mini project, built once with every export (``graph/built``, ``exports/``): the session's
    ``built_mini_once`` of tests/conftest.py (read only; :func:`project` gives a test its own copy)."""
    return built_mini_once


@pytest.fixture
def project(built_mini: Path, tmp_path: Path) -> Path:
    """A private copy of the built mini project: a test may change anything in it."""
    root = tmp_path / "mini"
    shutil.copytree(built_mini, root, symlinks=True)
    return root


def fingerprint(root: Path) -> dict[str, str]:
    """SHA-256 of every file below ``root`` (relative path → digest); symlinks by their target."""
    prints: dict[str, str] = {}
    for path in sorted(root.rglob("*")):
        name = path.relative_to(root).as_posix()
        if path.is_symlink():
            prints[name] = "-> " + str(path.readlink())
        elif path.is_file():
            prints[name] = hashlib.sha256(path.read_bytes()).hexdigest()
    return prints


def assert_unchanged(before: dict[str, str], root: Path) -> None:
    after = fingerprint(root)
    changed = sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))
    assert not changed, f"files changed on disk: {changed}"


def edit(root: Path, name: str, old: str, new: str) -> None:
    """Replace the first ``old`` in ``root/name`` (UTF-8) with ``new``; ``old`` must be there."""
    path = root / name
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture changed: {old!r} not in {name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def append(root: Path, name: str, *rows: str) -> None:
    with (root / name).open("a", encoding="utf-8") as handle:
        handle.writelines(row + "\n" for row in rows)


@dataclass(frozen=True)
class Outcome:
    code: int
    out: list[str]
    err: list[str]


def run(root: Path, *args: str) -> Outcome:
    """``tokutei-kg --root ROOT ARGS…`` in-process; non-empty lines of stdout and stderr."""
    result = CliRunner().invoke(main, ["--root", str(root), *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return Outcome(result.exit_code, _lines(result.stdout), _lines(result.stderr))


def _lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line]


def refused(root: Path, args: Iterable[str], code: int = 2) -> list[str]:
    """Run a command that must be refused: exit ``code``, nothing on disk changed; its stderr lines."""
    before = fingerprint(root)
    outcome = run(root, *args)
    assert outcome.code == code, (outcome.code, outcome.out, outcome.err)
    assert "Traceback" not in "\n".join(outcome.err)
    assert_unchanged(before, root)
    return outcome.err
