"""The built dataset in Oxigraph, loaded once per process. No rdflib on this path (it is the fast one).

``as_of(store, day)`` gives the dataset as it stood on a day: the one mechanism behind every
``--as-of`` of query, evidence, paths, analyse and the explorer.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from .errors import DatasetMissing
from .namespaces import (
    DCT,
    GRAPH_CLAIMS,
    GRAPH_ENTITIES,
    GRAPH_FINDINGS,
    GRAPH_SOURCE_PREFIX,
    GRAPH_SOURCES,
    GRAPH_STATISTICS,
    ID,
    OA,
    OWL,
    PROV,
    RDF,
    TKG,
    XSD,
)
from .records import PartialDate
from .triangulate import SourceKind, Statement, triangulate

Subject = ox.NamedNode | ox.BlankNode | ox.Triple  # what Oxigraph puts in a quad's subject position
Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple  # … and in its object position


def open_store(path: Path) -> ox.Store:
    """An in-memory Oxigraph store holding the built N-Quads at ``path``, checked against the record
    the build wrote beside it (``checksum.verify``)."""
    if not path.is_file():
        raise DatasetMissing(f"error: no built dataset at {path} — run `tokutei-kg build` first")
    from .checksum import verify

    store = ox.Store()
    data = path.read_bytes()
    try:
        store.load(data, format=ox.RdfFormat.N_QUADS)
    except SyntaxError as exc:
        raise DatasetMissing(f"error: the built dataset {path} is corrupt ({exc}) — "
                             "run `tokutei-kg build` again") from None
    verify(path, data, len(store))
    return store


def solutions(result: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples) -> ox.QuerySolutions:
    """The answer to one of the project's own SELECT queries, typed as solutions."""
    if not isinstance(result, ox.QuerySolutions):
        raise TypeError(f"expected the solutions of a SELECT query, not {type(result).__name__}")
    return result


def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def _text(term: Term) -> str:
    """The lexical value of an IRI, blank node or literal (a quoted triple as N-Triples)."""
    return str(term) if isinstance(term, ox.Triple) else term.value


def symmetric_predicates(store: ox.Store) -> set[str]:
    """IRIs of the relations the ontology declares symmetric (materialised both ways at build time)."""
    declared = store.quads_for_pattern(None, _n(RDF + "type"), _n(OWL + "SymmetricProperty"), None)
    return {_text(quad.subject) for quad in declared}


def _holds(node: Subject, store: ox.Store, graph: ox.NamedNode, day: dt.date) -> bool:
    for predicate, test in ((TKG + "validFrom", "from"), (TKG + "validUntil", "until")):
        for quad in store.quads_for_pattern(node, _n(predicate), None, graph):
            date = PartialDate(_text(quad.object))
            if test == "from" and day < date.first_day():
                return False
            if test == "until" and day > date.last_day():
                return False
    return True


def as_of(store: ox.Store, day: dt.date) -> ox.Store:
    """A new store holding only what was valid on ``day``, with triangulation recomputed for it."""
    entities_graph = _n(GRAPH_ENTITIES)
    gone = {q.subject for q in store.quads_for_pattern(None, _n(RDF + "type"), None, entities_graph)
            if not _holds(q.subject, store, entities_graph, day)}
    names = _identifiers(store)
    claims = _valid_claims(store, day, gone, names)
    kept = ox.Store()
    quads = []
    for quad in store:
        graph = quad.graph_name.value if isinstance(quad.graph_name, ox.NamedNode) else ""
        if quad.subject in gone or quad.object in gone or graph == GRAPH_FINDINGS:
            continue
        if graph == GRAPH_CLAIMS and _claim_of(quad.subject) not in claims.nodes:
            continue
        if graph.startswith(GRAPH_SOURCE_PREFIX) and not claims.supports(quad):
            continue
        if graph == GRAPH_STATISTICS and not _observed_by(store, quad.subject, day):
            continue
        quads.append(quad)
    kept.extend(quads)
    kept.extend(_findings(store, claims, names))
    return kept


def _claim_of(node: Subject) -> Subject:
    """The claim a claim-graph node belongs to (``…/claim/x#quote`` belongs to ``…/claim/x``)."""
    if isinstance(node, ox.NamedNode) and "#" in node.value:
        return ox.NamedNode(node.value.split("#", 1)[0])
    return node


def _observed_by(store: ox.Store, node: Subject, day: dt.date) -> bool:
    for quad in store.quads_for_pattern(node, _n(TKG + "refPeriod"), None, _n(GRAPH_STATISTICS)):
        return PartialDate(_text(quad.object)).first_day() <= day
    return True


@dataclass
class _Claims:
    nodes: set[Subject]
    triples: dict[str, set[tuple[Term, Term, Term]]]  # asserted-in graph → supported triples
    statements: list[Statement]
    memberships: set[Subject]

    def supports(self, quad: ox.Quad) -> bool:
        graph = quad.graph_name.value if isinstance(quad.graph_name, ox.NamedNode) else ""
        subject = _claim_of(quad.subject)
        if subject in self.memberships:
            return True
        return (quad.subject, quad.predicate, quad.object) in self.triples.get(graph, set())


def _identifiers(store: ox.Store) -> dict[str, str]:
    """IRI → ``dct:identifier`` of every source and entity (the ids the triangulation reasons name)."""
    found = {}
    for graph in (GRAPH_SOURCES, GRAPH_ENTITIES):
        for quad in store.quads_for_pattern(None, _n(DCT + "identifier"), None, _n(graph)):
            found[_text(quad.subject)] = _text(quad.object)
    return found


def _days(store: ox.Store, claim: Subject) -> tuple[dt.date, dt.date]:
    start, end = dt.date.min, dt.date.max
    for quad in store.quads_for_pattern(claim, _n(TKG + "validFrom"), None, _n(GRAPH_CLAIMS)):
        start = PartialDate(_text(quad.object)).first_day()
    for quad in store.quads_for_pattern(claim, _n(TKG + "validUntil"), None, _n(GRAPH_CLAIMS)):
        end = PartialDate(_text(quad.object)).last_day()
    return start, end


def _valid_claims(store: ox.Store, day: dt.date, gone: set[Subject], names: dict[str, str]) -> _Claims:
    claims_graph = _n(GRAPH_CLAIMS)
    symmetric = {_n(iri) for iri in symmetric_predicates(store)}
    inverse: dict[Term, Term] = {}
    for q in store.quads_for_pattern(None, _n(OWL + "inverseOf"), None, None):
        inverse[q.subject], inverse[q.object] = q.object, q.subject
    result = _Claims(set(), {}, [], set())
    for quad in store.quads_for_pattern(None, _n(RDF + "type"), _n(TKG + "Claim"), claims_graph):
        claim = quad.subject
        s, p, o = (_value(store, claim, RDF + name) for name in ("subject", "predicate", "object"))
        if s in gone or o in gone or not _holds(claim, store, claims_graph, day):
            continue
        result.nodes.add(claim)
        source = _value(store, claim, PROV + "wasDerivedFrom")
        disputes = _text(_value(store, claim, TKG + "polarity")).endswith("/disputes")
        evidence = _text(_value(store, claim, TKG + "evidence"))
        quoted = any(True for _ in store.quads_for_pattern(claim, _n(OA + "hasSelector"), None, claims_graph))
        result.statements.append(Statement(_text(claim), str(s), str(p), str(o), names[_text(source)], disputes,
                                           evidence, quoted, *_days(store, claim)))
        if disputes:
            continue
        graph = _text(_value(store, claim, TKG + "assertedIn"))
        supported = result.triples.setdefault(graph, set())
        supported.add((s, p, o))
        if p in symmetric:
            supported.add((o, p, s))
        if p in inverse:
            supported.add((o, inverse[p], s))
        result.memberships.add(ox.NamedNode(f"{ID}membership/{_text(claim).rsplit('/', 1)[-1]}"))
    return result


def _value(store: ox.Store, subject: Subject, predicate: str) -> Term:
    for quad in store.quads_for_pattern(subject, _n(predicate), None, _n(GRAPH_CLAIMS)):
        return quad.object
    raise DatasetMissing(f"error: the built dataset is corrupt: {subject} has no {predicate}")


def _source_kinds(store: ox.Store, names: dict[str, str]) -> dict[str, SourceKind]:
    """Each source's type, perspective and originals, as the build wrote them."""
    sources = {}
    graph = _n(GRAPH_SOURCES)
    for quad in store.quads_for_pattern(None, _n(TKG + "sourceType"), None, graph):
        node = quad.subject
        perspective = next(iter(store.quads_for_pattern(node, _n(TKG + "perspective"), None, graph)))
        originals = sorted(names.get(_text(q.object), _text(q.object))
                           for q in store.quads_for_pattern(node, _n(PROV + "wasDerivedFrom"), None, graph))
        source_id = names[_text(node)]
        sources[source_id] = SourceKind(source_id, _text(quad.object).rsplit("/", 1)[-1],
                                        _text(perspective.object).rsplit("/", 1)[-1], tuple(originals))
    return sources


def _findings(store: ox.Store, claims: _Claims, names: dict[str, str]) -> list[ox.Quad]:
    sources = _source_kinds(store, names)
    symmetric = frozenset(f"<{iri}>" for iri in symmetric_predicates(store))
    quads: list[ox.Quad] = []
    findings = _n(GRAPH_FINDINGS)
    for result in triangulate(claims.statements, sources, symmetric):
        digest = hashlib.sha256(f"{result.subject} {result.predicate} {result.object}".encode()).hexdigest()
        node = _n(f"{ID}finding/{digest[:16]}")
        triple = _parse_terms(result.subject, result.predicate, result.object)
        values: list[tuple[str, Term]] = [
            (RDF + "type", _n(TKG + "Finding")),
            (RDF + "subject", triple[0]), (RDF + "predicate", triple[1]), (RDF + "object", triple[2]),
            (TKG + "sourceCount", _integer(result.source_count)),
            (TKG + "sourceTypeCount", _integer(result.source_type_count)),
            (TKG + "perspectiveCount", _integer(result.perspective_count)),
            (TKG + "originCount", _integer(result.origin_count)),
            (TKG + "statusReason", ox.Literal(result.reason, language="en")),
            (TKG + "triangulationStatus", _n(f"{ID}status/{result.status}")),
        ]
        values += [(TKG + "supportingClaim", _n(c)) for c in result.supporting]
        values += [(TKG + "disputingClaim", _n(c)) for c in result.disputing]
        quads.extend(ox.Quad(node, _n(p), o, findings) for p, o in values)
    return quads


def _integer(value: int) -> ox.Literal:
    return ox.Literal(str(value), datatype=_n(XSD + "integer"))


def _parse_terms(*terms: str) -> tuple[Subject, ox.NamedNode, Term]:
    """N-Triples terms back into Oxigraph terms."""
    text = " ".join(terms) + " .\n"
    triple = next(iter(ox.parse(text.encode("utf-8"), format=ox.RdfFormat.N_TRIPLES)))
    return triple.subject, triple.predicate, triple.object
