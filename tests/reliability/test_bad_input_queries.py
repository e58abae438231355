"""Bad queries: syntax errors name file (or <inline>):line:column and what stands there, undeclared
prefixes are named, unknown query names get a did-you-mean, bad bindings are refused; exit 2, one line,
nothing on disk changes."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import refused, run

PREFIXES = "tkg, rdf, rdfs, owl, xsd, skos, dct, org, prov, time, schema, oa, qb, foaf"


def case(name: str, args: list[str], expected: str) -> object:
    return pytest.param(args, expected, id=name)


CASES = [
    case("missing-object", ["-e", "SELECT ?x WHERE { ?x ?y }"],
         "<inline>:1:26: error: syntax error at end of query: expected one of LATERAL, SERVICE"),
    case("empty-filter", ["-e", "SELECT ?x WHERE {\n ?x ?p ?o .\n FILTER(?x = ) }"],
         "<inline>:3:17: error: syntax error at end of query: expected one of ABS, AVG, DAY, IRI, MAX, MD5, MIN, NOT, …"),
    case("negative-limit", ["-e", "SELECT * WHERE { ?s ?p ?o } LIMIT -1"],
         "<inline>:1:35: error: syntax error at '-': expected one of HAVING, OFFSET, OPTIONAL, VALUES"),
    case("duplicate-variable", ["-e", "SELECT ?x ?x WHERE { ?x ?p ?o }"],
         "<inline>:1:32: error: syntax error at end of query: Duplicated variable name in SELECT"),
    case("iri-with-space", ["-e", "SELECT * WHERE { ?s <http://a b> ?o }"],
         "<inline>:1:33: error: syntax error at '?': IRI parsing failed"),
    case("undeclared-prefix", ["-e", "SELECT ?x WHERE { ?x foo:bar ?y }"],
         f"<inline>:1:29: error: undeclared prefix foo: — declare it with PREFIX, or use one of {PREFIXES}"),
    case("undeclared-prefix-on-line-2", ["-e", "SELECT ?x WHERE {\n  ?x tkg:operates ?sys . ?sys ex:name ?n }"],
         f"<inline>:2:38: error: undeclared prefix ex: — declare it with PREFIX, or use one of {PREFIXES}"),
    case("empty-query", ["-e", ""],
         "<inline>: error: the query is empty — write a SELECT, ASK, CONSTRUCT or DESCRIBE query"),
    case("comment-only-query", ["-e", "# who supervises whom?\n"],
         "<inline>: error: the query is empty — write a SELECT, ASK, CONSTRUCT or DESCRIBE query"),
    case("unknown-name-close", ["actors-by-sid"],
         "error: no query named 'actors-by-sid' — did you mean actors-by-side, actors-by-function, actors-at-stage?"),
    case("unknown-name-far", ["zzzzqq"], "error: no query named 'zzzzqq' — `tokutei-kg queries` lists them"),
    case("no-query", [], "error: give a query NAME or FILE, or -e SPARQL (one of them)"),
    case("name-and-expression", ["actors-by-side", "-e", "ASK {}"],
         "error: give a query NAME or FILE, or -e SPARQL (one of them)"),
    case("bind-without-equals", ["actors-by-side", "--bind", "kemnaker"],
         "error: bad --bind 'kemnaker' — write name=value, e.g. --bind actor=kemnaker"),
    case("bind-bad-name", ["actors-by-side", "--bind", "1x=1"],
         "error: bad --bind '1x=1' — write name=value, e.g. --bind actor=kemnaker"),
    case("bind-unknown-parameter", ["actors-by-side", "--bind", "zz=1"],
         "error: the query has no parameter ?zz — its variables: ?class, ?cls, ?country, ?institution, ?node, ?side, "
         "?sub"),
    case("bind-not-projected", ["-e", "SELECT ?s WHERE { ?s ?p ?x } LIMIT 1", "--bind", "x=kemnaker"],
         "<inline>: error: a bound parameter must appear in the SELECT clause (SELECT … ?x …) — Oxigraph binds only "
         "projected variables"),
]


@pytest.mark.parametrize(("args", "expected"), CASES)
def test_bad_query_is_one_line(project: Path, args: list[str], expected: str) -> None:
    assert refused(project, ["query", *args]) == [expected]


def test_syntax_error_in_a_file_names_the_file(project: Path) -> None:
    path = project / "sparql" / "cq" / "broken.rq"
    path.write_text("PREFIX tkg: <https://w3id.org/tokutei-kg/ontology#>\nSELECT ?x WHERE {\n  ?x tkg:operates\n}\n",
                    encoding="utf-8")
    assert refused(project, ["query", "broken"]) == [
        f"{path}:4:1: error: syntax error at '}}': expected one of \"$\", \"'\", \"'''\", \"(\", \"*\", \"+\", \"-\", "
        "\".\", …"]


def test_query_file_not_utf8_names_line_and_column(project: Path) -> None:
    path = project / "q.rq"
    path.write_bytes("# qui supervise ? café\nSELECT * WHERE { ?s ?p ?o }\n".encode("latin-1"))
    assert refused(project, ["query", str(path)]) == [
        f"{path}:1:22: error: not UTF-8: byte 0xe9 cannot be decoded — save the query as UTF-8"]


def test_missing_query_file(project: Path) -> None:
    assert refused(project, ["query", str(project / "nowhere.rq")]) == [
        f"error: no query file at {project / 'nowhere.rq'}"]


def test_byte_order_mark_is_accepted(project: Path) -> None:
    text = "SELECT (COUNT(*) AS ?n) WHERE { ?s a tkg:Ministry }\n"
    (project / "bom.rq").write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    (project / "plain.rq").write_text(text, encoding="utf-8")
    with_bom = run(project, "query", str(project / "bom.rq"), "--format", "csv")
    plain = run(project, "query", str(project / "plain.rq"), "--format", "csv")
    inline = run(project, "query", "-e", "\ufeff" + text, "--format", "csv")
    assert with_bom.code == plain.code == inline.code == 0
    assert with_bom.out == plain.out == inline.out == ["n", "3"]
