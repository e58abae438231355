"""Issue 12.1 / 10.4: no query reaches the network, whatever its spelling, through ``query -e`` and
through ``serve`` (GET, POST, a direct body, a cross-site GET without Origin). A live listener on
127.0.0.1 counts the connections it accepts: zero for every variant. Each is refused with one line
naming line:column (exit 2 / HTTP 400). Behind the check, the engine itself has no network: with the
check switched off, a SERVICE still reaches nothing."""

from __future__ import annotations

import hashlib
import json
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from serve_harness import FORM, Server, copy_built, listener, start_server, stop_server
from tokutei_kg.cli import main

SERVICE = "SERVICE is not allowed: queries may not call other endpoints"
UNCHECKABLE = ("the query mentions SERVICE and cannot be checked: Expected SelectQuery — SERVICE is not allowed; "
               "remove the word (also from comments and strings) or fix the syntax")

# (id, query with {port}, line, column, message)
VARIANTS = [
    ("plain", "SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/x> {{ ?s ?p ?o }} }}", 1, 18, SERVICE),
    ("silent", "SELECT * WHERE {{ SERVICE SILENT <http://127.0.0.1:{port}/x> {{ ?s ?p ?o }} }}", 1, 18, SERVICE),
    ("variable-with-values",
     "SELECT * WHERE {{ SERVICE ?v {{ ?s ?p ?o }} VALUES ?v {{ <http://127.0.0.1:{port}/> }} }}", 1, 18, SERVICE),
    ("lowercase", "select * where {{ service <http://127.0.0.1:{port}/x> {{ ?s ?p ?o }} }}", 1, 18, SERVICE),
    ("escaped-keyword", "SELECT * WHERE {{ \\u0053ERVICE <http://127.0.0.1:{port}/x> {{ ?s ?p ?o }} }}", 1, 18,
     SERVICE),
    ("prefixed-iri", "PREFIX l: <http://127.0.0.1:{port}/>\nSELECT * WHERE {{ SERVICE l:x {{ ?s ?p ?o }} }}", 2, 18,
     SERVICE),
    ("bare-cr-ends-comment",
     "SELECT * WHERE {{ BIND(1 AS ?x) #\r SERVICE <http://127.0.0.1:{port}/x> {{ ?s ?p ?o }} }}", 2, 2, SERVICE),
    ("bare-cr-then-lf",
     "SELECT * WHERE {{ BIND(1 AS ?x) #\r SERVICE <http://127.0.0.1:{port}/x> {{ ?s ?p ?o }}\n}}", 2, 2, SERVICE),
    ("u-escape-in-iri-then-hash",
     "SELECT * WHERE {{ BIND(<http://x/\\u0041#> AS ?x) SERVICE <http://127.0.0.1:{port}/x> {{ ?s ?p ?o }} }}", 1, 44,
     SERVICE),
    ("escaped-hash-in-prefixed-name",
     "PREFIX e: <http://x/> SELECT * WHERE {{ BIND(e:a\\#b AS ?x) SERVICE <http://127.0.0.1:{port}/x> {{ ?s ?p ?o }} }}",
     1, 59, UNCHECKABLE),
]
IDS = [v[0] for v in VARIANTS]


@pytest.fixture(scope="module")
def project(built_mini_once: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_built(built_mini_once, tmp_path_factory.mktemp("ssrf") / "mini")


@pytest.fixture(scope="module")
def server(project: Path) -> Iterator[Server]:
    running = start_server(project, "--timeout", "5")
    yield running
    stop_server(running)


@pytest.mark.parametrize(("name", "template", "line", "column", "message"), VARIANTS, ids=IDS)
def test_query_e_refuses_and_calls_nothing(project: Path, name: str, template: str, line: int, column: int,
                                           message: str) -> None:
    with listener() as found:
        result = CliRunner().invoke(main, ["--root", str(project), "query", "-e", template.format(port=found.port)])
    assert found.accepted == []
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", f"<inline>:{line}:{column}: error: {message}\n")


@pytest.mark.parametrize(("name", "template", "line", "column", "message"), VARIANTS, ids=IDS)
def test_serve_refuses_and_calls_nothing(server: Server, name: str, template: str, line: int, column: int,
                                         message: str) -> None:
    expected = (400, f"query:{line}:{column}: error: {message}\n".encode())
    with listener() as found:
        text = template.format(port=found.port)
        answers = [server.post(text), server.get(text), server.direct(text),
                   server.get(text, {"Referer": "http://evil.example/"})]  # a cross-site link or img: no Origin
    assert found.accepted == []
    assert answers == [expected] * 4


def test_the_engine_has_no_network_even_when_the_check_is_switched_off(project: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """The second line alone: with check_read_only doing nothing, SERVICE still reaches no listener."""
    import tokutei_kg.query as query_module

    monkeypatch.setattr(query_module, "check_read_only", lambda query, parse=True: query_module.normalise(query))
    with listener() as found:
        plain = CliRunner().invoke(main, ["--root", str(project), "query", "-e",
                                          f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{found.port}/x> {{ ?s ?p ?o }} }}"])
        silent = CliRunner().invoke(main, ["--root", str(project), "query", "--format", "csv", "-e",
                                           f"SELECT * WHERE {{ SERVICE SILENT <http://localhost:{found.port}/x> "
                                           "{ ?s ?p ?o } }"])
    assert found.accepted == []
    assert (plain.exit_code, plain.stderr) == (2, f"<inline>: error: {SERVICE} (the query engine has no network)\n")
    assert (silent.exit_code, silent.stdout) == (0, "o,p,s\n,,\n")  # SILENT: one empty solution, nothing called


def test_a_serve_worker_has_no_network_even_when_the_check_is_switched_off(project: Path,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    import tokutei_kg.query as query_module
    from tokutei_kg.serve.engine import Engine, Limits, load_dataset

    monkeypatch.setattr(query_module, "check_read_only", lambda query, parse=True: query_module.normalise(query))
    engine = Engine(load_dataset(project / "graph" / "built" / "tokutei.nq"), Limits(timeout=10))
    try:
        with listener() as found:
            answer = engine.run({"query": f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{found.port}/x> {{ ?s ?p ?o }} }}"})
    finally:
        engine.close()
    assert found.accepted == []
    assert (answer.status, answer.body) == (400, f"query: error: {SERVICE} (the query engine has no network)\n".encode())


def test_the_main_thread_keeps_its_network_after_a_query(project: Path) -> None:
    """The filter belongs to the query's own thread: `query --endpoint` and a notebook still connect."""
    import socket

    assert CliRunner().invoke(main, ["--root", str(project), "query", "-e", "ASK { ?s ?p ?o }"]).exit_code == 0
    with listener() as found:
        socket.create_connection(("127.0.0.1", found.port), timeout=5).close()
    assert len(found.accepted) == 1


# --- FROM, updates, the dataset unchanged ----------------------------------------------------------------

FROMS = [
    ("SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }", 1, 15, "FROM <file:///etc/passwd>"),
    ("SELECT * FROM NAMED <file:///etc/passwd> WHERE { GRAPH ?g { ?s ?p ?o } }", 1, 21, "FROM <file:///etc/passwd>"),
    ("SELECT * #\r FROM <file:///etc/passwd> WHERE { ?s ?p ?o }", 2, 7, "FROM <file:///etc/passwd>"),
]


@pytest.mark.parametrize(("text", "line", "column", "shown"), FROMS)
def test_from_a_file_reads_nothing(server: Server, project: Path, text: str, line: int, column: int,
                                   shown: str) -> None:
    message = f"{line}:{column}: error: {shown} is not allowed: queries may only name graphs of the built dataset"
    result = CliRunner().invoke(main, ["--root", str(project), "query", "-e", text])
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", f"<inline>:{message}\n")
    assert server.post(text) == (400, f"query:{message}\n".encode())


UPDATES = [
    "INSERT DATA { <urn:a> <urn:b> <urn:c> }", "DELETE DATA { <urn:a> <urn:b> <urn:c> }",
    "DELETE WHERE { ?s ?p ?o }", "INSERT { ?s ?p 1 } WHERE { ?s ?p ?o }",
    "WITH <urn:g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", "LOAD <file:///etc/passwd>",
    "LOAD SILENT <http://127.0.0.1:9/x> INTO GRAPH <urn:g>", "CLEAR ALL", "CLEAR DEFAULT", "DROP ALL",
    "DROP GRAPH <urn:g>", "CREATE GRAPH <urn:g>", "ADD DEFAULT TO <urn:g>", "MOVE DEFAULT TO <urn:g>",
    "COPY DEFAULT TO <urn:g>", "insert data { <urn:a> <urn:b> <urn:c> }",
    "\\u0049NSERT DATA { <urn:a> <urn:b> <urn:c> }",
]
REFUSED = b"error: updates are not allowed: this endpoint is read-only\n"


def _count(server: Server) -> int:
    status, body = server.post("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert status == 200
    return int(json.loads(body)["results"]["bindings"][0]["n"]["value"])


def test_every_form_of_update_is_refused_and_the_dataset_is_unchanged(server: Server, project: Path) -> None:
    dataset = project / "graph" / "built" / "tokutei.nq"
    digest, quads = hashlib.sha256(dataset.read_bytes()).hexdigest(), _count(server)
    answers = []
    for update in UPDATES:
        form = urllib.parse.urlencode({"update": update})
        answers.append(server.request("POST", "/update", form, FORM)[::2])
        answers.append(server.request("POST", "/query", form, FORM)[::2])
        answers.append(server.request("POST", "/query", update, {"Content-Type": "application/sparql-update"})[::2])
        answers.append(server.request("GET", "/query?" + form)[::2])
        answers.append(server.post(update))
    assert answers == [(403, REFUSED)] * (5 * len(UPDATES))
    assert _count(server) == quads
    assert hashlib.sha256(dataset.read_bytes()).hexdigest() == digest


@pytest.mark.parametrize("update", UPDATES)
def test_query_e_refuses_every_update(project: Path, update: str) -> None:
    result = CliRunner().invoke(main, ["--root", str(project), "query", "-e", update])
    word = update.split()[0].upper().replace("\\U0049NSERT", "INSERT")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"<inline>:1:1: error: {word} is an update: queries are read-only\n"
