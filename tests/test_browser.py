"""The explorer in a real browser: headless Chromium (Debian package ``chromium``) driven by Playwright,
every non-file request aborted and recorded. One browser and one tab per test process, each test's page
opened afresh in the tab (tests/browser_support.py)."""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import networkx as nx
import pyoxigraph as ox
import pytest

from browser_support import VIEWPORT, WATCH, Session, Tab
from conftest import REPO
from tokutei_kg.analyse import find_paths, resolve_node
from tokutei_kg.network import to_network
from tokutei_kg.pipeline import Project, compile_project, write_built
from tokutei_kg.store import as_of, open_store
from tokutei_kg.visualise import ExplorerOptions, catalogue, iframe_markup, render_explorer, render_paths_page
from tokutei_kg.visualise.style import PATH_COLOUR
from xss_fixture import IMG, SCRIPT, make_xss_project

pytestmark = pytest.mark.browser

ARTEFACTS = REPO / "tests" / "artefacts"


@pytest.fixture(scope="module")
def real(built_repo: Path) -> tuple[ox.Store, nx.MultiDiGraph]:
    store = ox.Store()
    store.load((built_repo / "graph" / "built" / "tokutei.nq").read_bytes(), format=ox.RdfFormat.N_QUADS)
    return store, to_network(store)


@pytest.fixture(scope="module")
def real_file(real: tuple[ox.Store, nx.MultiDiGraph], tmp_path_factory: pytest.TempPathFactory) -> Path:
    store, graph = real
    path = tmp_path_factory.mktemp("pages") / "explorer.html"
    path.write_text(render_explorer(graph, ExplorerOptions(), catalogue(store)), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def xss_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = Project(make_xss_project(tmp_path_factory.mktemp("xss") / "project"))
    write_built(project, compile_project(project))
    store = open_store(project.built)
    path = project.root / "explorer.html"
    path.write_text(render_explorer(to_network(store), ExplorerOptions(), catalogue(store)), encoding="utf-8")
    return path


@pytest.fixture
def session(tab: Tab, real_file: Path) -> Iterator[Session]:
    opened = Session(tab, real_file)
    yield opened
    assert opened.outside == []
    assert opened.errors == []
    opened.close()


def ids_of(graph: nx.MultiDiGraph, keep: Any = None) -> set[str]:
    return {d["id"] for _, d in graph.nodes(data=True) if keep is None or keep(d)}


# ---------------------------------------------------------------------------------------------------


def test_loads_offline_and_draws_the_projection(session: Session, real: tuple[ox.Store, nx.MultiDiGraph]) -> None:
    _, graph = real
    assert session.drawn() == {"nodes": graph.number_of_nodes(), "edges": graph.number_of_edges()}
    assert session.visible() == sorted(ids_of(graph))
    assert session.js("window.tkgExplorer.network.physics.physicsEnabled") is False
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    session.page.screenshot(path=str(ARTEFACTS / "explorer.png"))
    timing = session.js("window.tkgExplorer.timing")
    (ARTEFACTS / "explorer-timing.json").write_text(json.dumps(
        {"load_to_first_draw_s": round(session.seconds, 3), "page_timing_ms": timing,
         "html_bytes": session.js("document.documentElement.outerHTML.length")}, indent=2) + "\n", encoding="utf-8")
    assert (ARTEFACTS / "explorer.png").stat().st_size > 50_000


@pytest.mark.parametrize(("text", "expected"), [
    ("入管", "isa"),  # Japanese alias
    ("BP2MI", "bp2mi"),  # Indonesian abbreviation
    ("Kemnaker", "kemnaker"),  # Indonesian alias
    ("Kementerian Ketenagakerjaan", "kemnaker"),  # Indonesian label
    ("インドネシア労働省", "kemnaker"),  # Japanese label
    ("immigration services agency", "isa"),  # English label, any case
])
def test_search_finds_names_and_aliases(session: Session, real: tuple[ox.Store, nx.MultiDiGraph],
                                        text: str, expected: str) -> None:
    _, graph = real
    session.page.fill("#search", text)
    assert session.page.get_attribute("#search-results li:first-child", "data-id") == expected
    session.page.press("#search", "Enter")
    assert session.js("window.tkgExplorer.state.selected") == [expected]
    label = graph.nodes[resolve_node(graph, expected)]["label_en"]
    assert session.page.inner_text("#panel h2") == label
    assert session.page.locator("#search-results li").count() == 0


def test_side_filter_hides_one_side(session: Session, real: tuple[ox.Store, nx.MultiDiGraph]) -> None:
    _, graph = real
    session.page.uncheck("#filter-side input[data-value=japan]")
    kept = {n for n, d in graph.nodes(data=True) if d["side"] != "japan"}
    assert session.visible() == sorted(graph.nodes[n]["id"] for n in kept)
    assert session.drawn() == {"nodes": len(kept), "edges": graph.subgraph(kept).number_of_edges()}
    assert session.page.inner_text("#shown") == (
        f"Showing {len(kept)} of {graph.number_of_nodes()} entities and "
        f"{graph.subgraph(kept).number_of_edges()} of {graph.number_of_edges()} relations")


def test_status_filter_hides_single_source_relations(session: Session, real: tuple[ox.Store, nx.MultiDiGraph]) -> None:
    _, graph = real
    session.page.uncheck("#filter-status input[data-value=single-source]")
    kept = sum(1 for _, _, d in graph.edges(data=True) if d["status"] != "single-source")
    assert 0 < kept < graph.number_of_edges()
    assert session.drawn() == {"nodes": graph.number_of_nodes(), "edges": kept}


def test_as_of_2020_shows_bp2mi_and_hides_kp2mi(session: Session, real: tuple[ox.Store, nx.MultiDiGraph],
                                                real_file: Path) -> None:
    store, graph = real
    then = to_network(as_of(store, dt.date(2020, 1, 1)))
    found = re.search(r'"first_year":(\d+)', real_file.read_text(encoding="utf-8"))
    assert found is not None
    first = int(found[1])
    session.page.locator("#asof-range").fill("0")
    assert session.page.input_value("#asof-date") == f"{first}-01-01"  # the slider starts where the data does
    days = (dt.date(2020, 1, 1) - dt.date(first, 1, 1)).days
    session.page.locator("#asof-range").fill(str(days))
    assert session.page.input_value("#asof-date") == "2020-01-01"
    assert session.page.is_checked("#asof-on")
    visible = session.visible()
    assert "bp2mi" in visible and "kp2mi" not in visible
    assert visible == sorted(ids_of(then))
    assert session.drawn() == {"nodes": then.number_of_nodes(), "edges": then.number_of_edges()}
    session.page.fill("#asof-date", "2025-01-01")
    assert {"bp2mi", "kp2mi"} <= set(session.visible())
    session.page.uncheck("#asof-on")
    assert session.drawn() == {"nodes": graph.number_of_nodes(), "edges": graph.number_of_edges()}


def test_language_switch_changes_labels_and_legend(session: Session) -> None:
    label = "window.tkgExplorer.nodes.get('kemnaker').label"
    assert session.js(label) == "Ministry of Manpower"
    session.page.select_option("#lang", "ja")
    assert session.js(label) == "インドネシア労働省"
    assert session.page.inner_text("#title") == "日本・インドネシア特定技能協力ネットワーク"
    assert session.page.locator("#legend h3").all_inner_texts() == ["色:側", "形:実体の種類", "線:トライアンギュレーションの状態"]
    assert "異論あり" in session.page.inner_text("#legend")
    assert session.js("document.documentElement.lang") == "ja"
    session.page.select_option("#lang", "id")
    assert session.js(label) == "Kementerian Ketenagakerjaan"
    assert session.page.inner_text("#filter-side") .split("\n")[2:4] == ["Indonesia", "Jepang"]
    assert session.js("location.hash") == "#lang=id"


def test_clicking_an_edge_shows_its_evidence(session: Session, real: tuple[ox.Store, nx.MultiDiGraph]) -> None:
    store, _ = real
    edge = "kemnaker|tkg:sharesInformationWith|isa"
    hit = session.js("""(id) => {  // a point of the line where nothing else is drawn
        const net = window.tkgExplorer.network;
        for (const t of [0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8]) {
            const point = net.body.edges[id].edgeType.getPoint(t);
            net.moveTo({position: point, scale: 2.0, animation: false});
            const dom = net.canvasToDOM(point);
            if (net.getEdgeAt(dom) === id && net.getNodeAt(dom) === undefined) return {x: dom.x, y: dom.y};
        }
        return null;
    }""", edge)
    assert hit is not None
    box = session.page.locator("#network").bounding_box()
    session.page.mouse.click(box["x"] + hit["x"], box["y"] + hit["y"])
    assert session.js("window.tkgExplorer.state.edge") == edge
    panel = session.panel()
    assert panel.startswith("Ministry of Manpower — shares information with → Immigration Services Agency of Japan")
    claims = next(d["claims"] for u, v, d in to_network(store).edges(data=True) if
                  (u.endswith("/kemnaker"), v.endswith("/isa"), d["relation"]) == (True, True, "tkg:sharesInformationWith"))
    data = json.loads(session.page.text_content("#tkg-data"))
    for claim in claims.split("|"):
        assert data["claims"][claim]["evidence"] in panel
        assert data["sources"][data["claims"][claim]["source"]]["title"] in panel
    links = session.js("Array.from(document.querySelectorAll('#panel a')).map(a => a.href)")
    assert links and all(link.startswith(("https://", "http://")) for link in links)


def test_two_institutions_highlight_their_paths(session: Session, real: tuple[ox.Store, nx.MultiDiGraph]) -> None:
    _, graph = real
    session.page.mouse.click(*session.node_point("kemnaker"))
    session.page.keyboard.down("Shift")
    session.page.mouse.click(*session.node_point("isa"))
    session.page.keyboard.up("Shift")
    assert session.js("window.tkgExplorer.state.selected") == ["kemnaker", "isa"]
    a, b = resolve_node(graph, "kemnaker"), resolve_node(graph, "isa")
    expected = [[graph.nodes[n]["id"] for n in p.nodes] for p in find_paths(graph, a, b, max_hops=4)]
    shown = session.js("window.tkgExplorer.state.paths.map(p => p.nodes)")
    assert shown == expected and len(shown) == 10
    assert session.page.inner_text("#panel h2") == ("Coordination paths from Ministry of Manpower to "
                                                     "Immigration Services Agency of Japan")
    hop_edges = session.js("window.tkgExplorer.state.paths.flatMap(p => p.hops.flatMap(h => h.edges))")
    colours = session.js("(ids) => ids.map(id => window.tkgExplorer.edges.get(id).color.color)", hop_edges)
    assert set(colours) == {PATH_COLOUR}
    assert "shares information with" in session.panel()
    assert session.js("location.hash") == "#path=kemnaker,isa"


def test_restyling_only_what_changed_leaves_what_a_full_restyle_would(session: Session) -> None:
    """A selection hands vis only the items whose style changed: after any path of selections, what vis
    holds is what the last selection alone gives, and clearing it gives back the page as opened."""
    held = "JSON.stringify([window.tkgExplorer.nodes.get(), window.tkgExplorer.edges.get()])"
    plain = session.js(held)
    session.js("window.tkgExplorer.selectNodes(['isa'])")
    direct = session.js(held)
    assert direct != plain
    session.js("window.tkgExplorer.selectNodes([])")
    assert session.js(held) == plain
    for step in ("selectNodes(['kemnaker'])", "selectEdge('kemnaker|tkg:sharesInformationWith|isa')",
                 "selectNodes(['kemnaker', 'isa'])", "selectNodes(['isa'])"):
        session.js(f"window.tkgExplorer.{step}")
    assert session.js(held) == direct
    session.js("window.tkgExplorer.selectNodes([])")
    assert session.js(held) == plain


@pytest.mark.parametrize(("start", "end"), [("bp2mi", "accepting-organization"), ("lpk", "isa"),
                                            ("kp2mi", "registered-support-organization")])
def test_page_paths_equal_the_python_paths(session: Session, real: tuple[ox.Store, nx.MultiDiGraph],
                                           start: str, end: str) -> None:
    _, graph = real
    a, b = resolve_node(graph, start), resolve_node(graph, end)
    expected = [[graph.nodes[n]["id"] for n in p.nodes] for p in find_paths(graph, a, b, max_hops=4)]
    assert session.js("([a, b]) => window.tkgExplorer.findPaths(a, b).map(p => p.nodes)", [start, end]) == expected


def test_view_state_lives_in_the_url(session: Session, tab: Tab, real_file: Path,
                                     real: tuple[ox.Store, nx.MultiDiGraph]) -> None:
    _, graph = real
    session.page.fill("#search", "kemnaker")
    session.page.press("#search", "Enter")
    session.page.uncheck("#filter-status input[data-value=contested]")
    session.page.select_option("#filter-stage", "stage:matching")
    session.page.select_option("#lang", "id")
    fragment = session.js("location.hash")
    assert fragment == "#lang=id&node=kemnaker&xstatus=contested&stage=stage:matching"
    drawn = session.drawn()
    again = Session(tab, real_file, fragment)
    try:
        assert again.js("window.tkgExplorer.state.selected") == ["kemnaker"]
        assert again.page.inner_text("#panel h2") == "Kementerian Ketenagakerjaan"
        assert again.page.input_value("#lang") == "id"
        assert again.page.input_value("#filter-stage") == "stage:matching"
        assert not again.page.is_checked("#filter-status input[data-value=contested]")
        assert again.drawn() == drawn
        assert again.errors == [] and again.outside == []
    finally:
        again.close()


def test_download_png(session: Session) -> None:
    with session.page.expect_download() as download:
        session.page.click("#png")
    data = Path(download.value.path()).read_bytes()
    assert download.value.suggested_filename == "tokutei-explorer.png"
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 20_000


def test_relayout_and_back(session: Session) -> None:
    before = session.js("window.tkgExplorer.network.getPositions(['kemnaker']).kemnaker")
    session.page.click("#relayout")
    session.wait("!window.tkgExplorer.network.physics.physicsEnabled")
    moved = session.js("window.tkgExplorer.network.getPositions(['kemnaker']).kemnaker")
    assert moved != before
    session.page.click("#original-layout")
    assert session.js("window.tkgExplorer.network.getPositions(['kemnaker']).kemnaker") == before


def test_paths_page_opens_with_its_paths(tab: Tab, real: tuple[ox.Store, nx.MultiDiGraph], tmp_path: Path) -> None:
    store, graph = real
    a, b = resolve_node(graph, "lpk"), resolve_node(graph, "isa")
    paths = find_paths(graph, a, b, max_hops=3, limit=3)
    path = tmp_path / "paths.html"
    path.write_text(render_paths_page(graph, paths, start=a, end=b, found=catalogue(store)), encoding="utf-8")
    opened = Session(tab, path)
    try:
        assert opened.js("window.tkgExplorer.state.preset") is True
        assert opened.js("window.tkgExplorer.state.paths.map(p => p.nodes)") == [
            [graph.nodes[n]["id"] for n in p.nodes] for p in paths]
        assert opened.page.inner_text("#subtitle") == ("Coordination paths from Job training institution (LPK) to "
                                                        "Immigration Services Agency of Japan")
        assert opened.page.locator("#panel ol.paths > li").count() == len(paths)
        assert opened.errors == [] and opened.outside == []
    finally:
        opened.close()


WALK = """async () => {  // every panel, in every language, with every claim opened; search; paths
    const x = window.tkgExplorer;
    const tick = () => new Promise((done) => setTimeout(done, 0));
    for (const lang of ['en', 'id', 'ja']) {
        x.setLang(lang);
        for (const id of x.nodes.getIds()) {
            x.selectNodes([id]);
            document.querySelectorAll('#panel details').forEach((d) => { d.open = true; });
            await tick();
        }
        for (const id of x.edges.getIds()) {
            x.selectEdge(id);
            await tick();
        }
        for (const text of ['svg', 'script', 'img', 'javascript', 'alert']) {
            const box = document.getElementById('search');
            box.value = text;
            box.dispatchEvent(new Event('input'));
            await tick();
        }
        x.selectNodes(['kemnaker', 'isa']);
        document.querySelectorAll('#panel details').forEach((d) => { d.open = true; });
        await tick();
    }
    return document.querySelectorAll('#search-results li[data-id]').length;
}"""


@pytest.mark.parametrize("policy", ["with CSP", "without CSP"])
def test_hostile_labels_and_evidence_never_run(tab: Tab, xss_file: Path, tmp_path: Path, policy: str) -> None:
    """The page's own code must be safe; the Content-Security-Policy is a second wall, so the page is
    also checked with its policy removed (an injected handler would then run and call the stub)."""
    page_file = xss_file
    if policy == "without CSP":
        html = xss_file.read_text(encoding="utf-8")
        stripped = re.sub(r'<meta http-equiv="Content-Security-Policy" content="[^"]+">', "", html)
        assert stripped != html
        page_file = tmp_path / "no-csp.html"
        page_file.write_text(stripped, encoding="utf-8")
    opened = Session(tab, page_file, "#node=kemnaker")
    try:
        assert SCRIPT in opened.panel()  # shown as text
        opened.js(WATCH)
        for node in opened.js("window.tkgExplorer.visibleNodeIds()"):
            opened.page.mouse.move(*opened.node_point(node))  # vis-network tooltips
            opened.page.wait_for_timeout(20)
        assert opened.js(WALK) >= 3
        opened.js("window.tkgExplorer.selectEdge('kemnaker|tkg:sharesInformationWith|isa')")
        panel = opened.panel()
        assert IMG in panel and '<a href="javascript:alert(1)">x</a>' in panel
        opened.page.wait_for_timeout(300)  # an onerror handler would have fired by now
        assert opened.js("window.__calls") == []
        assert opened.js("window.__injected") == []
        assert opened.js("document.scripts.length") == 3
        hrefs = opened.js("Array.from(document.querySelectorAll('a[href]')).map(a => new URL(a.href).protocol)")
        assert hrefs and set(hrefs) <= {"https:", "http:"}
        for address in ("javascript:alert(1)", "JAVASCRIPT:alert(1)", " javascript:alert(1)",
                        "data:text/html,<script>alert(1)</script>", "vbscript:x", "file:///etc/passwd", "relative/x"):
            assert opened.js("(a) => window.tkgExplorer.safeHref(a)", address) is None
        assert opened.js("window.tkgExplorer.safeHref('https://example.org/a b')") == "https://example.org/a%20b"
        assert opened.errors == [] and opened.outside == []
    finally:
        opened.close()


def test_notebook_iframe_draws_the_explorer(browser: Any, real: tuple[ox.Store, nx.MultiDiGraph],
                                            tmp_path: Path) -> None:
    """What ``kg.explorer()`` puts in a notebook cell: the page in a sandboxed srcdoc iframe. In a context of
    its own, not the shared tab: there, once in about fifteen whole runs, the sandboxed frame (a renderer process of
    its own) never reported its first drawing within 30 s; the cause was not found."""
    store, graph = real
    host = tmp_path / "notebook.html"
    host.write_text("<!DOCTYPE html><html><body><h1>cell</h1>"
                    + iframe_markup(render_explorer(graph, ExplorerOptions(lang="ja"), catalogue(store)))
                    + "</body></html>", encoding="utf-8")
    context = browser.new_context(viewport=VIEWPORT)
    errors: list[str] = []
    outside: list[str] = []
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:")
                  else (outside.append(route.request.url), route.abort()))
    page = context.new_page()
    page.on("console", lambda m: errors.append(m.text) if m.type in ("error", "assert") else None)
    page.on("pageerror", lambda error: errors.append(f"pageerror: {error}"))
    try:
        page.goto(host.as_uri())
        deadline = time.monotonic() + 30
        while len(page.frames) < 2 or not page.frames[1].evaluate("document.body.dataset.ready === '1'"):
            assert time.monotonic() < deadline, ([frame.url for frame in page.frames], errors)
            page.wait_for_timeout(50)
        frame = page.frames[1]
        assert frame.evaluate("window.tkgExplorer.drawn()") == {"nodes": graph.number_of_nodes(),
                                                                "edges": graph.number_of_edges()}
        frame.evaluate("window.tkgExplorer.selectNodes(['kemnaker'])")  # the URL cannot change: no error either
        assert frame.inner_text("#panel h2") == "インドネシア労働省"
        assert frame.evaluate("location.href") == "about:srcdoc"
        assert errors == [] and outside == []
    finally:
        context.close()
