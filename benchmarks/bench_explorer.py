"""Explorer, paths and analyse at scale: figures and ratios measured side by side in one run.

Run: ``.venv/bin/python benchmarks/bench_explorer.py [--copies 31] [--no-browser]``.
``rows()`` returns the same figures as table rows for ``make bench``.

The large graph is the curated network projection copied ``copies`` times with renamed ids (entities,
claims), each copy's institutions linked to the same institution of the previous copy, and the eight
best-connected institutions of each copy linked to the first copy, so the copies make one network. 31 copies
give 5,766 entities, the size of the December 2026 measurement (measurements-2026-12.md).

Browser figures come from headless Chromium (``/usr/bin/chromium``, the flags of tests/test_browser.py)
through the page's own ready marker (``document.body.dataset.ready``) and ``window.tkgExplorer.timing``;
the page's Content-Security-Policy stays as it is. Baseline: the same page forced to draw every entity
with vis-network (``?full`` view, the explorer before the overview existed).
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
                                        data[f"label_{lang}"]) for lang in ("en", "id", "ja")}
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


def open_page(browser: Any, path: Path, fragment: str = "") -> tuple[Any, Any, dict[str, float]]:
    """Open the page; return (context, page, figures): ready (first paint) and settled, both in seconds
    from navigation start as the page measured them."""
    context = browser.new_context(viewport=VIEWPORT)
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:") else route.abort())
    page = context.new_page()
    page.goto(path.as_uri() + fragment)
    wait(page, "document.body.dataset.ready === '1'")
    wait(page, "document.body.dataset.settled === '1'")
    timing = page.evaluate("window.tkgExplorer.timing")
    return context, page, {"first_paint": timing["firstDraw"] / 1000, "settled": timing["settled"] / 1000}


def highlight_seconds(page: Any, start: str, end: str) -> tuple[float, int]:
    """Seconds from selecting two entities to the next drawn frame with their paths highlighted."""
    result = page.evaluate("""([a, b]) => new Promise(resolve => {
        const t0 = performance.now();
        window.tkgExplorer.selectNodes([a, b]);
        const t1 = performance.now();
        window.tkgExplorer.network.once('afterDrawing', () => resolve([performance.now() - t0, t1 - t0,
            (window.tkgExplorer.state.paths || []).length]));
        window.tkgExplorer.network.redraw();
    })""", [start, end])
    return result[0] / 1000, int(result[2])


def pan_zoom_frame(page: Any) -> float:
    """Median seconds to redraw after a small pan and a zoom step (what a drag or a wheel tick costs)."""
    samples = page.evaluate("""() => new Promise(resolve => {
        const net = window.tkgExplorer.network, out = [];
        let i = 0;
        const step = () => {
            if (i === 6) { resolve(out); return; }
            const view = net.getViewPosition(), scale = net.getScale();
            const t0 = performance.now();
            net.once('afterDrawing', () => { out.push(performance.now() - t0); i += 1; setTimeout(step, 0); });
            if (i % 2) net.moveTo({position: {x: view.x + 40, y: view.y}, scale: scale, animation: false});
            else net.moveTo({position: view, scale: scale * 1.1, animation: false});
        };
        step();
    })""")
    return statistics.median(samples) / 1000


def browser_rows(size: str, path: Path, pair: tuple[str, str], browser: Any, *, baseline: bool) -> list[Row]:
    rows: list[Row] = []
    context, page, new = open_page(browser, path)
    highlight, _ = highlight_seconds(page, *pair)
    frame = pan_zoom_frame(page)
    context.close()
    if baseline:
        context, page, old = open_page(browser, path, "#view=full")
        old_highlight, _ = highlight_seconds(page, *pair)
        old_frame = pan_zoom_frame(page)
        context.close()
        rows += [(size, "explorer first paint", new["first_paint"], "all entities in vis-network", old["first_paint"]),
                 (size, "explorer settled", new["settled"], "all entities in vis-network", old["settled"]),
                 (size, "path highlight", highlight, "all entities in vis-network", old_highlight),
                 (size, "pan/zoom frame", frame, "all entities in vis-network", old_frame)]
    else:
        rows += [(size, "explorer first paint", new["first_paint"], "", 0.0),
                 (size, "explorer settled", new["settled"], "", 0.0),
                 (size, "path highlight", highlight, "", 0.0),
                 (size, "pan/zoom frame", frame, "", 0.0)]
    return rows


# ---------------------------------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------------------------------


def generation_row(size: str, graph: nx.MultiDiGraph, found: Any, out: Path) -> Row:
    from tokutei_kg.visualise import ExplorerOptions, render_explorer

    seconds, page = timed(lambda: render_explorer(graph, ExplorerOptions(), found), repeat=1)
    out.write_text(str(page), encoding="utf-8")
    return (size, f"explorer generation ({out.stat().st_size / 1e6:.1f} MB)", seconds, "", 0.0)


def rows(copies: int = 31, *, browser: bool = True) -> list[Row]:
    """Every figure of this benchmark as (size, figure, seconds, baseline, baseline seconds)."""
    _, graph, found = curated()
    sizes = [("curated", graph, found), *[(f"x{c}", *scaled(graph, found, c)) for c in (copies,) if c > 1]]
    out: list[Row] = []
    with tempfile.TemporaryDirectory() as folder:
        pages = {}
        for name, g, f in sizes:
            label = f"{name} ({g.number_of_nodes():,} nodes, {g.number_of_edges():,} edges)"
            path = Path(folder) / f"explorer-{name}.html"
            out.append(generation_row(label, g, f, path))
            pages[label] = path
        if browser and CHROMIUM.exists():
            with chromium() as chrome:
                for label, path in pages.items():
                    out += browser_rows(label, path, ("kemnaker", "isa"), chrome, baseline="curated" not in label)
    return out


def print_table(table: list[Row]) -> None:
    print("| size | figure | seconds | baseline | baseline s | ratio |\n|---|---|---|---|---|---|")
    for size, figure, seconds, base, base_seconds in table:
        ratio = f"{base_seconds / seconds:.1f}× faster" if base and seconds else ""
        print(f"| {size} | {figure} | {seconds:.3f} | {base} | {base_seconds:.3f} | {ratio} |" if base else
              f"| {size} | {figure} | {seconds:.3f} | | | |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--copies", type=int, default=31)
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--json", action="store_true", help="print the rows as JSON")
    args = parser.parse_args()
    table = rows(args.copies, browser=not args.no_browser)
    if args.json:
        json.dump(table, sys.stdout, indent=1)
    else:
        print_table(table)


if __name__ == "__main__":
    main()
