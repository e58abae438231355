"""What the explorer needs from the store besides the network: the evidence of every claim, the
sources, and the labels (en/id/ja) of stages, source types, perspectives, statuses and kinds."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast
from urllib.parse import urlsplit

import pyoxigraph as ox

from ..evidence import labels, relations, source_titles
from ..namespaces import ID, KIND_OF_ROOT, LANGUAGES, PREFIXES

_CONCEPTS = """
SELECT ?scheme ?concept ?notation ?label WHERE {
  ?concept skos:inScheme ?scheme ; skos:prefLabel ?label .
  OPTIONAL { ?concept skos:notation ?notation }
}
"""
SCHEMES = {"stage": "stages", "sourcetype": "source_types", "perspective": "perspectives", "status": "statuses"}


@dataclass(frozen=True)
class Catalogue:
    """Claims (id → evidence, source, polarity, stages, validity), sources (id → title, type, link)
    and vocabulary labels. Plain JSON-ready dicts: the page embeds them as they are."""

    claims: dict[str, dict[str, object]] = field(default_factory=dict)
    sources: dict[str, dict[str, str]] = field(default_factory=dict)
    vocabulary: dict[str, Any] = field(default_factory=dict)


def web_link(address: str) -> str:
    """``address`` if it is an absolute http(s) URL, else ''. Only such addresses ever become links."""
    try:
        parts = urlsplit(address)
    except ValueError:
        return ""
    return address if parts.scheme in ("http", "https") and parts.netloc else ""


def catalogue(store: ox.Store) -> Catalogue:
    claims: dict[str, dict[str, object]] = {}
    for relation in relations(store):
        for claim in relation.claims:
            claims[claim.claim_id] = {
                "source": claim.source_id, "perspective": claim.perspective, "disputes": claim.disputes,
                "evidence": claim.evidence, "stages": list(claim.stages),
                "valid_from": claim.valid_from, "valid_until": claim.valid_until,
            }
    sources = {}
    for source_id, (title, kind, where) in source_titles(store).items():
        link = web_link(where)
        sources[source_id] = {"title": title, "type": kind, "url": link, "document": "" if link else where}
    return Catalogue(claims, sources, vocabulary(store))


def vocabulary(store: ox.Store) -> dict[str, Any]:
    """Labels per language of the concepts the page filters by, and of the kinds of entity."""
    found: dict[str, dict[str, dict[str, Any]]] = {name: {} for name in SCHEMES.values()}
    for scheme, name in SCHEMES.items():
        solutions = cast(ox.QuerySolutions, store.query(
            _CONCEPTS, prefixes=dict(PREFIXES), use_default_graph_as_union=True,
            substitutions={ox.Variable("scheme"): ox.NamedNode(ID + scheme)}))
        for row in solutions:
            iri = row["concept"].value
            key = iri.rsplit("/", 1)[-1]
            key = f"stage:{key}" if scheme == "stage" else key
            entry = found[name].setdefault(key, {"notation": "", "label": {}})
            if row["notation"] is not None:
                entry["notation"] = row["notation"].value
            language = row["label"].language or ""
            if language in LANGUAGES:
                entry["label"][language] = row["label"].value
    class_labels = {lang: labels(store, lang) for lang in LANGUAGES}
    kinds: dict[str, dict[str, str]] = {}
    for root, kind in KIND_OF_ROOT.items():
        if kind not in kinds:
            kinds[kind] = {lang: class_labels[lang].get(root, "") for lang in LANGUAGES}
    stages = sorted(found["stages"].items(), key=lambda item: (str(item[1]["notation"]), item[0]))
    return {
        "stages": [{"key": key, "label": entry["label"]} for key, entry in stages],
        "source_types": {key: entry["label"] for key, entry in sorted(found["source_types"].items())},
        "perspectives": {key: entry["label"] for key, entry in sorted(found["perspectives"].items())},
        "statuses": {key: entry["label"] for key, entry in sorted(found["statuses"].items())},
        "kinds": kinds,
    }


def stage_order(vocabulary_: dict[str, Any]) -> list[str]:
    return [str(stage["key"]) for stage in vocabulary_.get("stages", [])]
