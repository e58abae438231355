"""Which server should ``tokutei-kg serve`` be? Measures, on the built dataset and on loopback only:

* start-up: process start → first HTTP answer, for ``tokutei-kg serve`` (our server on pyoxigraph) and
  for the Oxigraph server (``oxigraph load`` into RocksDB + ``oxigraph serve-read-only``, which needs an
  on-disk store);
* throughput of a library query under a bounded load (C clients with keep-alive, S seconds) sent from
  a second process, for our server, the Oxigraph server alone, and the Oxigraph server behind the
  Python guard it would need (``check_read_only`` in a forwarding proxy);
* behaviour: SERVICE to a loopback listener, an update smuggled into ``query=``, a query over the time limit.

Figures are printed with the ratio to the baselines measured on the same machine class
(shared reference: Oxigraph server ready in 75 ms; pyoxigraph behind ThreadingHTTPServer 452 req/s).

    .venv/bin/python benchmarks/serve.py [--seconds 5] [--clients 4] [--runs 5] [--query actors-by-side]
    .venv/bin/python benchmarks/serve.py --client URL --seconds S --clients C QUERY_FILE   (the load process)

Load and soak of ``tokutei-kg serve`` alone (issue 10.5; not in CI — the CI run is 10 s on the mini graph,
``tests/reliability/test_endpoint_load.py``): 8 clients run the whole query library round-robin.

    .venv/bin/python benchmarks/serve.py --load 60      zero errors; p50/p95/p99, req/s, memory before/after
    .venv/bin/python benchmarks/serve.py --soak 600     the same for 10 minutes, sampled each minute: the
                                                        server's memory stays within ±10 % of the first
                                                        minute's, its descriptors do not grow (exit 1 otherwise)
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
BASELINE_READY_S = 0.075  # Oxigraph server, ready after start (performance-baseline.md §8)
BASELINE_REQ_S = 452.0  # pyoxigraph + ThreadingHTTPServer, join query, 8 clients (reliability.md §5.1)
CROSS_PRODUCT = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def post(port: int, query: str, path: str = "/query", timeout: float = 60) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("POST", path, urllib.parse.urlencode({"query": query}),
                           {"Content-Type": "application/x-www-form-urlencoded",
                            "Accept": "application/sparql-results+json"})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def wait_ready(port: int, process: subprocess.Popen[bytes], limit: float = 30) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited with {process.returncode}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            connection.request("GET", "/", headers={"Host": f"127.0.0.1:{port}"})
            connection.getresponse().read()
            connection.close()
            return
        except OSError:
            time.sleep(0.002)
    raise SystemExit("server not ready")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


# --- candidates ------------------------------------------------------------------------------------

def start_ours(timeout: float = 10, root: Path = ROOT) -> tuple[subprocess.Popen[bytes], int, float]:
    port = free_port()
    started = time.perf_counter()
    process = subprocess.Popen([str(BIN / "tokutei-kg"), "--root", str(root), "serve", "--port", str(port),
                                "--timeout", str(timeout)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_ready(port, process)
    return process, port, time.perf_counter() - started


def start_oxigraph(location: Path, timeout: float = 10, built: Path = ROOT / "graph" / "built" / "tokutei.nq",
                   ) -> tuple[subprocess.Popen[bytes], int, float, float]:
    """Returns the process, port, seconds to load RocksDB and seconds from server start to first answer."""
    started = time.perf_counter()
    subprocess.run([str(BIN / "oxigraph"), "load", "--location", str(location), "--file", str(built)],
                   check=True, capture_output=True)
    loaded = time.perf_counter()
    port = free_port()
    process = subprocess.Popen([str(BIN / "oxigraph"), "serve-read-only", "--location", str(location), "--bind",
                                f"127.0.0.1:{port}", "--union-default-graph", "--timeout-s", str(int(timeout))],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_ready(port, process)
    return process, port, loaded - started, time.perf_counter() - loaded


class Guard(BaseHTTPRequestHandler):
    """The least a Python guard in front of the Oxigraph server must do: refuse what
    ``check_read_only`` refuses, forward the rest."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    backend = 0
    local = threading.local()

    def do_POST(self) -> None:  # noqa: N802
        from tokutei_kg.query import QueryText, check_read_only

        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        query = urllib.parse.parse_qs(body.decode("utf-8")).get("query", [""])[0]
        try:
            check_read_only(QueryText(query, "query"))
        except Exception as exc:  # noqa: BLE001
            self._reply(400, "text/plain", str(exc).encode())
            return
        if not hasattr(self.local, "connection"):
            self.local.connection = http.client.HTTPConnection("127.0.0.1", self.backend, timeout=60)
        self.local.connection.request("POST", "/query", body, {"Content-Type": self.headers["Content-Type"],
                                                              "Accept": self.headers.get("Accept", "*/*")})
        response = self.local.connection.getresponse()
        self._reply(response.status, response.getheader("Content-Type", ""), response.read())

    do_GET = do_POST  # noqa: N815

    def _reply(self, status: int, kind: str, data: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


def start_guard(backend: int) -> tuple[ThreadingHTTPServer, int]:
    Guard.backend = backend
    server = ThreadingHTTPServer(("127.0.0.1", 0), Guard)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, server.server_address[1]


# --- load, from a second process ------------------------------------------------------------------------

def client_main(url: str, seconds: float, clients: int, query_file: Path) -> None:
    port = urllib.parse.urlsplit(url).port or 80
    body = urllib.parse.urlencode({"query": query_file.read_text(encoding="utf-8")})
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def work() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine: list[float] = []
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            try:
                connection.request("POST", "/query", body, {"Content-Type": "application/x-www-form-urlencoded",
                                                            "Accept": "application/sparql-results+json",
                                                            "Host": f"127.0.0.1:{port}"})
                response = connection.getresponse()
                response.read()
                ok = response.status == 200
            except OSError:
                ok = False
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            if ok:
                mine.append(time.perf_counter() - started)
            else:
                with lock:
                    errors[0] += 1
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=work) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    latencies.sort()
    print(json.dumps({"requests": len(latencies), "errors": errors[0], "seconds": seconds,
                      "p50_ms": 1000 * latencies[len(latencies) // 2] if latencies else None,
                      "p95_ms": 1000 * latencies[int(len(latencies) * 0.95)] if latencies else None}))


def load(port: int, seconds: float, clients: int, query_file: Path) -> dict[str, float]:
    out = subprocess.run([sys.executable, __file__, "--client", f"http://127.0.0.1:{port}/query", "--seconds",
                          str(seconds), "--clients", str(clients), str(query_file)],
                         capture_output=True, text=True, check=True).stdout
    figures = json.loads(out)
    figures["req_s"] = figures["requests"] / seconds
    return figures


# --- behaviour ------------------------------------------------------------------------------------------

def service_probe(port: int) -> tuple[int, int]:
    """(HTTP status, connections the loopback listener received) for a SERVICE query."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.5)
    target = listener.getsockname()[1]
    seen = [0]

    def accept() -> None:
        try:
            while True:
                connection, _ = listener.accept()
                seen[0] += 1
                connection.close()
        except OSError:
            pass

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    status, _ = post(port, f"SELECT * WHERE {{ SERVICE SILENT <http://127.0.0.1:{target}/sparql> {{ ?s ?p ?o }} }}")
    time.sleep(0.3)
    listener.close()
    thread.join(timeout=2)
    return status, seen[0]


def timeout_probe(port: int, wait: float = 30) -> str:
    started = time.perf_counter()
    try:
        status, body = post(port, CROSS_PRODUCT, timeout=wait)
    except TimeoutError:
        return f"no answer within {wait:g} s (the server is still busy with it)"
    try:
        json.loads(body)
        valid = "valid JSON"
    except ValueError:
        valid = "not valid JSON"
    first = body.decode("utf-8", "replace").strip().splitlines()[-1][:70] if body else ""
    return f"{status} after {time.perf_counter() - started:.1f} s, body {valid}: {first!r}"


# --- load and soak of the query library ----------------------------------------------------------------

def library_load(seconds: float, soak: float, clients: int) -> int:
    """The load run (``seconds``) or the soak (``soak`` seconds, sampled each minute). Exit status."""
    sys.path.insert(0, str(ROOT / "src"))
    from tokutei_kg.query import library
    from tokutei_kg.serve.loadtest import run_load

    queries = [path.read_text(encoding="utf-8") for path in library(ROOT / "sparql").values()]
    process, port, _ = start_ours()
    try:
        run_load(port, queries, clients=clients, seconds=600, max_requests=len(queries))  # warm: every query once
        if seconds:
            report = run_load(port, queries, clients=clients, seconds=seconds, server_pid=process.pid)
            print(f"load: {len(queries)} library queries, real graph, {os.cpu_count()} CPUs\n{report.summary()}")
            return 0 if report.errors == 0 else 1
        samples, errors, started = [], 0, time.monotonic()
        while time.monotonic() - started < soak:
            report = run_load(port, queries, clients=clients, seconds=min(60.0, soak - (time.monotonic() - started)),
                              server_pid=process.pid)
            errors += report.errors
            samples.append(report.after)
            print(f"[{time.monotonic() - started:5.0f} s] {report.summary()}", flush=True)
        baseline, last = samples[0], samples[-1]  # the first minute warms up (threads, allocator arenas)
        assert baseline is not None and last is not None
        drift = (last.server_rss - baseline.server_rss) / baseline.server_rss
        print(f"\nsoak {soak:g} s: {errors} errors; server RSS {baseline.server_rss / 2**20:.1f} → "
              f"{last.server_rss / 2**20:.1f} MiB ({drift:+.1%}); fds {baseline.server_fds} → {last.server_fds}")
        return 0 if errors == 0 and abs(drift) <= 0.10 and last.server_fds <= baseline.server_fds else 1
    finally:
        stop(process)


# --- report ---------------------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--query", default="actors-by-side")
    parser.add_argument("--client")
    parser.add_argument("query_file", nargs="?")
    parser.add_argument("--load", type=float, metavar="SECONDS", help="only the load run of the query library")
    parser.add_argument("--soak", type=float, metavar="SECONDS", help="only the soak (e.g. 600)")
    args = parser.parse_args()
    if args.client:
        client_main(args.client, args.seconds, args.clients, Path(args.query_file))
        return
    if args.load or args.soak:
        raise SystemExit(library_load(args.load or 0, args.soak or 0, 8 if args.clients == 4 else args.clients))
    built = ROOT / "graph" / "built" / "tokutei.nq"
    if not built.is_file():
        raise SystemExit("build first: tokutei-kg build")
    sys.path.insert(0, str(ROOT / "src"))
    from tokutei_kg.query import library

    query_file = library(ROOT / "sparql")[args.query]
    quads = sum(1 for line in built.read_bytes().splitlines() if line and not line.startswith(b"#"))
    print(f"dataset: {built.relative_to(ROOT)} ({quads:,} quads); query: {args.query}; load: {args.clients} "
          f"clients × {args.seconds:g} s from a second process; {os.cpu_count()} CPUs\n")

    ours, oxigraph_load, oxigraph_ready = [], [], []
    for _ in range(args.runs):
        process, _, seconds = start_ours()
        ours.append(seconds)
        stop(process)
        with tempfile.TemporaryDirectory() as location:
            process, _, loaded, ready = start_oxigraph(Path(location))
            oxigraph_load.append(loaded)
            oxigraph_ready.append(ready)
            stop(process)
    ours_s, load_s, ready_s = (statistics.median(x) for x in (ours, oxigraph_load, oxigraph_ready))
    print(f"start-up, median of {args.runs} (process start → first HTTP answer)")
    print(f"  tokutei-kg serve (pyoxigraph, in memory)       {ours_s * 1000:7.0f} ms   "
          f"× {ours_s / BASELINE_READY_S:.1f} the 75 ms baseline")
    print(f"  oxigraph load (RocksDB) + serve-read-only       {(load_s + ready_s) * 1000:7.0f} ms   "
          f"(load {load_s * 1000:.0f} ms + ready {ready_s * 1000:.0f} ms; ready × {ready_s / BASELINE_READY_S:.1f} "
          "the baseline)\n")

    rows = []
    process, port, _ = start_ours()
    try:
        rows.append(("tokutei-kg serve", load(port, args.seconds, args.clients, query_file), service_probe(port),
                     post(port, "INSERT DATA { <urn:a> <urn:b> <urn:c> }")[0], timeout_probe(port)))
    finally:
        stop(process)
    with tempfile.TemporaryDirectory() as location:
        process, port, _, _ = start_oxigraph(Path(location))
        try:
            alone = (load(port, args.seconds, args.clients, query_file), service_probe(port),
                     post(port, "INSERT DATA { <urn:a> <urn:b> <urn:c> }")[0])
            guard, guard_port = start_guard(port)
            guarded = (load(guard_port, args.seconds, args.clients, query_file), service_probe(guard_port),
                       post(guard_port, "INSERT DATA { <urn:a> <urn:b> <urn:c> }")[0])
            guard.shutdown()
            rows.append(("oxigraph serve-read-only", *alone, timeout_probe(port)))  # last: it may stay busy
            rows.append(("oxigraph + Python guard", *guarded, "as oxigraph (the guard cannot stop it)"))
        finally:
            stop(process)

    print(f"throughput of '{args.query}' ({args.clients} clients, keep-alive)")
    print(f"  {'server':28} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'errors':>6}  ratio to 452 req/s")
    for name, figures, *_ in rows:
        print(f"  {name:28} {figures['req_s']:7.0f} {figures['p50_ms']:7.1f} {figures['p95_ms']:7.1f} "
              f"{figures['errors']:6}  × {figures['req_s'] / BASELINE_REQ_S:.2f}")
    print("\nbehaviour")
    for name, _, (service_status, calls), update_status, timeout in rows:
        print(f"  {name:28} SERVICE → {service_status}, {calls} outbound connection(s); update in query= → "
              f"{update_status}")
        print(f"  {'':28} over the time limit → {timeout}")


if __name__ == "__main__":
    main()
