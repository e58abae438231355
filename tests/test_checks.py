"""The QC checks ``sparql/checks/*-violation.rq`` run on the ontology graph wherever they run —
``tokutei-kg validate`` (on ontology/tokutei.ttl), ``tokutei-kg query <check>``, the endpoint and the
notebook API (on the built dataset's ontology graph) — and all of them agree. Each check has a fixture
(tests/fixtures/checks/<check>.ttl) that makes it fire; a check's exit code comes from its row count.
The query header (one parser, :mod:`tokutei_kg.header`) has the agreed shape."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

import tokutei_kg as tk
from conftest import REPO, build_project, make_project
from tokutei_kg.cli import main
from tokutei_kg.header import CHECK_FIELDS, parse_header
from tokutei_kg.query import library
from tokutei_kg.serve.engine import Limits, answer
from tokutei_kg.serve.page import library_items
from tokutei_kg.store import open_store
from tokutei_kg.validate import run_checks

CHECKS = sorted((REPO / "sparql" / "checks").glob("*-violation.rq"))
NAMES = [path.stem for path in CHECKS]
FIXTURES = REPO / "tests" / "fixtures" / "checks"
ONTOLOGY_GRAPH = "https://w3id.org/tokutei-kg/graph/ontology"
FORMATS = ("table", "csv", "tsv", "json", "md")

# What each fixture makes `validate` say (file: error: message), exactly.
FIRES = {
    "concept-not-in-scheme-violation": [
        "concept=stage/orphan, expectedScheme=stage, problem=not in any concept scheme"],
    "duplicate-label-lang-violation": ["term=tkg:Twice, property=rdfs:label, lang=en, count=2"],
    "label-language-violation": ["term=tkg:Mistagged, property=rdfs:label, value=Salah tag"],
    "missing-definition-violation": ["term=tkg:Undefined"],
    "missing-label-violation": ["term=tkg:Unlabelled, labelProperty=rdfs:label, lang=id",
                                "term=tkg:Unlabelled, labelProperty=rdfs:label, lang=ja"],
    "undeclared-term-violation": ["iri=tkg:Instituton, position=object"],
}


def broken_ontology(target: Path, *names: str) -> Path:
    """ontology/tokutei.ttl with the fixtures of the named checks appended, written to ``target``."""
    text = (REPO / "ontology" / "tokutei.ttl").read_text(encoding="utf-8")
    for name in names:
        text += "\n" + (FIXTURES / f"{name}.ttl").read_text(encoding="utf-8")
    target.write_text(text, encoding="utf-8")
    return target


def cli(root: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--root", str(root), *args])
    return result.exit_code, result.stdout


def json_rows(data: str | bytes) -> list[tuple[tuple[str, str], ...]]:
    """SPARQL JSON results as sorted rows of (variable, value) pairs (unbound variables left out)."""
    result = ox.parse_query_results(data, format=ox.QueryResultsFormat.JSON)
    variables = [v.value for v in result.variables]  # type: ignore[union-attr]
    return sorted(tuple((v, row[v].value) for v in variables if row[v] is not None) for row in result)  # type: ignore[union-attr]


def expected_findings(name: str) -> list[str]:
    short = name.removesuffix("-violation")
    return [f"sparql/checks/{name}.rq: error: QC check '{short}' failed: {cells}" for cells in FIRES[name]]


# --- every check has a fixture that makes it fire, and only it ------------------------------------------------

def test_every_check_has_a_firing_fixture() -> None:
    assert sorted(FIRES) == NAMES
    assert sorted(path.stem for path in FIXTURES.glob("*.ttl")) == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_the_fixture_makes_its_check_fire_and_no_other(tmp_path: Path, name: str) -> None:
    report = run_checks(broken_ontology(tmp_path / "tokutei.ttl", name), CHECKS)
    shown = sorted(str(finding).replace(str(REPO) + "/", "") for finding in report.findings)
    assert shown == expected_findings(name)
    assert not report.ok


def test_the_ontology_passes_every_check() -> None:
    assert [str(f) for f in run_checks(REPO / "ontology" / "tokutei.ttl", CHECKS).findings] == []


# --- validate, query, the endpoint and the API agree ------------------------------------------------------------

@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The mini project with every check's fixture in its ontology, built (the build does not run the checks)."""
    root = make_project(tmp_path_factory.mktemp("checks") / "mini")
    broken_ontology(root / "ontology" / "tokutei.ttl", *NAMES)
    return build_project(root, "--no-exports")


def test_validate_reports_every_fixture(broken: Path) -> None:
    code, out = cli(broken, "validate", "--no-shacl")
    assert code == 1
    assert out.splitlines() == [line for name in NAMES for line in expected_findings(name)] + ["7 errors, 0 warnings"]


@pytest.mark.parametrize("name", NAMES)
def test_query_endpoint_and_api_find_what_validate_finds(broken: Path, name: str) -> None:
    code, out = cli(broken, "query", name, "--format", "json")
    assert code == 1
    rows = json_rows(out)
    assert len(rows) == len(FIRES[name])  # one row per validate finding
    text = library(broken / "sparql")[name].read_text(encoding="utf-8")
    served = answer(open_store(broken / "graph" / "built" / "tokutei.nq"), {"query": text}, Limits())
    assert served.status == 200 and json_rows(served.body) == rows
    api_rows = tk.load(broken).query(name=name)
    assert sorted(tuple((k, v) for k, v in row.items() if v) for row in api_rows) == rows  # type: ignore[union-attr]


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_check_exits_1_on_rows_in_every_format(broken: Path, fmt: str) -> None:
    code, out = cli(broken, "query", "missing-label-violation", "--format", fmt)
    assert code == 1
    assert "Unlabelled" in out


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_check_exits_0_without_rows_in_every_format(built_mini_once: Path, fmt: str) -> None:
    code, out = cli(built_mini_once, "query", "missing-label-violation", "--format", fmt)
    assert code == 0
    assert out == {"table": "term  labelProperty  lang\n----  -------------  ----\n(0 rows)\n",
                   "csv": "term,labelProperty,lang\n",
                   "tsv": "?term\t?labelProperty\t?lang\n",
                   "json": '{"head":{"vars":["term","labelProperty","lang"]},"results":{"bindings":[]}}\n',
                   "md": "| term | labelProperty | lang |\n|---|---|---|\n"}[fmt]


def test_a_check_run_as_a_file_is_a_check_too(broken: Path) -> None:
    code, _ = cli(broken, "query", str(broken / "sparql" / "checks" / "missing-definition-violation.rq"))
    assert code == 1


def test_query_and_validate_agree_on_the_real_graph(built_repo: Path) -> None:
    """Regression: `query missing-label-violation` ran on the whole dataset (7,742 rows, exit 1) while
    `validate` said 0 errors. Every check now reads the ontology graph only."""
    code, out = cli(built_repo, "validate", "--no-shacl")
    assert (code, out) == (0, "0 errors, 0 warnings\n")
    for name in NAMES:
        code, out = cli(built_repo, "query", name, "--format", "json")
        assert (name, code, json_rows(out)) == (name, 0, [])


def test_a_check_names_the_ontology_graph_as_its_dataset() -> None:
    for path in CHECKS:
        text = path.read_text(encoding="utf-8")
        assert f"\nFROM <{ONTOLOGY_GRAPH}>\nWHERE" in text, path.name


def test_a_query_naming_a_graph_reads_only_that_graph(built_mini_once: Path) -> None:
    count = "SELECT (COUNT(*) AS ?n) FROM <https://w3id.org/tokutei-kg/graph/{}> WHERE {{ ?s a tkg:Source }}"
    assert cli(built_mini_once, "query", "-e", count.format("sources"), "-f", "csv") == (0, "n\n22\n")
    assert cli(built_mini_once, "query", "-e", count.format("ontology"), "-f", "csv") == (0, "n\n0\n")


# --- the header: one parser --------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", CHECKS, ids=lambda path: path.stem)
def test_check_header_has_the_agreed_shape(path: Path) -> None:
    header = parse_header(path.read_text(encoding="utf-8"))
    assert header.names == CHECK_FIELDS
    assert all(header.get(name) for name in CHECK_FIELDS)
    assert header.is_check and set(header.texts) == {"en", "id", "ja"}
    assert header.get("Input").startswith(f"the ontology graph <{ONTOLOGY_GRAPH}>")
    assert header.get("Columns").split() == ["?" + v.value for v in _variables(path)]


def _variables(path: Path) -> list[ox.Variable]:
    store = ox.Store()
    return list(store.query(path.read_text(encoding="utf-8")).variables)  # type: ignore[union-attr]


def test_header_parser_reads_fields_continuations_and_parameters() -> None:
    header = parse_header("# Question (en): Who signed\n#   what?\n# 質問 (ja): 誰が署名したか。\n"
                          "# Parameters: ?actor — an institution (default: all) | ?year — a year (default: every)\n"
                          "# Answer: one row per signature\n\n# a comment after a blank line\nSELECT * {}\n# not header\n")
    assert header.fields == (("Question (en)", "Who signed what?"), ("質問 (ja)", "誰が署名したか。"),
                             ("Parameters", "?actor — an institution (default: all) | ?year — a year (default: every)"),
                             ("Answer", "one row per signature"))
    assert header.texts == {"en": "Who signed what?", "ja": "誰が署名したか。"}
    assert [(p.name, p.meaning) for p in header.parameters] == [("actor", "an institution (default: all)"),
                                                                ("year", "a year (default: every)")]
    assert not header.is_check and header.text("id") == ""


def test_cli_list_and_endpoint_page_show_the_parsed_header(built_mini_once: Path) -> None:
    queries = library(REPO / "sparql")
    header = parse_header(queries["missing-label-violation"].read_text(encoding="utf-8"))
    code, out = cli(built_mini_once, "queries")
    assert code == 0
    assert f"{'missing-label-violation':32} {header.text('en')}" in out.splitlines()
    item = next(i for i in library_items(queries) if i["name"] == "missing-label-violation")
    assert (item["en"], item["id"], item["ja"]) == (header.text("en"), header.text("id"), header.text("ja"))
    assert item["en"].endswith("rdfs:label for ontology terms, skos:prefLabel for concepts and schemes. "
                               "One row per missing label.")
