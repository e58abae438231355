"""Bounded fuzzing (Hypothesis) of the two front ends that take text from people: the curated-CSV
loader with its record checks, and the SPARQL query front end (read-only guard, bindings, engine call,
error messages, result formatting). The only exceptions allowed are the project's own
(``TokuteiError``); anything else is a crash.

A fixed number of examples (150 table sets, 600 queries, 500 bindings) and a fixed seed keep the CI run
bounded (about 20–30 s on a busy 2-core machine)
and reproducible; ``HYPOTHESIS_PROFILE=long`` (``HYPOTHESIS_EXAMPLES=N``) searches longer."""

from __future__ import annotations

import csv
import io
import itertools
import os
from pathlib import Path

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conftest import REPO
from tokutei_kg.errors import TokuteiError
from tokutei_kg.ontology import parse_turtle, vocabulary
from tokutei_kg.query import FORMATS, QueryText, library, parse_binding, render, run
from tokutei_kg.reader import TABLES, read_curated
from tokutei_kg.validate import check_records

EXAMPLES = int(os.environ.get("HYPOTHESIS_EXAMPLES", "2000"))
settings.register_profile("fuzz-ci", max_examples=150, deadline=None, derandomize=True, database=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
settings.register_profile("fuzz-long", max_examples=EXAMPLES, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
PROFILE = "fuzz-long" if os.environ.get("HYPOTHESIS_PROFILE") == "long" else "fuzz-ci"


def bounded(ci_examples: int) -> settings:
    """The profile's settings; in CI, ``ci_examples`` examples (the query front end is cheap to call)."""
    base = settings.get_profile(PROFILE)
    return settings(base, max_examples=ci_examples) if PROFILE == "fuzz-ci" else base
VOCAB = vocabulary(parse_turtle(REPO / "ontology" / "tokutei.ttl"))

# --- the CSV loader ------------------------------------------------------------------------------

NAMES = st.sampled_from(sorted({c for spec in TABLES.values() for c in spec.columns} | {"", "ID", "id ", "x"}))
VALUES = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["kemnaker", "isa", "s1", "s15", "japan", "Ministry", "Country", "sharesInformationWith",
                     "operates", "org:subOrganizationOf", "stage:matching", "2019", "2019-02-30", "2019-06-25",
                     "ja", "id", "en", "quote", "disputes", "https://x.example/", "a|b", "|", "", "0", "-1"]),
)


@st.composite
def table(draw: st.DrawFn, kind: str) -> bytes:
    spec = TABLES[kind]
    header = draw(st.one_of(st.permutations(list(spec.columns)).map(list),
                            st.lists(NAMES, max_size=len(spec.columns) + 2)))
    rows = draw(st.lists(st.lists(VALUES, min_size=max(len(header) - 1, 0), max_size=len(header) + 1), max_size=5))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=draw(st.sampled_from(["\n", "\r\n", "\r"])))
    writer.writerow(header)
    writer.writerows(rows)
    data = out.getvalue().encode("utf-8", errors="surrogatepass")
    return draw(st.one_of(st.just(data), st.just(b"\xef\xbb\xbf" + data), st.binary(max_size=64),
                          st.just(data[: draw(st.integers(0, max(len(data), 0)))])))


@pytest.fixture(scope="module")
def curated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz") / "graph" / "curated"


@bounded(150)
@given(files=st.fixed_dictionaries({kind: table(kind) for kind in TABLES}))
@example(files={"sources": b"id,type,perspective,title,language\n", "entities": b"\xff\xfe", "claims": b"",
                "observations": b"id\r\n\x00"})
def test_loader_and_record_checks_never_crash(curated: Path, files: dict[str, bytes]) -> None:
    curated.mkdir(parents=True, exist_ok=True)
    for kind, data in files.items():
        (curated / f"{kind}.csv").write_bytes(data)
    records, report = read_curated(curated, curated.parents[1])
    if report.ok:
        report = check_records(records, VOCAB, curated.parents[1])
    for finding in report.findings:
        assert str(finding).isprintable(), str(finding)  # one line, nothing hidden


# --- the query front end -------------------------------------------------------------------------

LIBRARY = [path.read_text(encoding="utf-8") for path in library(REPO / "sparql").values()]
SPARQL_WORDS = ["SELECT", "ASK", "CONSTRUCT", "DESCRIBE", "WHERE", "{", "}", "?s", "?p", "?o", "$x", "a", ".", ";",
                ",", "(", ")", "FILTER", "OPTIONAL", "UNION", "MINUS", "GRAPH", "SERVICE", "SILENT", "VALUES",
                "BIND", "AS", "LIMIT", "OFFSET", "ORDER", "BY", "GROUP", "HAVING", "COUNT(*)", "DISTINCT", "FROM",
                "NAMED", "PREFIX", "ex:", "<http://ex/a>", "<file:///etc/passwd>", "tkg:operates", "'x'@ja",
                '"1"^^xsd:integer', "1", "-1.5e3", "*", "+", "/", "|", "^", "!", "=", "&&", "#", "\n", "\r", "\\u0041",
                "INSERT", "DATA", "DELETE", "LOAD", "DROP", "ALL", "<<", ">>", "\u3000", "入管", "😀", "\\"]
QUERY = st.one_of(
    st.text(max_size=60),
    st.lists(st.sampled_from(SPARQL_WORDS), max_size=25).map(" ".join),
    st.tuples(st.sampled_from(LIBRARY), st.integers(0, 4000), st.integers(0, 40), st.text(max_size=8)).map(
        lambda t: t[0][: t[1]] + t[3] + t[0][t[1] + t[2]:]),
)


@pytest.fixture(scope="module")
def store() -> ox.Store:
    """A handful of quads: queries stay cheap whatever their shape."""
    store = ox.Store()
    tkg = "https://w3id.org/tokutei-kg/ontology#"
    ids = "https://w3id.org/tokutei-kg/id/institution/"
    store.extend([
        ox.Quad(ox.NamedNode(ids + "kemnaker"), ox.NamedNode(tkg + "sharesInformationWith"), ox.NamedNode(ids + "isa"),
                ox.NamedNode("https://w3id.org/tokutei-kg/id/graph/s15")),
        ox.Quad(ox.NamedNode(ids + "isa"), ox.NamedNode("http://purl.org/dc/terms/identifier"), ox.Literal("isa")),
        ox.Quad(ox.NamedNode(ids + "isa"), ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"),
                ox.Literal("出入国在留管理庁", language="ja")),
    ])
    return store


@bounded(600)
@given(text=QUERY, fmt=st.sampled_from(FORMATS))
@example(text="SELECT * WHERE { ?s ?p ?o }", fmt="table")
@example(text="\ufeff", fmt="json")
def test_query_front_end_never_crashes(store: ox.Store, text: str, fmt: str) -> None:
    try:
        result = run(store, QueryText(text, "<fuzz>"))
    except TokuteiError as exc:
        assert "\n" not in str(exc), str(exc)
        return
    if isinstance(result, ox.QuerySolutions):
        variables = result.variables
        rows = list(itertools.islice(result, 50))
        assert len(rows) <= 50 and variables is not None
        result = run(store, QueryText(text, "<fuzz>"))
    render(result, fmt)


@bounded(500)
@given(text=st.one_of(st.text(max_size=30), st.tuples(st.sampled_from(["x", "actor", "?y", "1", ""]), st.text(
    max_size=20)).map("=".join)))
def test_bindings_never_crash(store: ox.Store, text: str) -> None:
    try:
        parse_binding(text, store)
    except TokuteiError as exc:
        assert "\n" not in str(exc), str(exc)
