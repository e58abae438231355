"""Network exports from the one projection (:func:`tokutei_kg.network.to_network`): GraphML, GEXF 1.3
with start/end dates for Gephi's timeline, and Cytoscape JSON.

Node ids are entity IRIs; an edge's id is ``source|relation|target`` (unique: the projection keys
edges by relation). Attributes are scalars (str, int, bool) with XML-illegal control characters
removed, so every XML reader takes the files (reliability.md §3.3: raw control characters make
GraphML and GEXF unreadable).
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from xml.sax.saxutils import escape

import networkx as nx

from ..built import Built
from ..records import PartialDate
from . import Output, tidy_network

# C0 controls except TAB, LF, CR; DEL and C1 controls; the non-characters XML 1.0 forbids; lone surrogates.
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ufffe\uffff\ud800-\udfff]")
GEXF_NS = "http://gexf.net/1.3"
NODE_LABEL = "label_en"
# attributes that hold several values joined with "|" (sorted here, so the bytes do not depend on query order)
LIST_ATTRIBUTES = frozenset({"aliases", "stages", "functions", "issues", "support_items", "sectors", "themes",
                             "claims", "sources", "disputed_by", "source_types", "perspectives"})
EDGE_LABEL = "relation_label_en"


def clean(value: object) -> str | int | bool | float:
    """A scalar attribute that every XML writer can take: control characters removed, None → ''."""
    if value is None:
        return ""
    if isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, (list, tuple, set, frozenset)):
        return "|".join(sorted(str(v) for v in value))
    return _ILLEGAL_XML.sub("", str(value))


def _tidy_value(name: str, value: object) -> str | int | bool | float:
    value = clean(value)
    if name in LIST_ATTRIBUTES and isinstance(value, str) and value:
        return "|".join(sorted(set(value.split("|")) - {""}))
    return value


def tidy(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """A copy with nodes, edges and attribute names sorted and every value made a clean scalar."""
    out: nx.MultiDiGraph[str] = nx.MultiDiGraph()
    for node in sorted(graph.nodes):
        out.add_node(node, **{k: _tidy_value(k, v) for k, v in sorted(graph.nodes[node].items())})
    for source, target, key, data in sorted(graph.edges(keys=True, data=True), key=lambda e: (e[0], e[1], e[2])):
        out.add_edge(source, target, key=key, **{k: _tidy_value(k, v) for k, v in sorted(data.items())})
    return out


def edge_id(source: str, key: str, target: str) -> str:
    return f"{source}|{key}|{target}"


def _edges(graph: nx.MultiDiGraph) -> Iterator[tuple[str, str, str, dict[str, object]]]:
    yield from graph.edges(keys=True, data=True)


# --- GraphML -------------------------------------------------------------------------------------

def serialize_graphml(graph: nx.MultiDiGraph) -> bytes:
    """GraphML (networkx's writer, typed keys), edges with ids ``source|relation|target``."""
    copy: nx.MultiDiGraph[str] = nx.MultiDiGraph()
    copy.add_nodes_from(graph.nodes(data=True))
    for source, target, key, data in _edges(graph):
        copy.add_edge(source, target, key=key, **data, edge_id=edge_id(source, key, target))
    text = "\n".join(nx.generate_graphml(copy, encoding="utf-8", prettyprint=True, named_key_ids=True,
                                         edge_id_from_attribute="edge_id"))
    return (text + "\n").encode("utf-8")


# --- GEXF 1.3 ------------------------------------------------------------------------------------

_GEXF_TYPES = {bool: "boolean", int: "integer", float: "double", str: "string"}


def _attribute_types(items: Iterator[dict[str, object]]) -> dict[str, str]:
    types: dict[str, str] = {}
    for data in items:
        for name, value in data.items():
            kind = _GEXF_TYPES[type(value)]
            if types.setdefault(name, kind) != kind:
                types[name] = "string"
    return dict(sorted(types.items()))


def _attr(value: object) -> str:
    text = str(value).lower() if isinstance(value, bool) else str(value)
    return escape(text, {'"': "&quot;", "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"})


def _spell(valid_from: object, valid_until: object) -> str:
    """GEXF start/end attributes (dates) from partial ISO dates: a year starts on 1 Jan, ends on 31 Dec."""
    parts = []
    if valid_from:
        parts.append(f' start="{PartialDate(str(valid_from)).first_day().isoformat()}"')
    if valid_until:
        parts.append(f' end="{PartialDate(str(valid_until)).last_day().isoformat()}"')
    return "".join(parts)


def serialize_gexf(graph: nx.MultiDiGraph) -> bytes:
    """GEXF 1.3, dynamic (intervals as dates), every attribute declared with its type and written."""
    node_types = _attribute_types(iter(data for _, data in graph.nodes(data=True)))
    edge_types = _attribute_types(iter(data for *_, data in _edges(graph)))
    out = io.StringIO()
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write(f'<gexf xmlns="{GEXF_NS}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
              f'xsi:schemaLocation="{GEXF_NS} {GEXF_NS}/gexf.xsd" version="1.3">\n')
    out.write('  <meta>\n    <creator>tokutei-kg</creator>\n    <description>Japan–Indonesia Specified Skilled '
              'Worker cooperation: institutions and their relations, each with its evidence (generated — do not '
              'edit)</description>\n  </meta>\n')
    out.write('  <graph mode="dynamic" defaultedgetype="directed" timeformat="date" timerepresentation="interval">\n')
    for cls, types in (("node", node_types), ("edge", edge_types)):
        out.write(f'    <attributes class="{cls}" mode="static">\n')
        for name, kind in types.items():
            out.write(f'      <attribute id="{_attr(name)}" title="{_attr(name)}" type="{kind}"/>\n')
        out.write("    </attributes>\n")
    out.write("    <nodes>\n")
    for node, data in graph.nodes(data=True):
        label = data.get(NODE_LABEL) or data.get("id") or node
        out.write(f'      <node id="{_attr(node)}" label="{_attr(label)}"'
                  f'{_spell(data.get("valid_from"), data.get("valid_until"))}>\n')
        _attvalues(out, data)
        out.write("      </node>\n")
    out.write("    </nodes>\n    <edges>\n")
    for source, target, key, data in _edges(graph):
        weight = data.get("n_sources") or 1
        out.write(f'      <edge id="{_attr(edge_id(source, key, target))}" source="{_attr(source)}" '
                  f'target="{_attr(target)}" kind="{_attr(key)}" label="{_attr(data.get(EDGE_LABEL) or key)}" '
                  f'weight="{weight}"{_spell(data.get("valid_from"), data.get("valid_until"))}>\n')
        _attvalues(out, data)
        out.write("      </edge>\n")
    out.write("    </edges>\n  </graph>\n</gexf>\n")
    return out.getvalue().encode("utf-8")


def _attvalues(out: io.StringIO, data: dict[str, object]) -> None:
    out.write("        <attvalues>\n")
    for name, value in data.items():
        out.write(f'          <attvalue for="{_attr(name)}" value="{_attr(value)}"/>\n')
    out.write("        </attvalues>\n")


# --- Cytoscape JSON ------------------------------------------------------------------------------

def serialize_cyjs(graph: nx.MultiDiGraph) -> bytes:
    """Cytoscape.js / Cytoscape desktop JSON: ``elements.nodes[].data`` and ``elements.edges[].data``.

    ``data.id`` is the IRI (Cytoscape's element id), ``name`` the English label, and the entity's short
    id moves to ``identifier``; edges carry ``source``, ``target`` and ``interaction`` (the relation).
    """
    nodes = []
    for node, data in graph.nodes(data=True):
        attributes = {("identifier" if k == "id" else k): v for k, v in data.items()}
        nodes.append({"data": {"id": node, "name": data.get(NODE_LABEL) or data.get("id") or node, **attributes}})
    edges = []
    for source, target, key, data in _edges(graph):
        edges.append({"data": {"id": edge_id(source, key, target), "source": source, "target": target,
                               "interaction": key, "name": data.get(EDGE_LABEL) or key, **data}})
    document = {
        "format_version": "1.0",
        "generated_by": "tokutei-kg",
        "target_cytoscapejs_version": "~3.0",
        "data": {"name": "tokutei-kg", "shared_name": "tokutei-kg", "selected": True},
        "elements": {"nodes": nodes, "edges": edges},
    }
    return (json.dumps(document, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


# --- writers -------------------------------------------------------------------------------------

def _counts(graph: nx.MultiDiGraph) -> dict[str, int]:
    return {"nodes": graph.number_of_nodes(), "edges": graph.number_of_edges()}


def render_graphml(inputs: Built) -> list[Output]:
    graph = tidy_network(inputs)
    return [Output("tokutei.graphml", serialize_graphml(graph), _counts(graph))]


def render_gexf(inputs: Built) -> list[Output]:
    graph = tidy_network(inputs)
    return [Output("tokutei.gexf", serialize_gexf(graph), _counts(graph))]


def render_cyjs(inputs: Built) -> list[Output]:
    graph = tidy_network(inputs)
    return [Output("tokutei.cyjs", serialize_cyjs(graph), _counts(graph))]
