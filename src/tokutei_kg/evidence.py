"""The triangulation report: for each relation, its sources, their types and perspectives, its status.

Reads the built dataset through Oxigraph: the status, the number of independent origins and the reason
are those the build wrote into the findings graph (``triangulate.py`` is the only place the rule lives).
As of a day, the stage reads ``built.at(day)``, whose store was restricted to that day with the findings
recomputed by the same rule (:func:`store.as_of`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pyoxigraph as ox

from .errors import DatasetMissing
from .namespaces import ID, PREFIXES, TKG, curie
from .store import solutions
from .triangulate import STATUSES

if TYPE_CHECKING:
    from .built import Built

DEFAULT_STATUSES = ("single-source", "contested")

_FINDINGS = """
SELECT ?finding ?s ?p ?o ?status ?origins ?reason
WHERE {
  GRAPH <https://w3id.org/tokutei-kg/graph/findings> {
    ?finding a tkg:Finding ; rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ;
             tkg:triangulationStatus ?status ; tkg:originCount ?origins ; tkg:statusReason ?reason .
  }
}
"""

_FINDING_CLAIMS = """
SELECT ?finding ?claim WHERE {
  GRAPH <https://w3id.org/tokutei-kg/graph/findings> { ?finding tkg:supportingClaim|tkg:disputingClaim ?claim }
}
"""

_CLAIMS = """
SELECT ?claim ?cid ?s ?p ?o ?source ?polarity ?evidence ?from ?until
WHERE {
  GRAPH <https://w3id.org/tokutei-kg/graph/claims> {
    ?claim a tkg:Claim ; dct:identifier ?cid ; rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ;
           prov:wasDerivedFrom ?source ; tkg:polarity ?polarity ; tkg:evidence ?evidence .
    OPTIONAL { ?claim tkg:validFrom ?from }
    OPTIONAL { ?claim tkg:validUntil ?until }
  }
}
"""

_STAGES = "SELECT ?claim ?stage WHERE { GRAPH <https://w3id.org/tokutei-kg/graph/claims> { ?claim tkg:stage ?stage } }"

_SOURCES = """
SELECT ?source ?sid ?title ?type ?persp WHERE {
  GRAPH <https://w3id.org/tokutei-kg/graph/sources> {
    ?source dct:identifier ?sid ; dct:title ?title ; tkg:sourceType ?type ; tkg:perspective ?persp .
  }
}
"""

_LABELS = """
SELECT ?x ?label ?lang WHERE {
  { ?x rdfs:label ?label } UNION { ?x skos:prefLabel ?label }
  FILTER (lang(?label) = ?lang)
}
"""


@dataclass(frozen=True)
class ClaimEvidence:
    claim_id: str
    source_id: str
    source_title: str
    source_type: str
    perspective: str
    disputes: bool
    evidence: str
    stages: tuple[str, ...]
    valid_from: str = ""
    valid_until: str = ""


@dataclass
class Relation:
    subject: str
    predicate: str
    object: str
    subject_label: str = ""
    predicate_label: str = ""
    object_label: str = ""
    claims: list[ClaimEvidence] = field(default_factory=list)
    status: str = "single-source"  # as the build's findings graph states it
    origin_count: int = 0
    reason: str = ""

    @property
    def asserting(self) -> list[ClaimEvidence]:
        return [c for c in self.claims if not c.disputes]

    @property
    def source_count(self) -> int:
        return len({c.source_id for c in self.asserting})

    @property
    def source_types(self) -> list[str]:
        return sorted({c.source_type for c in self.asserting})

    @property
    def perspectives(self) -> list[str]:
        return sorted({c.perspective for c in self.asserting})

    def mentions(self, identifier: str) -> bool:
        return identifier in (_ident(self.subject), _ident(self.object))


def _ident(iri: str) -> str:
    """``https://…/id/institution/kemnaker`` → ``kemnaker``; a concept → ``stage:matching``."""
    if not iri.startswith(ID):
        return iri
    kind, _, slug = iri[len(ID):].partition("/")
    return f"{kind}:{slug}" if kind in {"stage", "function", "sector", "support", "role", "issue", "theme"} else slug


def relations(store: ox.Store, *, lang: str = "en") -> list[Relation]:
    """Every relation with the claims for and against it (stages read it as ``built.relations(lang=…)``)."""
    claims = _claims(store)
    grouped: dict[str, Relation] = {}
    order: dict[str, tuple[str, str, str]] = {}
    for row in solutions(store.query(_FINDINGS, prefixes=dict(PREFIXES))):
        order[row["finding"].value] = (_key(row["s"]), row["p"].value, _key(row["o"]))
        grouped[row["finding"].value] = Relation(
            _value(row["s"]), row["p"].value, _value(row["o"]), status=row["status"].value.rsplit("/", 1)[-1],
            origin_count=int(row["origins"].value), reason=row["reason"].value)
    for row in solutions(store.query(_FINDING_CLAIMS, prefixes=dict(PREFIXES))):
        relation, claim = grouped.get(row["finding"].value), claims.get(row["claim"].value)
        if relation is None or claim is None:
            raise DatasetMissing(f"the built dataset is corrupt: {row['finding'].value} names a claim or finding "
                                 "the dataset does not hold", hint="run `tokutei-kg build` again")
        relation.claims.append(claim)
    labels = _labels(store, lang)
    for relation in grouped.values():
        relation.claims.sort(key=lambda c: (c.disputes, c.source_id, c.claim_id))
        relation.subject_label = labels.get(relation.subject, _display(relation.subject))
        relation.predicate_label = labels.get(relation.predicate, _display(relation.predicate))
        relation.object_label = labels.get(relation.object, _display(relation.object))
    return [grouped[finding] for finding in sorted(grouped, key=order.__getitem__)]


def _claims(store: ox.Store) -> dict[str, ClaimEvidence]:
    """Claim IRI → its source, polarity, evidence, stages and validity (three simple queries joined here:
    one query joining claims, stages and sources took 1.4 s)."""
    stages: dict[str, list[str]] = {}
    for row in solutions(store.query(_STAGES, prefixes=dict(PREFIXES))):
        stages.setdefault(row["claim"].value, []).append(_ident(row["stage"].value))
    sources = {row["source"].value: row for row in solutions(store.query(_SOURCES, prefixes=dict(PREFIXES)))}
    found = {}
    for row in solutions(store.query(_CLAIMS, prefixes=dict(PREFIXES))):
        source = sources[row["source"].value]
        found[row["claim"].value] = ClaimEvidence(
            claim_id=row["cid"].value,
            source_id=source["sid"].value,
            source_title=source["title"].value,
            source_type=source["type"].value.rsplit("/", 1)[-1],
            perspective=source["persp"].value.rsplit("/", 1)[-1],
            disputes=row["polarity"].value.endswith("/disputes"),
            evidence=row["evidence"].value,
            stages=tuple(sorted(stages.get(row["claim"].value, ()))),
            valid_from=row["from"].value if row["from"] is not None else "",
            valid_until=row["until"].value if row["until"] is not None else "",
        )
    return found


def _key(term: object) -> str:
    return str(term)


def _value(term: object) -> str:
    return term.value if isinstance(term, (ox.NamedNode, ox.Literal)) else str(term)


def _display(value: str) -> str:
    return curie(value) if value.startswith("http") else value


def labels(store: ox.Store, lang: str) -> dict[str, str]:
    """IRI → its ``rdfs:label`` or ``skos:prefLabel`` in exactly ``lang``."""
    found: dict[str, str] = {}
    answer = solutions(store.query(_LABELS, prefixes=dict(PREFIXES), use_default_graph_as_union=True,
                                   substitutions={ox.Variable("lang"): ox.Literal(lang)}))
    for row in answer:
        found.setdefault(row["x"].value, row["label"].value)
    return found


def _labels(store: ox.Store, lang: str) -> dict[str, str]:
    """Labels in ``lang``, falling back to English."""
    return {**labels(store, "en"), **labels(store, lang)}


def report(built: Built, *, triple: tuple[str, str, str] | None = None, statuses: tuple[str, ...] = (),
           entity: str = "", stage: str = "", lang: str = "en") -> tuple[list[Relation], list[Relation]]:
    """The ``evidence`` stage: every relation of ``built`` (as it stands: ``built.at(day)`` for --as-of)
    with labels in ``lang``, and those chosen — the ``triple``, else the relations with one of ``statuses``
    (default :data:`DEFAULT_STATUSES`; ``all``: every status) that mention ``entity`` and were claimed at
    ``stage``. The relation of ``triple`` and ``stage`` are checked first (:mod:`tokutei_kg.arguments`)."""
    from .arguments import check_relation, check_stage

    if triple is not None:
        check_relation(built, triple[1])
    stage = check_stage(built, stage) if stage else stage
    everything = built.relations(lang=lang)
    wanted = () if "all" in statuses or triple else (statuses or DEFAULT_STATUSES)
    return everything, select(everything, statuses=wanted, entity=entity, stage=stage, triple=triple)


def select(all_relations: list[Relation], *, statuses: tuple[str, ...] = (), entity: str = "", stage: str = "",
           triple: tuple[str, str, str] | None = None) -> list[Relation]:
    chosen = []
    for relation in all_relations:
        if statuses and relation.status not in statuses:
            continue
        if entity and not relation.mentions(entity):
            continue
        if stage and not any(stage in c.stages for c in relation.claims):
            continue
        if triple and not _matches(relation, triple):
            continue
        chosen.append(relation)
    return chosen


def _matches(relation: Relation, triple: tuple[str, str, str]) -> bool:
    subject, predicate, obj = triple
    predicate_iri = predicate if predicate.startswith("http") else (
        PREFIXES[predicate.split(":")[0]] + predicate.split(":", 1)[1] if ":" in predicate else TKG + predicate)
    return (_ident(relation.subject) == subject and relation.predicate == predicate_iri
            and obj in (_ident(relation.object), relation.object))


def summary(all_relations: list[Relation]) -> dict[str, int]:
    counts = Counter(r.status for r in all_relations)
    return {status: counts.get(status, 0) for status in STATUSES}


def source_titles(store: ox.Store) -> dict[str, tuple[str, str, str]]:
    """Source id → (title, type, url or document)."""
    query = """
    SELECT ?id ?title ?type ?where WHERE {
      GRAPH <https://w3id.org/tokutei-kg/graph/sources> {
        ?s dct:identifier ?id ; dct:title ?title ; tkg:sourceType ?type .
        OPTIONAL { ?s schema:url|tkg:document ?where }
      }
    }"""
    found: dict[str, tuple[str, str, str]] = {}
    for row in solutions(store.query(query, prefixes=dict(PREFIXES))):
        where = row["where"].value if row["where"] is not None else ""
        found.setdefault(row["id"].value, (row["title"].value, row["type"].value.rsplit("/", 1)[-1], where))
    return found
