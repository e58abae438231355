"""A bounded load on a running ``tokutei-kg serve`` (loopback): C clients with keep-alive send queries
round-robin for S seconds (or N requests), and the figures of the run — requests, errors by status,
latency percentiles, requests per second, and the server's memory and open descriptors before and
after. Used by ``tests/reliability/test_endpoint_load.py`` (short, in CI) and ``benchmarks/serve.py``
(60 s, and the 10-minute soak). Nothing here starts or stops a server.
"""

from __future__ import annotations

import http.client
import math
import os
import statistics
import threading
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Usage:
    """Memory (resident, bytes) and open descriptors of the server and of its engine and workers."""

    server_rss: int
    engine_rss: int
    server_fds: int

    @staticmethod
    def of(pid: int) -> Usage:
        return Usage(_rss(pid), sum(_rss(p) for p in _group_of_children(pid)), _fds(pid))


@dataclass
class LoadReport:
    clients: int
    seconds: float
    interval: float | None = None  # paced: all clients send at once every ``interval`` s (None: saturating)
    requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    failures: Counter[str] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    samples: dict[int, str] = field(default_factory=dict)  # the first answer of each status other than 200
    before: Usage | None = None
    after: Usage | None = None

    @property
    def errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status != 200) + sum(self.failures.values())

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies)
        if not ordered:
            return 0.0
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))]

    def summary(self) -> str:
        rate = self.requests / self.seconds if self.seconds else 0.0
        pace = f" ({self.clients} at once every {self.interval:g} s)" if self.interval else ""
        lines = [f"{self.clients} clients{pace}, {self.seconds:.1f} s: {self.requests:,} requests, {rate:,.0f} req/s, "
                 f"{self.errors} errors {dict(self.statuses)} {dict(self.failures)} {self.samples or ''}",
                 f"latency ms: p50 {self.percentile(0.50) * 1000:.1f}, p95 {self.percentile(0.95) * 1000:.1f}, "
                 f"p99 {self.percentile(0.99) * 1000:.1f}, mean "
                 f"{(statistics.fmean(self.latencies) if self.latencies else 0) * 1000:.1f}"]
        if self.before and self.after:
            lines.append(f"server RSS {self.before.server_rss / 2**20:.1f} → {self.after.server_rss / 2**20:.1f} MiB; "
                         f"engine and workers {self.before.engine_rss / 2**20:.1f} → "
                         f"{self.after.engine_rss / 2**20:.1f} MiB; server fds {self.before.server_fds} → "
                         f"{self.after.server_fds}")
        return "\n".join(lines)


def run_load(port: int, queries: list[str], *, clients: int = 8, seconds: float = 10.0,
             max_requests: int | None = None, server_pid: int | None = None, host: str = "127.0.0.1",
             interval: float | None = None) -> LoadReport:
    """Send ``queries`` round-robin from ``clients`` threads for ``seconds`` (or ``max_requests`` in all).

    Each client sends its next request as soon as the last is answered (a saturating load: its figures are
    the server's capacity), or with ``interval`` on a common clock: every ``interval`` seconds all clients
    send one request at the same instant (``clients`` at once; a client still waiting skips that tick) — a
    paced load, whose work is bounded (``clients / interval`` requests per second at most) whatever the
    machine's speed: what the test suite runs beside other tests."""
    report = LoadReport(clients, seconds, interval=interval)
    if server_pid is not None:
        report.before = Usage.of(server_pid)
    lock = threading.Lock()
    origin = time.monotonic()
    deadline = origin + seconds
    sent = [0]

    def wait_for_tick() -> bool:
        """Sleep until the next tick of the common clock (at once without ``interval``); False past the end."""
        if interval is None:
            return True
        now = time.monotonic()
        tick = origin + math.ceil((now - origin) / interval) * interval
        if tick >= deadline:
            return False
        time.sleep(tick - now)
        return True

    def client(index: int) -> None:
        connection = http.client.HTTPConnection(host, port, timeout=60)
        position = index
        while time.monotonic() < deadline and wait_for_tick():
            with lock:
                if max_requests is not None and sent[0] >= max_requests:
                    break
                sent[0] += 1
            body = urllib.parse.urlencode({"query": queries[position % len(queries)]})
            position += 1
            started = time.monotonic()
            status = _send(connection, body, report, lock)
            elapsed = time.monotonic() - started
            with lock:
                report.requests += 1
                report.latencies.append(elapsed)
                if status is not None:
                    report.statuses[status] += 1
        connection.close()

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    report.seconds = time.monotonic() - started
    if server_pid is not None:
        report.after = Usage.of(server_pid)
    return report


def _send(connection: http.client.HTTPConnection, body: str, report: LoadReport, lock: threading.Lock) -> int | None:
    """POST one query; its status (None: no answer, counted in ``report.failures``)."""
    try:
        connection.request("POST", "/query", body, {"Content-Type": "application/x-www-form-urlencoded",
                                                    "Accept": "application/sparql-results+json"})
        response = connection.getresponse()
        data = response.read()
        if response.status != 200:
            with lock:
                report.samples.setdefault(int(response.status), data[:300].decode("utf-8", "replace"))
        if response.will_close:
            connection.close()
        return int(response.status)
    except (OSError, http.client.HTTPException) as exc:
        connection.close()
        with lock:
            report.failures[type(exc).__name__] += 1
        return None


def _rss(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text(encoding="ascii").splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


def _fds(pid: int) -> int:
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return 0


def _group_of_children(pid: int) -> list[int]:
    """The processes of the engine's group (the engine, a child of ``pid``, and its workers)."""
    children: list[int] = []
    try:
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                fields = Path(f"/proc/{entry}/stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:  # the parent: the engine
                engine = int(entry)
                children.append(engine)
        engines = set(children)
        for entry in os.listdir("/proc"):
            if not entry.isdigit() or int(entry) in engines:
                continue
            try:
                fields = Path(f"/proc/{entry}/stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) in engines:  # the process group: a worker
                children.append(int(entry))
    except OSError:
        pass
    return children
