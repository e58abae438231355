"""Stage 3: records + ontology → an RDF Dataset (rdflib), and its canonical N-Quads.

Pure and deterministic. Each claim becomes
1. the direct triple ``S P O`` in the named graph of its source (when the source asserts it), and
2. a claim node in the claims graph: subject, predicate, object, source, evidence, validity, stage …
Triangulation is computed here for every relation and stored as finding nodes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, replace

import pyoxigraph as ox
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.term import Node

from .errors import Location
from .namespaces import (
    ALL_NATIONALITIES,
    DATE_RELATIONS,
    DCT,
    GRAPH_CLAIMS,
    GRAPH_ENTITIES,
    GRAPH_FINDINGS,
    GRAPH_ONTOLOGY,
    GRAPH_SOURCES,
    GRAPH_STATISTICS,
    ID,
    OA,
    ORG,
    PREFIXES,
    PROV,
    QB,
    RDF,
    RDFS,
    SCHEMA,
    SKOS,
    TIME,
    TKG,
    XSD,
    entity_iri,
    source_graph,
)
from .ontology import Vocabulary
from .records import MEASURES, Claim, Curated, Entity, Observation, PartialDate, Source, Validity
from .triangulate import SourceKind, Statement, Triangulation, triangulate
from .validate import slug

A = URIRef(RDF + "type")


def U(iri: str) -> URIRef:  # noqa: N802 - short constructor used everywhere below
    return URIRef(iri)


def date_literal(date: PartialDate) -> Literal:
    return Literal(date.text, datatype=U(XSD + date.datatype))


def text(value: str, lang: str = "") -> Literal:
    return Literal(value, lang=lang) if lang else Literal(value)


def select_as_of(curated: Curated, day: dt.date) -> Curated:
    """Keep what is valid on ``day``: entities that exist, claims that hold, figures published by then."""
    entities = tuple(e for e in curated.entities if e.validity.holds_on(day))
    present = {e.id for e in entities}

    def present_or_concept(ref: str) -> bool:
        return ref == "" or ":" in ref or ref in present

    claims = tuple(
        c for c in curated.claims
        if c.validity.holds_on(day) and present_or_concept(c.subject) and present_or_concept(c.object)
    )
    observations = tuple(o for o in curated.observations if o.period.first_day() <= day)
    return replace(curated, entities=entities, claims=claims, observations=observations)


class Resolver:
    """Turns the ids and ``scheme:slug`` references of the tables into IRIs."""

    def __init__(self, vocab: Vocabulary, entities: tuple[Entity, ...]) -> None:
        self.vocab = vocab
        self.entity_kind = {e.id: vocab.kinds[vocab.classes[e.class_name]] for e in entities}

    def entity(self, identifier: str) -> URIRef:
        return U(entity_iri(self.entity_kind[identifier], slug(identifier)))

    def ref(self, value: str) -> URIRef:
        if ":" in value:
            return U(self.vocab.concepts[value])
        return self.entity(value)

    def concept(self, scheme: str, value: str) -> URIRef:
        return U(self.vocab.concepts[value if ":" in value else f"{scheme}:{value}"])


def source_iri(source_id: str) -> URIRef:
    return U(f"{ID}source/{slug(source_id)}")


def claim_iri(claim_id: str) -> URIRef:
    return U(f"{ID}claim/{slug(claim_id)}")


@dataclass(frozen=True)
class BuildResult:
    dataset: Dataset
    curated: Curated
    triangulation: tuple[Triangulation, ...]
    origins: dict[str, Location]  # IRI of each built node -> the CSV row it came from


def build_dataset(curated: Curated, ontology: Graph, vocab: Vocabulary, *, as_of: dt.date | None = None) -> BuildResult:
    if as_of is not None:
        curated = select_as_of(curated, as_of)
    dataset = Dataset()
    for prefix, namespace in PREFIXES.items():
        dataset.bind(prefix, namespace)
    resolve = Resolver(vocab, curated.entities)
    onto = dataset.graph(U(GRAPH_ONTOLOGY))
    for triple in ontology:
        onto.add(triple)
    measures = {o.dataset: o.measure for o in curated.observations}
    _add_entities(dataset.graph(U(GRAPH_ENTITIES)), curated.entities, resolve, measures)
    _add_sources(dataset.graph(U(GRAPH_SOURCES)), curated.sources, resolve)
    statements = _add_claims(dataset, curated, resolve)
    sources = {s.id: SourceKind(s.id, s.type, s.perspective, s.derived_from) for s in curated.sources}
    symmetric = frozenset(f"<{r.iri}>" for r in vocab.relations.values() if r.symmetric)
    results = tuple(triangulate(statements, sources, symmetric))
    _add_findings(dataset.graph(U(GRAPH_FINDINGS)), results, resolve)
    _add_observations(dataset.graph(U(GRAPH_STATISTICS)), curated.observations, curated.entities, resolve)
    return BuildResult(dataset, curated, results, _origins(curated, resolve))


def _origins(curated: Curated, resolve: Resolver) -> dict[str, Location]:
    origins = {str(resolve.entity(e.id)): e.origin.at() for e in curated.entities}
    origins.update({str(source_iri(s.id)): s.origin.at() for s in curated.sources})
    origins.update({str(claim_iri(c.id)): c.origin.at() for c in curated.claims})
    origins.update({f"{ID}observation/{slug(o.id)}": o.origin.at() for o in curated.observations})
    return origins


def _add_validity(graph: Graph, node: URIRef, validity: Validity) -> None:
    if validity.start is not None:
        graph.add((node, U(TKG + "validFrom"), date_literal(validity.start)))
    if validity.end is not None:
        graph.add((node, U(TKG + "validUntil"), date_literal(validity.end)))


def _add_entities(graph: Graph, entities: tuple[Entity, ...], resolve: Resolver,
                  measures: dict[str, str]) -> None:
    for entity in entities:
        node = resolve.entity(entity.id)
        graph.add((node, A, U(resolve.vocab.classes[entity.class_name])))
        graph.add((node, U(DCT + "identifier"), Literal(entity.id)))
        for lang, label in entity.labels.items():
            graph.add((node, U(RDFS + "label"), Literal(label, lang=lang)))
        for alias in entity.aliases:
            graph.add((node, U(SKOS + "altLabel"), Literal(alias)))
        if entity.country:
            graph.add((node, U(TKG + "country"), resolve.entity(entity.country)))
        if entity.description:
            graph.add((node, U(DCT + "description"), Literal(entity.description, lang="en")))
        if entity.note:
            graph.add((node, U(TKG + "curatorNote"), Literal(entity.note)))
        for source_id in entity.source_ids:
            graph.add((node, U(DCT + "source"), source_iri(source_id)))
        _add_validity(graph, node, entity.validity)
        if entity.class_name == "StatisticalDataset":
            graph.add((node, U(QB + "structure"), U(TKG + MEASURES[measures.get(entity.id, "residents")][1])))


def _add_sources(graph: Graph, sources: tuple[Source, ...], resolve: Resolver) -> None:
    for source in sources:
        node = source_iri(source.id)
        graph.add((node, A, U(TKG + "Source")))
        if source.type == "interview":
            graph.add((node, A, U(TKG + "Interview")))
        graph.add((node, U(DCT + "identifier"), Literal(source.id)))
        graph.add((node, U(DCT + "title"), Literal(source.title, lang=source.language)))
        graph.add((node, U(DCT + "language"), Literal(source.language)))
        graph.add((node, U(TKG + "sourceType"), resolve.concept("sourcetype", source.type)))
        graph.add((node, U(TKG + "perspective"), resolve.concept("perspective", source.perspective)))
        if source.reliability:
            graph.add((node, U(TKG + "reliability"), resolve.concept("reliability", source.reliability)))
        if source.consent:
            graph.add((node, U(TKG + "consent"), resolve.concept("consent", source.consent)))
        if source.date is not None:
            graph.add((node, U(DCT + "date"), date_literal(source.date)))
        if source.url:
            graph.add((node, U(SCHEMA + "url"), Literal(source.url, datatype=U(XSD + "anyURI"))))
        for original in source.derived_from:
            known = original in resolve.entity_kind
            graph.add((node, U(PROV + "wasDerivedFrom"), resolve.entity(original) if known else source_iri(original)))
        optional = (
            ("publisher", DCT + "publisher"), ("document", TKG + "document"),
            ("register_ref", TKG + "registerRef"), ("interviewee_role", TKG + "intervieweeRole"),
            ("note", TKG + "curatorNote"),
        )
        for field, predicate in optional:
            value = getattr(source, field)
            if value:
                graph.add((node, U(predicate), Literal(value)))


def _object_term(claim: Claim, resolve: Resolver) -> Node:
    relation = resolve.vocab.relations[claim.relation]
    if relation.is_object:
        return resolve.ref(claim.object)
    if relation.iri in DATE_RELATIONS:
        return date_literal(PartialDate.parse(claim.value))
    if relation.range == XSD + "integer":
        return Literal(claim.value, datatype=U(XSD + "integer"))
    return text(claim.value, claim.value_lang)


def _add_claims(dataset: Dataset, curated: Curated, resolve: Resolver) -> list[Statement]:
    claims_graph = dataset.graph(U(GRAPH_CLAIMS))
    statements = []
    for claim in curated.claims:
        relation = resolve.vocab.relations[claim.relation]
        s, p, o = resolve.ref(claim.subject), U(relation.iri), _object_term(claim, resolve)
        disputes = claim.polarity == "disputes"
        if not disputes:
            asserted = dataset.graph(U(source_graph(slug(claim.source_id))))
            asserted.add((s, p, o))
            if relation.symmetric and isinstance(o, URIRef):
                asserted.add((o, p, s))
            if relation.inverse and isinstance(o, URIRef):
                asserted.add((o, U(relation.inverse), s))
            if relation.iri == ORG + "memberOf":
                _add_membership(asserted, claim, s, o, resolve)
        _add_claim_node(claims_graph, claim, (s, p, o), resolve)
        statements.append(Statement(
            claim.id, s.n3(), p.n3(), o.n3(), claim.source_id, disputes, claim.evidence,
            claim.evidence_kind == "quote", *_days(claim.validity)))
    return statements


def _days(validity: Validity) -> tuple[dt.date, dt.date]:
    """A claim's validity as first and last day (open ends as the calendar's ends)."""
    start = validity.start.first_day() if validity.start is not None else dt.date.min
    return start, validity.end.last_day() if validity.end is not None else dt.date.max


def _add_claim_node(graph: Graph, claim: Claim, triple: tuple[URIRef, URIRef, Node], resolve: Resolver) -> None:
    node = claim_iri(claim.id)
    s, p, o = triple
    graph.add((node, A, U(TKG + "Claim")))
    graph.add((node, U(DCT + "identifier"), Literal(claim.id)))
    graph.add((node, U(RDF + "subject"), s))
    graph.add((node, U(RDF + "predicate"), p))
    graph.add((node, U(RDF + "object"), o))
    graph.add((node, U(PROV + "wasDerivedFrom"), source_iri(claim.source_id)))
    graph.add((node, U(TKG + "evidence"), Literal(claim.evidence, lang=claim.evidence_lang)))
    graph.add((node, U(TKG + "polarity"), resolve.concept("polarity", claim.polarity)))
    if claim.polarity != "disputes":
        graph.add((node, U(TKG + "assertedIn"), U(source_graph(slug(claim.source_id)))))
    if claim.evidence_kind == "quote":
        selector = U(f"{node}#quote")
        graph.add((node, U(OA + "hasSelector"), selector))
        graph.add((selector, A, U(OA + "TextQuoteSelector")))
        graph.add((selector, U(OA + "exact"), Literal(claim.evidence, lang=claim.evidence_lang)))
    for stage in claim.stages:
        graph.add((node, U(TKG + "stage"), resolve.concept("stage", stage)))
    if claim.role:
        graph.add((node, U(TKG + "role"), resolve.concept("role", claim.role)))
    if claim.confidence:
        graph.add((node, U(TKG + "confidence"), resolve.concept("confidence", claim.confidence)))
    if claim.locator:
        graph.add((node, U(TKG + "locator"), Literal(claim.locator)))
    if claim.note:
        graph.add((node, U(TKG + "curatorNote"), Literal(claim.note)))
    _add_validity(graph, node, claim.validity)


def _add_membership(graph: Graph, claim: Claim, member: URIRef, organization: Node, resolve: Resolver) -> None:
    node = U(f"{ID}membership/{slug(claim.id)}")
    graph.add((node, A, U(ORG + "Membership")))
    graph.add((node, U(ORG + "member"), member))
    graph.add((node, U(ORG + "organization"), organization))
    if claim.role:
        graph.add((node, U(ORG + "role"), resolve.concept("role", claim.role)))
    validity = claim.validity
    if validity.start is None and validity.end is None:
        return
    interval = U(f"{node}#interval")
    graph.add((node, U(ORG + "memberDuring"), interval))
    graph.add((interval, A, U(TIME + "Interval")))
    for end, predicate in ((validity.start, "hasBeginning"), (validity.end, "hasEnd")):
        if end is None:
            continue
        instant = U(f"{node}#{predicate}")
        graph.add((interval, U(TIME + predicate), instant))
        graph.add((instant, A, U(TIME + "Instant")))
        graph.add((instant, U(TIME + {"date": "inXSDDate", "gYear": "inXSDgYear",
                                      "gYearMonth": "inXSDgYearMonth"}[end.datatype]), date_literal(end)))


def finding_iri(result: Triangulation) -> URIRef:
    digest = hashlib.sha256(f"{result.subject} {result.predicate} {result.object}".encode()).hexdigest()
    return U(f"{ID}finding/{digest[:16]}")


def _add_findings(graph: Graph, results: tuple[Triangulation, ...], resolve: Resolver) -> None:
    from rdflib.util import from_n3

    for result in results:
        node = finding_iri(result)
        graph.add((node, A, U(TKG + "Finding")))
        for part, term in (("subject", result.subject), ("predicate", result.predicate), ("object", result.object)):
            parsed = from_n3(term)
            if not isinstance(parsed, Node):  # the terms were written as N-Triples by the build itself
                raise TypeError(f"not an N-Triples term: {term!r}")
            graph.add((node, U(RDF + part), parsed))
        graph.add((node, U(TKG + "sourceCount"), Literal(result.source_count)))
        graph.add((node, U(TKG + "sourceTypeCount"), Literal(result.source_type_count)))
        graph.add((node, U(TKG + "perspectiveCount"), Literal(result.perspective_count)))
        graph.add((node, U(TKG + "originCount"), Literal(result.origin_count)))
        graph.add((node, U(TKG + "statusReason"), Literal(result.reason, lang="en")))
        graph.add((node, U(TKG + "triangulationStatus"), resolve.concept("status", result.status)))
        for claim_id in result.supporting:
            graph.add((node, U(TKG + "supportingClaim"), claim_iri(claim_id)))
        for claim_id in result.disputing:
            graph.add((node, U(TKG + "disputingClaim"), claim_iri(claim_id)))


def _add_observations(graph: Graph, observations: tuple[Observation, ...], entities: tuple[Entity, ...],
                      resolve: Resolver) -> None:
    for observation in observations:
        node = U(f"{ID}observation/{slug(observation.id)}")
        graph.add((node, A, U(QB + "Observation")))
        graph.add((node, A, U(TKG + "Observation")))
        graph.add((node, U(DCT + "identifier"), Literal(observation.id)))
        graph.add((node, U(QB + "dataSet"), resolve.entity(observation.dataset)))
        graph.add((node, U(TKG + "refPeriod"), date_literal(observation.period)))
        is_total = observation.nationality == "all"
        nationality = U(ALL_NATIONALITIES) if is_total else resolve.entity(observation.nationality)
        graph.add((node, U(TKG + "nationality"), nationality))
        graph.add((node, U(TKG + "category"), resolve.entity(observation.category)))
        graph.add((node, U(TKG + MEASURES[observation.measure][0]), Literal(observation.count)))
        if observation.period_start is not None:
            graph.add((node, U(TKG + "refPeriodStart"), date_literal(observation.period_start)))
        graph.add((node, U(PROV + "wasDerivedFrom"), source_iri(observation.source_id)))
        if observation.locator:
            graph.add((node, U(TKG + "locator"), Literal(observation.locator)))
        if observation.note:
            graph.add((node, U(TKG + "curatorNote"), Literal(observation.note)))


def canonical_nquads(dataset: Dataset) -> bytes:
    """RDFC-1.0 canonical, sorted N-Quads: the same dataset always gives the same bytes."""
    data = dataset.serialize(format="nquads", encoding="utf-8")
    canonical = ox.Dataset(ox.parse(data, format=ox.RdfFormat.N_QUADS))
    canonical.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    lines = sorted(str(quad) + " .\n" for quad in canonical)
    header = "# generated by tokutei-kg build from graph/curated and ontology/ — do not edit\n"
    return (header + "".join(lines)).encode("utf-8")
