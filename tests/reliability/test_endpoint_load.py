"""Issue 10.5: a bounded load on ``tokutei-kg serve`` (loopback): 8 concurrent clients run the whole
query library for 60 s with zero errors; the figures (p50/p95/p99, req/s, the server's memory and
descriptors before and after) are printed. The same run on the real graph, saturating (each client sends
as soon as it is answered), and the 10-minute soak are ``benchmarks/serve.py --load 60`` and ``--soak 600``
(not in CI).

Here the load is paced: every 0.5 s the 8 clients send one request each at the same instant (8 at once at
the server, 16 requests a second, ≈ 960 in all). A saturating load takes whatever CPU it gets for its
60 s — beside the rest of the suite, even at nice 15, about 27 CPU seconds, a seventh of the whole run —
and a lower priority trades that for starved answers (the slowest took 44 s at nice 19 against six busy
processes). Paced, its work is the same on any machine, and it runs at normal priority."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from serve_harness import REPO, Server, copy_built, start_server, stop_server
from tokutei_kg.query import library
from tokutei_kg.serve.loadtest import run_load

SECONDS, CLIENTS, INTERVAL = 60, 8, 0.5


@pytest.fixture(scope="module")
def server(built_mini_once: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    # a generous time limit: this test counts the server's errors under load, not a busy machine's slowness
    running = start_server(copy_built(built_mini_once, tmp_path_factory.mktemp("load") / "mini"), "--timeout", "60")
    yield running
    stop_server(running)
    assert "Traceback" not in running.log.read_text(encoding="utf-8")


@pytest.mark.slow(60, background=True)
def test_eight_clients_run_the_query_library_with_zero_errors(server: Server, capsys: pytest.CaptureFixture[str]) -> None:
    queries = [path.read_text(encoding="utf-8") for path in library(REPO / "sparql").values()]
    report = run_load(server.port, queries, clients=CLIENTS, seconds=SECONDS, interval=INTERVAL,
                      server_pid=server.process.pid)
    with capsys.disabled():
        print(f"\nload on serve (mini graph, {len(queries)} library queries):\n{report.summary()}")
    assert len(queries) >= 30, REPO / "sparql"  # the whole library (a wrong folder gave none, and no request)
    assert report.requests >= len(queries) * 2  # every library query ran, from more than one client
    assert report.requests <= CLIENTS * SECONDS / INTERVAL  # (paced: at most one request per client and tick)
    assert (report.errors, dict(report.failures)) == (0, {})
    assert dict(report.statuses) == {200: report.requests}
    assert report.after is not None and report.before is not None
    # no leak (it would grow with the requests): at most the clients' connections and the idle query processes'
    assert report.after.server_fds <= report.before.server_fds + CLIENTS + 10


class _Counting(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen: list[int] = []

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        self.rfile.read(int(self.headers["Content-Length"]))
        self.seen.append(self.client_address[1])
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: object) -> None:
        pass


def test_a_paced_load_sends_each_client_once_per_tick_at_most() -> None:
    """The pacing, against a server that answers at once (a saturating client would send thousands):
    4 clients, a tick every 0.2 s for 1 s — ticks at 0, 0.2, 0.4, 0.6 and 0.8 s."""
    _Counting.seen = []
    with ThreadingHTTPServer(("127.0.0.1", 0), _Counting) as fake:
        threading.Thread(target=fake.serve_forever, daemon=True).start()
        report = run_load(fake.server_address[1], ["ASK {}"], clients=4, seconds=1.0, interval=0.2)
        fake.shutdown()
    per_client = Counter(_Counting.seen)  # (a client keeps one connection: its port)
    assert len(per_client) == 4 and max(per_client.values()) <= 5
    assert report.requests == len(_Counting.seen) and report.errors == 0
    assert report.summary().startswith("4 clients (4 at once every 0.2 s), ")
