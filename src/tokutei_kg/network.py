"""The one network projection of the built dataset: a networkx ``MultiDiGraph`` of entities.

Node = entity IRI, with labels per language, aliases, class, kind, country and side (``indonesia``,
``japan``, ``bilateral``, ``other``), validity, and the stages/functions/issues claimed for it.
Edge = one relation between two entities (key: the relation's CURIE), with the claims behind it,
their stages, validity, number of sources, source types, perspectives and triangulation status.
Every attribute is a scalar (str, int, bool), so GraphML/GEXF writers and the explorer take it as is.
Paths, analysis, exports and the explorer all read this projection and nothing else.
"""

from __future__ import annotations

import networkx as nx
import pyoxigraph as ox

from .evidence import Relation, labels, relations
from .namespaces import ID, LANGUAGES, PREFIXES, curie
from .records import PartialDate
from .store import solutions, symmetric_predicates

_NODES = """
SELECT ?node ?id ?class ?country ?from ?until (GROUP_CONCAT(DISTINCT STR(?alias); separator="|") AS ?aliases)
WHERE {
  GRAPH <https://w3id.org/tokutei-kg/graph/entities> {
    ?node dct:identifier ?id ; a ?class .
    OPTIONAL { ?node tkg:country ?country }
    OPTIONAL { ?node tkg:validFrom ?from }
    OPTIONAL { ?node tkg:validUntil ?until }
    OPTIONAL { ?node skos:altLabel ?alias }
  }
}
GROUP BY ?node ?id ?class ?country ?from ?until
"""

_CONCEPT_ATTRIBUTES = {"stage": "stages", "function": "functions", "issue": "issues", "support": "support_items",
                       "sector": "sectors", "theme": "themes"}
STATUS_RANK = {"triangulated": 3, "corroborated": 2, "single-source": 1, "contested": 0}


def side_of(kind: str, country: str, identifier: str) -> str:
    if country in (ID + "country/japan", ID + "country/indonesia"):
        return country.rsplit("/", 1)[-1]
    if kind == "country":
        return identifier if identifier in ("japan", "indonesia") else "other"
    return "bilateral" if kind in ("agreement", "collaboration") or not country else "other"


def to_network(store: ox.Store) -> nx.MultiDiGraph:
    """Project the built dataset (in an Oxigraph store) onto a MultiDiGraph. Stages take it as
    :meth:`Built.network() <tokutei_kg.built.Built.network>` (as of a day: ``built.at(day).network()``)."""
    graph: nx.MultiDiGraph[str] = nx.MultiDiGraph()
    label_maps = {lang: labels(store, lang) for lang in LANGUAGES}
    _add_nodes(graph, store, label_maps)
    symmetric = symmetric_predicates(store)
    for relation in relations(store):
        _add_relation(graph, relation, label_maps, symmetric)
    return graph


def _add_nodes(graph: nx.MultiDiGraph, store: ox.Store, label_maps: dict[str, dict[str, str]]) -> None:
    for row in solutions(store.query(_NODES, prefixes=dict(PREFIXES))):
        iri = row["node"].value
        kind = iri[len(ID):].split("/", 1)[0]
        valid_from = row["from"].value if row["from"] is not None else ""
        valid_until = row["until"].value if row["until"] is not None else ""
        country = row["country"].value if row["country"] is not None else ""
        cls = row["class"].value
        identifier = row["id"].value
        attributes: dict[str, object] = {
            "id": identifier, "kind": kind, "class": curie(cls),
            "country": country.rsplit("/", 1)[-1] if country else "",
            "side": side_of(kind, country, identifier),
            "aliases": row["aliases"].value if row["aliases"] is not None else "",
            "valid_from": valid_from, "valid_until": valid_until,
        }
        for lang in LANGUAGES:
            attributes[f"label_{lang}"] = label_maps[lang].get(iri, "")
            attributes[f"class_label_{lang}"] = label_maps[lang].get(cls, "")
        attributes.update({name: "" for name in _CONCEPT_ATTRIBUTES.values()})
        graph.add_node(iri, **attributes)


def _add_relation(graph: nx.MultiDiGraph, relation: Relation, label_maps: dict[str, dict[str, str]],
                  symmetric: set[str]) -> None:
    subject, obj = relation.subject, relation.object
    if subject not in graph:
        return
    if obj not in graph:
        scheme = obj[len(ID):].split("/", 1)[0] if obj.startswith(ID) else ""
        if scheme in _CONCEPT_ATTRIBUTES and relation.asserting:
            _append(graph.nodes[subject], _CONCEPT_ATTRIBUTES[scheme], f"{scheme}:{obj.rsplit('/', 1)[-1]}")
        return
    attributes = _edge_attributes(relation, label_maps)
    key = attributes["relation"]
    graph.add_edge(subject, obj, key=key, **attributes)
    if relation.predicate in symmetric:
        graph.add_edge(obj, subject, key=key, **attributes)


def _append(node: dict[str, object], attribute: str, value: str) -> None:
    values = set(str(node[attribute]).split("|")) - {""}
    node[attribute] = "|".join(sorted(values | {value}))


def _edge_attributes(relation: Relation, label_maps: dict[str, dict[str, str]]) -> dict[str, object]:
    claims = relation.claims
    starts = [c.valid_from for c in claims]
    ends = [c.valid_until for c in claims]
    attributes: dict[str, object] = {
        "relation": curie(relation.predicate),
        "predicate": relation.predicate,
        "claims": "|".join(c.claim_id for c in claims),
        "sources": "|".join(sorted({c.source_id for c in relation.asserting})),
        "disputed_by": "|".join(sorted({c.source_id for c in claims if c.disputes})),
        "stages": "|".join(sorted({s for c in claims for s in c.stages})),
        "valid_from": "" if "" in starts else min(starts, key=lambda d: PartialDate(d).first_day()),
        "valid_until": "" if "" in ends else max(ends, key=lambda d: PartialDate(d).last_day()),
        "n_sources": relation.source_count,
        "source_types": "|".join(relation.source_types),
        "perspectives": "|".join(relation.perspectives),
        "status": relation.status,
        "asserted": bool(relation.asserting),
    }
    for lang in LANGUAGES:
        attributes[f"relation_label_{lang}"] = label_maps[lang].get(relation.predicate, "")
    return attributes
