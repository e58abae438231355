"""``tokutei-kg query``: formats, the library, bindings, and every refusal with its exit code."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tokutei_kg.cli import main

COUNT_SOURCES = "SELECT (COUNT(?s) AS ?n) WHERE { ?s a tkg:Source }"


@pytest.fixture
def project(built_mini: Path) -> Path:
    """A fresh copy of the built mini project (some tests break its dataset)."""
    return built_mini


def query(root: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["--root", str(root), "query", *args])
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize(("fmt", "expected"), [
    ("table", "n\n--\n22\n(1 row)\n"),
    ("csv", "n\n22\n"),
    ("tsv", "?n\n22\n"),
    ("md", "| n |\n|---|\n| 22 |\n"),
])
def test_formats(project: Path, fmt: str, expected: str) -> None:
    code, out, _ = query(project, "-e", COUNT_SOURCES, "--format", fmt)
    assert code == 0
    assert out == expected


def test_json_is_sparql_results_json(project: Path) -> None:
    code, out, _ = query(project, "-e", COUNT_SOURCES, "--format", "json")
    assert code == 0
    assert json.loads(out) == {
        "head": {"vars": ["n"]},
        "results": {"bindings": [{"n": {"type": "literal", "value": "22",
                                        "datatype": "http://www.w3.org/2001/XMLSchema#integer"}}]},
    }


def test_named_query_from_the_library(project: Path) -> None:
    code, out, _ = query(project, "actors-by-side", "--format", "csv")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "side,institution,class"
    assert "Indonesia,Ministry of Manpower,Ministry" in lines
    assert "Japan,Immigration Services Agency of Japan,Agency" in lines
    assert len(lines) == 1 + 11


def test_query_file(project: Path, tmp_path: Path) -> None:
    path = tmp_path / "count.rq"
    path.write_text(COUNT_SOURCES, encoding="utf-8")
    assert query(project, str(path), "--format", "csv")[:2] == (0, "n\n22\n")


def test_bind_an_entity_id_through_the_engine(project: Path) -> None:
    sparql = "SELECT ?x ?label WHERE { ?x rdfs:label ?label FILTER(lang(?label) = 'ja') }"
    code, out, _ = query(project, "-e", sparql, "--bind", "x=kemnaker", "--format", "csv")
    assert (code, out) == (0, "x,label\nhttps://w3id.org/tokutei-kg/id/institution/kemnaker,インドネシア労働省\n")


def test_a_bound_variable_must_be_projected(project: Path) -> None:
    sparql = "SELECT ?label WHERE { ?x rdfs:label ?label }"
    code, _, err = query(project, "-e", sparql, "--bind", "x=kemnaker")
    assert code == 2
    assert err.splitlines() == ["<inline>: error: a bound parameter must appear in the SELECT clause (SELECT … ?x …)"
                                " — Oxigraph binds only projected variables"]


def test_ask(project: Path) -> None:
    assert query(project, "-e", "ASK { ?x dct:identifier 'kemnaker' }")[:2] == (0, "true\n")


@pytest.mark.parametrize(("args", "message"), [
    (["-e", "SELECT * WHERE { ?s ?p ?o "],
     '<inline>:1:27: error: syntax error at end of query: expected one of ",", ".", ";", "{", "{|", "}", "~"'),
    (["zzz-no-such-query"], "error: no query named 'zzz-no-such-query' — `tokutei-kg queries` lists them"),
    (["-e", "SELECT * WHERE {\n  SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"],
     "<inline>:2:3: error: SERVICE is not allowed: queries may not call other endpoints"),
    (["-e", "SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }"],
     "<inline>:1:15: error: FROM <file:///etc/passwd> is not allowed: queries may only name graphs of the built dataset"),
    (["-e", "SELECT * FROM NAMED <file:///etc/passwd> WHERE { ?s ?p ?o }"],
     "<inline>:1:21: error: FROM <file:///etc/passwd> is not allowed: queries may only name graphs of the built dataset"),
    (["-e", "INSERT DATA { <urn:a> <urn:b> <urn:c> }"], "<inline>:1:1: error: INSERT is an update: queries are read-only"),
    (["-e", "LOAD <file:///etc/passwd>"], "<inline>:1:1: error: LOAD is an update: queries are read-only"),
    (["-e", "SELECT ?x WHERE { ?x ?p ?o }", "--bind", "y=kemnaker"],
     "error: the query has no parameter ?y — its variables: ?o, ?p, ?x"),
    (["-e", "SELECT ?x WHERE { ?x ?p ?o }", "--bind", "x"],
     "error: bad --bind 'x' — write name=value, e.g. --bind actor=kemnaker"),
    ([], "error: give a query NAME or FILE, or -e SPARQL (one of them)"),
])
def test_bad_queries_are_one_line_exit_2(project: Path, args: list[str], message: str) -> None:
    code, out, err = query(project, *args)
    assert code == 2
    assert out == ""
    assert err.splitlines() == [message]


def test_keywords_inside_strings_and_iris_are_not_refused(project: Path) -> None:
    sparql = 'SELECT ?x WHERE { BIND("SERVICE INSERT LOAD" AS ?x) ?s <urn:LOAD> ?o } # DELETE'
    assert query(project, "-e", sparql)[0] == 0


def test_missing_dataset(mini: Path) -> None:
    code, _, err = query(mini, "-e", COUNT_SOURCES)
    assert code == 2
    assert err.startswith("error: no built dataset at ") and err.rstrip().endswith("run `tokutei-kg build` first")


def test_corrupt_dataset(project: Path) -> None:
    (project / "graph/built/tokutei.nq").write_text("<broken", encoding="utf-8")
    code, _, err = query(project, "-e", COUNT_SOURCES)
    assert code == 2
    assert "is corrupt" in err and len(err.splitlines()) == 1


def test_queries_lists_the_library_with_questions(project: Path) -> None:
    result = CliRunner().invoke(main, ["--root", str(project), "queries"])
    assert result.exit_code == 0
    assert any(line.startswith("actors-by-side ") and "Which institutions take part on each side" in line
               for line in result.stdout.splitlines())


def test_unknown_query_name_suggests_the_closest_first(project: Path) -> None:
    code, _, err = query(project, "actors-by-sid")
    assert code == 2
    assert err.startswith("error: no query named 'actors-by-sid' — did you mean actors-by-side")
    assert len(err.splitlines()) == 1
