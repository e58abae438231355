"""The explorer, paths and analyse at scale. Above ``OVERVIEW_AT`` the page opens on an overview (one node per
side and class, positions from Python), expands a group on demand, and draws on their own the entities a
user selects or that lie on highlighted paths. Path search prunes by distance and must find exactly the
paths networkx finds; analyse estimates betweenness above ``EXACT_UP_TO`` and says so. Behaviour only:
the timings live in benchmarks/bench_explorer.py."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import networkx as nx
import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from browser_support import Session, Tab
from tokutei_kg import analyse
from tokutei_kg.analyse import PathFilter, centrality, centrality_note, find_paths, path_view, paths_between_sides
from tokutei_kg.cli import main
from tokutei_kg.network import to_network
from tokutei_kg.visualise import ExplorerOptions, catalogue, explorer_data, render_explorer
from tokutei_kg.visualise.catalogue import Catalogue
from tokutei_kg.visualise.explorer import OVERVIEW_AT
from tokutei_kg.visualise.layout import CELL, group_key, overview_layout
from tokutei_kg.visualise.style import PATH_COLOUR

COPIES = 7  # 7 × 186 curated entities: past OVERVIEW_AT
LINK = "tkg:sharesInformationWith"


def copies(graph: nx.MultiDiGraph, found: Catalogue, count: int) -> tuple[nx.MultiDiGraph, Catalogue]:
    """``count`` copies of ``graph`` with renamed ids (copy 0 keeps the real ids), each copy's institutions
    linked to the same institution of the previous copy."""
    big = nx.MultiDiGraph()
    claims: dict[str, dict[str, object]] = {}

    def name(node: str, k: int) -> str:
        return node if k == 0 else f"{node}-c{k}"

    for k in range(count):
        suffix = f"-c{k}" if k else ""
        for node, data in graph.nodes(data=True):
            big.add_node(name(node, k), **{**data, "id": f"{data['id']}{suffix}",
                                           "label_en": f"{data['label_en']}{' ' + str(k) if k else ''}"})
        for u, v, key, data in graph.edges(keys=True, data=True):
            renamed = [f"{c}{suffix}" for c in str(data["claims"]).split("|") if c]
            claims.update({new: found.claims[old] for old, new in zip(str(data["claims"]).split("|"), renamed,
                                                                         strict=False) if old in found.claims})
            big.add_edge(name(u, k), name(v, k), key=key, **{**data, "claims": "|".join(renamed)})
    template = next(d for _, _, d in graph.edges(data=True) if d["relation"] == LINK)
    for k in range(1, count):
        for node, data in graph.nodes(data=True):
            if data["kind"] == "institution":
                big.add_edge(name(node, k), name(node, k - 1), key=LINK, **{**template, "claims": ""})
    return big, Catalogue(claims, found.sources, found.vocabulary)


@pytest.fixture(scope="module")
def curated(built_repo: Path) -> tuple[nx.MultiDiGraph, Catalogue]:
    store = ox.Store()
    store.load((built_repo / "graph" / "built" / "tokutei.nq").read_bytes(), format=ox.RdfFormat.N_QUADS)
    return to_network(store), catalogue(store)


@pytest.fixture(scope="module")
def large(curated: tuple[nx.MultiDiGraph, Catalogue]) -> tuple[nx.MultiDiGraph, Catalogue]:
    big, found = copies(*curated, COPIES)
    assert big.number_of_nodes() > OVERVIEW_AT
    return big, found


@pytest.fixture(scope="module")
def large_file(large: tuple[nx.MultiDiGraph, Catalogue], tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("large") / "explorer.html"
    path.write_text(render_explorer(large[0], ExplorerOptions(), large[1]), encoding="utf-8")
    return path


def groups_of(graph: nx.MultiDiGraph) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for _, data in graph.nodes(data=True):
        found.setdefault(group_key(data), set()).add(str(data["id"]))
    return found


def node_of(graph: nx.MultiDiGraph, identifier: str) -> str:
    (node,) = (n for n, d in graph.nodes(data=True) if d["id"] == identifier)
    return node


# ---------------------------------------------------------------------------------------------------
# The page data (no browser)
# ---------------------------------------------------------------------------------------------------


def test_curated_graph_has_no_overview(curated: tuple[nx.MultiDiGraph, Catalogue]) -> None:
    data = explorer_data(curated[0], ExplorerOptions(), curated[1])
    assert "overview" not in data["options"] and "groups" not in data


def test_large_graph_carries_one_group_per_side_and_class(large: tuple[nx.MultiDiGraph, Catalogue]) -> None:
    graph, found = large
    data = explorer_data(graph, ExplorerOptions(), found)
    assert data["options"]["overview"] is True
    expected = groups_of(graph)
    assert set(data["groups"]) == set(expected)
    assert {key: place["members"] for key, place in data["groups"].items()} == {k: len(v) for k, v in expected.items()}
    assert len(data["nodes"]) == graph.number_of_nodes() and len(data["edges"]) == graph.number_of_edges()


def test_overview_layout_is_deterministic_and_keeps_members_by_their_group(
        large: tuple[nx.MultiDiGraph, Catalogue]) -> None:
    graph, _ = large
    layout, places = overview_layout(graph)
    reordered = nx.MultiDiGraph()  # the same graph, built in the opposite order
    reordered.add_nodes_from(reversed(list(graph.nodes(data=True))))
    reordered.add_edges_from(reversed(list(graph.edges(keys=True, data=True))))
    again, places_again = overview_layout(reordered)
    assert layout.positions == again.positions and places == places_again
    for node, data in graph.nodes(data=True):
        place = places[group_key(data)]
        half = (int(place["members"] ** 0.5) + 1) * CELL / 2
        x, y = layout.positions[node]
        assert abs(x - place["x"]) <= half and abs(y - place["y"]) <= half
    assert len(set(layout.positions.values())) == graph.number_of_nodes()  # no two entities on one spot
    assert len({(p["x"], p["y"]) for p in places.values()}) == len(places)


# ---------------------------------------------------------------------------------------------------
# Paths and analyse
# ---------------------------------------------------------------------------------------------------


def side_institutions(graph: nx.MultiDiGraph, side: str) -> list[str]:
    return sorted(n for n, d in graph.nodes(data=True) if d["kind"] == "institution" and d["side"] == side)


def test_pruned_search_finds_exactly_the_networkx_paths(curated: tuple[nx.MultiDiGraph, Catalogue],
                                                         large: tuple[nx.MultiDiGraph, Catalogue]) -> None:
    for graph in (curated[0], large[0]):
        view = path_view(graph)
        pairs = [(a, b) for a in side_institutions(graph, "indonesia")[:6] for b in side_institutions(graph, "japan")[:6]]
        total = 0
        for a, b in pairs:
            for hops in (1, 2, 3, 4):
                ours = sorted(analyse._simple_paths(view, a, b, hops))
                assert ours == sorted(nx.all_simple_paths(view, a, b, cutoff=hops)), (a, b, hops)
                total += len(ours)
        assert total > 100


def test_paths_between_sides_is_find_paths_for_every_pair(curated: tuple[nx.MultiDiGraph, Catalogue]) -> None:
    graph, _ = curated
    found = paths_between_sides(graph)
    expected = {}
    for a in side_institutions(graph, "indonesia"):
        for b in side_institutions(graph, "japan"):
            paths = find_paths(graph, a, b)
            if paths:
                expected[(a, b)] = paths
    assert found == expected
    assert len(found) > 100  # most pairs are joined within four hops


def test_a_view_without_the_ends_is_rebuilt(curated: tuple[nx.MultiDiGraph, Catalogue]) -> None:
    graph, _ = curated
    keep = PathFilter(kinds=frozenset({"agreement"}))
    a, b = node_of(graph, "kemnaker"), node_of(graph, "isa")
    assert find_paths(graph, a, b, keep=keep, view=path_view(graph, keep)) == find_paths(graph, a, b, keep=keep)


def test_analyse_is_exact_on_the_curated_graph(curated: tuple[nx.MultiDiGraph, Catalogue]) -> None:
    graph, _ = curated
    assert centrality_note(graph) == ""
    view = path_view(graph)
    exact = nx.betweenness_centrality(view, normalized=True)
    assert {r.node: r.betweenness for r in centrality(graph)} == {n: round(v, 4) for n, v in exact.items()}


def test_analyse_estimates_above_the_threshold_and_says_so(curated: tuple[nx.MultiDiGraph, Catalogue],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    graph, _ = curated
    exact = centrality(graph)
    monkeypatch.setattr(analyse, "EXACT_UP_TO", 50)
    monkeypatch.setattr(analyse, "SAMPLE_SOURCES", 20)
    size = path_view(graph).number_of_nodes()
    assert centrality_note(graph) == ("betweenness and brokerage estimated from 20 sampled source entities "
                                      f"(seed {analyse.SEED}); exact up to 50 entities, this graph has {size:,}")
    estimate = centrality(graph)
    assert estimate == centrality(graph)  # seeded: the same graph gives the same estimate
    assert estimate != exact
    assert ({(r.id, r.degree, r.cross_border_degree, r.stages) for r in estimate}
            == {(r.id, r.degree, r.cross_border_degree, r.stages) for r in exact})


def test_analyse_command_states_the_estimate(built_mini: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    mini = built_mini
    monkeypatch.setattr(analyse, "EXACT_UP_TO", 3)
    monkeypatch.setattr(analyse, "SAMPLE_SOURCES", 2)
    table = CliRunner().invoke(main, ["--root", str(mini), "analyse"])
    assert table.exit_code == 0
    note = table.stdout.splitlines()[-1]
    assert note.startswith("betweenness and brokerage estimated from 2 sampled source entities (seed 20190625); "
                           "exact up to 3 entities, this graph has ")
    answer = CliRunner().invoke(main, ["--root", str(mini), "analyse", "--format", "json"])
    assert json.loads(answer.stdout)["estimate"] == note
    rows = CliRunner().invoke(main, ["--root", str(mini), "analyse", "--format", "csv"])
    assert rows.stderr == f"note: {note}\n" and note not in rows.stdout


# ---------------------------------------------------------------------------------------------------
# In Chromium
# ---------------------------------------------------------------------------------------------------


@pytest.fixture
def session(tab: Tab, large_file: Path) -> Iterator[Session]:
    opened = Session(tab, large_file)
    yield opened
    assert opened.outside == []
    assert opened.errors == []
    opened.close()


def group_pairs(graph: nx.MultiDiGraph) -> set[tuple[str, str]]:
    return {(group_key(graph.nodes[u]), group_key(graph.nodes[v])) for u, v in graph.edges()} - {
        (k, k) for k in groups_of(graph)}


@pytest.mark.browser
def test_large_graph_draws_its_groups(session: Session, large: tuple[nx.MultiDiGraph, Catalogue]) -> None:
    graph, _ = large
    assert session.js("window.tkgExplorer.overview") is True
    session.wait("document.body.dataset.settled === '1'")
    assert session.visible() == sorted(f"group:{k}" for k in groups_of(graph))
    assert session.drawn() == {"nodes": len(groups_of(graph)), "edges": len(group_pairs(graph))}
    assert session.page.inner_text("#shown") == (f"Showing {graph.number_of_nodes()} of {graph.number_of_nodes()} "
                                                 f"entities and {graph.number_of_edges()} of "
                                                 f"{graph.number_of_edges()} relations")
    assert "Overview of" in session.page.inner_text("#subtitle")


@pytest.mark.browser
def test_large_graph_highlights_paths(session: Session, large: tuple[nx.MultiDiGraph, Catalogue]) -> None:
    graph, _ = large
    session.js("window.tkgExplorer.selectNodes(['kemnaker', 'isa'])")
    a, b = node_of(graph, "kemnaker"), node_of(graph, "isa")
    expected = [[graph.nodes[n]["id"] for n in p.nodes] for p in find_paths(graph, a, b, max_hops=4)]
    shown = session.js("window.tkgExplorer.state.paths.map(p => p.nodes)")
    assert shown == expected and len(shown) == 10
    on_paths = {n for p in expected for n in p}
    assert on_paths <= set(session.visible())
    hop_edges = session.js("window.tkgExplorer.state.paths.flatMap(p => p.hops.flatMap(h => h.edges))")
    colours = session.js("(ids) => ids.map(id => window.tkgExplorer.edges.get(id).color.color)", hop_edges)
    assert set(colours) == {PATH_COLOUR}
    assert session.page.inner_text("#panel h2") == ("Coordination paths from Ministry of Manpower to "
                                                     "Immigration Services Agency of Japan")
    assert session.js("location.hash") == "#path=kemnaker,isa"


@pytest.mark.browser
def test_clicking_a_group_draws_its_members(session: Session, large: tuple[nx.MultiDiGraph, Catalogue]) -> None:
    graph, _ = large
    key = group_key(graph.nodes[node_of(graph, "isa")])
    point = session.js("""(id) => {
        const net = window.tkgExplorer.network, dom = net.canvasToDOM(net.getPositions([id])[id]);
        return {x: dom.x, y: dom.y, hit: net.getNodeAt(dom)};
    }""", f"group:{key}")
    assert point["hit"] == f"group:{key}"
    box = session.page.locator("#network").bounding_box()
    session.page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])
    visible = set(session.visible())
    assert groups_of(graph)[key] <= visible and f"group:{key}" not in visible
    session.js("(id) => window.tkgExplorer.collapseGroup(id)", f"group:{key}")
    assert f"group:{key}" in session.visible() and "isa" not in session.visible()


@pytest.mark.browser
def test_search_draws_the_found_entity(session: Session) -> None:
    session.page.fill("#search", "入管")
    session.page.press("#search", "Enter")
    assert session.js("window.tkgExplorer.state.selected") == ["isa"]
    assert "isa" in session.visible()
    assert session.page.inner_text("#panel h2") == "Immigration Services Agency of Japan"


@pytest.mark.browser
def test_full_view_draws_every_entity(tab: Tab, large_file: Path, large: tuple[nx.MultiDiGraph, Catalogue]) -> None:
    graph, _ = large
    full = Session(tab, large_file, "#view=full")
    try:
        assert full.js("window.tkgExplorer.overview") is False
        assert full.drawn() == {"nodes": graph.number_of_nodes(), "edges": graph.number_of_edges()}
        full.js("window.tkgExplorer.selectNodes(['kemnaker'])")
        assert full.js("location.hash") == "#node=kemnaker&view=full"
        assert full.errors == [] and full.outside == []
    finally:
        full.close()


@pytest.mark.browser
def test_overview_follows_language_and_filters(session: Session, large: tuple[nx.MultiDiGraph, Catalogue]) -> None:
    graph, _ = large
    isa = graph.nodes[node_of(graph, "isa")]
    group = f"group:{group_key(isa)}"
    members = len(groups_of(graph)[group_key(isa)])
    session.page.select_option("#lang", "ja")
    assert session.js("(id) => window.tkgExplorer.nodes.get(id).label", group) == f"{isa['class_label_ja']} ({members})"
    session.page.uncheck("#filter-side input[data-value=japan]")
    visible = session.visible()
    assert visible == sorted(f"group:{k}" for k in groups_of(graph) if not k.startswith("japan|"))
    assert session.js("location.hash") == "#lang=ja&xside=japan"


@pytest.mark.browser
def test_search_finds_a_filtered_out_entity_without_drawing_it(session: Session) -> None:
    session.page.uncheck("#filter-side input[data-value=japan]")
    session.page.fill("#search", "入管")
    session.page.press("#search", "Enter")
    assert session.js("window.tkgExplorer.state.selected") == ["isa"]
    assert "isa" not in session.visible()
    assert "(hidden by the filters)" in session.panel()
