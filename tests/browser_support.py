"""Pages in headless Chromium for the browser tests: one tab per test process, each test's page opened
afresh in it.

A new browser context costs a renderer process of its own: about 1.5 CPU seconds to open the explorer
that way against about 0.6 in a tab already open (measured: docs/performance.md, "Test suite"). So
every test process keeps one context with one page (the ``tab`` fixture of tests/conftest.py) and a
:class:`Session` opens its page there, after ``about:blank``: a new document, so nothing of the previous
page's script state, listeners or view survives. What does survive is the context's storage, which the
pages under test do not use, and the mouse position, which an opening moves back to the corner.

``alert``, ``confirm`` and ``prompt`` are stubbed in every page of the tab (``STUBS``): each call is
recorded in ``window.__calls`` instead of opening a dialog."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

VIEWPORT = {"width": 1600, "height": 1000}
READY = "document.body.dataset.ready === '1'"

STUBS = """
    window.__calls = [];
    for (const name of ['alert', 'confirm', 'prompt']) {
        window[name] = (message) => { window.__calls.push(name + ':' + message); };
    }"""

WATCH = """() => {  // record every element the page adds that could run code or load something
    window.__injected = [];
    const risky = new Set(['script', 'img', 'iframe', 'object', 'embed', 'style', 'link', 'meta', 'base', 'form',
                           'video', 'audio', 'source', 'image', 'use', 'foreignobject']);
    new MutationObserver((records) => {
        for (const record of records) for (const added of record.addedNodes) {
            if (added.nodeType !== 1) continue;
            for (const e of [added, ...added.querySelectorAll('*')]) {
                const tag = e.tagName.toLowerCase();
                if (risky.has(tag)) window.__injected.push(tag);
                for (const a of e.attributes) if (a.name.startsWith('on')) window.__injected.push(tag + '@' + a.name);
                if (tag === 'a' && e.hasAttribute('href') && !/^https?:$/.test(new URL(e.href).protocol)) {
                    window.__injected.push('a:' + e.href);
                }
            }
        }
    }).observe(document.body, {childList: true, subtree: true, attributes: true});
}"""


class Tab:
    """A context with one page, reused by every :class:`Session` of a test process; every request
    that is not the current session's own (``file:`` by default) is aborted and recorded there."""

    def __init__(self, browser: Any) -> None:
        self.browser = browser
        self.current: Session | None = None
        self.context: Any = None
        self.page: Any = None

    def ready_page(self) -> Any:
        """The tab's page, opened again if a previous test closed it or it crashed."""
        if self.page is None or self.page.is_closed():
            if self.context is not None:
                self.context.close()
            self.context = self.browser.new_context(viewport=VIEWPORT, accept_downloads=True)
            self.context.add_init_script(STUBS)
            self.context.route("**/*", self._route)
            self.page = self.context.new_page()
            self.page.on("console", self._console)
            self.page.on("pageerror", lambda error: self._record("errors", f"pageerror: {error}"))
            self.page.on("request", self._request)
        return self.page

    def _record(self, kind: str, text: str) -> None:
        if self.current is not None:
            getattr(self.current, kind).append(text)

    def _console(self, message: Any) -> None:
        if message.type in ("error", "assert"):
            self._record("errors", message.text)

    def _request(self, request: Any) -> None:
        if not request.url.startswith(self._allowed()):
            self._record("outside", request.url)

    def _allowed(self) -> tuple[str, ...]:
        allow = self.current.allow if self.current is not None else "file:"
        return (allow, "data:", "about:blank")

    def _route(self, route: Any) -> None:
        if route.request.url.startswith(self._allowed()):
            route.continue_()
        else:
            self._record("outside", route.request.url)
            route.abort()

    def close(self) -> None:
        if self.context is not None:
            self.context.close()


class Session:
    """One page opened in the tab, with its console errors and every request that left ``allow``."""

    def __init__(self, tab: Tab, path: Path | str, fragment: str = "", *, ready: str | None = READY,
                 allow: str = "file:") -> None:
        self.errors: list[str] = []
        self.outside: list[str] = []
        self.allow = allow
        self.tab = tab
        self.page = tab.ready_page()
        if self.page.url != "about:blank":  # a previous page left open
            self._blank()
        self.page.mouse.move(0, 0)
        tab.current = self
        started = time.perf_counter()
        self.page.goto((path.as_uri() if isinstance(path, Path) else path) + fragment)
        if ready is not None:
            self.wait(ready)
        self.seconds = time.perf_counter() - started

    def _blank(self) -> None:
        self.tab.current = None  # what a page still does on its way out is no session's
        self.page.goto("about:blank")

    def close(self) -> None:
        """Leave the page (its timers and drawing stop) for an empty one."""
        if self.tab.current is self and not self.page.is_closed():
            self._blank()

    def wait(self, expression: str, timeout: float = 60.0) -> None:
        """Poll from Python: Playwright's wait_for_function evaluates strings in the page, which the
        page's Content-Security-Policy (no 'unsafe-eval') rightly refuses."""
        deadline = time.monotonic() + timeout
        while not self.page.evaluate(expression):
            assert time.monotonic() < deadline, f"timed out waiting for {expression}"
            self.page.wait_for_timeout(25)

    def js(self, expression: str, arg: Any = None) -> Any:
        return self.page.evaluate(expression, arg)

    def drawn(self) -> dict[str, int]:
        return self.js("window.tkgExplorer.drawn()")

    def visible(self) -> list[str]:
        return self.js("window.tkgExplorer.visibleNodeIds()")

    def panel(self) -> str:
        return self.page.inner_text("#panel")

    def node_point(self, node: str) -> tuple[float, float]:
        """Where ``node`` is on the screen, checked to be the node vis-network finds there."""
        point = self.js("""(id) => {
            const net = window.tkgExplorer.network;
            const dom = net.canvasToDOM(net.getPositions([id])[id]);
            return {x: dom.x, y: dom.y, hit: net.getNodeAt(dom)};
        }""", node)
        assert point["hit"] == node, point
        box = self.page.locator("#network").bounding_box()
        return box["x"] + point["x"], box["y"] + point["y"]
