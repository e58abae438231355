"""The interactive explorer: the network projection → one offline HTML page.

``render_explorer(graph, options, catalogue) -> str`` is pure: it focuses the graph (stage, neighbourhood,
swimlane), lays it out in Python, and embeds nodes, edges, claims and sources as JSON in the project's own
template (``page.py``). ``write_explorer`` is the one function here that touches files (atomically).

The embedded JSON keeps every attribute of the projection under its own name (nodes: ``id``, ``label_en``
… plus ``iri``, ``x``, ``y``; edges: ``relation``, ``claims``, ``status`` … plus ``id``, ``from``, ``to``), so
a test can compare page and projection attribute by attribute.

Above ``OVERVIEW_AT`` entities the page opens on an overview (docs/explorer-scale.md): the data is the
same, positions come from ``layout.overview_layout`` (each entity on a grid around the place of its group,
one group per side and class), ``options.overview`` is true and ``groups`` gives each group's place and
number of members; the page draws the groups and expands them on demand.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import networkx as nx

from ..analyse import PATH_CLASSES, PATH_KINDS, resolve_node
from ..atomic import write_files
from ..errors import TokuteiError
from ..namespaces import LANGUAGES
from .catalogue import Catalogue, catalogue, stage_order
from .layout import Layout, node_stages, overview_layout, side_layout, split, swimlane_layout
from .page import assemble
from .style import style_table

if TYPE_CHECKING:
    from ..analyse import CoordinationPath, Paths
    from ..built import Built
    from ..project import Project

MAX_HOPS = 4
# Above this many entities the page opens on an overview (one node per side and class, expandable):
# vis-network draws the curated graph (186 entities) in 0.6 s, 803 entities in 1.6 s, 1,860 in 3.4 s and
# 5,766 in 7–11 s (benchmarks/bench_explorer.py, docs/explorer-scale.md), so it keeps the small graphs only.
OVERVIEW_AT = 500


class ViewError(TokuteiError):
    """A focused view that cannot be made (unknown stage, empty view, unknown language)."""


@dataclass(frozen=True)
class ExplorerOptions:
    """What the page shows and how it opens.

    ``as_of`` only sets the date the page opens at; which graph is shown is the caller's choice (the
    stage functions below show the :class:`Built` dataset they are given and open at its ``as_of``:
    ``built.at(day)``). ``stage`` keeps the relations claimed at
    that stage and the entities in them; ``around`` keeps the entities within ``depth`` hops of one
    entity (an id, label or alias); ``swimlane`` lays the stages out left to right."""

    lang: str = "en"
    as_of: dt.date | None = None
    stage: str = ""
    around: str = ""
    depth: int = 2
    swimlane: bool = False


# ---------------------------------------------------------------------------------------------------
# Focused views
# ---------------------------------------------------------------------------------------------------


def stage_key(stage: str) -> str:
    return stage if stage.startswith("stage:") else f"stage:{stage}"


def _known_stages(graph: nx.MultiDiGraph) -> list[str]:
    return sorted({s for node in graph for s in node_stages(graph, node)})


def _subgraph(graph: nx.MultiDiGraph, nodes: set[str], edges: list[tuple[str, str, str]]) -> nx.MultiDiGraph:
    view: nx.MultiDiGraph[str] = nx.MultiDiGraph()
    for node in sorted(nodes):
        view.add_node(node, **graph.nodes[node])
    for u, v, key in sorted(edges):
        view.add_edge(u, v, key=key, **graph.edges[u, v, key])
    return view


def focus(graph: nx.MultiDiGraph, options: ExplorerOptions) -> nx.MultiDiGraph:
    """The part of ``graph`` the options ask for (the whole graph when they ask for nothing)."""
    view = graph
    if options.stage or options.swimlane:
        wanted = {stage_key(options.stage)} if options.stage else None
        if wanted and not wanted <= set(_known_stages(graph)):
            known = _known_stages(graph)
            slugs = {k.split(":", 1)[1]: k for k in known}
            wanted_slug = stage_key(options.stage).split(":", 1)[1]
            close = [slugs[c] for c in difflib.get_close_matches(wanted_slug, list(slugs), n=3, cutoff=0.6)]
            hint = f"did you mean {', '.join(close)}?" if close else f"stages in the graph: {', '.join(known)}"
            raise ViewError(f"no relation or entity is claimed at stage '{options.stage}'", hint=hint)

        def staged(value: object) -> bool:
            stages = set(split(value))
            return bool(stages & wanted) if wanted else bool(stages)

        edges = [(u, v, k) for u, v, k, d in graph.edges(keys=True, data=True) if staged(d.get("stages"))]
        nodes = {n for n, d in graph.nodes(data=True) if staged(d.get("stages"))}
        nodes |= {u for u, _, _ in edges} | {v for _, v, _ in edges}
        view = _subgraph(graph, nodes, edges)
    if options.around:
        centre = resolve_node(graph, options.around)
        if centre not in view:
            where = f"stage {stage_key(options.stage)}" if options.stage else "any stage"
            raise ViewError(f"{graph.nodes[centre]['id']} takes no part in {where}")
        near = set(nx.ego_graph(view.to_undirected(as_view=True), centre, radius=options.depth))
        view = _subgraph(view, near, [(u, v, k) for u, v, k in view.edges(keys=True) if u in near and v in near])
        view.graph["centre"] = centre
    return view


# ---------------------------------------------------------------------------------------------------
# Page data
# ---------------------------------------------------------------------------------------------------


def edge_id(graph: nx.MultiDiGraph, u: str, v: str, relation: str) -> str:
    return f"{graph.nodes[u]['id']}|{relation}|{graph.nodes[v]['id']}"


def _curves(graph: nx.MultiDiGraph) -> dict[tuple[str, str, str], float]:
    """Roundness per edge, so that parallel relations between two entities are drawn apart."""
    curves = {}
    for u, v in sorted({(u, v) for u, v in graph.edges()}):
        for index, key in enumerate(sorted(graph[u][v])):
            curves[(u, v, key)] = round(0.08 + 0.12 * index, 2)
    return curves


def _nodes(graph: nx.MultiDiGraph, layout: Layout) -> list[dict[str, object]]:
    nodes = []
    for node in graph:
        x, y = layout.positions[node]
        nodes.append({**graph.nodes[node], "iri": node, "x": x, "y": y})
    nodes.sort(key=lambda n: str(n["id"]))
    return nodes


def _edges(graph: nx.MultiDiGraph) -> list[dict[str, object]]:
    curves = _curves(graph)
    edges = []
    for u, v, key, data in graph.edges(keys=True, data=True):
        edges.append({**data, "id": edge_id(graph, u, v, key), "from": graph.nodes[u]["id"],
                      "to": graph.nodes[v]["id"], "curve": curves[(u, v, key)]})
    edges.sort(key=lambda e: str(e["id"]))
    return edges


def _check_unique_ids(graph: nx.MultiDiGraph) -> None:
    seen: dict[str, str] = {}
    for node, data in graph.nodes(data=True):
        other = seen.setdefault(str(data["id"]), node)
        if other != node:
            raise ViewError(f"two entities share the id '{data['id']}' ({other}, {node})")


def path_data(graph: nx.MultiDiGraph, path: CoordinationPath) -> dict[str, object]:
    """A coordination path as the page shows it: node ids and, per hop, the edges it rests on."""
    hops = []
    for hop in path.hops:
        u, v = (hop.source, hop.target) if hop.forward else (hop.target, hop.source)
        hops.append({"source": graph.nodes[hop.source]["id"], "target": graph.nodes[hop.target]["id"],
                     "forward": hop.forward,
                     "edges": [edge_id(graph, u, v, str(r["relation"])) for r in hop.relations]})
    return {"nodes": [graph.nodes[n]["id"] for n in path.nodes], "hops": hops}


def first_year(items: Sequence[Mapping[str, object]]) -> int | None:
    """The first year any of ``items`` (nodes, edges, claims) names in its valid_from or valid_until —
    where the page's as-of slider starts — or None when none is dated."""
    years = [int(str(value)[:4]) for item in items for key in ("valid_from", "valid_until")
             if (value := item.get(key))]
    return min(years, default=None)


def explorer_data(graph: nx.MultiDiGraph, options: ExplorerOptions, found: Catalogue,
                  preset: dict[str, object] | None = None) -> dict[str, object]:
    """Everything the page embeds, as JSON-ready data."""
    if options.lang not in LANGUAGES:
        raise ViewError(f"unknown language '{options.lang}'", hint=f"use one of {', '.join(LANGUAGES)}")
    _check_unique_ids(graph)
    view = focus(graph, options)
    overview = view.number_of_nodes() > OVERVIEW_AT
    groups: dict[str, dict[str, int]] = {}
    if overview:
        layout, groups = overview_layout(view)
    elif options.swimlane:
        order = stage_order(found.vocabulary)
        layout = swimlane_layout(view, order + [s for s in _known_stages(view) if s not in order])
    else:
        layout = side_layout(view)
    edges = _edges(view)
    used_claims = sorted({c for e in edges for c in split(e["claims"])})
    claims = {c: found.claims[c] for c in used_claims if c in found.claims}
    used_sources = sorted({str(c["source"]) for c in claims.values()} | {s for e in edges for s in split(e["sources"])})
    nodes = _nodes(view, layout)
    shown: dict[str, object] = {
        "lang": options.lang, "as_of": options.as_of.isoformat() if options.as_of else "",
        "view": "swimlane" if options.swimlane else "sides",
        "stage": stage_key(options.stage) if options.stage else "",
        "around": str(view.nodes[view.graph["centre"]]["id"]) if options.around else "",
        "depth": options.depth if options.around else 0, "max_hops": MAX_HOPS}
    if overview:
        shown["overview"] = True
    data: dict[str, object] = {
        "format": 1,
        "languages": list(LANGUAGES),
        "first_year": first_year([*nodes, *edges, *claims.values()]),
        "options": shown,
        "nodes": nodes,
        "edges": edges,
        "claims": claims,
        "sources": {s: found.sources[s] for s in used_sources if s in found.sources},
        "vocabulary": found.vocabulary,
        "regions": layout.regions,
        "style": style_table(),
        "path_kinds": sorted(PATH_KINDS),
        "path_classes": sorted(PATH_CLASSES),
        "preset": preset or {},
    }
    if overview:
        data["groups"] = groups
    return data


def render_explorer(graph: nx.MultiDiGraph, options: ExplorerOptions | None = None,
                    found: Catalogue | None = None) -> str:
    """The explorer page for ``graph`` (HTML text). ``found`` brings evidence and labels; without it the
    page still shows the network, with claim ids instead of evidence."""
    options = options or ExplorerOptions()
    return assemble(explorer_data(graph, options, found or Catalogue()), options.lang)


def render_paths_page(graph: nx.MultiDiGraph, paths: Sequence[CoordinationPath], *, start: str, end: str,
                      found: Catalogue | None = None, options: ExplorerOptions | None = None) -> str:
    """The explorer with the given coordination paths (from ``analyse.find_paths``) highlighted and listed
    hop by hop with their evidence; ``start`` and ``end`` are node IRIs."""
    options = options or ExplorerOptions()
    preset = {"start": graph.nodes[start]["id"], "end": graph.nodes[end]["id"],
              "paths": [path_data(graph, p) for p in paths]}
    return assemble(explorer_data(graph, options, found or Catalogue(), preset), options.lang)


# ---------------------------------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------------------------------


def default_output(project: Project, options: ExplorerOptions, graph: nx.MultiDiGraph | None = None) -> Path:
    """exports/explorer.html for the whole network; a name after the view for focused views
    (``explorer-matching.html``, ``explorer-around-isa.html`` — the entity's id, however it was named)."""
    parts = []
    if options.swimlane:
        parts.append("swimlane")
    if options.stage:
        parts.append(stage_key(options.stage).split(":", 1)[1])
    if options.around:
        name = str(graph.nodes[resolve_node(graph, options.around)]["id"]) if graph is not None else options.around
        parts.append("around-" + "".join(c if c.isascii() and (c.isalnum() or c in "-_") else "-" for c in name))
    name = "explorer" + "".join(f"-{p}" for p in parts) + ".html"
    return project.root / "exports" / name


def dated_options(built: Built, options: ExplorerOptions | None = None) -> ExplorerOptions:
    """``options`` with the page opening at the day ``built`` stands on (``built.as_of``)."""
    return replace(options or ExplorerOptions(), as_of=built.as_of)


def explorer_files(built: Built, *, options: ExplorerOptions | None = None,
                   output: Path | None = None) -> dict[Path, bytes]:
    """The explorer of ``built`` (as it stands: ``built.at(day)``) as ``{path: bytes}``, for a caller that
    writes it together with other files in one ``atomic.write_files`` call (``tokutei-kg build``)."""
    options = dated_options(built, options)
    graph = built.network()
    html = render_explorer(graph, options, catalogue(built.store))
    return {output or default_output(_project_of(built), options, graph): html.encode("utf-8")}


def write_explorer(built: Built, *, options: ExplorerOptions | None = None, output: Path | None = None) -> list[Path]:
    """Render the explorer of ``built`` and write it atomically."""
    files = explorer_files(built, options=options, output=output)
    write_files(files)
    return list(files)


def write_paths_page(output: Path, built: Built, paths: Paths, *, lang: str = "en") -> Path:
    """``tokutei-kg paths A B --html FILE``: the explorer of ``built`` with just these paths highlighted."""
    html = render_paths_page(paths.graph, paths.found, start=paths.start, end=paths.end, found=catalogue(built.store),
                             options=dated_options(built, ExplorerOptions(lang=lang)))
    files = {output: html.encode("utf-8")}
    if built.project is None:
        write_files(files)
    else:
        from ..export import write_into_project

        write_into_project(built.project, files)  # into exports/: with the manifest, under the output lock
    return output


def _project_of(built: Built) -> Project:
    if built.project is None:
        raise ViewError("the explorer's default file is in the dataset's project: give an output, "
                        "or a Built with its project (Built.open(project))")
    return built.project
