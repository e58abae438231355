"""The built dataset as one typed value (issue 13, item 1): ``Built`` gives every reader stage the same
store, projection, labels, sources and relations, computed once and only when asked."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tokutei_kg import pipeline, project
from tokutei_kg.built import Built
from tokutei_kg.errors import DatasetMissing
from tokutei_kg.evidence import relations, source_titles
from tokutei_kg.export import Inputs
from tokutei_kg.network import to_network
from tokutei_kg.project import Project
from tokutei_kg.store import as_of


@pytest.fixture(scope="module")
def built(built_mini_once: Path) -> Built:
    return Built.open(Project(built_mini_once))


def _shape(graph: object) -> tuple[list[object], list[object]]:
    return (sorted(graph.nodes(data=True), key=repr),  # type: ignore[attr-defined]
            sorted(graph.edges(keys=True, data=True), key=repr))  # type: ignore[attr-defined]


def test_the_views_are_the_stage_functions_on_the_store(built: Built) -> None:
    assert _shape(built.network()) == _shape(to_network(built.store))
    day = dt.date(2019, 4, 1)
    assert _shape(built.network(day)) == _shape(to_network(built.store, as_of=day))
    assert built.network(day).number_of_edges() < built.network().number_of_edges()
    assert built.relations(lang="ja") == relations(built.store, lang="ja")
    assert built.sources == source_titles(built.store)
    assert built.labels("id").lang == "id"


def test_each_view_is_computed_once(built: Built) -> None:
    assert built.network() is built.network()
    assert built.network(dt.date(2019, 4, 1)) is not built.network()
    assert built.relations() is built.relations()
    assert built.labels("en") is built.labels("en")
    calls: list[Built] = []

    def compute(value: Built) -> int:
        calls.append(value)
        return len(value.store)

    assert built.derived("test:size", compute) == built.derived("test:size", compute) == len(built.store)
    assert calls == [built]


def test_at_is_the_as_of_mechanism(built: Built) -> None:
    assert built.at(None) is built
    day = dt.date(2019, 4, 1)
    dated = built.at(day)
    assert (dated.as_of, dated.project) == (day, built.project)
    assert len(dated.store) < len(built.store)  # the mini fixture has claims not yet valid on that day
    assert sorted(map(str, dated.store)) == sorted(map(str, as_of(built.store, day)))


def test_open_without_a_build_says_so(mini: Path) -> None:
    folder = Project(mini)
    with pytest.raises(DatasetMissing) as raised:
        Built.open(folder)
    assert (raised.value.message, raised.value.hint) == (f"no built dataset at {folder.built}",
                                                         "run `tokutei-kg build` first")


def test_one_project_type_and_one_built_type() -> None:
    assert pipeline.Project is project.Project
    assert Inputs is Built
