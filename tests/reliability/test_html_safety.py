"""HTML built from curated text never runs it. Every label, alias, description, evidence and source
title of the mini project carries a script payload; then

* statically, in every HTML page the project writes (the explorer, a ``paths --html`` page, the
  ontology documentation): no payload outside the JSON data block, no ``innerHTML``-style sink, and
  every address in the markup is http(s) or a fragment;
* in headless Chromium, the explorer is driven with the real mouse: every node hovered and clicked,
  every edge hovered and clicked, with ``alert``/``confirm``/``prompt`` stubbed — none is ever called,
  no element that could run code is added, no request leaves the file;
* the query page of ``tokutei-kg serve`` shows answers full of payloads (table and CSV) and a refused
  query carrying one, as text only."""

from __future__ import annotations

import csv
import html.parser
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from browser_support import WATCH, Session, Tab
from conftest import run
from xss_fixture import BREAKOUT, HOSTILE_URL, IMG, LINK, PAYLOADS, SCRIPT, SVG, make_xss_project

DATA_BLOCK = re.compile(r'<script type="application/json" id="tkg-data">.*?</script>', re.S)
SINKS = ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function")


def _payload_everywhere(path: Path, key: str, columns: tuple[str, ...]) -> None:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for index, row in enumerate(rows):
        for column in columns:
            if row.get(column) and not any(p in row[column] for p in PAYLOADS):
                row[column] = f"{row[column]} {PAYLOADS[index % len(PAYLOADS)]}"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built mini project with a payload in every text a page can show."""
    root = make_xss_project(tmp_path_factory.mktemp("html") / "project")
    curated = root / "graph" / "curated"
    for name in ("entities.csv", "entities/cq.csv"):
        _payload_everywhere(curated / name, "id", ("label_en", "label_id", "label_ja", "description"))
    for name in ("claims.csv", "claims/cq.csv"):
        _payload_everywhere(curated / name, "id", ("evidence",))
    for name in ("sources.csv", "sources/cq.csv"):
        _payload_everywhere(curated / name, "id", ("title", "publisher"))
    outcome = run(root, "build")
    assert outcome.code == 0, outcome.err
    outcome = run(root, "paths", "lpk", "isa", "--html", str(root / "exports" / "paths.html"))
    assert outcome.code == 0, outcome.err
    return root


class _Addresses(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.addresses: list[str] = []
        self.handlers: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src", "action", "formaction", "xlink:href") and value is not None:
                self.addresses.append(value)
            if name.startswith("on"):
                self.handlers.append(f"{tag}@{name}")


@pytest.mark.parametrize("page", ["explorer.html", "paths.html", "ontology.html"])
def test_pages_hold_curated_text_only_as_json(hostile: Path, page: str) -> None:
    text = (hostile / "exports" / page).read_text(encoding="utf-8")
    outside = DATA_BLOCK.sub("", text)
    for payload in (*PAYLOADS, HOSTILE_URL, "alert(1)"):  # ("javascript:" is in vis-network's own code)
        assert payload not in outside, payload
    for sink in SINKS:
        assert sink not in text, sink
    parser = _Addresses()
    parser.feed(outside)
    assert parser.handlers == []
    assert all(re.match(r"https?://|#", address) for address in parser.addresses), parser.addresses
    if page != "ontology.html":
        data = DATA_BLOCK.search(text).group()  # type: ignore[union-attr]
        assert SCRIPT not in data and BREAKOUT not in data and "<" not in data[60:-9]  # escaped as \u003c


# --- the explorer in a browser, with the real mouse ---------------------------------------------------

EDGE_POINT = """(id) => {  // a point of the edge where no node and no other edge is drawn
    const net = window.tkgExplorer.network;
    for (const t of [0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8, 0.1, 0.9]) {
        const point = net.body.edges[id].edgeType.getPoint(t);
        net.moveTo({position: point, scale: 2.0, animation: false});
        const dom = net.canvasToDOM(point);
        if (net.getEdgeAt(dom) === id && net.getNodeAt(dom) === undefined) return {x: dom.x, y: dom.y};
    }
    return null;
}"""


@pytest.mark.browser
def test_hovering_and_clicking_every_node_and_edge_runs_nothing(tab: Tab, hostile: Path) -> None:
    opened = Session(tab, hostile / "exports" / "explorer.html")
    try:
        opened.js(WATCH)
        nodes = opened.js("window.tkgExplorer.visibleNodeIds()")
        assert len(nodes) >= 20
        for node in nodes:
            opened.js("window.tkgExplorer.selectNodes([])")
            opened.js("window.tkgExplorer.network.fit({animation: false})")
            x, y = opened.node_point(node)
            opened.page.mouse.move(x, y)  # vis-network tooltip
            opened.page.wait_for_timeout(30)
            opened.page.mouse.click(x, y)
            assert opened.js("window.tkgExplorer.state.selected") == [node]
            opened.js("document.querySelectorAll('#panel details').forEach((d) => { d.open = true; })")
        box = opened.page.locator("#network").bounding_box()
        edges = opened.js("window.tkgExplorer.edges.getIds()")
        clicked = []
        for edge in edges:
            opened.js("window.tkgExplorer.selectNodes([])")
            point = opened.js(EDGE_POINT, edge)
            if point is None:
                continue
            opened.page.mouse.move(box["x"] + point["x"], box["y"] + point["y"])
            opened.page.wait_for_timeout(30)
            opened.page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])
            assert opened.js("window.tkgExplorer.state.edge") == edge
            opened.js("document.querySelectorAll('#panel details').forEach((d) => { d.open = true; })")
            clicked.append(edge)
        assert clicked == edges and len(edges) >= 20  # every edge reached with the real mouse
        opened.page.wait_for_timeout(300)  # an onerror handler would have fired by now
        assert opened.js("window.__calls") == []
        assert opened.js("window.__injected") == []
        hrefs = opened.js("Array.from(document.querySelectorAll('a[href]')).map(a => new URL(a.href).protocol)")
        assert set(hrefs) <= {"https:", "http:"}
        assert opened.errors == [] and opened.outside == []
    finally:
        opened.close()


def test_payloads_reach_the_page_as_text(hostile: Path) -> None:
    """The control for the tests above: the payloads are really in the data the page shows."""
    text = (hostile / "exports" / "explorer.html").read_text(encoding="utf-8")
    block = DATA_BLOCK.search(text).group()  # type: ignore[union-attr]
    strings = " ".join(_strings(json.loads(block[block.index(">") + 1:-len("</script>")])))
    for payload in (SCRIPT, IMG, SVG, LINK, BREAKOUT, HOSTILE_URL):
        assert payload in strings, payload


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


@pytest.mark.browser
def test_overview_groups_clicked_open_run_nothing(tab: Tab, hostile: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """The second view of the explorer (groups by side and class, drawn above OVERVIEW_AT entities),
    forced on the small hostile graph: every group hovered and clicked open, then every member hovered."""
    from tokutei_kg.network import to_network
    from tokutei_kg.store import open_store
    from tokutei_kg.visualise import ExplorerOptions, catalogue, explorer, render_explorer

    monkeypatch.setattr(explorer, "OVERVIEW_AT", 1)
    store = open_store(hostile / "graph" / "built" / "tokutei.nq")
    page_file = tmp_path / "overview.html"
    page_file.write_text(render_explorer(to_network(store), ExplorerOptions(), catalogue(store)), encoding="utf-8")
    opened = Session(tab, page_file)
    try:
        assert opened.js("window.tkgExplorer.overview") is True
        opened.wait("document.body.dataset.settled === '1'")
        opened.js(WATCH)
        groups = [g for g in opened.visible() if g.startswith("group:")]
        assert len(groups) >= 5
        for group in groups:
            opened.js("window.tkgExplorer.network.fit({animation: false})")
            x, y = opened.node_point(group)
            opened.page.mouse.move(x, y)
            opened.page.wait_for_timeout(30)
            opened.page.mouse.click(x, y)  # opens the group: its members are drawn
        members = [n for n in opened.visible() if not n.startswith("group:")]
        assert len(members) >= 20
        for node in members:
            opened.js("window.tkgExplorer.network.fit({animation: false})")
            opened.page.mouse.move(*opened.node_point(node))
            opened.page.wait_for_timeout(20)
        opened.page.wait_for_timeout(300)
        assert opened.js("window.__calls") == []
        assert opened.js("window.__injected") == []
        assert opened.errors == [] and opened.outside == []
    finally:
        opened.close()


# --- the query page of `tokutei-kg serve`, answering with the payloads ------------------------------

PAYLOAD_QUERY = """SELECT ?thing ?text WHERE {
  ?thing rdfs:label|dct:title|dct:description|skos:altLabel|oa:exact|rdf:value ?text
  FILTER(CONTAINS(STR(?text), "alert(1)"))
}"""


@pytest.mark.browser
def test_query_page_shows_hostile_results_and_errors_as_text(tab: Tab, hostile: Path) -> None:
    from serve_harness import start_server, stop_server

    server = start_server(hostile)
    try:
        address = f"http://127.0.0.1:{server.port}/"
        opened = Session(tab, address, ready=None, allow=address)
        page = opened.page
        page.evaluate(WATCH)
        shown = {}
        for key, fmt, query in (("table", "table", PAYLOAD_QUERY), ("csv", "text/csv", PAYLOAD_QUERY),
                                ("error", "table", f"SELECT * WHERE {{ ?s ?p '{BREAKOUT}' . {IMG} }}")):
            page.select_option("#format", fmt)
            page.fill("#query", query)
            page.click("button[type=submit]")
            page.wait_for_function("() => !document.getElementById('status').textContent.startsWith('running')")
            shown[key] = page.inner_text("#status") + "\n" + page.inner_text("#output")
        page.wait_for_timeout(300)  # an onerror handler would have fired by now
        assert page.evaluate("window.__calls") == []
        assert page.evaluate("window.__injected") == []
        # the refused query's answer is the one failed load; no script error
        assert opened.errors == ["Failed to load resource: the server responded with a status of 400 (Bad Request)"]
        assert opened.outside == []
        opened.close()
    finally:
        stop_server(server)
    for payload in (SCRIPT, IMG, SVG, LINK):
        assert payload in shown["table"], payload  # as text
        assert payload.replace('"', '""') in shown["csv"], payload  # CSV doubles the quotes
    assert shown["error"].startswith("400 after ")
