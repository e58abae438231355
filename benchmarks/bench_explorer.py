"""Explorer, paths and analyse at scale: figures and ratios measured side by side in one run.

Run: ``.venv/bin/python benchmarks/bench_explorer.py [--copies 31] [--no-browser]``.
``rows()`` returns the same figures as table rows for ``make bench``.

The large graph is the curated network projection copied ``copies`` times with renamed ids (entities,
claims), each copy's institutions linked to the same institution of the previous copy, and the eight
best-connected institutions of each copy linked to the first copy, so the copies make one network. 31 copies
give 5,766 entities, the size of the December 2026 measurement (measurements-2026-12.md).

Browser figures come from headless Chromium (``/usr/bin/chromium``, the flags of tests/test_browser.py)
through the page's own ready marker (``document.body.dataset.ready``) and ``window.tkgExplorer.timing``;
the page's Content-Security-Policy stays as it is. Baselines for the large graph, in the same run: the
previous explorer (every entity drawn by vis-network at the side layout: what the page was before the
overview) and a sigma.js 3 WebGL page drawing every entity at Python's positions (``npm ci --prefix
benchmarks/js``; skipped when missing).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import networkx as nx

from tokutei_kg.namespaces import LANGUAGES
from tokutei_kg.visualise import ExplorerOptions, explorer_data, render_explorer
from tokutei_kg.visualise.explorer import OVERVIEW_AT

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]
VIEWPORT = {"width": 1600, "height": 1000}
LINK = "tkg:sharesInformationWith"

Row = tuple[str, str, float, str, float]  # (size, figure, seconds, baseline, baseline seconds)


# ---------------------------------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------------------------------


def curated() -> tuple[Any, nx.MultiDiGraph, Any]:
    """The curated graph: (store, projection, catalogue), compiled in memory (nothing written)."""
    import pyoxigraph as ox

    from tokutei_kg.network import to_network
    from tokutei_kg.pipeline import Project, compile_project
    from tokutei_kg.visualise import catalogue

    compiled = compile_project(Project(REPO))
    store = ox.Store()
    store.load(compiled.nquads, format=ox.RdfFormat.N_QUADS)
    return store, to_network(store), catalogue(store)


def scaled(graph: nx.MultiDiGraph, found: Any, copies: int) -> tuple[nx.MultiDiGraph, Any]:
    """``copies`` renamed copies of ``graph`` linked into one network, and the catalogue to match."""
    from tokutei_kg.visualise import Catalogue

    big = nx.MultiDiGraph()
    claims: dict[str, dict[str, object]] = {}

    def rename(node: str, k: int) -> str:
        return node if k == 0 else f"{node}-c{k}"

    for k in range(copies):
        suffix = "" if k == 0 else f"-c{k}"
        for node, data in graph.nodes(data=True):
            labels = {f"label_{lang}": (f"{data[f'label_{lang}']} {k}" if k and data[f"label_{lang}"] else
                                        data[f"label_{lang}"]) for lang in LANGUAGES}
            big.add_node(rename(node, k), **{**data, **labels, "id": f"{data['id']}{suffix}"})
        for u, v, key, data in graph.edges(keys=True, data=True):
            renamed = [f"{c}{suffix}" for c in str(data["claims"]).split("|") if c]
            for old, new in zip(str(data["claims"]).split("|"), renamed, strict=False):
                if old in found.claims:
                    claims[new] = found.claims[old]
            big.add_edge(rename(u, k), rename(v, k), key=key, **{**data, "claims": "|".join(renamed)})
    institutions = sorted(n for n, d in graph.nodes(data=True) if d["kind"] == "institution")
    hubs = sorted(institutions, key=lambda n: (-graph.degree(n), n))[:8]
    template = next(d for _, _, d in graph.edges(data=True) if d["relation"] == LINK)
    for k in range(1, copies):
        for node in institutions:
            big.add_edge(rename(node, k), rename(node, k - 1), key=LINK, **{**template, "claims": ""})
        for node in hubs:
            if k > 1:
                big.add_edge(rename(node, k), node, key=LINK, **{**template, "claims": ""})
    return big, Catalogue(claims, found.sources, found.vocabulary)


def timed(action: Callable[[], object], repeat: int = 3) -> tuple[float, object]:
    samples, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = action()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples), result


# ---------------------------------------------------------------------------------------------------
# Browser
# ---------------------------------------------------------------------------------------------------


@contextmanager
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


def wait(page: Any, expression: str, timeout: float = 300.0) -> None:
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise TimeoutError(expression)
        page.wait_for_timeout(10)


BUDGET = 120.0  # seconds a page may take to settle before it is reported as "did not settle"


def open_page(browser: Any, path: Path) -> tuple[Any, Any, dict[str, float]]:
    """Open the page; return (context, page, figures): first paint and settled as the page measured them
    (``window.tkgExplorer.timing``, ms from navigation start), and interactive: wall seconds from
    navigation until the page, settled, answers the next call (its main thread is free)."""
    context = browser.new_context(viewport=VIEWPORT)
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:") else route.abort())
    page = context.new_page()
    started = time.perf_counter()
    page.goto(path.as_uri(), wait_until="commit", timeout=BUDGET * 1000)
    try:
        wait(page, "document.body.dataset.settled === '1'", timeout=BUDGET)
    except TimeoutError:
        context.close()
        raise
    interactive = time.perf_counter() - started
    timing = page.evaluate("window.tkgExplorer.timing")
    return context, page, {"first_paint": timing["firstDraw"] / 1000, "settled": timing["settled"] / 1000,
                           "interactive": interactive}


def highlight_seconds(page: Any, start: str, end: str) -> float:
    """Seconds from selecting two entities to the next drawn frame with their paths highlighted."""
    result = page.evaluate("""([a, b]) => new Promise(resolve => {
        const t0 = performance.now();
        window.tkgExplorer.selectNodes([a, b]);
        window.tkgExplorer.network.once('afterDrawing', () => resolve(performance.now() - t0));
        window.tkgExplorer.network.redraw();
    })""", [start, end])
    return float(result) / 1000


PAN_ZOOM = """() => new Promise(resolve => {
    const view = window.tkgBenchView, out = [];
    let i = 0;
    const step = () => {
        if (i === 8) { resolve(out); return; }
        const t0 = performance.now();
        view.onDrawn(() => { out.push(performance.now() - t0); i += 1; setTimeout(step, 0); });
        view.move(i % 2 ? 40 : 0, i % 2 ? 1 : 1.1);
    };
    step();
})"""

VIS_VIEW = """() => {
    const net = window.tkgExplorer.network;
    window.tkgBenchView = {
        onDrawn: f => net.once('afterDrawing', f),
        move: (dx, zoom) => {
            const p = net.getViewPosition();
            net.moveTo({position: {x: p.x + dx, y: p.y}, scale: net.getScale() * zoom, animation: false});
        }
    };
}"""


def pan_zoom_frame(page: Any) -> float:
    """Median seconds to draw the next frame after a small pan or a zoom step (a drag or a wheel tick)."""
    return statistics.median(page.evaluate(PAN_ZOOM)) / 1000


def vis_rows(size: str, path: Path, pair: tuple[str, str], browser: Any) -> dict[str, float]:
    context, page, figures = open_page(browser, path)
    figures["path highlight"] = highlight_seconds(page, *pair)
    page.evaluate(VIS_VIEW)
    figures["pan/zoom frame"] = pan_zoom_frame(page)
    figures["drawn nodes"] = page.evaluate("window.tkgExplorer.drawn().nodes")
    context.close()
    return figures


# The WebGL alternative, measured but not shipped: sigma.js 3 + graphology (benchmarks/js, `npm ci --prefix
# benchmarks/js`) drawing every entity at the positions computed in Python. Only the drawing is built (no
# filters, panels or paths), so its figures are a lower bound for a WebGL explorer; the page has no
# Content-Security-Policy (it is a measurement, never written to exports/).
SIGMA = REPO / "benchmarks" / "js" / "node_modules"
SIGMA_APP = """
(function () {
  var timing = { start: performance.now() };
  var D = JSON.parse(document.getElementById("tkg-data").textContent);
  var graph = new graphology.MultiDirectedGraph();
  D.nodes.forEach(function (n) {
    graph.addNode(n.id, { x: n.x, y: -n.y, size: 4, label: n.label_en, color: D.style.sides[n.side] || "#8C8C8C" });
  });
  D.edges.forEach(function (e) { graph.addEdgeWithKey(e.id, e.from, e.to, { size: 1, color: "#b0b0b0" }); });
  var renderer = new Sigma(graph, document.getElementById("network"), { renderEdgeLabels: false });
  timing.network = performance.now();
  requestAnimationFrame(function () {
    timing.firstDraw = timing.settled = performance.now();
    document.body.dataset.ready = document.body.dataset.settled = "1";
  });
  var camera = renderer.getCamera();
  window.tkgBenchView = {
    onDrawn: function (f) { renderer.once("afterRender", f); },
    move: function (dx, zoom) {
      var state = camera.getState();
      camera.setState({ x: state.x + dx / 2000, y: state.y, ratio: state.ratio / zoom, angle: state.angle });
    }
  };
  window.tkgExplorer = { timing: timing, renderer: renderer };
})();
"""


def sigma_page(data: dict[str, Any]) -> str:
    """Every entity drawn by sigma.js; the page embeds the same data as the explorer (so it parses as much)."""
    from tokutei_kg.visualise.page import script_json

    assets = [(SIGMA / "graphology" / "dist" / "graphology.umd.min.js").read_text(encoding="utf-8"),
              (SIGMA / "sigma" / "dist" / "sigma.min.js").read_text(encoding="utf-8")]
    scripts = "".join(f"<script>{text}</script>" for text in [*assets, SIGMA_APP])
    return ('<!doctype html><html><head><meta charset="utf-8"><style>html,body{margin:0}'
            '#network{width:100vw;height:100vh}</style></head><body><main id="network"></main>'
            f'<script type="application/json" id="tkg-data">{script_json(data)}</script>{scripts}</body></html>')


def sigma_rows(path: Path, browser: Any) -> dict[str, float]:
    context, page, figures = open_page(browser, path)
    figures["pan/zoom frame"] = pan_zoom_frame(page)
    figures["webgl"] = page.evaluate("!!document.createElement('canvas').getContext('webgl2')")
    context.close()
    return figures


def browser_rows(pages: dict[str, dict[str, Path]], pair: tuple[str, str], browser: Any) -> list[Row]:
    """Per size: the explorer as shipped; for the large size also the previous explorer (every entity in
    vis-network, side layout) and the sigma.js prototype, side by side."""
    out: list[Row] = []
    figures = ("first_paint", "settled", "interactive", "path highlight", "pan/zoom frame")
    for size, variants in pages.items():
        shipped = vis_rows(size, variants["shipped"], pair, browser)
        baselines = []
        if "previous" in variants:
            try:
                previous = vis_rows(size, variants["previous"], pair, browser)
            except TimeoutError:  # reported as infinite: it did not settle within BUDGET
                previous = dict.fromkeys(figures, float("inf"))
            baselines.append(("previous explorer: every entity in vis-network", previous))
        if "sigma" in variants:
            baselines.append(("sigma.js 3 WebGL, every entity (drawing only)", sigma_rows(variants["sigma"], browser)))
        for figure in figures:
            name = f"explorer {figure.replace('_', ' ')}"
            if not baselines:
                out.append((size, name, shipped[figure], "", 0.0))
            for label, base in baselines:
                if figure in base:
                    out.append((size, name, shipped[figure], label, base[figure]))
    return out


# ---------------------------------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------------------------------


def generation_row(size: str, graph: nx.MultiDiGraph, found: Any, out: Path,
                   figure: str = "explorer generation") -> Row:
    seconds, page = timed(lambda: render_explorer(graph, ExplorerOptions(), found), repeat=1)
    out.write_text(str(page), encoding="utf-8")
    return (size, f"{figure} ({out.stat().st_size / 1e6:.1f} MB)", seconds, "", 0.0)


def legacy_find_paths(graph: nx.MultiDiGraph, start: str, end: str, max_hops: int = 4) -> list[Any]:
    """Path search as it was before the distance pruning: the view rebuilt per pair, every simple path
    of at most ``max_hops`` hops enumerated by networkx, then ranked."""
    from tokutei_kg.analyse import CoordinationPath, PathFilter, _hop, _view

    keep = PathFilter()
    view = _view(graph, keep, {start, end})
    found = [CoordinationPath(tuple(nodes), tuple(_hop(graph, u, v, keep) for u, v in zip(nodes, nodes[1:],
                                                                                           strict=False)))
             for nodes in nx.all_simple_paths(view, start, end, cutoff=max_hops)]
    found.sort(key=lambda p: p.rank_key(graph))
    return found[:10]


def side_pairs(graph: nx.MultiDiGraph) -> list[tuple[str, str]]:
    institutions = sorted(n for n, d in graph.nodes(data=True) if d["kind"] == "institution")
    return [(a, b) for a in institutions if graph.nodes[a]["side"] == "indonesia"
            for b in institutions if graph.nodes[b]["side"] == "japan"]


def exact_centrality(graph: nx.MultiDiGraph) -> object:
    from tokutei_kg import analyse

    saved = analyse.EXACT_UP_TO
    analyse.EXACT_UP_TO = 10**9
    try:
        return analyse.centrality(graph)
    finally:
        analyse.EXACT_UP_TO = saved


def pair_of(graph: nx.MultiDiGraph) -> tuple[str, str]:
    """kemnaker and isa (copy 0) when the graph has them, else its two best-connected institutions."""
    ids = {str(d["id"]): n for n, d in graph.nodes(data=True)}
    if "kemnaker" in ids and "isa" in ids:
        return ids["kemnaker"], ids["isa"]
    institutions = sorted((n for n, d in graph.nodes(data=True) if d["kind"] == "institution"),
                          key=lambda n: (-graph.degree(n), str(graph.nodes[n]["id"])))
    return institutions[0], institutions[1]


def generated(root: Path) -> tuple[str, nx.MultiDiGraph, Any]:
    """A project written by benchmarks/generate.py and built (``tokutei-kg --root ROOT build``)."""
    from tokutei_kg.network import to_network
    from tokutei_kg.store import open_store
    from tokutei_kg.visualise import catalogue

    store = open_store(root / "graph" / "built" / "tokutei.nq")
    return f"generated {root.name}", to_network(store), catalogue(store)


def analysis_rows(size: str, graph: nx.MultiDiGraph, *, all_pairs: bool, exact: bool) -> list[Row]:
    from tokutei_kg.analyse import centrality, find_paths, paths_between_sides

    a, b = pair_of(graph)
    out: list[Row] = []
    if all_pairs:
        pairs = side_pairs(graph)
        new, _ = timed(lambda: paths_between_sides(graph), repeat=3)
        old, _ = timed(lambda: [legacy_find_paths(graph, x, y) for x, y in pairs], repeat=1)
        out.append((size, f"paths, all {len(pairs)} Indonesia-Japan institution pairs", new,
                    "networkx all_simple_paths, view per pair", old))
    new, _ = timed(lambda: find_paths(graph, a, b), repeat=3)
    old, _ = timed(lambda: legacy_find_paths(graph, a, b), repeat=1)
    names = "-".join(str(graph.nodes[n]["id"]) for n in (a, b))
    out.append((size, f"paths {names}", new, "networkx all_simple_paths", old))
    new, _ = timed(lambda: centrality(graph), repeat=1)
    if exact:
        old, _ = timed(lambda: exact_centrality(graph), repeat=1)
        out.append((size, "analyse (centrality)", new, "exact betweenness", old))
    else:
        out.append((size, "analyse (centrality)", new, "", 0.0))
    return out


def rows(copies: int = 31, *, browser: bool = True, analysis: bool = True,
         scales: tuple[int, ...] = (3, 10), projects: tuple[Path, ...] = ()) -> list[Row]:
    """Every figure of this benchmark as (size, figure, seconds, baseline, baseline seconds); ``projects``
    adds built projects from benchmarks/generate.py as further sizes."""
    _, graph, found = curated()
    sizes = [("curated", graph, found),
             *[(f"x{c}", *scaled(graph, found, c)) for c in sorted({*scales, copies}) if c > 1]]
    extra = [generated(root) for root in projects]
    sizes += extra
    out: list[Row] = []
    for name, g, _ in sizes if analysis else []:
        label = f"{name} ({g.number_of_nodes():,} nodes, {g.number_of_edges():,} edges)"
        out += analysis_rows(label, g, all_pairs=name == "curated", exact=g.number_of_nodes() <= 2000)
    sizes = [sizes[0], sizes[-1 - len(extra)], *extra]
    with tempfile.TemporaryDirectory() as folder:
        pages: dict[str, dict[str, Path]] = {}
        for name, g, f in sizes:
            label = f"{name} ({g.number_of_nodes():,} nodes, {g.number_of_edges():,} edges)"
            variants = pages.setdefault(label, {})
            variants["shipped"] = Path(folder) / f"explorer-{name}.html"
            out.append(generation_row(label, g, f, variants["shipped"]))
            if g.number_of_nodes() > OVERVIEW_AT:
                variants["previous"] = Path(folder) / f"previous-{name}.html"
                with previous_explorer():
                    out.append(generation_row(label, g, f, variants["previous"], "previous explorer generation"))
                    data = explorer_data(g, ExplorerOptions(), f)
                if (SIGMA / "sigma").is_dir():
                    variants["sigma"] = Path(folder) / f"sigma-{name}.html"
                    variants["sigma"].write_text(sigma_page(data), encoding="utf-8")
        if browser and CHROMIUM.exists():
            with chromium() as chrome:
                for label, variants in pages.items():
                    graph_of = next(g for name, g, _ in sizes if label.startswith(f"{name} ("))
                    pair = tuple(str(graph_of.nodes[n]["id"]) for n in pair_of(graph_of))
                    out += browser_rows({label: variants}, pair, chrome)  # type: ignore[arg-type]
    return out


@contextmanager
def previous_explorer() -> Iterator[None]:
    """The explorer as it was before the overview: every entity drawn, side layout (no overview threshold)."""
    from tokutei_kg.visualise import explorer

    saved = explorer.OVERVIEW_AT
    explorer.OVERVIEW_AT = 10**9
    try:
        yield
    finally:
        explorer.OVERVIEW_AT = saved


def print_table(table: list[Row]) -> None:
    print("| size | figure | seconds | baseline | baseline s | ratio |\n|---|---|---|---|---|---|")
    for size, figure, seconds, base, base_seconds in table:
        ratio = f"{base_seconds / seconds:.1f}×" if base and seconds and base_seconds != float("inf") else "—"
        shown = f"> {BUDGET:.0f} (did not settle)" if base_seconds == float("inf") else f"{base_seconds:.3f}"
        print(f"| {size} | {figure} | {seconds:.3f} | {base} | {shown} | {ratio} faster |" if base else
              f"| {size} | {figure} | {seconds:.3f} | | | |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--copies", type=int, default=31)
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--scales", default="3,10", help="copies measured for paths and analyse only")
    parser.add_argument("--no-analysis", action="store_true", help="skip paths and analyse")
    parser.add_argument("--project", type=Path, action="append", default=[],
                        help="also measure a project made by benchmarks/generate.py and built (repeatable)")
    parser.add_argument("--json", action="store_true", help="print the rows as JSON")
    args = parser.parse_args()
    scales = tuple(int(c) for c in args.scales.split(",") if c)
    table = rows(args.copies, browser=not args.no_browser, analysis=not args.no_analysis, scales=scales,
                 projects=tuple(args.project))
    if args.json:
        json.dump(table, sys.stdout, indent=1)
    else:
        print_table(table)
        if not args.no_analysis:
            print(f"analyse grows with exponent {growth(table, 'analyse (centrality)'):.2f} in entities "
                  "between the two largest sizes")


def growth(table: list[Row], figure: str) -> float:
    """The log-log slope of ``figure`` between the two largest sizes (both above analyse.EXACT_UP_TO at the
    default sizes, so the slope is that of the sampled estimate, not of the switch from exact to sampled)."""
    import math
    import re

    points = sorted((int(re.search(r"\(([\d,]+) nodes", size).group(1).replace(",", "")), seconds)  # type: ignore[union-attr]
                    for size, name, seconds, _, _ in table if name == figure)
    (n0, t0), (n1, t1) = points[-2], points[-1]
    return math.log(t1 / t0) / math.log(n1 / n0)


if __name__ == "__main__":
    main()
