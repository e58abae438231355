"""Read the ontology strictly and extract the vocabulary the curated tables may use."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from .errors import Location, SourceError
from .namespaces import (
    EXTERNAL_RELATIONS,
    KIND_OF_ROOT,
    MODEL_PROPERTIES,
    OWL,
    PREFIXES,
    RDF,
    RDFS,
    SKOS,
    TKG,
    curie,
)

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # in a literal; tab and newline are allowed


@dataclass(frozen=True)
class Relation:
    iri: str
    name: str  # as written in claims.csv: a tkg local name or a CURIE
    is_object: bool
    range: str  # datatype IRI for data relations ("" when open)
    symmetric: bool
    inverse: str  # IRI of the inverse property, or ""
    domains: tuple[str, ...] = ()  # rdfs:domain class IRIs (every one must hold)
    ranges: tuple[str, ...] = ()  # rdfs:range class IRIs of an object relation (every one must hold)


@dataclass(frozen=True)
class Vocabulary:
    classes: dict[str, str]  # local name -> class IRI, for classes entities may have
    kinds: dict[str, str]  # class IRI -> IRI kind segment ("institution", "law" …)
    relations: dict[str, Relation]
    concepts: dict[str, str]  # "scheme:slug" -> concept IRI
    ancestors: dict[str, frozenset[str]] = field(default_factory=dict)  # class IRI -> itself and superclasses

    def concepts_in(self, scheme: str) -> list[str]:
        return sorted(key for key in self.concepts if key.split(":", 1)[0] == scheme)


def parse_turtle(path: Path, *, shown: Path | None = None) -> Graph:
    """Parse Turtle with Oxigraph's strict parser (errors with line:column), then into rdflib."""
    data = path.read_bytes()
    try:
        triples = list(ox.parse(data, format=ox.RdfFormat.TURTLE, base_iri=None))
    except SyntaxError as exc:
        line = getattr(exc, "lineno", None)
        column = getattr(exc, "offset", None)
        message = _first_line(str(exc))
        hint = "save the file as UTF-8" if "UTF-8" in message else "fix the Turtle at this line and column"
        raise SourceError(Location(shown or path, line, column), f"Turtle syntax: {message}", hint) from None
    graph = Graph()
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace)
    rdflib_terms = logging.getLogger("rdflib.term")
    quiet, rdflib_terms.disabled = rdflib_terms.disabled, True  # rdflib logs a traceback for ill-typed literals
    try:
        for triple in triples:
            value = _term(triple.object)
            control = _CONTROL.search(str(value)) if isinstance(value, Literal) else None
            if control:
                subject = curie(getattr(triple.subject, "value", str(triple.subject)))
                raise SourceError(_find_control(data, control.group(), shown or path),
                                  f"a literal of {subject} contains the control character U+{ord(control.group()):04X}",
                                  "delete it: controls make GraphML, GEXF and terminals unreadable")
            if getattr(value, "ill_typed", False):
                raise SourceError(_find(data, triple.object, shown or path),
                                  f"'{value}' is not a valid {curie(str(value.datatype))}",  # type: ignore[attr-defined]
                                  "write a value of the datatype (e.g. 2019-06-25 for xsd:date)")
            graph.add((_term(triple.subject), _term(triple.predicate), value))
    finally:
        rdflib_terms.disabled = quiet
    return graph


def _first_line(text: str) -> str:
    """Oxigraph's message without the position it repeats ('Parser error at line 3 column 5: … (line 3)')."""
    first = text.strip().splitlines()[0] if text.strip() else "syntax error"
    first = re.sub(r"^Parser error at line \d+ (?:between columns \d+ and \d+|column \d+): ", "", first)
    return re.sub(r" \(line \d+\)$", "", first)


def _find_control(data: bytes, char: str, path: Path) -> Location:
    """Where a control character is written in the file: as an escape (``\\u0000``) or raw."""
    text = data.decode("utf-8")
    for form in (f"\\u{ord(char):04X}", f"\\u{ord(char):04x}", f"\\U{ord(char):08X}", f"\\U{ord(char):08x}", char):
        index = text.find(form)
        if index >= 0:
            return Location(path, text.count("\n", 0, index) + 1, index - text.rfind("\n", 0, index))
    return Location(path)


def _find(data: bytes, literal: ox.Literal, path: Path) -> Location:
    """Where the lexical form of ``literal`` first appears in the file (Oxigraph gives triples no positions)."""
    text = data.decode("utf-8")
    index = text.find(f'"{literal.value}"')
    if index < 0:
        return Location(path)
    line = text.count("\n", 0, index) + 1
    return Location(path, line, index - text.rfind("\n", 0, index))


def _term(term: object) -> Node:
    from rdflib import BNode

    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    raise TypeError(f"unsupported term {term!r}")


def vocabulary(ontology: Graph) -> Vocabulary:
    parents: dict[str, set[str]] = {}
    for child, parent in ontology.subject_objects(URIRef(RDFS + "subClassOf")):
        if isinstance(parent, URIRef):
            parents.setdefault(str(child), set()).add(str(parent))
    classes: dict[str, str] = {}
    kinds: dict[str, str] = {}
    for cls in ontology.subjects(URIRef(RDF + "type"), URIRef(OWL + "Class")):
        iri = str(cls)
        if not iri.startswith(TKG):
            continue
        kind = _kind(iri, parents)
        if kind:
            classes[iri[len(TKG):]] = iri
            kinds[iri] = kind
    ancestors = {iri: _ancestors(iri, parents) for iri in kinds}
    return Vocabulary(classes, kinds, _relations(ontology), _concepts(ontology), ancestors)


def _ancestors(iri: str, parents: dict[str, set[str]]) -> frozenset[str]:
    found, frontier = {iri}, [iri]
    while frontier:
        frontier = [p for c in frontier for p in parents.get(c, ()) if p not in found]
        found.update(frontier)
    return frozenset(found)


def _kind(iri: str, parents: dict[str, set[str]]) -> str:
    """The kind of the nearest root class above ``iri`` (breadth first, deterministic)."""
    frontier, seen = [iri], set()
    while frontier:
        for cls in sorted(frontier):
            if cls in KIND_OF_ROOT:
                return KIND_OF_ROOT[cls]
        seen.update(frontier)
        frontier = sorted({p for c in frontier for p in parents.get(c, ()) if p not in seen})
    return ""


def _relations(ontology: Graph) -> dict[str, Relation]:
    rdf_type = URIRef(RDF + "type")
    symmetric = {str(p) for p in ontology.subjects(rdf_type, URIRef(OWL + "SymmetricProperty"))}
    inverses: dict[str, str] = {}
    for a, b in ontology.subject_objects(URIRef(OWL + "inverseOf")):
        inverses[str(a)] = str(b)
        inverses[str(b)] = str(a)
    relations: dict[str, Relation] = {}
    for kind, is_object in (("ObjectProperty", True), ("DatatypeProperty", False)):
        for prop in ontology.subjects(rdf_type, URIRef(OWL + kind)):
            iri = str(prop)
            if iri in MODEL_PROPERTIES or not (iri.startswith(TKG) or iri in EXTERNAL_RELATIONS):
                continue
            name = iri[len(TKG):] if iri.startswith(TKG) else curie(iri)
            ranges = sorted(str(r) for r in ontology.objects(prop, URIRef(RDFS + "range")))
            domains = tuple(sorted(str(d) for d in ontology.objects(prop, URIRef(RDFS + "domain"))
                                   if isinstance(d, URIRef)))
            relations[name] = Relation(
                iri=iri,
                name=name,
                is_object=is_object,
                range=ranges[0] if ranges and not is_object else "",
                symmetric=iri in symmetric,
                inverse=inverses.get(iri, ""),
                domains=domains,
                ranges=tuple(sorted(str(r) for r in ontology.objects(prop, URIRef(RDFS + "range"))
                                    if isinstance(r, URIRef))) if is_object else (),
            )
    return relations


def _concepts(ontology: Graph) -> dict[str, str]:
    from .namespaces import ID, SCHEMES

    concepts: dict[str, str] = {}
    for concept in ontology.subjects(URIRef(RDF + "type"), URIRef(SKOS + "Concept")):
        iri = str(concept)
        if not iri.startswith(ID):
            continue
        scheme, _, slug = iri[len(ID):].partition("/")
        if scheme in SCHEMES and slug:
            concepts[f"{scheme}:{slug}"] = iri
    return concepts
