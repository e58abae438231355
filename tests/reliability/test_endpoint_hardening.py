"""Issue 10.4: hostile requests to ``tokutei-kg serve``. Big bodies are refused from their
Content-Length (never read, no memory spike); deep nesting and long UNION chains are refused before the
engine (whose parser would overflow its stack and crash); ten concurrent pathological queries are stopped
or refused while another client's ordinary queries keep answering; nothing prints a traceback."""

from __future__ import annotations

import contextlib
import socket
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from click.testing import CliRunner

from serve_harness import FORM, Server, copy_built, engine_of, idle_when_long, start_server, stop_server
from tokutei_kg.cli import main

TRIVIAL = "ASK { ?x dct:identifier 'kemnaker' }"


@pytest.fixture(scope="module")
def project(built_mini_once: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_built(built_mini_once, tmp_path_factory.mktemp("hardening") / "mini")


def _serving(project: Path) -> Iterator[Server]:
    running = start_server(project, "--timeout", "4")
    yield running
    stop_server(running)
    assert "Traceback" not in running.log.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def server(project: Path) -> Iterator[Server]:
    yield from _serving(project)


@pytest.fixture
def attacked_server(project: Path) -> Iterator[Server]:
    """A server of its own: its attacks run to the time limit (on idle CPU, see the test)."""
    yield from _serving(project)


def _rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def _post_streaming(server: Server, declared: int, send: int) -> bytes:
    """Declare a body of ``declared`` bytes, send ``send`` of them, return what the server answers."""
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=30)
    try:
        sock.sendall(f"POST /query HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nContent-Type: {FORM['Content-Type']}\r\n"
                     f"Content-Length: {declared}\r\n\r\n".encode())
        chunk = b"query=" + b"#" * (64 * 1024 - 6)
        with contextlib.suppress(OSError):  # the server may close before all is sent
            for _ in range(send // len(chunk)):
                sock.sendall(chunk)
        data = b""
        with contextlib.suppress(OSError):
            while part := sock.recv(65536):
                data += part
        return data
    finally:
        sock.close()


@pytest.mark.parametrize("megabytes", [1, 100])
def test_a_big_body_is_refused_from_its_length_without_reading_it(server: Server, megabytes: int) -> None:
    before = _rss(server.process.pid)
    answer = _post_streaming(server, megabytes * 1024 * 1024, megabytes * 1024 * 1024)  # (until refused)
    after = _rss(server.process.pid)
    assert answer.split(b"\r\n")[0] == b"HTTP/1.1 413 Request Entity Too Large"
    assert answer.endswith(b"\r\n\r\nerror: the request body is larger than the limit (65536 bytes)\n")
    assert after - before < 16 * 1024 * 1024  # whatever was sent, none of it was kept
    assert server.post(TRIVIAL)[0] == 200


def test_ten_thousand_unions_are_refused(server: Server, project: Path) -> None:
    text = "SELECT * WHERE { " + "UNION".join(["{}"] * 10_000) + " }"
    assert server.direct(text) == (413, b"error: the request body is larger than the limit (65536 bytes)\n")
    result = CliRunner().invoke(main, ["--root", str(project), "query", "-e", text])
    assert (result.exit_code, result.stderr) == (
        2, "<inline>:1:7020: error: the query has more than 1,000 UNIONs — list alternatives with VALUES instead\n")
    within = "SELECT * WHERE { " + "UNION".join(["{}"] * 9_000) + " }"  # under the size cap: the UNION limit
    assert server.direct(within) == (
        400, b"query:1:7020: error: the query has more than 1,000 UNIONs \xe2\x80\x94 list alternatives with VALUES "
             b"instead\n")


@pytest.mark.parametrize("depth", [500, 5_000, 30_000])
def test_deep_nesting_is_refused_not_a_crash(server: Server, project: Path, depth: int) -> None:
    text = "SELECT * WHERE " + "{" * depth + "?s ?p ?o" + "}" * depth
    message = "1:216: error: the query nests brackets more than 200 deep — simplify it"
    result = CliRunner().invoke(main, ["--root", str(project), "query", "-e", text])
    assert (result.exit_code, result.stderr) == (2, f"<inline>:{message}\n")
    assert server.direct(text) == (400, f"query:{message}\n".encode())
    parentheses = "SELECT * WHERE { FILTER(" + "(" * depth + "1" + ")" * depth + ") }"
    assert server.direct(parentheses) == (
        400, b"query:1:223: error: the query nests brackets more than 200 deep \xe2\x80\x94 simplify it\n")
    assert server.post(TRIVIAL)[0] == 200


def test_deep_nesting_in_a_service_query_is_refused_by_the_parser_not_a_recursion_error(project: Path) -> None:
    text = "# service\nSELECT * WHERE " + "{" * 150 + "?s ?p ?o" + "}" * 150
    result = CliRunner().invoke(main, ["--root", str(project), "query", "-e", text])
    assert (result.exit_code, result.stderr) == (2, "<inline>: error: the query is nested too deeply to be checked\n")


PATHOLOGICAL = [
    "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }",  # a cross product
    "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?c ?f ?i LIMIT 1",  # ORDER BY over one
    "SELECT (COUNT(*) AS ?n) WHERE { ?a (!<urn:x:none>)* ?b . ?c ?d ?e }",  # an unbounded property path
    "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i FILTER(REGEX(STR(?i), '(a+)+$')) }",  # REGEX
    "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i FILTER(REGEX(STR(?c), STR(?f))) }",
]
STOPPED = {
    b"error: the query was stopped at the time limit (4 s) \xe2\x80\x94 add LIMIT, bind a variable or narrow the "
    b"pattern\n",
    b"error: the query was stopped after 2 s of CPU: the server is busy with long queries (their limit is 4 s) "
    b"\xe2\x80\x94 try again in a moment, or add LIMIT\n",
    b"error: too many queries at once \xe2\x80\x94 try again in a moment\n",
    # an ORDER BY over a cross product may pass the memory limit before the time limit
    "error: the query was stopped: its process ran out of memory (1,024 MiB) or CPU time (4 s) — add LIMIT, bind a "
    "variable or narrow the pattern\n".encode(),
}


@pytest.mark.slow(8, background=True)
def test_ten_pathological_queries_are_stopped_while_ordinary_ones_answer(attacked_server: Server) -> None:
    server = attacked_server
    attacker = Server(server.root, "127.0.0.1", server.port, server.process, server.log)

    def hostile(text: str) -> tuple[int, bytes]:
        import http.client
        import urllib.parse

        connection = http.client.HTTPConnection("127.0.0.1", attacker.port, timeout=60,
                                                source_address=("127.0.0.3", 0))
        try:
            connection.request("POST", "/query", urllib.parse.urlencode({"query": text}),
                               {**FORM, "Host": f"127.0.0.1:{attacker.port}"})
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    with ThreadPoolExecutor(10) as pool, idle_when_long(engine_of(server)) as idle:
        attacks = [pool.submit(hostile, PATHOLOGICAL[i % len(PATHOLOGICAL)]) for i in range(10)]
        time.sleep(0.5)  # (only so that the attacks hold their lanes first; nothing is timed)
        ordinary = []
        while not all(a.done() for a in attacks):
            ordinary.append(server.post(TRIVIAL))
        answers = [a.result() for a in attacks]
    assert len(idle) >= 1  # attacks went on to their limit on idle CPU
    assert len(ordinary) >= 1
    assert ordinary == [(200, b'{"head":{},"boolean":true}')] * len(ordinary)
    assert [status for status, _ in answers] == [503] * 10
    assert {body for _, body in answers} <= STOPPED
    assert server.post(TRIVIAL)[0] == 200
