"""Node positions computed in Python, so the explorer opens still and the figures match it.

``side_layout``: Indonesian entities on the left, Japanese on the right, agreements and other bilateral
bodies in the middle. Each side is cut into bands by kind — institutions nearest the middle (where
cross-border coordination happens), then programmes and systems, then law and documents, then events,
persons and places on the outside. Within a band the order starts alphabetical (class, English label,
id) and is refined by a few barycentre passes (each node moves towards the mean height of its
neighbours), which shortens and uncrosses edges. Every step is a pure function of the graph, so the
same graph always gets the same positions.

``swimlane_layout``: the candidate's journey left to right (one lane per stage), Indonesian entities
above the middle line, Japanese below, bilateral ones on it; an entity sits in the lane of the
earliest stage it takes part in.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import networkx as nx

ROW = 62  # vertical distance between two nodes of a column
COLUMN = 200  # horizontal distance between two columns (room for a label of ~30 characters)
MAX_ROWS = 14  # a band wraps into another column beyond this many rows
MIDDLE_COLUMNS = 3
BAND_GAP = 70  # between two bands of one side
SIDE_GAP = 150  # between the middle block and a side
PASSES = 4

BANDS: tuple[frozenset[str], ...] = (
    frozenset({"institution", "collaboration"}),
    frozenset({"programme", "system", "test"}),
    frozenset({"agreement", "law", "document"}),
    frozenset({"event", "person", "place", "dataset", "country"}),
)


@dataclass(frozen=True)
class Layout:
    """Positions (node → (x, y), integers, y grows downwards as on a screen) and labelled regions."""

    positions: dict[str, tuple[int, int]]
    regions: list[dict[str, object]] = field(default_factory=list)


def split(value: object) -> list[str]:
    return [part for part in str(value or "").split("|") if part]


def _band(kind: str) -> int:
    for index, kinds in enumerate(BANDS):
        if kind in kinds:
            return index
    return len(BANDS) - 1


def _initial_key(graph: nx.MultiDiGraph, node: str) -> tuple[str, str, str]:
    data = graph.nodes[node]
    return (str(data.get("class", "")), str(data.get("label_en") or data.get("id", "")).casefold(), str(data["id"]))


def _neighbours(graph: nx.MultiDiGraph) -> dict[str, list[str]]:
    return {node: sorted((set(graph.successors(node)) | set(graph.predecessors(node))) - {node})
            for node in graph}


def side_layout(graph: nx.MultiDiGraph) -> Layout:
    """Indonesia left, bilateral middle, Japan right; see the module docstring."""
    groups: dict[tuple[str, int], list[str]] = {}
    for node in sorted(graph, key=lambda n: _initial_key(graph, n)):
        data = graph.nodes[node]
        side = str(data.get("side", "other"))
        side = side if side in ("indonesia", "japan") else ("bilateral" if side == "bilateral" else "other")
        groups.setdefault((side, _band(str(data.get("kind", "")))), []).append(node)
    neighbours = _neighbours(graph)
    positions = _place(groups)
    for _ in range(PASSES):
        for key in sorted(groups):
            rank = {node: index for index, node in enumerate(groups[key])}
            groups[key].sort(key=lambda n: (_barycentre(n, neighbours[n], positions), rank[n]))
        positions = _place(groups)
    return Layout(positions, _side_regions(graph, positions))


def _barycentre(node: str, neighbours: Sequence[str], positions: dict[str, tuple[int, int]]) -> float:
    if not neighbours:
        return float(positions[node][1])
    return sum(positions[n][1] for n in neighbours) / len(neighbours)


def _place(groups: dict[tuple[str, int], list[str]]) -> dict[str, tuple[int, int]]:
    positions: dict[str, tuple[int, int]] = {}
    _place_middle(groups, positions)
    half_middle = MIDDLE_COLUMNS * COLUMN / 2
    for side, direction in (("indonesia", -1), ("japan", 1)):
        x = half_middle + SIDE_GAP
        for band in range(len(BANDS)):
            nodes = groups.get((side, band), [])
            if not nodes:
                continue
            columns = math.ceil(len(nodes) / MAX_ROWS)
            rows = math.ceil(len(nodes) / columns)
            for index, node in enumerate(nodes):
                row, column = divmod(index, columns)
                stagger = ROW / 2 if columns > 1 and column % 2 else 0
                positions[node] = (round(direction * (x + column * COLUMN)),
                                   round((row - (rows - 1) / 2) * ROW + stagger))
            x += columns * COLUMN + BAND_GAP
    return positions


def _place_middle(groups: dict[tuple[str, int], list[str]], positions: dict[str, tuple[int, int]]) -> None:
    """Bilateral bands stacked top to bottom in the middle, entities of other countries below them."""
    blocks = [groups.get(("bilateral", band), []) for band in range(len(BANDS))]
    blocks.append([node for band in range(len(BANDS)) for node in groups.get(("other", band), [])])
    placed: list[tuple[str, float, float]] = []
    y = 0.0
    for nodes in blocks:
        if not nodes:
            continue
        columns = min(MIDDLE_COLUMNS, len(nodes))
        rows = math.ceil(len(nodes) / columns)
        for index, node in enumerate(nodes):
            row, column = divmod(index, columns)
            placed.append((node, (column - (columns - 1) / 2) * COLUMN, y + row * ROW))
        y += rows * ROW + BAND_GAP
    shift = (y - BAND_GAP - ROW) / 2 if placed else 0.0
    for node, x, node_y in placed:
        positions[node] = (round(x), round(node_y - shift))


def _bbox(points: Iterable[tuple[int, int]], pad_x: int, pad_y: int) -> dict[str, int] | None:
    points = list(points)
    if not points:
        return None
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return {"x0": min(xs) - pad_x, "x1": max(xs) + pad_x, "y0": min(ys) - pad_y - 40, "y1": max(ys) + pad_y}


def _side_regions(graph: nx.MultiDiGraph, positions: dict[str, tuple[int, int]]) -> list[dict[str, object]]:
    regions: list[dict[str, object]] = []
    for side in ("indonesia", "bilateral", "japan"):
        members = [positions[n] for n in graph if (graph.nodes[n].get("side") == side
                                                    or (side == "bilateral" and graph.nodes[n].get("side") == "other"))]
        box = _bbox(members, COLUMN // 2, ROW)
        if box is not None:
            regions.append({"kind": "column", "key": f"side:{side}", **box})
    return regions


# ---------------------------------------------------------------------------------------------------
# Swimlanes
# ---------------------------------------------------------------------------------------------------

LANE_ROWS = 5  # rows of one side in one lane before it wraps into another sub-column
LANE_COLUMN = 250
LANE_GAP = 40


def node_stages(graph: nx.MultiDiGraph, node: str) -> set[str]:
    """The stages an entity takes part in: its own, and those of the relations it is in."""
    stages = set(split(graph.nodes[node].get("stages")))
    for _, _, data in graph.out_edges(node, data=True):
        stages.update(split(data.get("stages")))
    for _, _, data in graph.in_edges(node, data=True):
        stages.update(split(data.get("stages")))
    return stages


def swimlane_layout(graph: nx.MultiDiGraph, stage_order: Sequence[str]) -> Layout:
    """Stages left to right, Indonesia above, Japan below (see the module docstring).

    Every node of ``graph`` must take part in at least one stage of ``stage_order``."""
    order = {stage: index for index, stage in enumerate(stage_order)}
    lanes: dict[int, dict[str, list[str]]] = {}
    present: set[int] = set()
    for node in sorted(graph, key=lambda n: (_band(str(graph.nodes[n].get("kind"))), _initial_key(graph, n))):
        stages = [order[s] for s in node_stages(graph, node) if s in order]
        present.update(stages)
        if not stages:
            raise ValueError(f"{graph.nodes[node]['id']} takes part in no stage")
        side = str(graph.nodes[node].get("side"))
        part = side if side in ("indonesia", "japan") else "middle"
        lanes.setdefault(min(stages), {}).setdefault(part, []).append(node)
    middle_rows = max((math.ceil(len(p.get("middle", [])) / _sub_columns(p)) for p in lanes.values()), default=0)
    half_middle = (middle_rows * ROW) / 2 + ROW
    positions: dict[str, tuple[int, int]] = {}
    regions: list[dict[str, object]] = []
    x = 0.0
    deepest = {"indonesia": 0, "japan": 0}
    for lane in sorted(present):  # a stage where nobody enters still gets its (narrow) lane
        parts = lanes.get(lane, {})
        columns = _sub_columns(parts)
        width = columns * LANE_COLUMN
        for part, nodes in parts.items():
            for index, node in enumerate(nodes):
                row, column = divmod(index, columns)
                node_x = x + (column + 0.5) * LANE_COLUMN
                stagger = ROW / 2 if column % 2 else 0  # labels of neighbouring sub-columns at other heights
                if part == "middle":
                    rows = math.ceil(len(nodes) / columns)
                    node_y = (row - (rows - 1) / 2) * ROW + stagger
                else:
                    node_y = (half_middle + (row + 0.5) * ROW + stagger) * (-1 if part == "indonesia" else 1)
                    deepest[part] = max(deepest[part], row + 2)
                positions[node] = (round(node_x), round(node_y))
        regions.append({"kind": "lane", "key": stage_order[lane], "shade": len(regions) % 2,
                        "x0": round(x), "x1": round(x + width)})
        x += width + LANE_GAP
    top = -round(half_middle + deepest["indonesia"] * ROW + ROW)
    bottom = round(half_middle + deepest["japan"] * ROW + ROW / 2)
    for region in regions:
        region.update(y0=top - 90, y1=bottom)  # room for a stage name of three lines
    right = round(x - LANE_GAP)
    regions.append({"kind": "band", "key": "side:indonesia", "x0": 0, "x1": right, "y0": top,
                    "y1": -round(half_middle)})
    regions.append({"kind": "band", "key": "side:japan", "x0": 0, "x1": right, "y0": round(half_middle), "y1": bottom})
    return Layout(positions, regions)


def _sub_columns(parts: dict[str, list[str]]) -> int:
    return max([1, *(math.ceil(len(nodes) / LANE_ROWS) for nodes in parts.values())])


# ---------------------------------------------------------------------------------------------------
# Overview (thousands of entities)
# ---------------------------------------------------------------------------------------------------

GROUP_SPREAD = 2.5  # the overview's side layout of groups, stretched so expanded groups have room
CELL = 40  # distance between two members of an expanded group


def side_of_group(side: object) -> str:
    side = str(side or "other")
    return side if side in ("indonesia", "japan", "bilateral") else "other"


def group_key(data: dict[str, object]) -> str:
    """The overview group of an entity: its side and its class (the page computes the same key)."""
    return f"{side_of_group(data.get('side'))}|{data.get('class', '')}"


def overview_layout(graph: nx.MultiDiGraph) -> tuple[Layout, dict[str, dict[str, int]]]:
    """Positions for the overview of a large graph: one group per side and class, the groups laid out
    like entities (``side_layout`` of the graph of groups, stretched), each entity on a square grid
    around its group's place, so an expanded group opens where it stood. Returns the entities' layout
    and, per group key, its place and number of members."""
    members: dict[str, list[str]] = {}
    for node in sorted(graph, key=lambda n: _initial_key(graph, n)):
        members.setdefault(group_key(graph.nodes[node]), []).append(node)
    groups: nx.MultiDiGraph[str] = nx.MultiDiGraph()
    for key, nodes in members.items():
        data = graph.nodes[nodes[0]]
        attributes = {"id": key, "side": side_of_group(data.get("side")), "kind": data.get("kind", ""),
                      "class": data.get("class", ""), "label_en": str(data.get("class_label_en") or data.get("class"))}
        groups.add_node(key, **attributes)
    for u, v in sorted({(group_key(graph.nodes[u]), group_key(graph.nodes[v])) for u, v in graph.edges()}):
        if u != v:
            groups.add_edge(u, v)
    centres = side_layout(groups).positions
    positions: dict[str, tuple[int, int]] = {}
    places: dict[str, dict[str, int]] = {}
    for key, nodes in members.items():
        cx, cy = (round(c * GROUP_SPREAD) for c in centres[key])
        columns = math.ceil(math.sqrt(len(nodes)))
        rows = math.ceil(len(nodes) / columns)
        for index, node in enumerate(nodes):
            row, column = divmod(index, columns)
            positions[node] = (round(cx + (column - (columns - 1) / 2) * CELL),
                               round(cy + (row - (rows - 1) / 2) * CELL))
        places[key] = {"x": cx, "y": cy, "members": len(nodes)}
    return Layout(positions, _side_regions(graph, positions)), places
