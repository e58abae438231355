"""HTML documentation of the ontology (the ``ontology`` named graph): header, classes, properties and
SKOS concept schemes, each term with its labels and definitions in English, Indonesian and Japanese.

Written here rather than by pyLODE: on Python 3.11 the newest pyLODE that installs (3.4.1) fails on
import, 3.3.4 works but its output changes from run to run (hash-ordered JSON-LD), and later releases
need Python 3.12. One self-contained page: no script, no outside resource, a CSP that forbids both,
a language switch made of radio buttons and CSS.
"""

from __future__ import annotations

import html
from collections import defaultdict
from collections.abc import Iterable, Sequence

import pyoxigraph as ox

from ..built import Built
from ..namespaces import DCT, LANGUAGES, ONTOLOGY_IRI, OWL, RDF, RDFS, SKOS, TKG, VANN, curie
from . import Output, canonical
from .rdf import ontology_triples

Facts = dict[str, dict[str, list[object]]]
LANGUAGE_NAMES = {"en": "English", "id": "Bahasa Indonesia", "ja": "日本語"}
SECTIONS = (
    ("classes", "Classes", OWL + "Class"),
    ("object-properties", "Object properties", OWL + "ObjectProperty"),
    ("datatype-properties", "Datatype properties", OWL + "DatatypeProperty"),
    ("annotation-properties", "Annotation properties", OWL + "AnnotationProperty"),
)
RELATIONS = (
    (RDFS + "subClassOf", "subclass of"), (RDFS + "subPropertyOf", "subproperty of"), (RDFS + "domain", "domain"),
    (RDFS + "range", "range"), (OWL + "inverseOf", "inverse of"), (SKOS + "broader", "broader"),
    (TKG + "servesFunction", "serves function"), (TKG + "nextStage", "next stage"),
)
CHARACTERISTICS = ("SymmetricProperty", "TransitiveProperty", "FunctionalProperty", "InverseFunctionalProperty")

STYLE = """
body{font:15px/1.5 system-ui,sans-serif;margin:0 auto;max-width:60rem;padding:1rem 1.5rem;color:#222}
h1{margin-bottom:.2rem} h2{border-bottom:1px solid #ccc;margin-top:2.5rem} h3{margin:1.8rem 0 .3rem}
.iri{font:13px monospace;color:#555;word-break:break-all} .term{border-left:3px solid #ddd;padding-left:.8rem}
dl{display:grid;grid-template-columns:9rem 1fr;gap:.15rem .8rem;margin:.3rem 0} dt{color:#666}
dd{margin:0} dd span.l{margin-right:1.2rem} nav ol{columns:2}
.l::before{content:attr(lang) " · ";color:#999;font-size:12px}
.switch{position:sticky;top:0;background:#fff;padding:.4rem 0;border-bottom:1px solid #eee}
input[name=lang]{position:absolute;opacity:0} .switch label{cursor:pointer;color:#06c}
#lang-all:checked~.switch [for=lang-all],#lang-en:checked~.switch [for=lang-en],
#lang-id:checked~.switch [for=lang-id],#lang-ja:checked~.switch [for=lang-ja]{font-weight:bold;color:#222}
#lang-en:checked~main .l:not([lang=en]),#lang-id:checked~main .l:not([lang=id]),
#lang-ja:checked~main .l:not([lang=ja]){display:none}
table{border-collapse:collapse} td,th{border:1px solid #ddd;padding:.2rem .4rem;vertical-align:top;text-align:left}
"""


def facts(triples: Iterable[ox.Triple]) -> Facts:
    table: Facts = defaultdict(lambda: defaultdict(list))
    for triple in triples:
        table[str(triple.subject)][triple.predicate.value].append(triple.object)
    return table


def _iri(term: object) -> str:
    return term.value if isinstance(term, ox.NamedNode) else ""


def _texts(values: Sequence[object]) -> list[tuple[str, str]]:
    """(language, text) pairs, project languages first in their order, then untagged text."""
    pairs = [(v.language or "", v.value) for v in values if isinstance(v, ox.Literal)]
    order = {lang: i for i, lang in enumerate(LANGUAGES)}
    return sorted(set(pairs), key=lambda p: (order.get(p[0], len(order)), p))


def _multilingual(values: Sequence[object], tag: str = "p") -> str:
    parts = []
    for lang, text in _texts(values):
        attr = f' class="l" lang="{html.escape(lang)}"' if lang else ""
        parts.append(f"<{tag}{attr}>{html.escape(text)}</{tag}>")
    return "".join(parts)


def _anchor(iri: str) -> str:
    return "t-" + "".join(c if c.isalnum() or c in "-_" else "-" for c in curie(iri))


def _link(term: object, documented: set[str]) -> str:
    iri = _iri(term)
    if not iri:
        return html.escape(str(term))
    name = html.escape(curie(iri))
    if iri in documented:
        return f'<a href="#{_anchor(iri)}">{name}</a>'
    if iri.startswith(("http://", "https://")):
        return f'<a href="{html.escape(iri)}">{name}</a>'
    return name


def _label_key(table: Facts, iri: str) -> tuple[str, str]:
    english = [t for lang, t in _texts(table[f"<{iri}>"].get(RDFS + "label", [])) if lang == "en"]
    return ((english[0] if english else curie(iri)).lower(), iri)


def _term(table: Facts, iri: str, documented: set[str]) -> str:
    props = table[f"<{iri}>"]
    labels = props.get(RDFS + "label", []) or props.get(SKOS + "prefLabel", [])
    english = [t for lang, t in _texts(labels) if lang == "en"]
    rows = [f'<div class="term" id="{_anchor(iri)}"><h3>{html.escape(english[0] if english else curie(iri))}</h3>',
            f'<div class="iri">{html.escape(iri)}</div><dl>',
            f"<dt>labels</dt><dd>{_multilingual(labels, 'span')}</dd>" if labels else ""]
    for predicate, name in ((SKOS + "definition", "definition"), (RDFS + "comment", "comment"),
                            (SKOS + "note", "note"), (SKOS + "scopeNote", "scope note")):
        if props.get(predicate):
            rows.append(f"<dt>{name}</dt><dd>{_multilingual(props[predicate])}</dd>")
    if props.get(SKOS + "notation"):
        notations = ", ".join(sorted(v.value for v in props[SKOS + "notation"]))  # type: ignore[attr-defined]
        rows.append(f"<dt>notation</dt><dd>{html.escape(notations)}</dd>")
    characteristics = [c for c in CHARACTERISTICS if ox.NamedNode(OWL + c) in props.get(RDF + "type", [])]
    if characteristics:
        rows.append(f"<dt>characteristics</dt><dd>{', '.join(characteristics)}</dd>")
    for predicate, name in RELATIONS:
        targets = sorted((v for v in props.get(predicate, []) if _iri(v)), key=_iri)
        if targets:
            rows.append(f"<dt>{name}</dt><dd>{', '.join(_link(v, documented) for v in targets)}</dd>")
    subclasses = sorted(s[1:-1] for s, p in table.items()
                        if ox.NamedNode(iri) in p.get(RDFS + "subClassOf", []) and s.startswith("<"))
    if subclasses:
        rows.append(f"<dt>subclasses</dt><dd>{', '.join(_link(ox.NamedNode(s), documented) for s in subclasses)}</dd>")
    rows.append("</dl></div>")
    return "".join(rows)


def _of_type(table: Facts, cls: str, namespace: str = TKG) -> list[str]:
    kind = ox.NamedNode(cls)
    found = [s[1:-1] for s, p in table.items() if s.startswith(f"<{namespace}") and kind in p.get(RDF + "type", [])]
    return sorted(found, key=lambda iri: _label_key(table, iri))


def _header(table: Facts) -> str:
    props = table[f"<{ONTOLOGY_IRI}>"]
    titles = props.get(DCT + "title", [])
    english = [t for lang, t in _texts(titles) if lang == "en"]
    rows = [f"<h1>{html.escape(english[0] if english else 'Ontology')}</h1>", _multilingual(titles, "div"),
            f'<div class="iri">{html.escape(ONTOLOGY_IRI)}</div><dl>']
    fields = ((OWL + "versionIRI", "version IRI"), (OWL + "versionInfo", "version"), (DCT + "creator", "creators"),
              (DCT + "license", "licence"), (VANN + "preferredNamespacePrefix", "prefix"),
              (VANN + "preferredNamespaceUri", "namespace"))
    for predicate, name in fields:
        values = sorted(props.get(predicate, []), key=str)
        if values:
            cells = ", ".join(_link(v, set()) if _iri(v) else html.escape(v.value) for v in values)  # type: ignore[attr-defined]
            rows.append(f"<dt>{name}</dt><dd>{cells}</dd>")
    rows.append(f"</dl>{_multilingual(props.get(DCT + 'description', []))}")
    return "".join(rows)


def _schemes(table: Facts, documented: set[str]) -> str:
    parts = []
    for scheme in _of_type(table, SKOS + "ConceptScheme", ""):
        concepts = [s[1:-1] for s, p in table.items() if ox.NamedNode(scheme) in p.get(SKOS + "inScheme", [])]
        concepts.sort(key=lambda c: ([str(v) for v in table[f"<{c}>"].get(SKOS + "notation", [])], c))
        labels = table[f"<{scheme}>"].get(SKOS + "prefLabel", []) or table[f"<{scheme}>"].get(RDFS + "label", [])
        parts.append(f'<h3 id="{_anchor(scheme)}">{html.escape(curie(scheme))}</h3>{_multilingual(labels)}')
        parts.extend(_term(table, concept, documented) for concept in concepts)
    return "".join(parts)


def serialize_docs(triples: Iterable[ox.Triple]) -> bytes:
    table = facts(triples)
    sections = [(anchor, title, _of_type(table, cls)) for anchor, title, cls in SECTIONS]
    concepts = {s[1:-1] for s, p in table.items() if p.get(SKOS + "inScheme")}
    schemes = set(_of_type(table, SKOS + "ConceptScheme", ""))
    documented = {iri for _, _, terms in sections for iri in terms} | concepts | schemes
    choices = (("all", "all languages"), *((lang, LANGUAGE_NAMES.get(lang, lang)) for lang in LANGUAGES))
    radios = "".join(f'<input type="radio" name="lang" id="lang-{code}"{" checked" if code == "all" else ""}>'
                     for code, _ in choices)
    switch = " · ".join(f'<label for="lang-{code}">{name}</label>' for code, name in choices)
    toc = "".join(f'<li><a href="#{a}">{t}</a> ({len(terms)})</li>' for a, t, terms in sections)
    body = [f"<h2 id='{anchor}'>{title}</h2>" + "".join(_term(table, iri, documented) for iri in terms)
            for anchor, title, terms in sections]
    page = (
        "<!DOCTYPE html>\n<!-- generated by tokutei-kg export from the ontology graph — do not edit -->\n"
        '<html lang="en"><head><meta charset="utf-8">'
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>tokutei-kg ontology</title><style>{STYLE}</style></head><body>"
        f'{radios}<div class="switch">{switch}</div>'
        f"<main>{_header(table)}<nav><h2>Contents</h2><ol>{toc}"
        f'<li><a href="#concept-schemes">Concept schemes</a> ({len(concepts)} concepts)</li></ol></nav>'
        + "".join(body) + f"<h2 id='concept-schemes'>Concept schemes</h2>{_schemes(table, documented)}"
        "</main></body></html>\n"
    )
    return page.encode("utf-8")


def render_docs(inputs: Built) -> list[Output]:
    triples = ontology_triples(canonical(inputs))
    table = facts(triples)
    counts = {name.replace("-", "_"): len(_of_type(table, cls)) for name, _, cls in SECTIONS}
    counts["concepts"] = sum(1 for p in table.values() if p.get(SKOS + "inScheme"))
    return [Output("ontology.html", serialize_docs(triples), counts)]
