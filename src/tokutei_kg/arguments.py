"""Checks of command-line arguments against the built dataset (stages, relations, path ends), so a
typo is refused with the list or a suggestion instead of answering "no path" or "(0 relations)".

A name is checked against the dataset as built (``built.as_built``), whatever day ``built`` stands on:
a relation whose claims all lie outside --as-of is known, and answers "(0 relations)"."""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING

import pyoxigraph as ox

from .errors import QueryError
from .namespaces import ID, OWL, PREFIXES, RDF, SKOS, TKG, curie

if TYPE_CHECKING:
    from .built import Built


def stages(store: ox.Store) -> list[str]:
    """The programme stages of the dataset as ``stage:slug``, in name order."""
    prefix = f"{ID}stage/"
    found = {quad.subject.value[len(prefix):] for quad in
             store.quads_for_pattern(None, ox.NamedNode(RDF + "type"), ox.NamedNode(SKOS + "Concept"), None)
             if isinstance(quad.subject, ox.NamedNode) and quad.subject.value.startswith(prefix)}
    return [f"stage:{slug}" for slug in sorted(found)]


def check_stage(built: Built, stage: str) -> str:
    """``stage`` as ``stage:slug`` (``matching`` is accepted for ``stage:matching``), or a one-line error
    listing the stages."""
    wanted = stage if stage.startswith("stage:") else f"stage:{stage}"
    known = stages(built.as_built.store)
    if wanted in known:
        return wanted
    close = difflib.get_close_matches(wanted.removeprefix("stage:"), [k.removeprefix("stage:") for k in known], n=1)
    hint = f"did you mean stage:{close[0]}? " if close else ""
    raise QueryError(f"unknown stage '{stage}'", hint=f"{hint}the stages are: {', '.join(known)}")


def relation_iri(name: str) -> str:
    """A relation as written on the command line (``supervises``, ``org:subOrganizationOf``, an IRI)."""
    if name.startswith(("http://", "https://")):
        return name
    prefix, colon, local = name.partition(":")
    if colon and prefix in PREFIXES:
        return PREFIXES[prefix] + local
    return TKG + name


def check_relation(built: Built, name: str) -> str:
    """The IRI of relation ``name`` when the ontology declares it or a claim uses it, else a one-line
    error with a suggestion."""
    store = built.as_built.store
    iri = relation_iri(name)
    known: set[str] = set()
    for kind in ("ObjectProperty", "DatatypeProperty"):
        known |= {quad.subject.value for quad in
                  store.quads_for_pattern(None, ox.NamedNode(RDF + "type"), ox.NamedNode(OWL + kind), None)
                  if isinstance(quad.subject, ox.NamedNode)}
    known |= {quad.object.value for quad in store.quads_for_pattern(None, ox.NamedNode(RDF + "predicate"), None, None)
              if isinstance(quad.object, ox.NamedNode)}
    if iri in known:
        return iri
    names = sorted({iri[len(TKG):] if iri.startswith(TKG) else curie(iri) for iri in known})
    close = difflib.get_close_matches(name, names, n=3)
    hint = f"did you mean {', '.join(close)}?" if close else "`tokutei-kg query -e` can list the relations"
    raise QueryError(f"unknown relation '{name}'", hint=hint)


def check_ends(start_id: str, end_id: str) -> None:
    if start_id == end_id:
        raise QueryError(f"FROM and TO are the same entity ({start_id})",
                         hint="give two different entities to find the paths between them")
