"""Coordination paths and brokerage on the network projection (never on the raw RDF graph).

Paths are searched on the undirected view of the projection — coordination runs both ways along a
relation — but every hop keeps the direction in which the sources state it. Countries, places,
persons and datasets are left out of path search (they would join everything to everything).

At scale: path search walks only towards the end (a breadth-first distance from the end prunes every
branch that cannot arrive within ``max_hops``), and ``paths_between_sides`` builds the view once for all
pairs. Betweenness and brokerage are exact up to ``EXACT_UP_TO`` entities in the path view; above, they are
estimated from ``SAMPLE_SOURCES`` source entities drawn with a fixed seed (Brandes' pivot sampling, as
networkx's ``k=``), so ``analyse`` grows linearly; ``centrality_note`` says which was used.

The stages take the :class:`~tokutei_kg.built.Built` dataset (as it stands: ``built.at(day)`` for --as-of):
:func:`coordination_paths` (``tokutei-kg paths``) and :func:`analysis` (``tokutei-kg analyse``); the
algorithms below them take its network projection.
"""

from __future__ import annotations

import random
import unicodedata
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import networkx as nx

from .errors import TokuteiError
from .namespaces import LANGUAGES
from .network import STATUS_RANK

if TYPE_CHECKING:
    from .built import Built

PATH_KINDS = frozenset({"institution", "collaboration", "agreement", "law", "programme", "system", "document",
                        "test", "event"})
# Named persons stay out of paths; the generic worker (one node for all Indonesian SSW workers) is in.
PATH_CLASSES = frozenset({"tkg:MigrantWorker"})


class UnknownInstitution(TokuteiError):
    pass


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold().strip()


def resolve_node(graph: nx.MultiDiGraph, text: str) -> str:
    """An entity by id, label (en/id/ja) or alias, case- and width-insensitively."""
    wanted = _norm(text)
    matches = []
    for node, data in graph.nodes(data=True):
        names = [data.get("id", ""), *(data.get(f"label_{lang}", "") for lang in LANGUAGES),
                 *str(data.get("aliases", "")).split("|")]
        if wanted in {_norm(n) for n in names if n}:
            matches.append(node)
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        ids = ", ".join(sorted(graph.nodes[m]["id"] for m in matches))
        raise UnknownInstitution(f"'{text}' names several entities ({ids})", hint="use one of these ids")
    import difflib

    names = sorted({str(d.get("id", "")) for _, d in graph.nodes(data=True)} |
                   {str(d.get("label_en", "")) for _, d in graph.nodes(data=True)})
    close = difflib.get_close_matches(text, names, n=3, cutoff=0.5)
    hint = f"did you mean {', '.join(close)}?" if close else "ids, labels (en/id/ja) and aliases are accepted"
    raise UnknownInstitution(f"no institution or entity named '{text}'", hint=hint)


@dataclass(frozen=True)
class Hop:
    source: str
    target: str
    forward: bool  # True when the sources state the relation from ``source`` to ``target``
    relations: tuple[dict[str, object], ...]  # edge attributes, best-evidenced first

    @property
    def best(self) -> dict[str, object]:
        return self.relations[0]


@dataclass(frozen=True)
class CoordinationPath:
    nodes: tuple[str, ...]
    hops: tuple[Hop, ...]

    @property
    def weakest(self) -> int:
        return min(STATUS_RANK[str(h.best["status"])] for h in self.hops)

    @property
    def sources(self) -> int:
        return sum(int(str(h.best["n_sources"])) for h in self.hops)

    def rank_key(self, graph: nx.MultiDiGraph) -> tuple[object, ...]:
        return (len(self.hops), -self.weakest, -self.sources, [graph.nodes[n]["id"] for n in self.nodes])


@dataclass(frozen=True)
class PathFilter:
    stage: str = ""
    min_status: str = ""
    via: str = ""
    kinds: frozenset[str] = PATH_KINDS

    def allows(self, data: dict[str, object]) -> bool:
        if not data.get("asserted", True):
            return False
        if self.stage and self.stage not in str(data.get("stages", "")).split("|"):
            return False
        return not self.min_status or STATUS_RANK[str(data["status"])] >= STATUS_RANK[self.min_status]


def _view(graph: nx.MultiDiGraph, keep: PathFilter, ends: set[str]) -> nx.Graph:
    """Undirected simple graph of the allowed nodes and edges (parallel relations merged)."""
    view: nx.Graph[str] = nx.Graph()
    for node, data in graph.nodes(data=True):
        if data.get("kind") in keep.kinds or data.get("class") in PATH_CLASSES or node in ends:
            view.add_node(node)
    for u, v, data in graph.edges(data=True):
        if u in view and v in view and u != v and keep.allows(data):
            view.add_edge(u, v)
    return view


def _hop(graph: nx.MultiDiGraph, u: str, v: str, keep: PathFilter) -> Hop:
    forward = [d for d in (graph.get_edge_data(u, v) or {}).values() if keep.allows(d)]
    backward = [d for d in (graph.get_edge_data(v, u) or {}).values() if keep.allows(d)]

    def order(d: dict[str, object]) -> tuple[int, int, str]:
        return (-STATUS_RANK[str(d["status"])], -int(str(d["n_sources"])), str(d["relation"]))

    if forward:
        return Hop(u, v, True, tuple(sorted(forward, key=order)))
    return Hop(u, v, False, tuple(sorted(backward, key=order)))


def _simple_paths(view: nx.Graph, start: str, end: str, max_hops: int) -> Iterator[list[str]]:
    """Every simple path from ``start`` to ``end`` of at most ``max_hops`` edges (the paths of
    ``nx.all_simple_paths(view, start, end, cutoff=max_hops)``), pruned by the distance to ``end``."""
    distance = nx.single_source_shortest_path_length(view, end, cutoff=max_hops)
    if start not in distance or start == end:
        return
    trail, on_trail = [start], {start}

    def walk(node: str) -> Iterator[list[str]]:
        for nxt in view[node]:
            if nxt in on_trail or len(trail) + distance.get(nxt, max_hops + 1) > max_hops:
                continue
            if nxt == end:
                yield [*trail, end]
                continue
            trail.append(nxt)
            on_trail.add(nxt)
            yield from walk(nxt)
            trail.pop()
            on_trail.discard(nxt)

    yield from walk(start)


def path_view(graph: nx.MultiDiGraph, keep: PathFilter | None = None, ends: set[str] | None = None) -> nx.Graph:
    """The undirected graph paths are searched on; build it once to search many pairs (``view=``)."""
    return _view(graph, keep or PathFilter(), ends or set())


def find_paths(graph: nx.MultiDiGraph, start: str, end: str, *, max_hops: int = 4, keep: PathFilter | None = None,
               limit: int = 10, view: nx.Graph | None = None) -> list[CoordinationPath]:
    """Simple paths from ``start`` to ``end`` of at most ``max_hops`` hops, shortest and best-evidenced first.
    ``view`` (from ``path_view`` with the same ``keep``) saves rebuilding the search graph per pair."""
    keep = keep or PathFilter()
    ends = {start, end} | ({keep.via} if keep.via else set())
    if view is None or not ends <= set(view):
        view = _view(graph, keep, ends)
    if start not in view or end not in view:
        return []
    found = []
    for nodes in _simple_paths(view, start, end, max_hops):
        if keep.via and keep.via not in nodes:
            continue
        hops = tuple(_hop(graph, u, v, keep) for u, v in zip(nodes, nodes[1:], strict=False))
        found.append(CoordinationPath(tuple(nodes), hops))
    found.sort(key=lambda p: p.rank_key(graph))
    return found[:limit]


def paths_between_sides(graph: nx.MultiDiGraph, *, max_hops: int = 4, keep: PathFilter | None = None,
                        limit: int = 10) -> dict[tuple[str, str], list[CoordinationPath]]:
    """Paths between every Indonesian and every Japanese institution (pairs without a path left out)."""
    keep = keep or PathFilter()
    view = path_view(graph, keep)
    institutions = sorted(n for n, d in graph.nodes(data=True) if d.get("kind") == "institution")
    indonesian = [n for n in institutions if graph.nodes[n].get("side") == "indonesia"]
    japanese = [n for n in institutions if graph.nodes[n].get("side") == "japan"]
    found = {}
    for a in indonesian:
        for b in japanese:
            paths = find_paths(graph, a, b, max_hops=max_hops, keep=keep, limit=limit, view=view)
            if paths:
                found[(a, b)] = paths
    return found


def nearest_reachable(graph: nx.MultiDiGraph, start: str, end: str, keep: PathFilter | None = None,
                      count: int = 5) -> list[tuple[str, int]]:
    """Entities reachable from ``start`` (under the filter) that lie closest to ``end`` in the whole network."""
    keep = keep or PathFilter()
    view = _view(graph, keep, {start, end})
    if start not in view:
        return []
    reachable = nx.single_source_shortest_path_length(view, start)
    whole: nx.Graph[str] = nx.Graph(graph.to_undirected(as_view=True))
    distance = nx.single_source_shortest_path_length(whole, end) if end in whole else {}
    candidates = [(n, distance[n]) for n in reachable if n not in (start, end) and n in distance]
    candidates.sort(key=lambda item: (item[1], graph.nodes[item[0]]["id"]))
    return candidates[:count]


@dataclass(frozen=True)
class Centrality:
    node: str
    id: str
    label: str
    side: str
    degree: int
    cross_border_degree: int
    betweenness: float
    cross_border_brokerage: float
    stages: int


# Entities in the path view up to which betweenness and brokerage are exact. Exact costs one breadth-first
# search per entity (and one per Indonesian entity for brokerage); the estimate costs 2 × SAMPLE_SOURCES,
# so the two meet near 500 and the time keeps growing linearly past it.
EXACT_UP_TO = 500
SAMPLE_SOURCES = 300
SEED = 20190625  # fixed: the same graph always gives the same estimate


def _sampled(view: nx.Graph) -> bool:
    return view.number_of_nodes() > EXACT_UP_TO


def centrality_note(graph: nx.MultiDiGraph) -> str:
    """'' when ``centrality`` is exact for this graph, else how it was estimated."""
    view = _view(graph, PathFilter(), set())
    if not _sampled(view):
        return ""
    return (f"betweenness and brokerage estimated from {SAMPLE_SOURCES} sampled source entities "
            f"(seed {SEED}); exact up to {EXACT_UP_TO:,} entities, this graph has {view.number_of_nodes():,}")


def _brokerage(view: nx.Graph, indonesian: list[str], japanese: list[str]) -> dict[str, float]:
    if not _sampled(view) or len(indonesian) <= SAMPLE_SOURCES:
        return nx.betweenness_centrality_subset(view, indonesian, japanese, normalized=False)
    sources = random.Random(SEED).sample(sorted(indonesian), SAMPLE_SOURCES)
    found = nx.betweenness_centrality_subset(view, sources, japanese, normalized=False)
    scale = len(indonesian) / SAMPLE_SOURCES  # every source adds its own share: scale the sample up
    return {node: value * scale for node, value in found.items()}


def centrality(graph: nx.MultiDiGraph, *, lang: str = "en") -> list[Centrality]:
    """Betweenness, cross-border brokerage (shortest Indonesia ↔ Japan paths through a node), degrees;
    estimated from a seeded sample of sources on large graphs (see ``centrality_note``)."""
    keep = PathFilter()
    view = _view(graph, keep, set())
    if _sampled(view):
        betweenness = nx.betweenness_centrality(view, k=SAMPLE_SOURCES, normalized=True, seed=SEED)
    else:
        betweenness = nx.betweenness_centrality(view, normalized=True)
    indonesian = [n for n in view if graph.nodes[n]["side"] == "indonesia"]
    japanese = [n for n in view if graph.nodes[n]["side"] == "japan"]
    brokerage = _brokerage(view, indonesian, japanese)
    rows = []
    for node in view:
        data = graph.nodes[node]
        neighbours = list(view.neighbors(node))
        cross = sum(1 for n in neighbours if {graph.nodes[n]["side"], data["side"]} == {"indonesia", "japan"})
        stages = {s for _, _, d in graph.edges(node, data=True) for s in str(d.get("stages", "")).split("|") if s}
        stages |= {s for _, _, d in graph.in_edges(node, data=True) for s in str(d.get("stages", "")).split("|") if s}
        stages |= {s for s in str(data.get("stages", "")).split("|") if s}
        rows.append(Centrality(node, str(data["id"]), str(data.get(f"label_{lang}") or data["label_en"]),
                               str(data["side"]), len(neighbours), cross, round(betweenness[node], 4),
                               round(brokerage[node], 2), len(stages)))
    rows.sort(key=lambda r: (-r.cross_border_brokerage, -r.betweenness, r.id))
    return rows


def single_source_relations(graph: nx.MultiDiGraph) -> list[tuple[str, str, str, str]]:
    """(subject id, relation, object id, source) of every relation that rests on one source."""
    rows = {
        (graph.nodes[u]["id"], str(d["relation"]), graph.nodes[v]["id"], str(d["sources"]))
        for u, v, d in graph.edges(data=True) if d["status"] == "single-source"
    }
    return sorted(rows)


def degree_by_side_and_stage(graph: nx.MultiDiGraph) -> dict[str, Counter[str]]:
    """How many relations each side takes part in, per stage."""
    table: dict[str, Counter[str]] = {}
    for u, v, data in graph.edges(data=True):
        for stage in str(data.get("stages", "")).split("|"):
            if not stage:
                continue
            for node in (u, v):
                table.setdefault(str(graph.nodes[node]["side"]), Counter())[stage] += 1
    return table


# --- the stages ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Paths:
    """What ``tokutei-kg paths`` shows: the paths ``found`` from ``start`` to ``end`` (node IRIs) in
    ``graph``, or — when none — the entities reachable from ``start`` that lie ``nearest`` to ``end``."""

    graph: nx.MultiDiGraph
    start: str
    end: str
    max_hops: int
    found: list[CoordinationPath]
    nearest: list[tuple[str, int]]


def coordination_paths(built: Built, start: str, end: str, *, max_hops: int = 4, stage: str = "", via: str = "",
                       min_status: str = "", limit: int = 10) -> Paths:
    """The ``paths`` stage: coordination paths between two entities named by id, label or alias
    (:func:`resolve_node`), with the stage and the ends checked (:mod:`tokutei_kg.arguments`)."""
    from .arguments import check_ends, check_stage

    graph = built.network()
    a, b = resolve_node(graph, start), resolve_node(graph, end)
    check_ends(graph.nodes[a]["id"], graph.nodes[b]["id"])
    stage = check_stage(built, stage) if stage else stage
    keep = PathFilter(stage=stage, min_status=min_status, via=resolve_node(graph, via) if via else "")
    found = find_paths(graph, a, b, max_hops=max_hops, keep=keep, limit=limit)
    return Paths(graph, a, b, max_hops, found, [] if found else nearest_reachable(graph, a, b, keep))


@dataclass(frozen=True)
class Analysis:
    """What ``tokutei-kg analyse`` shows; ``note`` says how betweenness was estimated ('' when exact)."""

    centrality: list[Centrality]
    single_source: list[tuple[str, str, str, str]]
    degree: dict[str, Counter[str]]
    note: str


def analysis(built: Built, *, lang: str = "en") -> Analysis:
    """The ``analyse`` stage: brokerage, centrality, single-source relations and degree by side and stage."""
    graph = built.network()
    return Analysis(centrality(graph, lang=lang), single_source_relations(graph), degree_by_side_and_stage(graph),
                    centrality_note(graph))
