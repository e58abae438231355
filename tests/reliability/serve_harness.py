"""Helpers for the endpoint tests in this folder (a module of their own, so that they do not depend on
which ``conftest`` is importable): a copy of the built mini project, a ``tokutei-kg serve`` process on loopback,
and a loopback listener that counts the connections it accepts."""

from __future__ import annotations

import http.client
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
# The nice value of the processes of a test whose load is elastic (``@pytest.mark.slow(..., background=True)``:
# queries kept running for a fixed time or to their time limit): they take the CPU the other tests leave.
BACKGROUND = 10


def copy_built(built: Path, root: Path) -> Path:
    """A copy at ``root`` of ``built``, the mini project (repository ontology and queries, mini curated
    graph) built once per test run (the ``built_mini_once`` fixture): the server's own to change."""
    return Path(shutil.copytree(built, root, symlinks=True))


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    root: Path
    host: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    def request(self, method: str, path: str, body: bytes | str | None = None,
                headers: dict[str, str] | None = None, timeout: float = 30) -> tuple[int, dict[str, str], bytes]:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            data = body.encode("utf-8") if isinstance(body, str) else body
            connection.request(method, path, body=data, headers=headers or {})
            response = connection.getresponse()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        finally:
            connection.close()

    def post(self, text: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        status, _, body = self.request("POST", "/query", urllib.parse.urlencode({"query": text}),
                                       {**FORM, "Accept": "application/sparql-results+json", **(headers or {})})
        return status, body

    def get(self, text: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        status, _, body = self.request("GET", "/query?" + urllib.parse.urlencode({"query": text}), None,
                                       {"Accept": "application/sparql-results+json", **(headers or {})})
        return status, body

    def direct(self, text: str) -> tuple[int, bytes]:
        status, _, body = self.request("POST", "/query", text, {"Content-Type": "application/sparql-query"})
        return status, body


def _die_with_parent() -> None:
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, 15)  # PR_SET_PDEATHSIG, SIGTERM
    except (OSError, AttributeError):
        pass


def start_server(root: Path, *args: str, host: str = "127.0.0.1", nice: int = 0, attempt: int = 1) -> Server:
    """``tokutei-kg serve`` on ``host`` and a free port, answering. ``nice`` > 0 runs the server (and its
    engine and query processes, which inherit it) that much lower in CPU priority (``nice -n``): for a test whose load is
    elastic — one that keeps queries running for a fixed time, or until their time limit — so that it
    yields the cores to the tests running beside it instead of taking them (:data:`BACKGROUND`)."""
    port = free_port(host)
    log = root.parent / f"serve-{host}-{port}.log"

    def prepare() -> None:
        if sys.platform == "linux":
            _die_with_parent()
        if nice:
            os.nice(nice)

    with log.open("wb") as stderr:
        process = subprocess.Popen([sys.executable, "-m", "tokutei_kg", "--root", str(root), "serve", "--host", host,
                                    "--port", str(port), *args], stdout=subprocess.DEVNULL, stderr=stderr,
                                   preexec_fn=prepare)
    server = Server(root, host, port, process, log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            message = log.read_text(encoding="utf-8")
            if " is in use " in message and attempt < 3:  # another worker took the port after free_port()
                return start_server(root, *args, host=host, nice=nice, attempt=attempt + 1)
            raise AssertionError(f"serve exited: {message}")
        try:
            if server.request("GET", "/page.js", headers={"Host": f"127.0.0.1:{port}"}, timeout=5)[0] == 200:
                return server
        except OSError:
            time.sleep(0.05)
    stop_server(server)
    raise AssertionError("serve did not answer within 60 s")


def in_background(pid: int) -> None:
    """Lower the CPU priority of process ``pid`` by :data:`BACKGROUND` (as ``nice -n``); the processes it forks
    later inherit it."""
    from tokutei_kg.serve.loadtest import lower_priority

    lower_priority(BACKGROUND, pid)


def stop_server(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


@dataclass
class Listener:
    port: int
    accepted: list[str] = field(default_factory=list)


@contextmanager
def listener() -> Iterator[Listener]:
    """A socket on 127.0.0.1 counting the connections it accepts (SERVICE must never reach it)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    sock.settimeout(0.05)
    found = Listener(int(sock.getsockname()[1]))
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                connection, address = sock.accept()
            except OSError:
                continue
            found.accepted.append(f"{address[0]}:{address[1]}")
            connection.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield found
    finally:
        time.sleep(0.2)  # a connection made at the last moment is still counted
        stop.set()
        thread.join()
        sock.close()
