"""Neo4j bundle from the network projection: ``neo4j-admin database import`` CSVs and a Cypher script
that loads the same files with ``LOAD CSV`` into a running database.

Headers follow the import tool's format: ``iri:ID(Entity)``, ``:LABEL`` (labels joined with ``;``),
``:START_ID(Entity)``, ``:END_ID(Entity)``, ``:TYPE``, typed properties (``n_sources:int``,
``asserted:boolean``, ``sources:string[]``). Arrays are joined with ``|`` (pass
``--array-delimiter="|"``: no value of the projection contains one). UTF-8 without a BOM. As in every
CSV export, a text cell that starts like a spreadsheet formula (``=``, ``+``, ``-``, ``@``) is written
with a leading apostrophe (CWE-1236).
"""

from __future__ import annotations

import csv
import io
import re

import networkx as nx

from ..built import Built
from ..namespaces import LANGUAGES
from . import Output, tidy_network
from .network import clean
from .tables import safe_cell

FOLDER = "neo4j/"
ID_SPACE = "Entity"
ARRAY_DELIMITER = "|"

# node attribute → (header, kind) in column order; kind: str, array, int, boolean
NODE_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("id", "id", "str"), *((f"label_{lang}", f"name_{lang}", "str") for lang in LANGUAGES),
    ("kind", "kind", "str"), ("class", "class", "str"),
    *((f"class_label_{lang}", f"class_name_{lang}", "str") for lang in LANGUAGES),
    ("country", "country", "str"), ("side", "side", "str"),
    ("aliases", "aliases", "array"), ("valid_from", "valid_from", "str"), ("valid_until", "valid_until", "str"),
    ("stages", "stages", "array"), ("functions", "functions", "array"), ("issues", "issues", "array"),
    ("support_items", "support_items", "array"), ("sectors", "sectors", "array"), ("themes", "themes", "array"),
)
EDGE_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("relation", "relation", "str"), ("predicate", "predicate", "str"),
    *((f"relation_label_{lang}", f"name_{lang}", "str") for lang in LANGUAGES),
    ("status", "status", "str"), ("n_sources", "n_sources", "int"),
    ("sources", "sources", "array"), ("source_types", "source_types", "array"),
    ("perspectives", "perspectives", "array"), ("claims", "claims", "array"),
    ("disputed_by", "disputed_by", "array"), ("stages", "stages", "array"),
    ("valid_from", "valid_from", "str"), ("valid_until", "valid_until", "str"),
    ("asserted", "asserted", "boolean"),
)
_TYPED = {"str": "", "array": ":string[]", "int": ":int", "boolean": ":boolean"}


def label(curie: str) -> str:
    """A Neo4j label from a class CURIE: its local name, letters, digits and underscores only."""
    local = re.split(r"[:#/]", curie)[-1]
    return re.sub(r"[^A-Za-z0-9_]", "_", local) or "Thing"


def relationship_type(curie: str) -> str:
    """``tkg:coordinatesWith`` → ``COORDINATES_WITH`` (Neo4j's convention for relationship types)."""
    local = re.split(r"[:#/]", curie)[-1]
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", local)
    return re.sub(r"[^A-Za-z0-9_]", "_", snake).upper() or "RELATED_TO"


def node_labels(data: dict[str, object]) -> list[str]:
    kind = str(data.get("kind") or "")
    labels = {ID_SPACE, label(str(data.get("class") or ""))}
    if kind:
        labels.add(label(kind.capitalize()))
    return sorted(labels)


def node_header() -> list[str]:
    return [f"iri:ID({ID_SPACE})", ":LABEL"] + [h + _TYPED[kind] for _, h, kind in NODE_COLUMNS]


def edge_header() -> list[str]:
    return [f":START_ID({ID_SPACE})", f":END_ID({ID_SPACE})", ":TYPE"] + \
           [h + _TYPED[kind] for _, h, kind in EDGE_COLUMNS]


def _cell(value: object, kind: str) -> str:
    value = clean(value)
    if kind == "boolean":
        return "true" if value else "false"
    if kind in ("str", "array"):
        return safe_cell(value)  # these CSVs get opened in spreadsheets too: never a live formula
    return str(value)


def _csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_MINIMAL).writerows(rows)
    return out.getvalue().encode("utf-8")


def serialize_nodes(graph: nx.MultiDiGraph) -> bytes:
    rows = [node_header()]
    for node, data in graph.nodes(data=True):
        rows.append([node, ";".join(node_labels(data))] +
                    [_cell(data.get(attr, ""), kind) for attr, _, kind in NODE_COLUMNS])
    return _csv(rows)


def serialize_relationships(graph: nx.MultiDiGraph) -> bytes:
    rows = [edge_header()]
    for source, target, key, data in graph.edges(keys=True, data=True):
        rows.append([source, target, relationship_type(key)] +
                    [_cell(data.get(attr, ""), kind) for attr, _, kind in EDGE_COLUMNS])
    return _csv(rows)


def _set_clause(variable: str, columns: tuple[tuple[str, str, str], ...]) -> str:
    parts = []
    for _, header, kind in columns:
        field = f"row.`{header}{_TYPED[kind]}`"
        if kind == "array":
            value = f"CASE WHEN coalesce({field}, '') = '' THEN null ELSE split({field}, '{ARRAY_DELIMITER}') END"
        elif kind == "int":
            value = f"toInteger({field})"
        elif kind == "boolean":
            value = f"{field} = 'true'"
        else:
            value = f"CASE WHEN coalesce({field}, '') = '' THEN null ELSE {field} END"
        parts.append(f"  {variable}.{header} = {value}")
    return "SET\n" + ",\n".join(parts)


def _string(text: str) -> str:
    """A Cypher string literal."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def serialize_cypher(graph: nx.MultiDiGraph) -> bytes:
    """A Cypher script for ``LOAD CSV`` (Neo4j 4.4 and 5; no APOC): nodes, labels, relationships."""
    classes = sorted({(str(d.get("class") or ""), tuple(node_labels(d))) for _, d in graph.nodes(data=True)})
    types = sorted({relationship_type(k) for _, _, k in graph.edges(keys=True)})
    lines = [
        "// generated by tokutei-kg export — do not edit",
        "// Online load: put nodes.csv and relationships.csv in the database's import folder, then run",
        "//   cypher-shell -u neo4j -p PASSWORD -f load.cypher     (or paste it into Neo4j Browser)",
        "// Offline bulk import into an empty database instead (Neo4j 5):",
        f"//   neo4j-admin database import full --array-delimiter=\"{ARRAY_DELIMITER}\" "
        "--nodes=import/nodes.csv --relationships=import/relationships.csv neo4j",
        "",
        f"CREATE CONSTRAINT tokutei_entity_iri IF NOT EXISTS FOR (n:{ID_SPACE}) REQUIRE n.iri IS UNIQUE;",
        "",
        "LOAD CSV WITH HEADERS FROM 'file:///nodes.csv' AS row",
        f"MERGE (n:{ID_SPACE} {{iri: row.`iri:ID({ID_SPACE})`}})",
        _set_clause("n", NODE_COLUMNS) + ";",
        "",
    ]
    for cls, labels in classes:
        extra = ":".join(f"`{name}`" for name in labels if name != ID_SPACE)
        lines.append(f"MATCH (n:{ID_SPACE} {{class: {_string(cls)}}}) SET n:{extra};")
    for rel_type in types:
        lines += [
            "",
            "LOAD CSV WITH HEADERS FROM 'file:///relationships.csv' AS row",
            f"WITH row WHERE row.`:TYPE` = {_string(rel_type)}",
            f"MATCH (a:{ID_SPACE} {{iri: row.`:START_ID({ID_SPACE})`}}), "
            f"(b:{ID_SPACE} {{iri: row.`:END_ID({ID_SPACE})`}})",
            f"CREATE (a)-[r:`{rel_type}`]->(b)",
            _set_clause("r", EDGE_COLUMNS) + ";",
        ]
    return ("\n".join(lines) + "\n").encode("utf-8")


def render_neo4j(inputs: Built) -> list[Output]:
    graph = tidy_network(inputs)
    nodes, edges = graph.number_of_nodes(), graph.number_of_edges()
    return [
        Output(FOLDER + "nodes.csv", serialize_nodes(graph), {"nodes": nodes}),
        Output(FOLDER + "relationships.csv", serialize_relationships(graph), {"edges": edges}),
        Output(FOLDER + "load.cypher", serialize_cypher(graph), {"nodes": nodes, "edges": edges}),
    ]
