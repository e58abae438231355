"""Competency questions as data (STYLE.md §9): every named query of ``sparql/cq`` and ``sparql/reports``
answers the mini fixture exactly as ``tests/cq/manifest.csv`` says.

Each manifest row names a query, its bindings (``k=v;k=v``, bound through the engine as ``--bind`` does),
the expected SPARQL TSV result under ``tests/cq/expected/`` and whether row order matters; rows are
otherwise compared as a multiset. Expected files were written by ``tokutei-kg query NAME --format tsv``
on the fixture and then checked by hand against the fixture's CSV rows.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import pytest

from conftest import REPO
from tokutei_kg.header import QUESTION_FIELDS, parse_header
from tokutei_kg.query import parse_binding, render, resolve, run
from tokutei_kg.store import open_store

CQ = REPO / "tests" / "cq"
EXPECTED = CQ / "expected"
LIBRARY = [path for folder in ("cq", "reports") for path in sorted((REPO / "sparql" / folder).glob("*.rq"))]


@dataclass(frozen=True)
class Case:
    query: str
    bindings: tuple[str, ...]
    expected: str
    ordered: bool

    @property
    def id(self) -> str:
        return self.expected.removesuffix(".tsv")


def manifest() -> list[Case]:
    with (CQ / "manifest.csv").open(encoding="utf-8", newline="") as handle:
        return [
            Case(row["query"], tuple(b for b in row["bindings"].split(";") if b), row["expected"],
                 {"yes": True, "no": False}[row["ordered"]])
            for row in csv.DictReader(handle)
        ]


@pytest.fixture(scope="module")
def fixture_project(built_mini_once: Path) -> tuple[Path, ox.Store]:
    """The mini fixture (built once per session; only read here) and its dataset in Oxigraph."""
    return built_mini_once, open_store(built_mini_once / "graph" / "built" / "tokutei.nq")


def answer(project: tuple[Path, ox.Store], name: str, bindings: tuple[str, ...] = ()) -> list[str]:
    root, store = project
    query = resolve(name, root / "sparql")
    bound = dict(parse_binding(text, store) for text in bindings)
    return render(run(store, query, bound), "tsv").splitlines()


@pytest.mark.parametrize("case", manifest(), ids=lambda case: case.id)
def test_competency_question(fixture_project: tuple[Path, ox.Store], case: Case) -> None:
    got = answer(fixture_project, case.query, case.bindings)
    want = (EXPECTED / case.expected).read_text(encoding="utf-8").splitlines()
    assert got[0] == want[0], "the columns differ"
    if case.ordered:
        assert got[1:] == want[1:]
    else:
        assert sorted(got[1:]) == sorted(want[1:])


def test_every_named_query_has_a_competency_test() -> None:
    tested = {case.query for case in manifest()}
    assert sorted(path.stem for path in LIBRARY if path.stem not in tested) == []


def test_the_manifest_and_the_expected_files_match_one_to_one() -> None:
    named = [case.expected for case in manifest()]
    assert len(named) == len(set(named)), "an expected file is used twice"
    assert sorted(named) == sorted(path.name for path in EXPECTED.glob("*.tsv"))


@pytest.mark.parametrize("path", LIBRARY, ids=lambda path: path.stem)
def test_library_query_header_and_parameters(fixture_project: tuple[Path, ox.Store], path: Path) -> None:
    """The header has the agreed shape, and every parameter is projected (Oxigraph binds only projected
    variables) and may be left unbound: the query then runs over all values."""
    text = path.read_text(encoding="utf-8")
    header = parse_header(text)
    assert header.names == QUESTION_FIELDS, f"{path.name}: the header fields differ"
    assert all(header.get(name) for name in QUESTION_FIELDS), f"{path.name}: a header field is empty"
    assert text.startswith("# Question (en): ")  # the header comes first
    for parameter in header.parameters:
        assert re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", parameter.name), f"{path.name}: bad parameter '{parameter}'"
        assert "default" in parameter.meaning, f"{path.name}: parameter ?{parameter.name} says no default"
    root, store = fixture_project
    result = run(store, resolve(path.stem, root / "sparql"))
    projected = {variable.value for variable in result.variables}  # type: ignore[attr-defined]
    assert {parameter.name for parameter in header.parameters} <= projected
