"""Issue 10.5: a bounded load on ``tokutei-kg serve`` (loopback): 8 concurrent clients run the whole
query library for 60 s (at most 100,000 requests) with zero errors; the figures (p50/p95/p99, req/s, the
server's memory and descriptors before and after) are printed. The same run on the real graph and the
10-minute soak are ``benchmarks/serve.py --load 60`` and ``--soak 600`` (not in CI)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from serve_harness import REPO, Server, copy_built, start_server, stop_server

from tokutei_kg.query import library
from tokutei_kg.serve.loadtest import run_load


@pytest.fixture(scope="module")
def server(built_mini_once: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    # a generous time limit: this test counts the server's errors under load, not a busy machine's slowness
    running = start_server(copy_built(built_mini_once, tmp_path_factory.mktemp("load") / "mini"), "--timeout", "60")
    yield running
    stop_server(running)
    assert "Traceback" not in running.log.read_text(encoding="utf-8")


@pytest.mark.slow(60)
def test_eight_clients_run_the_query_library_with_zero_errors(server: Server, capsys: pytest.CaptureFixture[str]) -> None:
    queries = [path.read_text(encoding="utf-8") for path in library(REPO / "sparql").values()]
    report = run_load(server.port, queries, clients=8, seconds=60, max_requests=100_000, server_pid=server.process.pid)
    with capsys.disabled():
        print(f"\nload on serve (mini graph, {len(queries)} library queries):\n{report.summary()}")
    assert report.requests >= len(queries)  # every library query ran at least once
    assert (report.errors, dict(report.failures)) == (0, {})
    assert dict(report.statuses) == {200: report.requests}
    assert report.after is not None and report.before is not None
    assert report.after.server_fds <= report.before.server_fds + 8 + 2  # the clients' connections, no leak
