"""Helpers for the endpoint tests (tests/test_serve.py and tests/reliability/): a copy of the built mini
project, a ``tokutei-kg serve`` process on loopback, and a loopback listener that counts the connections it
accepts. A module of its own, so that it does not depend on which ``conftest`` is importable."""

from __future__ import annotations

import contextlib
import functools
import http.client
import os
import shutil
import signal
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

REPO = Path(__file__).resolve().parents[1]
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


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

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

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

    def query(self, text: str, accept: str = "application/sparql-results+json",
              **extra: str) -> tuple[int, dict[str, str], bytes]:
        """POST ``query=text`` (and ``extra`` form fields) asking for ``accept``: status, headers, body."""
        return self.request("POST", "/query", urllib.parse.urlencode({"query": text, **extra}),
                            {**FORM, "Accept": accept})

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


def _prepare(ctrl_c: bool) -> None:
    """In the server's process before it starts. Ctrl-C as from a terminal (``ctrl_c``), or ignored as in a
    background job of a script: a test run so started (CI's, ``make test &``) has SIGINT ignored, which its
    children inherit and Python keeps — the Ctrl-C test then hung (found in CI and reproduced). Linux: the
    server gets SIGTERM if the test process dies (a killed test run leaves no server behind)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL if ctrl_c else signal.SIG_IGN)
    if sys.platform == "linux":
        try:
            import ctypes

            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, 15)  # PR_SET_PDEATHSIG, SIGTERM
        except (OSError, AttributeError):
            pass


def start_server(root: Path, *args: str, host: str = "127.0.0.1", ctrl_c: bool = True, attempt: int = 1) -> Server:
    """``tokutei-kg serve`` on ``host`` and a free port, answering; its stderr in ``server.log``."""
    port = free_port(host)
    log = root.parent / f"serve-{host}-{port}.log"  # a file, not a pipe: the request log must never block it
    with log.open("wb") as stderr:
        # -X faulthandler: a SIGABRT writes every thread's stack to the log (see the Ctrl-C test)
        process = subprocess.Popen([sys.executable, "-X", "faulthandler", "-m", "tokutei_kg", "--root", str(root),
                                    "serve", "--host", host, "--port", str(port), *args], stdout=subprocess.DEVNULL,
                                   stderr=stderr, preexec_fn=functools.partial(_prepare, ctrl_c))
    server = Server(root, host, port, process, log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            message = log.read_text(encoding="utf-8")
            if " is in use " in message and attempt < 3:  # another worker took the port after free_port()
                return start_server(root, *args, host=host, ctrl_c=ctrl_c, attempt=attempt + 1)
            raise AssertionError(f"serve exited: {message}")
        try:
            if server.request("GET", "/page.js", headers={"Host": f"127.0.0.1:{port}"}, timeout=5)[0] == 200:
                return server
        except OSError:
            time.sleep(0.05)
    stop_server(server)
    raise AssertionError("serve did not answer within 60 s")


def engine_of(server: Server) -> int:
    """The pid of the query engine of a ``tokutei-kg serve`` process (its one child: the engine forks the rest)."""
    children = _children(server.process.pid)
    assert len(children) == 1, children
    return children[0]


def _children(pid: int) -> list[int]:
    """The child processes of ``pid`` (Linux /proc; its main thread's children file, else a scan)."""
    try:
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        found = []
        for entry in os.listdir("/proc"):
            try:
                if entry.isdigit() and int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry))
            except (OSError, IndexError, ValueError):
                continue
        return found


@contextmanager
def idle_when_long(engine: int, cpu: float = 0.25) -> Iterator[set[int]]:
    """For a test whose queries are *meant* to run to their time limit (the cross products and pathological
    queries of the availability and hardening tests): while the block runs, every query process of ``engine``
    that has used ``cpu`` seconds of CPU is moved to the SCHED_IDLE policy. It keeps its lane and runs on to
    its limit as before, but on CPU no other process wants — instead of taking the cores from the tests
    running beside it for 4 to 20 s (a lower nice value only shares them: ten such processes at nice 10 still
    took a fifth of the machine). Queries under ``cpu`` (the trivial ones the tests expect answers from) keep
    the server's priority. Yields the pids moved, so that a test can check it happened (Linux; elsewhere the
    set stays empty and nothing changes)."""
    from tokutei_kg.serve.engine import _cpu_of

    moved: set[int] = set()
    stop = threading.Event()

    def watch() -> None:
        while not stop.wait(0.1):
            for pid in _children(engine):
                if pid not in moved and (_cpu_of(pid) or 0.0) >= cpu:
                    with contextlib.suppress(OSError):  # (it may just have ended)
                        for thread in os.listdir(f"/proc/{pid}/task"):
                            os.sched_setscheduler(int(thread), os.SCHED_IDLE, os.sched_param(0))
                        moved.add(pid)

    thread = threading.Thread(target=watch, daemon=True)
    if hasattr(os, "SCHED_IDLE"):
        thread.start()
    try:
        yield moved
    finally:
        stop.set()
        if thread.is_alive():
            thread.join()


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
