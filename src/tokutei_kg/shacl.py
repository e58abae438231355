"""SHACL Core on Oxigraph: the constraints the project's shapes use, evaluated over the built store.

pySHACL walks an rdflib copy of the dataset in Python, which at 10⁶ triples takes minutes (81 % of a
build, benchmarks/RESULTS.md). This module evaluates the same shapes with one index scan per property
path and plain set look-ups, and reports exactly what pySHACL reports (focus node, path, value,
message, severity; tests/test_perf_shacl.py compares the two on every constraint kind).

Shapes outside the supported subset (SPARQL constraints, complex paths, other targets, a reporting
shape without ``sh:message`` …) raise :class:`Unsupported`; the caller then falls back to pySHACL, so
a user's own shapes always get full SHACL.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pyoxigraph as ox

SH = "http://www.w3.org/ns/shacl#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"

_CONSTRAINTS = {"class", "datatype", "nodeKind", "minCount", "maxCount", "minLength", "maxLength", "pattern",
                "languageIn", "in", "minInclusive", "maxInclusive", "minExclusive", "maxExclusive",
                "uniqueLang", "node", "or", "qualifiedValueShape", "qualifiedMinCount", "qualifiedMaxCount",
                "hasValue", "not", "and", "xone"}
_DESCRIPTIVE = {"message", "severity", "name", "description", "order", "group", "defaultValue", "path",
                "property", "targetClass", "targetSubjectsOf"}
_VALUELESS = {"minCount", "maxCount", "uniqueLang", "qualifiedMinCount", "qualifiedMaxCount"}
_DATE = re.compile(r"^(-?\d{4,})-(\d{2})-(\d{2})(Z|[+-]\d{2}:\d{2})?$")
_YEAR_MONTH = re.compile(r"^-?\d{4,}-(\d{2})(Z|[+-]\d{2}:\d{2})?$")
_YEAR = re.compile(r"^-?\d{4,}(Z|[+-]\d{2}:\d{2})?$")
_INTEGER = re.compile(r"^[+-]?\d+$")
_DECIMAL = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_NUMERIC = {XSD + t for t in ("integer", "decimal", "double", "float", "int", "long", "short", "byte",
                              "nonNegativeInteger", "positiveInteger", "negativeInteger", "nonPositiveInteger",
                              "unsignedInt", "unsignedLong", "unsignedShort", "unsignedByte")}


class Unsupported(Exception):
    """The shapes use something this engine does not evaluate: use pySHACL instead."""


@dataclass(frozen=True)
class Result:
    focus: object
    path: str | None
    value: object | None
    message: str
    violation: bool


@dataclass
class Shape:
    node: object
    path: str | None = None
    message: str | None = None
    violation: bool = True
    constraints: list[tuple[str, object]] = field(default_factory=list)
    properties: list[Shape] = field(default_factory=list)
    target_classes: list[str] = field(default_factory=list)
    target_subjects_of: list[str] = field(default_factory=list)


# --- reading the shapes (an rdflib graph: the shapes file is small) ------------------------------------

class _Shapes:
    def __init__(self, graph: object) -> None:
        from rdflib import BNode, Literal, URIRef
        from rdflib.collection import Collection

        self.graph = graph
        self._uri, self._literal, self._bnode, self._collection = URIRef, Literal, BNode, Collection
        self.cache: dict[object, Shape] = {}

    def sh(self, name: str) -> object:
        return self._uri(SH + name)

    def term(self, value: object) -> object:
        """rdflib term → Oxigraph term."""
        if isinstance(value, self._uri):
            return ox.NamedNode(str(value))
        if isinstance(value, self._bnode):
            raise Unsupported("blank node as a constraint value")
        if value.language:  # type: ignore[attr-defined]
            return ox.Literal(str(value), language=value.language)  # type: ignore[attr-defined]
        datatype = value.datatype  # type: ignore[attr-defined]
        return ox.Literal(str(value), datatype=ox.NamedNode(str(datatype)) if datatype else None)

    def listing(self, head: object) -> list[object]:
        return list(self._collection(self.graph, head))  # type: ignore[arg-type]

    def shape(self, node: object, *, reporting: bool) -> Shape:  # noqa: C901 - one branch per SHACL term
        if node in self.cache:
            shape = self.cache[node]
            if reporting and shape.message is None:
                raise Unsupported(f"shape {node} reports but has no sh:message")
            return shape
        shape = Shape(node)
        self.cache[node] = shape
        messages = []
        for predicate, value in self.graph.predicate_objects(node):  # type: ignore[attr-defined]
            name = str(predicate)
            if not name.startswith(SH):
                continue
            key = name[len(SH):]
            if key not in _CONSTRAINTS and key not in _DESCRIPTIVE:
                raise Unsupported(f"sh:{key}")
            if key == "message":
                messages.append(str(value))
            elif key == "severity":
                shape.violation = str(value) == SH + "Violation"
            elif key == "path":
                if not isinstance(value, self._uri):
                    raise Unsupported("a path that is not a predicate")
                shape.path = str(value)
            elif key == "property":
                shape.properties.append(self.shape(value, reporting=reporting))
            elif key == "targetClass":
                shape.target_classes.append(str(value))
            elif key == "targetSubjectsOf":
                shape.target_subjects_of.append(str(value))
            elif key in _CONSTRAINTS:
                shape.constraints.append((key, self.constraint(key, value)))
        if len(messages) > 1:
            raise Unsupported(f"shape {node} has several sh:message")
        shape.message = messages[0] if messages else None
        if reporting and shape.message is None and (shape.constraints or shape.path):
            raise Unsupported(f"shape {node} reports but has no sh:message")
        keys = {k for k, _ in shape.constraints}
        if keys & {"hasValue", "not", "and", "maxLength", "minExclusive", "maxExclusive", "maxInclusive",
                   "qualifiedMaxCount"}:
            raise Unsupported(", ".join(sorted(keys)))
        if "qualifiedValueShape" in keys and "qualifiedMinCount" not in keys:
            raise Unsupported("sh:qualifiedValueShape without sh:qualifiedMinCount")
        return shape

    def constraint(self, key: str, value: object) -> object:  # noqa: C901 - one branch per constraint kind
        if key in ("class", "datatype", "nodeKind"):
            if not isinstance(value, self._uri):
                raise Unsupported(f"sh:{key} {value}")
            if key == "datatype" and str(value) not in _DATATYPES:
                raise Unsupported(f"sh:datatype {value}")
            return str(value)
        if key in ("minCount", "maxCount", "minLength", "qualifiedMinCount"):
            return int(value)  # type: ignore[call-overload]
        if key == "pattern":
            return re.compile(str(value))
        if key == "languageIn":
            return [str(v).lower() for v in self.listing(value)]
        if key == "in":
            return {_key(self.term(v)) for v in self.listing(value)}
        if key == "minInclusive":
            number = _number(self.term(value))
            if number is None:
                raise Unsupported(f"sh:minInclusive {value}")
            return number
        if key == "uniqueLang":
            return str(value).lower() == "true"
        if key == "node":  # its results are reported too (as pySHACL's details)
            return self.shape(value, reporting=True)
        if key == "qualifiedValueShape":
            return self.shape(value, reporting=False)
        if key in ("or", "xone"):
            return [self.shape(v, reporting=False) for v in self.listing(value)]
        raise Unsupported(f"sh:{key}")


def read_shapes(graph: object) -> list[Shape]:
    """The targeted shapes of ``graph``; raises :class:`Unsupported` outside the subset."""
    from rdflib import RDF as RDF_NS
    from rdflib import RDFS as RDFS_NS

    shapes = _Shapes(graph)
    targeted = set()
    for name in ("targetNode", "targetObjectsOf", "target", "sparql", "deactivated", "closed"):
        if any(True for _ in graph.subject_objects(shapes.sh(name))):  # type: ignore[attr-defined]
            raise Unsupported(f"sh:{name}")
    for name in ("targetClass", "targetSubjectsOf"):
        targeted.update(graph.subjects(shapes.sh(name), None))  # type: ignore[attr-defined]
    for node in targeted:
        if (node, RDF_NS.type, RDFS_NS.Class) in graph:  # type: ignore[operator]
            raise Unsupported("implicit class target")
    return [shapes.shape(node, reporting=True) for node in sorted(targeted, key=str)]


# --- the data: an Oxigraph store, read as the union of its graphs ------------------------------------------

class _Data:
    def __init__(self, store: ox.Store) -> None:
        self.store = store
        self._by_path: dict[str, dict[object, list[object]]] = {}
        self._supers: dict[object, set[object]] = {}
        self._instances: dict[object, list[object]] | None = None

    def index(self, path: str) -> dict[object, list[object]]:
        """subject → its distinct values of ``path`` (one scan per path, over every graph)."""
        found = self._by_path.get(path)
        if found is None:
            seen: dict[object, dict[object, None]] = {}
            for quad in self.store.quads_for_pattern(None, ox.NamedNode(path), None, None):
                seen.setdefault(quad.subject, {})[quad.object] = None
            found = self._by_path[path] = {s: list(v) for s, v in seen.items()}
        return found

    def values(self, focus: object, path: str) -> list[object]:
        return self.index(path).get(focus, [])

    def supers(self, cls: object) -> set[object]:
        """``cls`` and every class it is an ``rdfs:subClassOf*`` of, in the data."""
        found = self._supers.get(cls)
        if found is None:
            found, todo = {cls}, [cls]
            sub_class_of = self.index(RDFS + "subClassOf")
            while todo:
                for parent in sub_class_of.get(todo.pop(), []):
                    if parent not in found:
                        found.add(parent)
                        todo.append(parent)
            self._supers[cls] = found
        return found

    def is_instance(self, node: object, cls: str) -> bool:
        target = ox.NamedNode(cls)
        return any(target in self.supers(t) for t in self.values(node, RDF + "type"))

    def instances(self, cls: str) -> list[object]:
        if self._instances is None:
            self._instances = {}
            for node, classes in self.index(RDF + "type").items():
                for parent in set().union(*(self.supers(c) for c in classes)):
                    self._instances.setdefault(parent, []).append(node)
        return self._instances.get(ox.NamedNode(cls), [])


def _key(term: object) -> tuple[str, str, str]:
    if isinstance(term, ox.Literal):
        return ("l", term.value, term.language or term.datatype.value)
    return (type(term).__name__, getattr(term, "value", str(term)), "")


def _number(term: object) -> float | None:
    if isinstance(term, ox.Literal) and term.datatype.value in _NUMERIC:
        try:
            return float(term.value)
        except ValueError:
            return None
    return None


def _valid_date(text: str) -> bool:
    match = _DATE.match(text)
    if not match:
        return False
    try:
        dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return False
    return True


_DATATYPES = {
    XSD + "date": _valid_date,
    XSD + "gYearMonth": lambda t: bool(_YEAR_MONTH.match(t)),  # rdflib (so pySHACL) does not check the month
    XSD + "gYear": lambda t: bool(_YEAR.match(t)),
    XSD + "integer": lambda t: bool(_INTEGER.match(t)),
    XSD + "decimal": lambda t: bool(_DECIMAL.match(t)),
    XSD + "string": lambda t: True,
    XSD + "anyURI": lambda t: True,
    RDF + "langString": lambda t: True,
}


def _has_datatype(value: object, datatype: str) -> bool:
    if not isinstance(value, ox.Literal):
        return False
    if datatype == RDF + "langString":
        return value.language is not None
    return value.language is None and value.datatype.value == datatype and _DATATYPES[datatype](value.value)


def _node_kind(value: object, kind: str) -> bool:
    iri, blank, literal = (isinstance(value, ox.NamedNode), isinstance(value, ox.BlankNode),
                           isinstance(value, ox.Literal))
    allowed = {"IRI": iri, "BlankNode": blank, "Literal": literal, "BlankNodeOrIRI": blank or iri,
               "BlankNodeOrLiteral": blank or literal, "IRIOrLiteral": iri or literal}
    return allowed.get(kind[len(SH):], False)


def _text(value: object) -> str | None:
    if isinstance(value, (ox.NamedNode, ox.Literal)):
        return value.value
    return None


# --- evaluation ------------------------------------------------------------------------------------------

class Validator:
    def __init__(self, store: ox.Store, shapes: list[Shape]) -> None:
        self.data = _Data(store)
        self.shapes = shapes

    def results(self) -> Iterator[Result]:
        for shape in self.shapes:
            focus_nodes: dict[object, None] = {}
            for cls in shape.target_classes:
                focus_nodes.update(dict.fromkeys(self.data.instances(cls)))
            for predicate in shape.target_subjects_of:
                focus_nodes.update(dict.fromkeys(self.data.index(predicate)))
            for focus in focus_nodes:
                yield from self.validate(shape, focus)

    def conforms(self, shape: Shape, focus: object) -> bool:
        return next(iter(self.validate(shape, focus)), None) is None

    def validate(self, shape: Shape, focus: object) -> Iterator[Result]:
        values = self.data.values(focus, shape.path) if shape.path else [focus]
        for key, argument in shape.constraints:
            for value in self._violations(key, argument, values):
                yield Result(focus, shape.path, None if key in _VALUELESS else value, shape.message or "",
                             shape.violation)
                if key == "node":  # pySHACL also reports why the value failed (its sh:detail results)
                    yield from self.validate(argument, value)  # type: ignore[arg-type]
        for child in shape.properties:
            for value in values:
                yield from self.validate(child, value)

    def _violations(self, key: str, argument: object, values: list[object]) -> Iterator[object]:  # noqa: C901
        """One item per violation: the offending value (or None for count-like constraints)."""
        if key == "minCount":
            if len(values) < argument:  # type: ignore[operator]
                yield None
        elif key == "maxCount":
            if len(values) > argument:  # type: ignore[operator]
                yield None
        elif key == "qualifiedMinCount":
            return
        elif key == "qualifiedValueShape":
            count = len([v for v in values if self.conforms(argument, v)])  # type: ignore[arg-type]
            if count < self._qualified_min:
                yield None
        elif key == "uniqueLang":
            if argument:
                seen: dict[str, int] = {}
                for value in values:
                    if isinstance(value, ox.Literal) and value.language:
                        seen[value.language] = seen.get(value.language, 0) + 1
                yield from (None for count in seen.values() if count > 1)
        else:
            test = self._test(key, argument)
            yield from (v for v in values if not test(v))

    _qualified_min = 1

    def _test(self, key: str, argument: object) -> Callable[[object], bool]:  # noqa: C901
        if key == "class":
            return lambda v: not isinstance(v, ox.Literal) and self.data.is_instance(v, argument)  # type: ignore[arg-type]
        if key == "datatype":
            return lambda v: _has_datatype(v, argument)  # type: ignore[arg-type]
        if key == "nodeKind":
            return lambda v: _node_kind(v, argument)  # type: ignore[arg-type]
        if key == "minLength":
            return lambda v: (t := _text(v)) is not None and len(t) >= argument  # type: ignore[operator]
        if key == "pattern":
            return lambda v: (t := _text(v)) is not None and argument.search(t) is not None  # type: ignore[attr-defined]
        if key == "languageIn":
            return lambda v: isinstance(v, ox.Literal) and v.language is not None and any(
                v.language.lower() == r or v.language.lower().startswith(r + "-") for r in argument)  # type: ignore[attr-defined]
        if key == "in":
            return lambda v: _key(v) in argument  # type: ignore[operator]
        if key == "minInclusive":
            return lambda v: (n := _number(v)) is not None and n >= argument  # type: ignore[operator]
        if key == "node":
            return lambda v: self.conforms(argument, v)  # type: ignore[arg-type]
        if key == "or":
            return lambda v: any(self.conforms(s, v) for s in argument)  # type: ignore[attr-defined]
        if key == "xone":
            return lambda v: len([s for s in argument if self.conforms(s, v)]) == 1  # type: ignore[attr-defined]
        raise Unsupported(f"sh:{key}")


def validate(store: ox.Store, shapes_graph: object) -> list[Result]:
    """Every result of the targeted shapes over ``store``, sorted; raises :class:`Unsupported`."""
    shapes = read_shapes(shapes_graph)
    for shape in _all(shapes):
        minimum = [a for k, a in shape.constraints if k == "qualifiedMinCount"]
        if minimum and minimum[0] != 1:
            raise Unsupported("sh:qualifiedMinCount other than 1")
    results = list(Validator(store, shapes).results())
    return sorted(results, key=lambda r: (str(r.focus), r.message, r.path or "", str(r.value)))


def _all(shapes: list[Shape]) -> Iterator[Shape]:
    seen: set[int] = set()
    todo = list(shapes)
    while todo:
        shape = todo.pop()
        if id(shape) in seen:
            continue
        seen.add(id(shape))
        yield shape
        todo.extend(shape.properties)
        for key, argument in shape.constraints:
            if key in ("node", "qualifiedValueShape"):
                todo.append(argument)  # type: ignore[arg-type]
            elif key in ("or", "xone"):
                todo.extend(argument)  # type: ignore[arg-type]
