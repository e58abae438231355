"""Stage 7: ``tokutei-kg serve`` — a read-only SPARQL 1.1 Protocol endpoint over the built dataset,
with a query page, on 127.0.0.1 unless told otherwise.

Our own small server on pyoxigraph rather than the Oxigraph server, chosen by measurement
(``benchmarks/serve.py``, curated graph, 2 CPUs): both are ready ~0.35 s after start (the Oxigraph
server first needs its RocksDB store loaded); ours answered the library query at ~320 req/s against
~160 for the Oxigraph server alone and ~100 behind the Python guard it would need (it runs
``SERVICE`` with no switch to turn it off, and a guarded Oxigraph still leaves its own unguarded port
open on loopback); over the time limit ours answers 503 with a message at the limit, while the
Oxigraph server gave no answer within 30 s (or, on another query shape, ``200 OK`` and a cut-off
body); and ours caps the result size.
"""

from __future__ import annotations

import errno
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..built import Built
from .app import Capacity
from .engine import Engine, Limits, ServeError, check_not_empty

if TYPE_CHECKING:
    from .app import Endpoint


@dataclass(frozen=True)
class ServeOptions:
    host: str = "127.0.0.1"
    port: int = 7878
    cors: str | None = None
    timeout: float = 10.0
    max_query_bytes: int = 64 * 1024
    max_result_bytes: int = 16 * 1024 * 1024
    max_in_flight: int | None = None  # (the older name of capacity.lanes)
    memory_bytes: int = 1024 * 1024 * 1024
    allow_hosts: tuple[str, ...] = ()
    capacity: Capacity = Capacity()


@dataclass
class Running:
    """A bound, ready server: ``url``, ``serve_forever()``, ``close()``."""

    endpoint: Endpoint
    engine: Engine
    url: str
    quads: int
    serving: bool = False

    @property
    def beyond_loopback(self) -> bool:
        """Whether other machines can reach the endpoint (the CLI warns)."""
        return not self.endpoint.loopback

    def serve_forever(self) -> None:
        self.serving = True
        try:
            self.endpoint.serve_forever(poll_interval=0.2)
        finally:
            self.serving = False

    def close(self) -> None:
        """Stop serving (from another thread) and stop the engine and its query processes."""
        if self.serving:
            self.endpoint.shutdown()  # waits for serve_forever to return
        self.endpoint.server_close()
        self.engine.close()


def start(built: Built, options: ServeOptions = ServeOptions()) -> Running:
    """Fork the query engine on the :class:`Built` dataset (as built: ``Built.open(project)``), bind the
    socket. Nothing is served until :meth:`Running.serve_forever`. Raises :class:`ServeError` with one line.
    The engine process and its workers hold the dataset's raw store (``serve/engine.py``, by copy-on-write);
    nothing here keeps ``built``, so once the caller lets it go the HTTP process holds no dataset."""
    from ..query import library
    from .app import Endpoint, Site
    from .page import render_page, render_script

    folder = built.project
    if folder is None:
        raise ServeError("serve needs the project of the dataset (its query library and exports)")
    quads = check_not_empty(built.store, folder.built)
    # An idle query process kept for every slot: a burst of queries reuses them instead of forking new ones
    # (8 queries at once every 0.5 s: 10 CPU s a minute instead of 14, p95 23 ms instead of 42).
    slots = options.capacity.lanes + options.capacity.fast_lanes
    engine = Engine(built.store, Limits(options.timeout, options.max_result_bytes, options.memory_bytes), idle=slots)
    exports = folder.root / "exports"
    site = Site(render_page(library(folder.sparql), exports, quads=quads), render_script(), exports)
    try:
        endpoint = Endpoint((options.host, options.port), engine, site, cors=options.cors,
                            max_query_bytes=options.max_query_bytes, max_in_flight=options.max_in_flight,
                            allow_hosts=options.allow_hosts, capacity=options.capacity)
    except OSError as exc:
        engine.close()
        if exc.errno == errno.EADDRINUSE:
            raise ServeError(f"port {options.port} on {options.host} is in use",
                             hint=f"choose another with --port (e.g. --port {options.port + 1})") from None
        raise ServeError(f"cannot listen on {options.host}:{options.port} ({exc.strerror})") from None
    host, port = str(endpoint.server_address[0]), int(endpoint.server_address[1])
    shown = f"[{host}]" if ":" in host else host
    return Running(endpoint, engine, f"http://{shown}:{port}/", quads)


def serve(built: Built, options: ServeOptions = ServeOptions(),
          on_ready: Callable[[Running], None] | None = None) -> None:
    """Serve ``built`` until interrupted (Ctrl-C), then stop the engine and its query processes."""
    running = start(built, options)
    del built  # the engine holds the dataset (see :func:`start`)
    previous = _stop_on_sigterm()
    try:
        if on_ready is not None:
            on_ready(running)
        running.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        # engine first: it kills busy workers too, and nothing below can block a Ctrl-C
        running.engine.close()
        running.endpoint.server_close()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _stop_on_sigterm() -> Any:
    """SIGTERM stops the server as Ctrl-C does (the same clean-up); the previous handler, to restore."""
    if threading.current_thread() is not threading.main_thread():
        return None

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    return signal.signal(signal.SIGTERM, interrupt)


__all__ = ["Capacity", "ServeOptions", "Running", "ServeError", "start", "serve"]
