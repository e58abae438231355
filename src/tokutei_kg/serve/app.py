"""The HTTP side of ``tokutei-kg serve``: SPARQL 1.1 Protocol (``/query``, alias ``/sparql``), a query
page (``/``), the exports (``/exports/…``), and every refusal a read-only endpoint owes its users.

Refusals (reliability.md §2.6, §6.4): updates 403 (``/update``, ``update=``, ``application/sparql-update``,
or an update smuggled into ``query=``); ``SERVICE`` and ``FROM``/``FROM NAMED`` outside the dataset 400
with line:column; bad syntax 400 with line:column; a query body over the cap 413; an unexpected
``Host`` (DNS rebinding) 421; a cross-site ``Origin`` 403; a wrong media type 415; too many queries at
once 503 with ``Retry-After``; the time limit 503. No CORS header unless ``--cors ORIGIN``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import ipaddress
import logging
import mimetypes
import socket
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from ..errors import QueryError, format_error
from ..query import QueryText, check_read_only, normalise, tokens
from .engine import Answer, Engine

log = logging.getLogger("tokutei_kg.serve")

TEXT = "text/plain; charset=utf-8"
FORM = "application/x-www-form-urlencoded"
# the words check_read_only refuses as updates; here they are answered 403 rather than 400
UPDATE_WORDS = frozenset({"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"})


@dataclass(frozen=True)
class Site:
    """What the handler serves besides queries: the page, the exports folder."""

    page: bytes
    script: bytes
    exports: Path


@dataclass(frozen=True)
class Capacity:
    """How much the endpoint takes at once (issue 12.8). ``lanes + fast_lanes`` queries run at once;
    a query still running after ``fast_timeout`` seconds goes on to the full time limit only while
    fewer than ``lanes`` others do, else it is stopped there — so cheap queries keep answering while
    long ones run to their limit. A query that finds every slot taken waits up to ``queue_wait``
    seconds (at most ``max_waiting`` wait) before a 503; one client (an IP address) holds at most
    ``per_client_lanes`` slots, so another client's queries still find one. A client may hold
    ``per_client`` connections, all clients ``connections``; a request (line, headers and body) must
    arrive within ``receive_timeout`` seconds, as must the next request on a kept-alive connection."""

    lanes: int = 4
    fast_lanes: int = 6
    per_client_lanes: int = 8
    fast_timeout: float = 2.0
    queue_wait: float = 5.0
    max_waiting: int = 64
    connections: int = 256
    per_client: int = 32
    receive_timeout: float = 10.0


class Lanes:
    """Query slots with a bounded wait and a per-client share; and the few that may run long."""

    def __init__(self, capacity: Capacity) -> None:
        self.capacity = capacity
        self._free = capacity.lanes + capacity.fast_lanes
        self._long = capacity.lanes
        self._held: dict[str, int] = {}
        self._waiting = 0
        self._ready = threading.Condition()

    def acquire(self, client: str = "") -> bool:
        deadline = time.monotonic() + self.capacity.queue_wait
        with self._ready:
            if self._waiting >= self.capacity.max_waiting:
                return False
            self._waiting += 1
            try:
                while True:
                    if self._free > 0 and self._held.get(client, 0) < self.capacity.per_client_lanes:
                        self._free -= 1
                        self._held[client] = self._held.get(client, 0) + 1
                        return True
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        return False
                    self._ready.wait(remaining)
            finally:
                self._waiting -= 1

    def release(self, client: str = "") -> None:
        with self._ready:
            self._free += 1
            self._held[client] -= 1
            if not self._held[client]:
                del self._held[client]
            self._ready.notify_all()  # (a waiter of another client may be the one that can go)

    def run_long(self) -> bool:
        """Take one of the ``lanes`` places for a long query, if one is free (give it back with end_long)."""
        with self._ready:
            if self._long <= 0:
                return False
            self._long -= 1
            return True

    def end_long(self) -> None:
        with self._ready:
            self._long += 1


class Receiving:
    """Connections reading a request, with their deadlines; a watchdog thread shuts the socket of one
    past its deadline, so a slow client (one byte at a time, or none) cannot hold a thread for long.
    ``release`` is called for such a connection first: its slot is free before its client sees it closed."""

    def __init__(self, timeout: float, release: Callable[[socket.socket], None]) -> None:
        self.timeout = timeout
        self._release = release
        self._deadlines: dict[socket.socket, float] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="tokutei-kg-receive-watchdog", daemon=True)
        self._thread.start()

    def start(self, connection: socket.socket) -> None:
        with self._lock:
            self._deadlines[connection] = time.monotonic() + self.timeout

    def done(self, connection: socket.socket) -> None:
        with self._lock:
            self._deadlines.pop(connection, None)

    def _watch(self) -> None:
        while not self._stop.wait(min(0.5, self.timeout / 4)):
            now = time.monotonic()
            with self._lock:
                late = [c for c, deadline in self._deadlines.items() if deadline < now]
                for connection in late:
                    del self._deadlines[connection]
            for connection in late:
                self._release(connection)
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self._stop.set()


class Endpoint(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], engine: Engine, site: Site, *, cors: str | None,
                 max_query_bytes: int, max_in_flight: int | None = None, allow_hosts: tuple[str, ...] = (),
                 capacity: Capacity = Capacity()) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, Handler)
        self.engine = engine
        self.site = site
        self.cors = cors
        self.max_query_bytes = max_query_bytes
        if max_in_flight is not None:
            capacity = dataclasses.replace(capacity, lanes=max_in_flight)
        self.capacity = capacity
        self.lanes = Lanes(capacity)
        self._clients: dict[str, int] = {}
        self._accepted: dict[socket.socket, str] = {}
        self._count_lock = threading.Lock()
        self.receiving = Receiving(capacity.receive_timeout, self._release)
        host, port = str(self.server_address[0]), int(self.server_address[1])
        self.loopback = is_loopback(host)
        self.allowed_hosts = allowed_hosts(host, port, allow_hosts)
        shown = "127.0.0.1" if host in ("0.0.0.0", "::") else f"[{host}]" if ":" in host else host
        self.home = f"http://{shown}:{port}/"

    # --- connections: bounded per client and in all -----------------------------------------------------

    def verify_request(self, request: object, client_address: object) -> bool:
        client = str(client_address[0])  # type: ignore[index]
        with self._count_lock:
            over = len(self._accepted) >= self.capacity.connections or \
                self._clients.get(client, 0) >= self.capacity.per_client
            if not over:
                self._accepted[request] = client  # type: ignore[index]
                self._clients[client] = self._clients.get(client, 0) + 1
        if over:
            body = b"error: too many connections from your address - close some and try again\n"
            with contextlib.suppress(OSError):
                request.send(b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: " + TEXT.encode()  # type: ignore[attr-defined]
                             + b"\r\nContent-Length: " + str(len(body)).encode()
                             + b"\r\nRetry-After: 1\r\nConnection: close\r\n\r\n" + body, socket.MSG_DONTWAIT)
            log.info("connection from %s refused: too many connections", client)
        return not over

    def _release(self, request: object) -> None:
        """Free the connection's slot (once: the watchdog may have freed it before the thread ends)."""
        with self._count_lock:
            client = self._accepted.pop(request, None)  # type: ignore[call-overload]
            if client is not None:
                self._clients[client] -= 1
                if not self._clients[client]:
                    del self._clients[client]

    def shutdown_request(self, request: object) -> None:
        self._release(request)
        super().shutdown_request(request)  # type: ignore[arg-type]

    def open_connections(self) -> int:
        with self._count_lock:
            return len(self._accepted)

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that goes away early is no error worth a traceback; anything else is one line."""
        error = sys.exc_info()[1]
        if isinstance(error, OSError):  # BrokenPipe, ConnectionReset, timeouts
            log.info("%s went away before the answer was sent (%s)", client_address[0],  # type: ignore[index]
                     type(error).__name__)
            return
        log.error("error: internal error while answering %s (%s: %s)", client_address, type(error).__name__, error)

    def server_close(self) -> None:
        if hasattr(self, "receiving"):  # (a bind that failed in __init__ closes before it exists)
            self.receiving.close()
        super().server_close()


def is_loopback(host: str) -> bool:
    """Whether a bound address is reachable from this machine only."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def allowed_hosts(bound: str, port: int, extra: tuple[str, ...] = ()) -> frozenset[str]:
    """The ``Host`` headers answered (DNS rebinding, issue 12.3): the loopback names, the bound address
    unless it is a wildcard, and the names given with ``--allow-host`` — each with the port (and alone
    on port 80)."""
    names = {"127.0.0.1", "localhost", "[::1]"}
    if bound not in ("0.0.0.0", "::", ""):
        names.add(f"[{bound}]" if ":" in bound else bound)
    for name in extra:
        name = name.strip().lower()
        names.add(f"[{name.strip('[]')}]" if ":" in name.strip("[]") else name)
    headers = {f"{name}:{port}" for name in names}
    if port == 80:
        headers |= names
    return frozenset(headers)


class Refusal(Exception):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def is_update(text: str) -> bool:
    """True when the text uses an update keyword (outside strings, IRIs and comments)."""
    return any(t.kind == "word" and t.value.upper() in UPDATE_WORDS for t in tokens(text))


class Handler(BaseHTTPRequestHandler):
    server: Endpoint
    protocol_version = "HTTP/1.1"
    timeout = 30  # seconds for one read or write; the whole request has Capacity.receive_timeout
    disable_nagle_algorithm = True  # headers and body go out in two writes: no delayed-ACK stall

    def version_string(self) -> str:
        return "tokutei-kg"

    def handle_one_request(self) -> None:
        self.server.receiving.start(self.connection)  # the request must arrive in time
        try:
            super().handle_one_request()
        finally:
            self.server.receiving.done(self.connection)

    # --- dispatch ---------------------------------------------------------------------------------

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self._handle("GET")

    def do_HEAD(self) -> None:  # noqa: N802
        self._handle("HEAD")

    def do_POST(self) -> None:  # noqa: N802
        self._handle("POST")

    def do_OPTIONS(self) -> None:  # noqa: N802
        self._handle("OPTIONS")

    def do_PUT(self) -> None:  # noqa: N802
        self._refuse_method()

    def do_DELETE(self) -> None:  # noqa: N802
        self._refuse_method()

    def do_PATCH(self) -> None:  # noqa: N802
        self._refuse_method()

    def _refuse_method(self) -> None:
        self.close_connection = True
        self._send(405, TEXT, f"error: {self.command} is not allowed: this endpoint is read-only\n".encode(),
                   {"Allow": "GET, HEAD, POST, OPTIONS"})

    def _handle(self, method: str) -> None:
        started = time.monotonic()
        if method != "POST":
            self.server.receiving.done(self.connection)  # a GET is in once its headers are
        try:
            self._check_host()
            path = urllib.parse.urlsplit(self.path).path
            if method == "OPTIONS":
                self._preflight()
            elif path in ("/query", "/sparql"):
                self._query(method)
            elif path == "/update":
                raise Refusal(403, "error: updates are not allowed: this endpoint is read-only")
            elif method == "POST":
                raise Refusal(405, f"error: POST is not allowed on {path} — send queries to /query",
                              {"Allow": "GET, HEAD"})
            elif path in ("/", "/index.html"):
                self._query_page(method)
            else:
                self._static(path, method)
        except Refusal as refusal:
            self.close_connection = True
            self._send(refusal.status, TEXT, (refusal.message + "\n").encode("utf-8"), refusal.headers)
            if method == "POST" and not getattr(self, "_body_read", False):
                self._linger()
        log.info("%s %s %s %.0f ms", method, urllib.parse.urlsplit(self.path).path, getattr(self, "_status", "-"),
                 (time.monotonic() - started) * 1000)

    # --- checks -------------------------------------------------------------------------------------

    def _check_host(self) -> None:
        host = (self.headers.get("Host") or "").lower()
        if host not in self.server.allowed_hosts:
            raise Refusal(421, f"error: unexpected Host header '{host[:80]}' — use {self.server.home} or start "
                               "the server with --allow-host NAME")

    def _check_origin(self) -> None:
        """A query from a web page of another origin is refused unless ``--cors`` allows it; so is one a
        browser marks as cross-site (``Sec-Fetch-Site``) even without an ``Origin`` header."""
        origin = self.headers.get("Origin")
        if origin is None:
            if self.headers.get("Sec-Fetch-Site", "").lower() == "cross-site" and not self.server.cors:
                raise Refusal(403, "error: cross-site requests are not allowed (start the server with "
                                   "--cors ORIGIN to allow a web page of another origin)")
            return
        parts = urllib.parse.urlsplit(origin.lower())
        same = parts.scheme == "http" and parts.netloc in self.server.allowed_hosts
        if not same and not self._cors_allows(origin):
            raise Refusal(403, f"error: requests from {origin[:80]} are not allowed (start the server with "
                               "--cors ORIGIN to allow a web page of another origin)")

    def _cors_allows(self, origin: str | None) -> bool:
        return bool(self.server.cors) and origin is not None and self.server.cors in ("*", origin)

    def _cors_headers(self) -> dict[str, str]:
        origin = self.headers.get("Origin")
        if not self._cors_allows(origin):
            return {}
        return {"Access-Control-Allow-Origin": "*" if self.server.cors == "*" else str(origin), "Vary": "Origin"}

    def _preflight(self) -> None:
        if not self._cors_allows(self.headers.get("Origin")):
            raise Refusal(405, "error: OPTIONS is only answered for the origin given with --cors",
                          {"Allow": "GET, HEAD, POST"})
        headers = {**self._cors_headers(), "Access-Control-Allow-Methods": "GET, POST",
                   "Access-Control-Allow-Headers": "Accept, Content-Type", "Access-Control-Max-Age": "600"}
        self._send(204, TEXT, b"", headers)

    # --- SPARQL 1.1 Protocol ------------------------------------------------------------------------

    def _parameters(self, method: str) -> tuple[dict[str, list[str]], str | None]:
        """Query-string and form parameters, and a direct ``application/sparql-query`` body."""
        query_string = urllib.parse.urlsplit(self.path).query
        if len(query_string) > self.server.max_query_bytes * 3:
            raise Refusal(414, f"error: the request line is longer than the limit ({self.server.max_query_bytes} "
                               "bytes of query) — send long queries with POST")
        parameters = _parse_qs(query_string)
        self._check_origin()
        if method != "POST":
            return parameters, None
        body = self._body()
        media = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if media == FORM:
            for name, values in _parse_qs(body).items():
                parameters.setdefault(name, []).extend(values)
            return parameters, None
        if media == "application/sparql-query":
            return parameters, body
        if media == "application/sparql-update":
            raise Refusal(403, "error: updates are not allowed: this endpoint is read-only")
        raise Refusal(415, f"error: unsupported Content-Type '{media[:60]}' — send application/sparql-query or "
                           f"{FORM}")

    def _body(self) -> str:
        length_header = self.headers.get("Content-Length")
        if length_header is None:
            raise Refusal(411, "error: a POST needs a Content-Length header")
        try:
            length = int(length_header)
        except ValueError:
            raise Refusal(400, "error: bad Content-Length header") from None
        if length < 0 or length > self.server.max_query_bytes:
            raise Refusal(413, f"error: the request body is larger than the limit ({self.server.max_query_bytes} "
                               "bytes)")
        self._body_read = True
        try:
            data = self.rfile.read(length)
            self.server.receiving.done(self.connection)
            if len(data) < length:
                raise Refusal(400, "error: the request body ended before its Content-Length")
            return data.decode("utf-8")
        except UnicodeDecodeError:
            raise Refusal(400, "error: the request body is not UTF-8") from None

    def _query(self, method: str) -> None:
        parameters, direct = self._parameters(method)
        if "update" in parameters:
            raise Refusal(403, "error: updates are not allowed: this endpoint is read-only")
        if "default-graph-uri" in parameters or "named-graph-uri" in parameters:
            raise Refusal(400, "error: default-graph-uri and named-graph-uri are not supported — the default "
                               "graph is the union of the dataset; name its graphs with GRAPH <…> in the query")
        texts = ([direct] if direct is not None else []) + parameters.get("query", [])
        if len(texts) != 1:
            raise Refusal(400, "error: give exactly one query (query= parameter or an application/sparql-query body)")
        text = texts[0]
        if len(text.encode("utf-8")) > self.server.max_query_bytes:
            raise Refusal(413, f"error: the query is longer than the limit ({self.server.max_query_bytes} bytes)")
        try:
            if is_update(normalise(QueryText(text, "query"))):
                raise Refusal(403, "error: updates are not allowed: this endpoint is read-only")
            check_read_only(QueryText(text, "query"), parse=False)  # the worker parses (within the time limit)
        except QueryError as exc:  # SERVICE, FROM outside the dataset, a bad escape — one line with line:column
            raise Refusal(400, format_error(exc).splitlines()[0]) from None
        client = str(self.client_address[0])
        if not self.server.lanes.acquire(client):  # waits a moment when every slot is taken
            raise Refusal(503, "error: too many queries at once — try again in a moment", {"Retry-After": "1"})
        long: list[bool] = []

        def may_run_long() -> bool:
            long.append(self.server.lanes.run_long())
            return long[-1]

        try:
            answer = self.server.engine.run({"query": text, "accept": self.headers.get("Accept") or "",
                                             "format": (parameters.get("format") or [""])[0]},
                                            soft_timeout=self.server.capacity.fast_timeout, may_run_long=may_run_long)
        finally:
            if any(long):
                self.server.lanes.end_long()
            self.server.lanes.release(client)
        self._answer(answer, method)

    def _answer(self, answer: Answer, method: str) -> None:
        if answer.status != 200:
            self.close_connection = True
        body = b"" if method == "HEAD" else answer.body
        self._send(answer.status, answer.content_type, body, {"Cache-Control": "no-store"},
                   length=len(answer.body))

    # --- page and files -----------------------------------------------------------------------------

    def _query_page(self, method: str) -> None:
        csp = ("default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; connect-src 'self'; "
               "img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
        page = self.server.site.page
        self._send(200, "text/html; charset=utf-8", b"" if method == "HEAD" else page,
                   {"Content-Security-Policy": csp}, length=len(page))

    def _static(self, path: str, method: str) -> None:
        if path == "/page.js":
            script = self.server.site.script
            self._send(200, "text/javascript; charset=utf-8", b"" if method == "HEAD" else script, length=len(script))
            return
        if path == "/explorer":
            self._send(302, TEXT, b"", {"Location": "/exports/explorer.html"})
            return
        if path.startswith("/exports/"):
            target = _export_file(self.server.site.exports, urllib.parse.unquote(path[len("/exports/"):]))
            if target is not None:
                data = target.read_bytes()
                kind = _content_type(target)
                self._send(200, kind, b"" if method == "HEAD" else data, length=len(data))
                return
        raise Refusal(404, f"error: nothing at {path[:80]} — the query page is at /, queries go to /query")

    def _linger(self, seconds: float = 1.0, limit: int = 8 * 1024 * 1024) -> None:
        """After refusing a body unread: half-close and discard what the client is still sending (for a
        moment, up to ``limit`` bytes), so it reads our answer instead of a connection reset."""
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_WR)
            self.connection.settimeout(0.2)
            deadline, received = time.monotonic() + seconds, 0
            while time.monotonic() < deadline and received < limit:
                chunk = self.connection.recv(1 << 16)
                if not chunk:
                    break
                received += len(chunk)
        except OSError:
            pass

    # --- output -------------------------------------------------------------------------------------

    def _send(self, status: int, content_type: str, body: bytes, headers: dict[str, str] | None = None,
              length: int | None = None) -> None:
        self._status = status
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        for name, value in {**self._cors_headers(), **(headers or {})}.items():
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if body:
            self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (http.server's signature)
        log.debug(format, *args)


def _parse_qs(text: str) -> dict[str, list[str]]:
    try:
        return urllib.parse.parse_qs(text, keep_blank_values=True, strict_parsing=False, errors="strict")
    except UnicodeDecodeError:
        raise Refusal(400, "error: the parameters are not UTF-8") from None


def _export_file(folder: Path, name: str) -> Path | None:
    """A regular file inside ``folder`` (no traversal, no symlinks, no hidden temp files), else None."""
    if not name or "\x00" in name or any(part in ("", ".", "..") or part.startswith(".") for part in name.split("/")):
        return None
    target = folder / name
    try:
        resolved = target.resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if target.is_symlink() or not resolved.is_file() or not resolved.is_relative_to(folder.resolve()):
        return None
    return resolved


def _content_type(path: Path) -> str:
    special = {".ttl": "text/turtle", ".trig": "application/trig", ".nq": "application/n-quads",
               ".nt": "application/n-triples", ".jsonld": "application/ld+json", ".rdf": "application/rdf+xml",
               ".graphml": "application/xml", ".gexf": "application/xml", ".cyjs": "application/json",
               ".cypher": "text/plain", ".md": "text/markdown"}
    kind = special.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"{kind}; charset=utf-8" if kind.startswith("text/") or kind.endswith(("json", "xml", "trig", "quads",
                                                                                  "triples")) else kind
