"""The query engine behind ``tokutei-kg serve``: queries run in worker processes, so a time limit is a kill.

Neither pyoxigraph nor rdflib can interrupt a running query from Python (reliability.md §0.5), so the
HTTP threads never evaluate SPARQL. At start-up, before any thread exists, the server loads the
dataset and forks an *engine* process that holds it and does nothing but fork workers: it receives
one end of a fresh socket pair and forks a worker that answers queries on it, one after another.
Workers have the dataset by copy-on-write, cap their memory and (per query) their CPU time, run each
query through :func:`tokutei_kg.query.run` (read-only checks, syntax errors with line:column) and
serialise at most ``max_result_bytes``. The HTTP side keeps idle workers in a pool (a fork per query
cost ~8 ms, a pooled worker ~0.3 ms); a worker past the deadline is killed, the client told why, and
a fresh one forked for the next query. Forking only from the single-threaded engine keeps it safe.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import queue
import select
import signal
import socket
import struct
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from ..errors import QueryError, TokuteiError, format_error
from ..nonet import deny_network
from .negotiate import negotiate

_LENGTH = struct.Struct("!I")
STOPPED = b"error: the query was stopped at"


@dataclass(frozen=True)
class Limits:
    timeout: float = 10.0
    max_result_bytes: int = 16 * 1024 * 1024
    memory_bytes: int = 1024 * 1024 * 1024


@dataclass(frozen=True)
class Answer:
    status: int
    content_type: str
    body: bytes


class ServeError(TokuteiError):
    """The server cannot start (no POSIX fork, dataset missing, empty or corrupt)."""


class ResultTooLarge(Exception):
    pass


class _CappedBuffer:
    """A binary writer that refuses to grow past ``limit`` bytes (so a huge result stops early)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.parts: list[bytes] = []
        self.size = 0

    def write(self, data: bytes) -> int:
        self.size += len(data)
        if self.size > self.limit:
            raise ResultTooLarge
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def getvalue(self) -> bytes:
        return b"".join(self.parts)


def load_dataset(path: Path) -> ox.Store:
    """The built dataset in memory; a clear error when it is missing, corrupt or empty."""
    from ..store import open_store

    store = open_store(path)
    check_not_empty(store, path)
    return store


def check_not_empty(store: ox.Store, path: Path) -> int:
    """The number of quads of the built dataset ``path`` in ``store``; a clear error when there are none."""
    quads = len(store)
    if quads == 0:
        raise ServeError(f"the built dataset {path} is empty", hint="run `tokutei-kg build` again")
    return quads


# --- the child: answer one query ----------------------------------------------------------------

def answer(store: ox.Store, request: dict[str, str], limits: Limits) -> Answer:
    """Run one query and serialise its result in the negotiated format (pure: no I/O but the store)."""
    from ..query import QueryText, failure, run

    query = QueryText(request["query"], "query")
    try:
        result = run(store, query)
    except QueryError as exc:
        return _refused(exc)
    buffer = _CappedBuffer(limits.max_result_bytes)
    kind = "graph" if isinstance(result, ox.QueryTriples) else "boolean" if isinstance(result, ox.QueryBoolean) \
        else "solutions"
    media_type, fmt = negotiate(kind, request.get("accept", ""), request.get("format", ""))
    try:
        if isinstance(result, (ox.QuerySolutions, ox.QueryBoolean)):
            result.serialize(buffer, format=fmt)  # type: ignore[arg-type]
        else:
            ox.serialize(result, buffer, format=fmt)  # type: ignore[arg-type]
    except (RuntimeError, OSError) as exc:  # raised while evaluating (lazily, as the result is written)
        return _refused(failure(query, exc))
    except ResultTooLarge:
        megabytes = limits.max_result_bytes / (1024 * 1024)
        message = f"error: the result is larger than {megabytes:g} MiB — add LIMIT or narrow the query\n"
        return Answer(413, "text/plain; charset=utf-8", message.encode())
    return Answer(200, media_type, buffer.getvalue())


def _refused(exc: QueryError) -> Answer:
    return Answer(400, "text/plain; charset=utf-8", (format_error(exc).splitlines()[0] + "\n").encode("utf-8"))


def _worker(conn: socket.socket, store: ox.Store, limits: Limits) -> None:
    """Answer queries on ``conn`` one after another until the server closes it."""
    _limit("RLIMIT_AS", _address_space() + limits.memory_bytes)
    deny_network()  # no internet socket in this process: a SERVICE that got past the check reaches nothing
    conn.sendall(_LENGTH.pack(os.getpid()))
    while True:
        try:
            request = json.loads(_read_frame(conn))
        except ConnectionError:
            return
        _limit("RLIMIT_CPU", math.ceil(_cpu_seconds() + limits.timeout) + 1)  # per query; SIGXCPU is a backstop
        try:
            result = answer(store, request, limits)
        except MemoryError:
            result = Answer(503, "text/plain; charset=utf-8", b"error: the query needed more memory than the limit\n")
        header = json.dumps({"status": result.status, "type": result.content_type}).encode()
        conn.sendall(_LENGTH.pack(len(header)) + header + _LENGTH.pack(len(result.body)) + result.body)


def _cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


def _limit(name: str, soft: int) -> None:
    """Lower a soft resource limit of this process (the hard limit stays, so it can be raised again)."""
    try:
        import resource

        which = getattr(resource, name)
        hard = resource.getrlimit(which)[1]
        resource.setrlimit(which, (soft if hard == resource.RLIM_INFINITY else min(soft, hard), hard))
    except (ImportError, AttributeError, ValueError, OSError):
        pass  # not enforceable here (e.g. RLIMIT_AS on macOS); the wall-clock kill still applies


def _address_space() -> int:
    try:
        with open("/proc/self/statm", encoding="ascii") as handle:
            return int(handle.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return 0


def _read_frame(conn: socket.socket) -> bytes:
    size = _LENGTH.unpack(_read_exactly(conn, _LENGTH.size))[0]
    return _read_exactly(conn, size)


def _read_exactly(conn: socket.socket, size: int, deadline: float | None = None) -> bytes:
    """``size`` bytes from ``conn``; with a ``deadline`` (monotonic), each read times out at it."""
    chunks, remaining = [], size
    while remaining:
        if deadline is not None:
            conn.settimeout(max(0.01, deadline - time.monotonic()))
        chunk = conn.recv(min(remaining, 1 << 16))
        if not chunk:
            raise ConnectionError("the query process ended early")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


# --- the engine process ---------------------------------------------------------------------------

def _engine(control: socket.socket, store: ox.Store, limits: Limits) -> None:
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the server's to handle; we stop on EOF
    _warm()
    while True:
        try:
            message, fds, _, _ = socket.recv_fds(control, 1, 1)
        except OSError:
            return
        if not message or not fds:
            return
        if os.fork() == 0:
            control.close()
            try:
                _worker(socket.socket(fileno=fds[0]), store, limits)
            except Exception as exc:  # a bug: the HTTP side answers 500; say what it was on the console
                sys.stderr.write(f"tokutei-kg serve: query process failed: {type(exc).__name__}: {exc}\n")
            finally:
                os._exit(0)
        os.close(fds[0])


def _warm() -> None:
    """Load once, in the engine, what every query process would otherwise load for its first query — the
    query checks and rdflib's SPARQL parser (for a text that mentions SERVICE: "Immigration Services Agency"
    does) — then freeze the heap: the workers get both by copy-on-write, and their garbage collector leaves
    the inherited objects alone instead of copying their pages. (A fresh worker's first pass over the query
    library took 0.31 CPU s, later passes 0.12 s.)"""
    import gc

    import rdflib.plugins.sparql.parser  # noqa: F401 (imports pyparsing, which the check also uses)

    from .. import query  # noqa: F401

    gc.collect()
    gc.freeze()


class Engine:
    """Runs queries in forked processes with a wall-clock limit. Start it before any thread exists."""

    def __init__(self, store: ox.Store, limits: Limits, *, idle: int = 4) -> None:
        if not hasattr(os, "fork") or not hasattr(socket, "send_fds"):
            raise ServeError("tokutei-kg serve needs a POSIX system (Linux, macOS); on Windows use WSL, "
                             "or push the data to a SPARQL server with `tokutei-kg push`")
        self.limits = limits
        self._lock = threading.Lock()
        self._idle: queue.LifoQueue[tuple[socket.socket, int]] = queue.LifoQueue()
        self._max_idle = idle
        self._control, engine_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        self.pid = os.fork()
        if self.pid == 0:
            self._control.close()
            try:
                os.setpgid(0, 0)  # the engine and its workers: one process group, stopped with one kill
                _die_with_parent()
                _engine(engine_end, store, limits)
            finally:
                os._exit(0)
        with contextlib.suppress(OSError):
            os.setpgid(self.pid, self.pid)  # (also here: no race with close())
        engine_end.close()

    def run(self, request: dict[str, str], *, soft_timeout: float | None = None,
            may_run_long: Callable[[], bool] | None = None) -> Answer:
        """Answer one query in a worker process, within the time limit (the worker is killed past it).

        With ``soft_timeout`` (CPU seconds): a query still running then goes on only if ``may_run_long()`` says so
        (the server lets a few queries run long, see :class:`tokutei_kg.serve.app.Capacity`); else it
        is stopped there, and the client told the server is busy with long queries."""
        started = time.monotonic()
        deadline = started + self.limits.timeout
        try:
            conn, pid = self._idle.get_nowait()
        except queue.Empty:
            try:
                conn, pid = self._new_worker(deadline)
            except (OSError, ConnectionError, struct.error):
                return Answer(503, "text/plain; charset=utf-8",
                              b"error: the query engine has stopped - restart tokutei-kg serve\n")
        soft = None if soft_timeout is None or soft_timeout >= self.limits.timeout else soft_timeout
        answer = self._exchange(conn, pid, request, deadline, soft, may_run_long)
        if answer is None:
            _kill(pid)
            conn.close()
            # The worker died mid-query: the engine aborts when an allocation passes the memory limit
            # (Rust does not unwind into a MemoryError), and SIGXCPU ends it past its CPU limit. Both are
            # the query's limits, not a server fault: 503 like the other stopped queries.
            message = f"error: the query was stopped: its process ran out of memory " \
                      f"({self.limits.memory_bytes // 2**20:,} MiB) or CPU time ({self.limits.timeout:g} s) — " \
                      "add LIMIT, bind a variable or narrow the pattern\n"
            return Answer(503, "text/plain; charset=utf-8", message.encode("utf-8"))
        if answer.status == 503 and answer.body.startswith(STOPPED):
            conn.close()  # the worker was killed
        elif self._idle.qsize() < self._max_idle:
            self._idle.put((conn, pid))
        else:
            conn.close()  # the worker sees EOF and exits
        return answer

    def _new_worker(self, deadline: float) -> tuple[socket.socket, int]:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            with self._lock:
                socket.send_fds(self._control, [b"q"], [theirs.fileno()])
        finally:
            theirs.close()
        ours.settimeout(max(0.01, deadline - time.monotonic()))
        return ours, _LENGTH.unpack(_read_exactly(ours, _LENGTH.size))[0]

    def _exchange(self, conn: socket.socket, pid: int, request: dict[str, str], deadline: float,
                  soft: float | None, may_run_long: Callable[[], bool] | None) -> Answer | None:
        try:
            conn.settimeout(max(0.01, deadline - time.monotonic()))
            payload = json.dumps(request).encode("utf-8")
            conn.sendall(_LENGTH.pack(len(payload)) + payload)
            if soft is not None and not self._may_go_on(conn, pid, soft, deadline, may_run_long):
                _kill(pid)
                message = f"error: the query was stopped after {soft:g} s of CPU: the server is busy with long " \
                          f"queries (their limit is {self.limits.timeout:g} s) — try again in a moment, or add LIMIT\n"
                return Answer(503, "text/plain; charset=utf-8", message.encode("utf-8"))
            header = json.loads(self._frame(conn, deadline, 64 * 1024))
            body = self._frame(conn, deadline, self.limits.max_result_bytes)
            return Answer(int(header["status"]), str(header["type"]), body)
        except TimeoutError:
            _kill(pid)
            message = f"error: the query was stopped at the time limit ({self.limits.timeout:g} s) — " \
                      "add LIMIT, bind a variable or narrow the pattern\n"
            return Answer(503, "text/plain; charset=utf-8", message.encode("utf-8"))
        except (ConnectionError, OSError, ValueError, KeyError, struct.error):
            return None

    def _may_go_on(self, conn: socket.socket, pid: int, soft: float, deadline: float,
                   may_run_long: Callable[[], bool] | None) -> bool:
        """Wait for the answer to begin; once the query has used ``soft`` seconds of CPU (wall-clock time
        where a process's CPU time cannot be read) it goes on only if ``may_run_long()``. CPU, not wall
        time: on a busy machine a cheap query waits for a core, and must not count as a long one."""
        start_cpu, start_wall = _cpu_of(pid), time.monotonic()
        while not _readable(conn, min(deadline, time.monotonic() + 0.1)):
            if time.monotonic() >= deadline:
                return True  # the time limit: reading the answer times out and says so
            if start_cpu is None:
                used = time.monotonic() - start_wall
            else:
                now_cpu = _cpu_of(pid)
                used = 0.0 if now_cpu is None else now_cpu - start_cpu  # (None: it just ended; read its answer)
            if used >= soft:
                return bool(may_run_long and may_run_long())
        return True

    def _frame(self, conn: socket.socket, deadline: float, limit: int) -> bytes:
        """One length-prefixed frame of at most ``limit`` bytes, read before the deadline."""
        conn.settimeout(max(0.01, deadline - time.monotonic()))
        size = _LENGTH.unpack(_read_exactly(conn, _LENGTH.size))[0]
        if size > limit:
            raise ConnectionError("frame over the limit")
        return _read_exactly(conn, size, deadline)

    def close(self) -> None:
        """Stop the engine and every worker, idle or busy (one SIGKILL to their process group), and reap
        the engine. Never waits on a query: Ctrl-C stops the server at once, whatever runs."""
        while not self._idle.empty():
            conn, _ = self._idle.get_nowait()
            conn.close()
        try:
            self._control.close()
        finally:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.pid, signal.SIGKILL)
            _kill(self.pid)
            deadline = time.monotonic() + 5
            with contextlib.suppress(ChildProcessError):
                while os.waitpid(self.pid, os.WNOHANG) == (0, 0) and time.monotonic() < deadline:
                    time.sleep(0.01)


def _readable(conn: socket.socket, until: float) -> bool:
    """Whether the worker has begun its answer by ``until`` (monotonic); nothing is read."""
    remaining = max(0.0, until - time.monotonic())
    return bool(select.select([conn], [], [], remaining)[0])


def _cpu_of(pid: int) -> float | None:
    """CPU seconds (user + system) a process has used, from /proc (Linux); None where unknown."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / _TICKS
    except (OSError, ValueError, IndexError):
        return None


_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _die_with_parent() -> None:
    """Linux: the engine gets SIGKILL if the server process dies without closing it (kill -9)."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _kill(pid: int) -> None:
    if pid > 0:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
