"""The OWL reasoner check: owlready2 + HermiT, in a fresh ``World`` per call.

owlready2 cannot read Turtle, follows ``owl:imports`` over the network and executes Python modules
named by ``owlready_python_module`` annotations; so it gets an N-Triples copy made by rdflib with
imports and owlready annotations removed. HermiT rejects ``xsd:date``/``xsd:gYear``/``xsd:gYearMonth``
(outside OWL 2's datatype map): in the reasoner's copy only, such literals become
``xsd:dateTimeStamp`` at the first instant of the period. The data itself is never changed.
"""

from __future__ import annotations

import contextlib
import io
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from .errors import TokuteiError
from .namespaces import OWL, XSD

_OWLREADY = "http://www.lesfleursdunormal.fr/static/_downloads/owlready_ontology.owl#"
_DATE_TYPES = {XSD + "date", XSD + "gYear", XSD + "gYearMonth"}


class ReasonerUnavailable(TokuteiError):
    pass


@dataclass(frozen=True)
class Consistency:
    consistent: bool
    unsatisfiable: tuple[str, ...]
    seconds: float
    triples: int


def java_available() -> bool:
    return shutil.which("java") is not None


def reasoner_copy(ontology_path: Path) -> bytes:
    """N-Triples of the ontology, safe and acceptable for owlready2 + HermiT."""
    from rdflib import Graph, Literal, URIRef

    from .ontology import parse_turtle
    from .records import PartialDate

    source = parse_turtle(ontology_path)
    copy = Graph()
    for s, p, o in source:
        if str(p) == OWL + "imports" or str(p).startswith(_OWLREADY) or str(s).startswith(_OWLREADY):
            continue
        if isinstance(o, Literal) and o.datatype is not None and str(o.datatype) in _DATE_TYPES:
            day = PartialDate.parse(str(o)).first_day()
            o = Literal(f"{day.isoformat()}T00:00:00Z", datatype=URIRef(XSD + "dateTimeStamp"))
        elif isinstance(o, URIRef) and str(o) in _DATE_TYPES:
            o = URIRef(XSD + "dateTimeStamp")
        copy.add((s, p, o))
    return copy.serialize(format="nt", encoding="utf-8")


def check_consistency(ontology_path: Path) -> Consistency:
    """Classify the ontology with HermiT; report consistency and unsatisfiable classes."""
    if not java_available():
        raise ReasonerUnavailable("the reasoner needs Java (HermiT) and `java` is not on PATH",
                                  hint="install a JRE, e.g. `apt-get install default-jre-headless`")
    import owlready2

    data = reasoner_copy(ontology_path)
    world = owlready2.World()
    start = time.perf_counter()
    try:
        # owlready2 prints "belongs to more than one entity types" for qb: dimension properties that
        # are also OWL properties (legal punning in OWL 2); keep its chatter off the user's terminal.
        with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
            ontology = world.get_ontology("https://w3id.org/tokutei-kg/ontology").load(
                fileobj=io.BytesIO(data), format="ntriples", only_local=True
            )
        with ontology:
            owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
        consistent = True
        unsatisfiable = tuple(sorted(c.iri for c in world.inconsistent_classes() if c.iri != OWL + "Nothing"))
    except owlready2.OwlReadyInconsistentOntologyError:
        consistent, unsatisfiable = False, ()
    finally:
        world.close()
    return Consistency(consistent and not unsatisfiable, unsatisfiable, time.perf_counter() - start,
                       data.count(b"\n"))
