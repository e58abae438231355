"""The built dataset as one typed value (issue 13, item 1): ``Built`` gives every reader stage the same
store, projection, labels, sources and relations, computed once and only when asked."""

from __future__ import annotations

import ast
import datetime as dt
import json
import re
import weakref
from collections.abc import Iterable
from pathlib import Path

import networkx as nx
import pyoxigraph as ox
import pytest

from tokutei_kg import evidence, pipeline, project
from tokutei_kg.analyse import (
    Analysis,
    UnknownInstitution,
    analysis,
    centrality,
    coordination_paths,
    degree_by_side_and_stage,
    find_paths,
    resolve_node,
    single_source_relations,
)
from tokutei_kg.arguments import check_relation, check_stage
from tokutei_kg.built import Built
from tokutei_kg.errors import DatasetMissing, QueryError
from tokutei_kg.evidence import relations, source_titles
from tokutei_kg.export import Inputs
from tokutei_kg.network import to_network
from tokutei_kg.project import Project
from tokutei_kg.query import QueryText, query_dataset, rows, run
from tokutei_kg.store import as_of
from tokutei_kg.visualise import ExplorerOptions, explorer_files, write_paths_page


@pytest.fixture(scope="module")
def built(built_mini_once: Path) -> Built:
    return Built.open(Project(built_mini_once))


def _shape(graph: nx.MultiDiGraph) -> tuple[list[object], list[object]]:
    return sorted(graph.nodes(data=True), key=repr), sorted(graph.edges(keys=True, data=True), key=repr)


def test_the_views_are_the_stage_functions_on_the_store(built: Built) -> None:
    assert _shape(built.network()) == _shape(to_network(built.store))
    day = dt.date(2019, 4, 1)
    assert _shape(built.at(day).network()) == _shape(to_network(as_of(built.store, day)))
    assert built.at(day).network().number_of_edges() < built.network().number_of_edges()
    assert built.relations(lang="ja") == relations(built.store, lang="ja")
    assert built.sources == source_titles(built.store)
    assert built.labels("id").lang == "id"


def test_each_view_is_computed_once(built: Built) -> None:
    assert built.network() is built.network()
    assert built.at(dt.date(2019, 4, 1)).network() is not built.network()
    assert built.at(dt.date(2019, 4, 1)) is built.at(dt.date(2019, 4, 1))
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


# --- every reader stage takes the Built value; as of a day it is given ``built.at(day)`` ----------------------

DAYS = (None, dt.date(2019, 4, 1), dt.date(2020, 1, 1))
DATA_BLOCK = re.compile(r'<script type="application/json" id="tkg-data">(.*?)</script>', re.S)


def _store_on(built: Built, day: dt.date | None) -> ox.Store:
    """The old path: the raw store, restricted to ``day`` by hand."""
    return built.store if day is None else as_of(built.store, day)


def _ids(graph: nx.MultiDiGraph, nodes: Iterable[str]) -> list[str]:
    return [str(graph.nodes[n]["id"]) for n in nodes]


def test_at_dates_once_and_remembers_the_dataset_as_built(built: Built) -> None:
    day, other = dt.date(2019, 4, 1), dt.date(2020, 1, 1)
    dated = built.at(day)
    assert built.as_built is built and dated.as_built is built
    assert dated.at(None) is dated
    assert dated.at(other) is built.at(other)  # dated from the dataset as built, not from the dated one
    assert built.at(other).as_of == other


@pytest.mark.parametrize("day", DAYS)
def test_the_query_stage_answers_as_the_store_on_that_day(built: Built, day: dt.date | None) -> None:
    text = QueryText("SELECT ?id WHERE { GRAPH <https://w3id.org/tokutei-kg/graph/entities> "
                     "{ ?e dct:identifier ?id } } ORDER BY ?id", "<test>")
    answer = query_dataset(built.at(day), text, consume=lambda result: rows(result)[1])
    assert answer == run(_store_on(built, day), text, consume=lambda result: rows(result)[1])
    ids = {row[0] for row in answer}
    assert ("bp2mi" in ids, "bnp2tki" in ids) == {None: (True, True), DAYS[1]: (False, True),
                                                    DAYS[2]: (True, False)}[day]


def test_the_query_stage_binds_entity_ids_in_the_dataset(built: Built) -> None:
    text = QueryText("SELECT ?e ?id WHERE { ?e dct:identifier ?id }", "<test>")
    answer = query_dataset(built.at(dt.date(2020, 1, 1)), text, ["e=kemnaker"],
                           consume=lambda result: rows(result, short=False)[1])
    assert answer == [["https://w3id.org/tokutei-kg/id/institution/kemnaker", "kemnaker"]]


@pytest.mark.parametrize("day", DAYS)
def test_the_evidence_stage_reads_the_relations_of_that_day(built: Built, day: dt.date | None) -> None:
    everything, chosen = evidence.report(built.at(day), statuses=("all",), lang="ja")
    assert everything == chosen == relations(_store_on(built, day), lang="ja")
    assert len(everything) == {None: 45, DAYS[1]: 24, DAYS[2]: 36}[day]


def test_the_evidence_stage_selects_and_checks_its_arguments(built: Built) -> None:
    dated = built.at(dt.date(2019, 4, 1))
    _, contested = evidence.report(dated, statuses=("contested",))
    assert [(r.subject_label, r.predicate_label, r.object_label) for r in contested] == [
        ("Job training institution (LPK)", "trains", "Indonesian SSW worker"),
        ("Specified Skilled Worker", "stated figure", "56% of SSW workers are Indonesian")]
    triple = ("reorg-bnp2tki-bp2mi-2019", "org:originalOrganization", "bnp2tki")
    assert [r.object_label for r in evidence.report(built, triple=triple)[1]] == ["BNP2TKI"]
    assert evidence.report(dated, triple=triple)[1] == []  # the reorganisation came later: none, not an error
    with pytest.raises(QueryError) as raised:
        evidence.report(dated, stage="matchng")
    assert raised.value.message == "unknown stage 'matchng'"
    assert raised.value.hint.startswith("did you mean stage:matching? the stages are: stage:")
    assert check_stage(dated, "matching") == "stage:matching"
    assert check_relation(dated, "replaces") == "https://w3id.org/tokutei-kg/ontology#replaces"


@pytest.mark.parametrize(("day", "start", "expected"), [
    (None, "kemnaker", [["kemnaker", "isa"]]),
    (DAYS[1], "kemnaker", []),
    (DAYS[2], "kemnaker", [["kemnaker", "isa"]]),
    (None, "bp2mi", [["bp2mi", "pmi-ssw-worker", "accepting-organization", "isa"]]),
    (DAYS[2], "BP2MI", [["bp2mi", "pmi-ssw-worker", "accepting-organization", "isa"]]),
])
def test_the_paths_stage_searches_the_network_of_that_day(built: Built, day: dt.date | None, start: str,
                                                          expected: list[list[str]]) -> None:
    found = coordination_paths(built.at(day), start, "isa")
    assert [_ids(found.graph, path.nodes) for path in found.found] == expected
    graph = to_network(_store_on(built, day))
    old = find_paths(graph, resolve_node(graph, start), resolve_node(graph, "isa"))
    assert [_ids(graph, path.nodes) for path in old] == expected
    assert (found.nearest, found.max_hops) == ([], 4)


def test_the_paths_stage_resolves_names_on_that_day(built: Built) -> None:
    with pytest.raises(UnknownInstitution) as raised:
        coordination_paths(built.at(dt.date(2019, 4, 1)), "bp2mi", "isa")
    assert (raised.value.message, raised.value.hint) == ("no institution or entity named 'bp2mi'",
                                                         "did you mean p3mi, bnp2tki?")


@pytest.mark.parametrize("day", DAYS)
def test_the_analyse_stage_measures_the_network_of_that_day(built: Built, day: dt.date | None) -> None:
    found = analysis(built.at(day), lang="id")
    graph = to_network(_store_on(built, day))
    assert found == Analysis(centrality(graph, lang="id"), single_source_relations(graph),
                             degree_by_side_and_stage(graph), "")
    assert [(row.id, row.cross_border_brokerage) for row in found.centrality[:3]] == {
        None: [("pmi-ssw-worker", 11.0), ("accepting-organization", 7.0), ("isa", 6.0)],
        DAYS[1]: [("pmi-ssw-worker", 2.0), ("accepting-organization", 2.0), ("isa", 1.0)],
        DAYS[2]: [("pmi-ssw-worker", 7.0), ("isa", 5.0), ("accepting-organization", 5.0)]}[day]


@pytest.mark.parametrize("day", DAYS)
def test_the_explorer_stage_shows_the_network_of_that_day_and_opens_at_it(built: Built, tmp_path: Path,
                                                                          day: dt.date | None) -> None:
    target = tmp_path / "explorer.html"
    [(path, page)] = explorer_files(built.at(day), options=ExplorerOptions(lang="ja"), output=target).items()
    data = json.loads(DATA_BLOCK.findall(page.decode("utf-8"))[0])
    graph = to_network(_store_on(built, day))
    assert path == target
    assert sorted(n["id"] for n in data["nodes"]) == sorted(_ids(graph, graph.nodes))
    assert len(data["edges"]) == graph.number_of_edges()
    assert (data["options"]["lang"], data["options"]["as_of"]) == ("ja", day.isoformat() if day else "")


def test_the_paths_page_stage_highlights_the_paths_of_that_day(built: Built, tmp_path: Path) -> None:
    dated = built.at(dt.date(2020, 1, 1))
    found = coordination_paths(dated, "bp2mi", "isa")
    page = write_paths_page(tmp_path / "paths.html", dated, found, lang="id").read_text(encoding="utf-8")
    data = json.loads(DATA_BLOCK.findall(page)[0])
    assert (data["options"]["lang"], data["options"]["as_of"]) == ("id", "2020-01-01")
    assert (data["preset"]["start"], data["preset"]["end"]) == ("bp2mi", "isa")
    assert [path["nodes"] for path in data["preset"]["paths"]] == [
        ["bp2mi", "pmi-ssw-worker", "accepting-organization", "isa"]]


def test_serve_takes_the_built_value_and_keeps_no_reference_to_it(built_mini_once: Path) -> None:
    from tokutei_kg.serve import ServeOptions, start

    given = [Built.open(Project(built_mini_once))]
    quads, kept = len(given[0].store), weakref.ref(given[0])
    running = start(given.pop(), ServeOptions(port=0))
    try:
        assert running.quads == quads
        assert kept() is None  # the engine process holds the dataset; the HTTP process does not
    finally:
        running.close()


def test_built_at_is_the_one_way_to_a_dated_store() -> None:
    """``store.as_of`` is reached through ``Built.at`` only: no stage dates a store by itself."""
    src = Path(project.__file__).parent
    importers = sorted(str(path.relative_to(src)) for path in src.rglob("*.py")
                       for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
                       if isinstance(node, ast.ImportFrom) and (node.module or "").endswith("store")
                       and any(alias.name == "as_of" for alias in node.names))
    assert importers == ["built.py"]
