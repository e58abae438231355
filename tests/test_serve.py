"""``tokutei-kg serve``: the whole query library over HTTP gives the rows ``tokutei-kg query`` gives, a
real client (SPARQLWrapper) gets every result format, and each refusal of a read-only endpoint is a
test. One server per module, started as a real process on 127.0.0.1."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import threading
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from conftest import copy_project, make_project
from serve_harness import Server, start_server, stop_server
from tokutei_kg.cli import main
from tokutei_kg.query import library

CROSS_PRODUCT = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


@pytest.fixture(scope="module")
def project(built_mini_once: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_project(built_mini_once, tmp_path_factory.mktemp("serve") / "mini")
    assert CliRunner().invoke(main, ["--root", str(root), "export", "-f", "ttl", "-f", "docs"]).exit_code == 0
    return root


@pytest.fixture(scope="module")
def server(project: Path) -> Iterator[Server]:
    running = start_server(project, "--timeout", "2")
    yield running
    stop_server(running)


def _solutions(data: bytes) -> list[tuple[tuple[str, str], ...]]:
    result = ox.parse_query_results(data, format=ox.QueryResultsFormat.JSON)
    variables = [v.value for v in result.variables]  # type: ignore[union-attr]
    return [tuple((v, str(row[v])) for v in variables) for row in result]  # type: ignore[union-attr]


# --- the query library, over HTTP and embedded ----------------------------------------------------------

def library_names() -> list[str]:
    from conftest import REPO

    return sorted(library(REPO / "sparql"))


@pytest.mark.parametrize("name", library_names())
def test_every_library_query_answers_as_tokutei_kg_query_does(server: Server, name: str) -> None:
    text = library(server.root / "sparql")[name].read_text(encoding="utf-8")
    local = CliRunner().invoke(main, ["--root", str(server.root), "query", name, "--format", "json"])
    status, headers, body = server.query(text)
    assert status == 200, body
    assert headers["content-type"].startswith("application/sparql-results+json")
    if b'"boolean"' in body:
        assert json.loads(body) == json.loads(local.stdout)
    else:
        assert _solutions(body) == _solutions(local.stdout.encode("utf-8"))


def test_the_default_graph_is_the_union_of_the_named_graphs(server: Server) -> None:
    quads = list(ox.parse((server.root / "graph/built/tokutei.nq").read_bytes(), format=ox.RdfFormat.N_QUADS))
    assert quads and all(isinstance(q.graph_name, ox.NamedNode) for q in quads)  # every triple is in a named graph
    counts = []
    for text in ("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
                 "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }"):
        status, _, body = server.query(text)
        assert status == 200, body
        counts.append(int(json.loads(body)["results"]["bindings"][0]["n"]["value"]))
    # Oxigraph's union keeps a triple once for each graph that holds it (4 triples of the mini fixture are in two)
    assert counts == [len(quads), len({q.triple for q in quads})]
    assert server.query("ASK { ?x dct:identifier 'kemnaker' }")[2] == b'{"head":{},"boolean":true}'


# --- a real client: SPARQLWrapper ---------------------------------------------------------------------

SELECT = "SELECT ?label WHERE { ?x dct:identifier 'kemnaker' ; rdfs:label ?label } ORDER BY ?label"
ASK = "ASK { ?x dct:identifier 'kemnaker' }"
CONSTRUCT = "CONSTRUCT { ?x rdfs:label ?label } WHERE { ?x dct:identifier 'kemnaker' ; rdfs:label ?label }"
KEMNAKER_LABELS = {"Ministry of Manpower", "Kementerian Ketenagakerjaan", "インドネシア労働省"}


def _wrapper(server: Server, query: str, fmt: str) -> object:
    from SPARQLWrapper import SPARQLWrapper

    client = SPARQLWrapper(server.url + "/query")
    client.setQuery(query)
    client.setReturnFormat(fmt)
    client.setMethod("POST")
    return client.query().convert()


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
def test_sparqlwrapper_select(server: Server, fmt: str) -> None:
    result = _wrapper(server, SELECT, fmt)
    if fmt == "json":
        labels = {b["label"]["value"] for b in result["results"]["bindings"]}  # type: ignore[index]
    elif fmt == "xml":
        labels = {n.firstChild.data for n in result.getElementsByTagName("literal")}  # type: ignore[attr-defined]
    else:
        separator = "," if fmt == "csv" else "\t"
        lines = result.decode("utf-8").splitlines()  # type: ignore[attr-defined]
        labels = {line.split(separator)[0].split("@")[0].strip('"') for line in lines[1:]}
    assert labels >= KEMNAKER_LABELS


@pytest.mark.parametrize("fmt", ["json", "xml", "csv"])
def test_sparqlwrapper_ask(server: Server, fmt: str) -> None:
    result = _wrapper(server, ASK, fmt)
    if fmt == "json":
        assert result["boolean"] is True  # type: ignore[index]
    elif fmt == "xml":
        assert result.getElementsByTagName("boolean")[0].firstChild.data == "true"  # type: ignore[attr-defined]
    else:
        assert result.decode("utf-8").strip() == "true"  # type: ignore[attr-defined]


@pytest.mark.parametrize("fmt", ["turtle", "xml", "json-ld", "n3"])
def test_sparqlwrapper_construct(server: Server, fmt: str) -> None:
    from rdflib import Graph

    result = _wrapper(server, CONSTRUCT, {"json-ld": "json-ld"}.get(fmt, fmt))
    if not isinstance(result, Graph):
        graph = Graph()
        graph.parse(data=result, format={"json-ld": "json-ld", "n3": "turtle"}.get(fmt, fmt))
        result = graph
    assert {str(o) for o in result.objects()} >= KEMNAKER_LABELS  # type: ignore[attr-defined]


# --- refusals -----------------------------------------------------------------------------------------

UPDATES = ["INSERT DATA { <urn:a> <urn:b> <urn:c> }", "DROP ALL", "LOAD <file:///etc/passwd>", "CLEAR DEFAULT",
           "DELETE WHERE { ?s ?p ?o }"]


@pytest.mark.parametrize("update", UPDATES)
def test_updates_are_refused_in_every_disguise(server: Server, update: str) -> None:
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    assert server.request("POST", "/query", update, {"Content-Type": "application/sparql-update"})[0] == 403
    assert server.request("POST", "/update", urllib.parse.urlencode({"update": update}), form)[0] == 403
    assert server.request("POST", "/query", urllib.parse.urlencode({"update": update}), form)[0] == 403
    assert server.request("GET", "/query?" + urllib.parse.urlencode({"update": update}))[0] == 403
    status, _, body = server.query(update)  # smuggled into query=
    assert (status, body) == (403, b"error: updates are not allowed: this endpoint is read-only\n")
    assert server.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")[0] == 200


@pytest.fixture
def listener() -> Iterator[tuple[int, list[object]]]:
    """A loopback listener that records every connection (SERVICE must never reach it)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    sock.settimeout(0.1)
    connections: list[object] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                connection, _ = sock.accept()
                connections.append(connection)
                connection.close()
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield sock.getsockname()[1], connections
    stop.set()
    thread.join()
    sock.close()


@pytest.mark.parametrize("template", [
    "SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/x> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ SERVICE SILENT <http://127.0.0.1:{port}/x> {{ ?s ?p ?o }} }}",
    "PREFIX l: <http://127.0.0.1:{port}/>\nSELECT * WHERE {{ SERVICE l:x {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ VALUES ?e {{ <http://127.0.0.1:{port}/> }} service ?e {{ ?s ?p ?o }} }}",
])
def test_service_is_refused_and_nothing_is_called(server: Server, listener: tuple[int, list[object]],
                                                  template: str) -> None:
    port, connections = listener
    status, _, body = server.query(template.format(port=port))
    assert status == 400
    assert b"SERVICE is not allowed" in body and body.startswith(b"query:")
    time.sleep(0.2)
    assert connections == []


@pytest.mark.parametrize("query", [
    "SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }",
    "SELECT * FROM NAMED <file:///etc/passwd> WHERE { GRAPH ?g { ?s ?p ?o } }",
])
def test_from_a_file_is_refused(server: Server, query: str) -> None:
    status, _, body = server.query(query)
    assert status == 400
    assert b"is not allowed: queries may only name graphs of the built dataset" in body
    assert b"root:" not in body


def test_dataset_parameters_are_refused(server: Server) -> None:
    assert server.query("ASK {}", **{"default-graph-uri": "file:///etc/passwd"})[0] == 400
    assert server.query("ASK {}", **{"named-graph-uri": "file:///etc/passwd"})[0] == 400


def test_bad_syntax_is_400_with_line_and_column_and_no_internals(server: Server) -> None:
    status, headers, body = server.query("SELECT ?s\nWHERE { ?s ?p ")
    text = body.decode("utf-8")
    assert status == 400 and headers["content-type"] == "text/plain; charset=utf-8"
    assert text.startswith("query:2:")
    assert "Traceback" not in text and str(server.root) not in text and "site-packages" not in text
    assert len(text.splitlines()) == 1


def test_a_query_is_stopped_at_the_time_limit_and_the_server_goes_on(server: Server) -> None:
    started = time.monotonic()
    status, _, body = server.query(CROSS_PRODUCT)
    assert (status, body) == (503, "error: the query was stopped at the time limit (2 s) — add LIMIT, bind a "
                                   "variable or narrow the pattern\n".encode())
    assert time.monotonic() - started < 5
    assert server.query(ASK)[0] == 200


def test_too_large_a_result_is_refused(server: Server) -> None:
    status, _, body = server.query("SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } LIMIT 3000000")
    assert status in (413, 503)
    assert body.startswith(b"error: the result is larger than 16 MiB") or b"time limit" in body


def test_a_huge_body_is_refused_quickly(server: Server) -> None:
    started = time.monotonic()
    body = "query=" + "#" * (1024 * 1024)
    status, _, answer = server.request("POST", "/query", body, {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 413 and answer.startswith(b"error: the request body is larger than the limit (65536 bytes)")
    assert time.monotonic() - started < 1


def test_host_origin_media_type_and_method_checks(server: Server) -> None:
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    body = urllib.parse.urlencode({"query": ASK})
    assert server.request("POST", "/query", body, {**form, "Host": f"evil.example:{server.port}"})[0] == 421
    assert server.request("POST", "/query", body, {**form, "Origin": "http://evil.example"})[0] == 403
    assert server.request("POST", "/query", body, {**form, "Origin": f"http://127.0.0.1:{server.port}"})[0] == 200
    assert server.request("POST", "/query", body, {"Content-Type": "text/plain"})[0] == 415
    assert server.request("PUT", "/query", body, form)[0] == 405
    assert server.request("DELETE", "/query")[0] == 405
    assert server.request("POST", "/query", b"query=\xff\xfe", form)[0] == 400
    two = urllib.parse.urlencode([("query", ASK), ("query", ASK)])
    assert server.request("GET", "/query?" + two)[0] == 400


def test_no_cors_header_unless_asked(server: Server) -> None:
    _, headers, _ = server.request("GET", "/query?" + urllib.parse.urlencode({"query": ASK}),
                                   headers={"Origin": "http://example.test"})
    assert "access-control-allow-origin" not in headers
    assert server.request("OPTIONS", "/query", headers={"Origin": "http://example.test"})[0] == 405


def test_cors_for_the_given_origin_only(project: Path) -> None:
    other = start_server(project, "--cors", "http://example.test")
    try:
        path = "/query?" + urllib.parse.urlencode({"query": ASK})
        _, headers, _ = other.request("GET", path, headers={"Origin": "http://example.test"})
        assert headers["access-control-allow-origin"] == "http://example.test"
        _, headers, _ = other.request("GET", path, headers={"Origin": "http://other.test"})
        assert "access-control-allow-origin" not in headers
        status, headers, _ = other.request("OPTIONS", "/query", headers={"Origin": "http://example.test",
                                                                          "Access-Control-Request-Method": "POST"})
        assert status == 204 and headers["access-control-allow-methods"] == "GET, POST"
    finally:
        stop_server(other)


# --- the page and the exports ------------------------------------------------------------------------------

def test_query_page_lists_the_library_and_links_exports(server: Server) -> None:
    status, headers, body = server.request("GET", "/")
    page = body.decode("utf-8")
    assert status == 200 and "script-src 'self'" in headers["content-security-policy"]
    assert '"name": "actors-by-side"' in page
    assert 'href="/exports/ontology.html"' in page and 'href="/exports/tokutei.ttl"' in page
    assert not re.search(r"""(src|href|action)=["']?(https?:)?//""", page)  # nothing loaded from elsewhere
    status, headers, script = server.request("GET", "/page.js")
    assert status == 200 and b"innerHTML" not in script


def test_exports_are_served_and_nothing_else(server: Server) -> None:
    status, headers, body = server.request("GET", "/exports/tokutei.ttl")
    assert status == 200 and headers["content-type"] == "text/turtle; charset=utf-8"
    assert body == (server.root / "exports" / "tokutei.ttl").read_bytes()
    for path in ("/exports/../pyproject.toml", "/exports/%2e%2e/ontology/tokutei.ttl", "/exports/",
                 "/exports/.MANIFEST.json.tmp", "/etc/passwd"):
        assert server.request("GET", path)[0] == 404, path


# --- start-up ---------------------------------------------------------------------------------------------------

def test_default_bind_is_loopback(project: Path) -> None:
    from tokutei_kg.built import Built
    from tokutei_kg.pipeline import Project
    from tokutei_kg.serve import ServeOptions, start

    running = start(Built.open(Project(project)), ServeOptions(port=0))
    try:
        assert running.endpoint.server_address[0] == "127.0.0.1"  # type: ignore[attr-defined]
        assert running.url.startswith("http://127.0.0.1:")
    finally:
        running.close()


def test_missing_dataset_is_one_clear_line(tmp_path: Path) -> None:
    root = make_project(tmp_path / "empty")
    result = CliRunner().invoke(main, ["--root", str(root), "serve", "--port", "0"])
    assert result.exit_code == 2
    assert result.stderr == f"error: no built dataset at {root / 'graph/built/tokutei.nq'} — run `tokutei-kg build` first\n"


def test_corrupt_dataset_is_one_clear_line(tmp_path: Path) -> None:
    root = make_project(tmp_path / "corrupt")
    (root / "graph" / "built").mkdir(parents=True, exist_ok=True)
    (root / "graph" / "built" / "tokutei.nq").write_text("<urn:a> <urn:b> .\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["--root", str(root), "serve", "--port", "0"])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: the built dataset {root / 'graph/built/tokutei.nq'} is corrupt (")
    assert result.stderr.endswith("run `tokutei-kg build` again\n")


def test_port_in_use_is_one_clear_line(project: Path, server: Server) -> None:
    result = CliRunner().invoke(main, ["--root", str(project), "serve", "--port", str(server.port)])
    assert result.exit_code == 2
    assert result.stderr == f"error: port {server.port} on 127.0.0.1 is in use — choose another with --port " \
                            f"(e.g. --port {server.port + 1})\n"


def _group(pgid: str) -> list[str]:
    """Live (not zombie) processes of a process group."""
    found = subprocess.run(["pgrep", "-g", pgid], capture_output=True, text=True).stdout.split()
    return [pid for pid in found if os.path.exists(f"/proc/{pid}")
            and "zombie" not in Path(f"/proc/{pid}/status").read_text().lower()]


def test_serve_stops_its_processes_on_interrupt(project: Path) -> None:
    """Ctrl-C while a query keeps a worker busy: the server exits 0 and the engine and every worker are
    gone (one SIGKILL to their process group; nothing waits on the query). The bounds below only catch a
    hang on a busy machine; none is a timing assertion."""
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)  # the worst case: a runner started in the background
    try:
        other = start_server(project, "--timeout", "60")
    finally:
        signal.signal(signal.SIGINT, previous)
    children = subprocess.run(["pgrep", "-P", str(other.process.pid)], capture_output=True, text=True).stdout.split()
    assert len(children) == 1  # the engine
    busy = threading.Thread(target=_swallow, args=(other, CROSS_PRODUCT), daemon=True)
    busy.start()
    deadline = time.monotonic() + 60
    while len(_group(children[0])) < 2 and time.monotonic() < deadline:  # the engine and a busy worker
        time.sleep(0.05)
    assert len(_group(children[0])) >= 2
    other.process.send_signal(2)
    try:
        code = other.process.wait(timeout=60)
    except subprocess.TimeoutExpired:  # say where it hangs: faulthandler dumps every thread on SIGABRT
        other.process.send_signal(6)
        other.process.wait(timeout=20)
        log = other.log.read_text(encoding="utf-8", errors="replace")
        pytest.fail(f"serve did not stop within 60 s of Ctrl-C; its log and threads:\n{log[-6000:]}")
    assert code == 0
    deadline = time.monotonic() + 60
    while _group(children[0]) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _group(children[0]) == []


def test_serve_started_with_ctrl_c_ignored_says_how_to_stop_it_and_stops_on_sigterm(project: Path) -> None:
    running = start_server(project, ctrl_c=False)
    running.process.send_signal(signal.SIGINT)  # ignored, as the shell asked
    assert running.request("GET", "/", headers={"Host": f"127.0.0.1:{running.port}"})[0] == 200
    running.process.terminate()
    assert running.process.wait(timeout=60) == 0
    first = running.log.read_text(encoding="utf-8").splitlines()[0]
    assert first == (f"serving 4,509 quads read-only at http://127.0.0.1:{running.port}/ (SPARQL: "
                     f"http://127.0.0.1:{running.port}/query) — Ctrl-C is ignored in this process (started in the "
                     f"background?): stop it with kill {running.process.pid}")


def _swallow(server: Server, text: str) -> None:
    with contextlib.suppress(OSError):  # the server goes away mid-query, as it should
        server.query(text)
