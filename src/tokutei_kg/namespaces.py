"""IRIs of the project and the vocabularies it reuses (plain strings: no rdflib import here)."""

from __future__ import annotations

import re

BASE = "https://w3id.org/tokutei-kg/"
TKG = BASE + "ontology#"
ONTOLOGY_IRI = BASE + "ontology"
ID = BASE + "id/"
GRAPH = BASE + "graph/"

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCT = "http://purl.org/dc/terms/"
ORG = "http://www.w3.org/ns/org#"
PROV = "http://www.w3.org/ns/prov#"
TIME = "http://www.w3.org/2006/time#"
SCHEMA = "http://schema.org/"
OA = "http://www.w3.org/ns/oa#"
QB = "http://purl.org/linked-data/cube#"
FOAF = "http://xmlns.com/foaf/0.1/"
VANN = "http://purl.org/vocab/vann/"
SH = "http://www.w3.org/ns/shacl#"

PREFIXES: dict[str, str] = {
    "tkg": TKG,
    "rdf": RDF,
    "rdfs": RDFS,
    "owl": OWL,
    "xsd": XSD,
    "skos": SKOS,
    "dct": DCT,
    "org": ORG,
    "prov": PROV,
    "time": TIME,
    "schema": SCHEMA,
    "oa": OA,
    "qb": QB,
    "foaf": FOAF,
}

# Concept schemes of the ontology; a concept is written ``scheme:slug`` in the curated CSV.
SCHEMES = (
    "stage", "function", "sector", "support", "role", "issue", "theme",
    "sourcetype", "perspective", "status", "polarity", "confidence", "consent", "reliability",
)

# Named graphs of the built dataset.
GRAPH_ONTOLOGY = GRAPH + "ontology"
GRAPH_ENTITIES = GRAPH + "entities"
GRAPH_SOURCES = GRAPH + "sources"
GRAPH_CLAIMS = GRAPH + "claims"
GRAPH_FINDINGS = GRAPH + "findings"
GRAPH_STATISTICS = GRAPH + "statistics"
GRAPH_SOURCE_PREFIX = GRAPH + "source/"

# The root classes that decide the ``{kind}`` segment of an entity's IRI.
KIND_OF_ROOT: dict[str, str] = {
    TKG + "Institution": "institution",
    TKG + "Cooperation": "collaboration",
    TKG + "Agreement": "agreement",
    TKG + "Clause": "agreement",
    TKG + "Legislation": "law",
    TKG + "Programme": "programme",
    TKG + "InformationSystem": "system",
    TKG + "OfficialDocument": "document",
    TKG + "Test": "test",
    TKG + "Event": "event",
    TKG + "Person": "person",
    TKG + "Country": "country",
    TKG + "Place": "place",
    TKG + "StatisticalDataset": "dataset",
}

# Properties the build writes itself; curated claims may not use them as relations.
MODEL_PROPERTIES = frozenset(
    TKG + name
    for name in (
        "country", "validFrom", "validUntil", "stage", "role", "polarity", "confidence",
        "sourceType", "perspective", "reliability", "consent", "evidence", "locator",
        "assertedIn", "registerRef", "intervieweeRole", "curatorNote", "document",
        "sourceCount", "sourceTypeCount", "perspectiveCount", "originCount", "statusReason", "triangulationStatus",
        "supportingClaim", "disputingClaim", "refPeriod", "nationality", "category",
        "personCount", "employedCount", "placementCount", "refPeriodStart", "servesFunction", "nextStage",
    )
)

# Relations outside tkg: that claims may use, written as CURIEs.
EXTERNAL_RELATIONS = frozenset(
    {
        ORG + "subOrganizationOf",
        ORG + "memberOf",
        ORG + "originalOrganization",
        ORG + "resultingOrganization",
        DCT + "hasPart",
    }
)

LANGUAGES = ("en", "id", "ja")
ALL_NATIONALITIES = ID + "nationality/all"


def concept_iri(scheme: str, slug: str) -> str:
    return f"{ID}{scheme}/{slug}"


def entity_iri(kind: str, slug: str) -> str:
    return f"{ID}{kind}/{slug}"


def source_graph(source_id: str) -> str:
    return GRAPH_SOURCE_PREFIX + source_id


def curie(iri: str) -> str:
    """Shorten an IRI with the project prefixes (for messages and tables): the first prefix, in the order
    of :data:`PREFIXES`, whose namespace starts the IRI."""
    match = _namespaces().match(iri)
    if match:
        prefix = _PREFIX_OF_GROUP[match.lastgroup]  # type: ignore[index]
        return f"{prefix}:{iri[match.end():]}"
    if iri.startswith(ID):
        return iri[len(ID):]
    return iri


_PREFIX_OF_GROUP: dict[str, str] = {}


def _namespaces() -> re.Pattern[str]:
    """One alternation of every namespace; the regex engine tries them in order, like a loop would."""
    global _NAMESPACES
    if _NAMESPACES is None:
        _PREFIX_OF_GROUP.update({f"p{i}": prefix for i, prefix in enumerate(PREFIXES)})
        _NAMESPACES = re.compile("|".join(f"(?P<p{i}>{re.escape(ns)})" for i, ns in enumerate(PREFIXES.values())))
    return _NAMESPACES


_NAMESPACES: re.Pattern[str] | None = None

# Data relations whose values are ISO dates at the precision a source gives (xsd:date, gYearMonth, gYear).
DATE_RELATIONS = frozenset(TKG + name for name in ("dateSigned", "dateInForce", "dateEstablished", "dateEnded"))
