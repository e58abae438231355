"""CSV tables for spreadsheets and pandas: nodes and edges (the network projection), claims and
sources (the claims and sources graphs), with a README describing every column.

Safe against spreadsheet formula injection (CWE-1236, reliability.md §2.7): a cell that starts with
``=``, ``+``, ``-``, ``@``, TAB, CR or LF is written with a leading ``'``, which spreadsheets show as
text. UTF-8 with a byte-order mark, so Excel reads Japanese and Indonesian text correctly.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Sequence

import networkx as nx
import pyoxigraph as ox

from ..built import Built
from ..namespaces import DCT, GRAPH_CLAIMS, GRAPH_SOURCES, ID, LANGUAGES, OA, PROV, RDF, SCHEMA, TKG, curie
from . import Output, tidy_network
from .network import clean

FOLDER = "csv/"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
LIST_SEPARATOR = "|"

NODE_COLUMNS = ("iri", "id", "kind", "class", *(f"class_label_{lang}" for lang in LANGUAGES),
                *(f"label_{lang}" for lang in LANGUAGES), "aliases", "country", "side", "valid_from", "valid_until",
                "stages", "functions", "issues", "support_items", "sectors", "themes")
EDGE_COLUMNS = ("source", "target", "relation", *(f"relation_label_{lang}" for lang in LANGUAGES), "status",
                "n_sources", "sources", "source_types", "perspectives", "claims", "disputed_by", "stages",
                "valid_from", "valid_until", "asserted", "predicate")
# claim/source column → predicate, and whether the value is a concept (written as its slug)
CLAIM_COLUMNS: tuple[tuple[str, str, bool], ...] = (
    ("id", DCT + "identifier", False), ("subject", RDF + "subject", False), ("predicate", RDF + "predicate", False),
    ("object", RDF + "object", False), ("source", PROV + "wasDerivedFrom", True),
    ("polarity", TKG + "polarity", True), ("confidence", TKG + "confidence", True), ("role", TKG + "role", True),
    ("stages", TKG + "stage", True), ("valid_from", TKG + "validFrom", False),
    ("valid_until", TKG + "validUntil", False), ("evidence", TKG + "evidence", False),
    ("locator", TKG + "locator", False), ("curator_note", TKG + "curatorNote", False),
)
SOURCE_COLUMNS: tuple[tuple[str, str, bool], ...] = (
    ("id", DCT + "identifier", False), ("type", TKG + "sourceType", True), ("perspective", TKG + "perspective", True),
    ("title", DCT + "title", False), ("publisher", DCT + "publisher", False), ("date", DCT + "date", False),
    ("url", SCHEMA + "url", False), ("language", DCT + "language", False),
    ("reliability", TKG + "reliability", True), ("register_ref", TKG + "registerRef", False),
    ("interviewee_role", TKG + "intervieweeRole", False), ("consent", TKG + "consent", True),
    ("document", TKG + "document", False), ("curator_note", TKG + "curatorNote", False),
)
QUOTE_PROPERTY = OA + "exact"


def safe_cell(value: object) -> str:
    """A cell a spreadsheet will not evaluate: formula-like text gets a leading apostrophe."""
    text = str(clean(value)).lower() if isinstance(value, bool) else str(clean(value))
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def serialize_table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(header)
    writer.writerows([safe_cell(cell) for cell in row] for row in rows)
    return "\ufeff".encode() + out.getvalue().encode("utf-8")


def node_rows(graph: nx.MultiDiGraph) -> list[list[object]]:
    return [[node] + [data.get(column, "") for column in NODE_COLUMNS[1:]] for node, data in graph.nodes(data=True)]


def edge_rows(graph: nx.MultiDiGraph) -> list[list[object]]:
    return [[source, target] + [data.get(column, "") for column in EDGE_COLUMNS[2:]]
            for source, target, _, data in graph.edges(keys=True, data=True)]


def _term(term: object, concept: bool) -> str:
    if isinstance(term, ox.NamedNode):
        if concept and term.value.startswith(ID):
            return term.value.rsplit("/", 1)[-1]
        return curie(term.value) if term.value.startswith(TKG) else term.value
    if isinstance(term, ox.Literal):
        return term.value
    return str(term)


def resource_rows(store: ox.Store, graph: str, kind: str,
                  columns: tuple[tuple[str, str, bool], ...]) -> list[list[str]]:
    """One row per resource ``…/id/{kind}/…`` in ``graph``; several values in a cell joined with ``|``."""
    wanted = {predicate: (name, concept) for name, predicate, concept in columns}
    values: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    graph_node = ox.NamedNode(graph)
    prefix = f"{ID}{kind}/"
    for quad in store.quads_for_pattern(None, None, None, graph_node):
        if quad.subject.value.startswith(prefix) and quad.predicate.value in wanted:  # type: ignore[union-attr]
            name, concept = wanted[quad.predicate.value]
            values[quad.subject.value][name].add(_term(quad.object, concept))  # type: ignore[union-attr]
    if kind == "claim":
        _add_quotes(store, values, graph_node)
    names = [name for name, _, _ in columns] + (["quote"] if kind == "claim" else [])
    rows = [[LIST_SEPARATOR.join(sorted(values[iri].get(name, ()))) for name in names] for iri in values]
    return sorted(rows, key=lambda row: row[0])


def _add_quotes(store: ox.Store, values: dict[str, dict[str, set[str]]], graph: ox.NamedNode) -> None:
    """A claim's quoted passage (oa:hasSelector → oa:exact)."""
    for quad in store.quads_for_pattern(None, ox.NamedNode(OA + "hasSelector"), None, graph):
        if quad.subject.value not in values:  # type: ignore[union-attr]
            continue
        selector = quad.object
        if not isinstance(selector, (ox.NamedNode, ox.BlankNode)):
            continue
        for exact in store.quads_for_pattern(selector, ox.NamedNode(QUOTE_PROPERTY), None, graph):
            values[quad.subject.value]["quote"].add(exact.object.value)  # type: ignore[union-attr]


README = """\
# CSV tables — generated by tokutei-kg export, do not edit

Four tables of the tokutei-kg knowledge graph (Japan–Indonesia cooperation in Japan's Specified Skilled
Worker programme), for spreadsheets and pandas.

* Encoding: UTF-8 with a byte-order mark (Excel shows Japanese and Indonesian text correctly);
  RFC 4180 quoting, CRLF line ends. pandas: `pd.read_csv("csv/nodes.csv", keep_default_na=False)`;
  Python's csv module: `open(path, encoding="utf-8-sig", newline="")`.
* Several values in one cell are joined with `|` (e.g. `sources` = `s1|s6|s32`).
* **Formula safety:** a cell whose text starts with `=`, `+`, `-`, `@`, TAB, CR or LF is written with a
  leading apostrophe (`'=…`), so a spreadsheet shows it as text and never runs it as a formula
  (CWE-1236). Strip one leading `'` from such cells to get the original text back.
* Dates are ISO 8601 at the precision the source gives: `2019`, `2019-06` or `2019-06-25`.

## nodes.csv — one row per entity (institution, agreement, law, programme, person, …)
{nodes}

## edges.csv — one row per relation between two entities, with its evidence
{edges}

## claims.csv — one row per claim: what a source says, with its evidence
{claims}

## sources.csv — one row per source (documents, media, interviews)
{sources}
"""

_DOC = {
    "iri": "the entity's IRI (join key with edges.source / edges.target)", "id": "short identifier",
    "kind": "institution, agreement, law, programme, person, …", "class": "ontology class (CURIE)",
    "class_label_en": "class name in English (also _id Indonesian, _ja Japanese)",
    "label_en": "name in English (also label_id, label_ja)", "aliases": "other names and abbreviations",
    "country": "country the entity belongs to", "side": "indonesia, japan, bilateral or other",
    "valid_from": "start of validity", "valid_until": "end of validity",
    "stages": "stages of the worker's journey it is claimed for",
    "functions": "functions (promoting, selecting, fostering, protecting, supervising)",
    "issues": "problems it is claimed to have", "support_items": "support items it provides",
    "sectors": "industrial sectors", "themes": "analytical themes",
    "source": "subject IRI (edges) / id of the source the claim comes from (claims)", "target": "object IRI",
    "relation": "relation (CURIE)", "relation_label_en": "relation name (also _id, _ja)",
    "status": "triangulated, corroborated, single-source or contested", "n_sources": "number of sources asserting it",
    "sources": "ids of the sources asserting it", "source_types": "types of those sources",
    "perspectives": "perspectives of those sources", "claims": "ids of the claims behind it",
    "disputed_by": "sources disputing it", "asserted": "true unless every claim disputes it",
    "predicate": "relation IRI", "subject": "subject IRI", "object": "object IRI or literal value",
    "polarity": "asserts or disputes", "confidence": "high, medium or low",
    "role": "role (for holdsPost and membership)",
    "evidence": "the passage that supports the claim", "locator": "page or paragraph in the source",
    "curator_note": "curator's note", "quote": "exact quoted text (Web Annotation selector)",
    "type": "source type", "perspective": "whose perspective", "title": "title", "publisher": "publisher",
    "date": "date of publication", "url": "web address", "language": "language of the source",
    "reliability": "reliability class", "register_ref": "reference in the source register",
    "interviewee_role": "role of the interviewee (interviews)", "consent": "consent to publish (interviews)",
    "document": "local document file",
}


def _doc(columns: Sequence[str]) -> str:
    return "\n".join(f"* `{c}` — {_DOC.get(c, '')}" for c in columns)


def render_tables(inputs: Built) -> list[Output]:
    graph = tidy_network(inputs)
    claim_header = [c for c, _, _ in CLAIM_COLUMNS] + ["quote"]
    source_header = [c for c, _, _ in SOURCE_COLUMNS]
    claims = resource_rows(inputs.store, GRAPH_CLAIMS, "claim", CLAIM_COLUMNS)
    sources = resource_rows(inputs.store, GRAPH_SOURCES, "source", SOURCE_COLUMNS)
    nodes, edges = node_rows(graph), edge_rows(graph)
    readme = README.format(nodes=_doc(NODE_COLUMNS), edges=_doc(EDGE_COLUMNS), claims=_doc(claim_header),
                           sources=_doc(source_header))
    return [
        Output(FOLDER + "README.md", readme.encode("utf-8"), {}),
        Output(FOLDER + "claims.csv", serialize_table(claim_header, claims), {"rows": len(claims)}),
        Output(FOLDER + "edges.csv", serialize_table(EDGE_COLUMNS, edges), {"rows": len(edges)}),
        Output(FOLDER + "nodes.csv", serialize_table(NODE_COLUMNS, nodes), {"rows": len(nodes)}),
        Output(FOLDER + "sources.csv", serialize_table(source_header, sources), {"rows": len(sources)}),
    ]
