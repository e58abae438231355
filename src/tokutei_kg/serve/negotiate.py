"""Content negotiation for SPARQL results: the ``Accept`` header (with q-values), or a ``format``
parameter that overrides it (``format=csv``, as SPARQLWrapper and browsers' links send)."""

from __future__ import annotations

import pyoxigraph as ox

Choice = tuple[str, object]  # (Content-Type to send, pyoxigraph format)

_JSON = ("application/sparql-results+json; charset=utf-8", ox.QueryResultsFormat.JSON)
_XML = ("application/sparql-results+xml; charset=utf-8", ox.QueryResultsFormat.XML)
_CSV = ("text/csv; charset=utf-8", ox.QueryResultsFormat.CSV)
_TSV = ("text/tab-separated-values; charset=utf-8", ox.QueryResultsFormat.TSV)
_TURTLE = ("text/turtle; charset=utf-8", ox.RdfFormat.TURTLE)
_NTRIPLES = ("application/n-triples; charset=utf-8", ox.RdfFormat.N_TRIPLES)
_RDFXML = ("application/rdf+xml; charset=utf-8", ox.RdfFormat.RDF_XML)
_JSONLD = ("application/ld+json; charset=utf-8", ox.RdfFormat.JSON_LD)

RESULTS: dict[str, Choice] = {
    "application/sparql-results+json": _JSON, "application/json": _JSON,
    "application/sparql-results+xml": _XML, "application/xml": _XML, "text/xml": _XML,
    "text/csv": _CSV, "text/tab-separated-values": _TSV,
}
GRAPHS: dict[str, Choice] = {
    "text/turtle": _TURTLE, "application/x-turtle": _TURTLE, "application/n-triples": _NTRIPLES,
    "text/plain": _NTRIPLES, "application/rdf+xml": _RDFXML, "application/xml": _RDFXML, "text/xml": _RDFXML,
    "application/ld+json": _JSONLD, "application/json": _JSONLD,
}
FORMAT_NAMES = {
    "json": ("application/sparql-results+json", "application/ld+json"),
    "xml": ("application/sparql-results+xml", "application/rdf+xml"),
    "csv": ("text/csv", "text/turtle"), "tsv": ("text/tab-separated-values", "text/turtle"),
    "turtle": ("application/sparql-results+json", "text/turtle"),
    "ttl": ("application/sparql-results+json", "text/turtle"),
    "nt": ("application/sparql-results+json", "application/n-triples"),
    "ntriples": ("application/sparql-results+json", "application/n-triples"),
    "rdfxml": ("application/sparql-results+xml", "application/rdf+xml"),
    "jsonld": ("application/sparql-results+json", "application/ld+json"),
}


def media_ranges(accept: str) -> list[str]:
    """Media types of an Accept header, best first (q-value, then order); q=0 dropped."""
    ranked = []
    for index, part in enumerate(accept.split(",")):
        fields = [f.strip() for f in part.split(";")]
        quality = 1.0
        for param in fields[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if fields[0] and quality > 0:
            ranked.append((-quality, index, fields[0].lower()))
    return [media for _, _, media in sorted(ranked)]


def negotiate(kind: str, accept: str, format_name: str = "") -> Choice:
    """The serialisation of a result of ``kind`` (solutions, boolean, graph): the ``format`` parameter
    first, then the Accept header, else SPARQL JSON results / Turtle."""
    table = GRAPHS if kind == "graph" else RESULTS
    if format_name.lower() in FORMAT_NAMES:
        return table[FORMAT_NAMES[format_name.lower()][1 if kind == "graph" else 0]]
    if format_name and "/" in format_name:
        accept = format_name
    for media in media_ranges(accept):
        if media in table:
            return table[media]
    return _TURTLE if kind == "graph" else _JSON
