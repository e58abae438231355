"""Which relations changed triangulation status because of some curated rows (e.g. imported interviews).

The statuses come from the build itself (``BuildResult.triangulation``), whatever rule it applies:
the data is built once with and once without the rows, and the statuses are compared by relation key.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from ..records import Claim, Curated, Source

if TYPE_CHECKING:
    from rdflib import Dataset, Graph

    from ..build import BuildResult
    from ..ontology import Vocabulary
    from ..project import Project


@dataclass(frozen=True)
class Change:
    subject: str  # N-Triples terms, as in Triangulation
    predicate: str
    object: str
    before: str  # "" for a new relation
    after: str  # "" for a relation that disappeared


def without(curated: Curated, drop: Callable[[Source | Claim], bool]) -> Curated:
    """``curated`` without the sources and claims for which ``drop(record)`` holds (and claims on dropped
    sources)."""
    sources = tuple(s for s in curated.sources if not drop(s))
    kept: set[str] = {s.id for s in sources}
    claims = tuple(c for c in curated.claims if not drop(c) and c.source_id in kept)
    return replace(curated, sources=sources, claims=claims)


def compare(before: BuildResult, after: BuildResult) -> list[Change]:
    """Relations whose status differs between two build results (``BuildResult``), new ones included."""
    old = {(t.subject, t.predicate, t.object): t.status for t in before.triangulation}
    new = {(t.subject, t.predicate, t.object): t.status for t in after.triangulation}
    changes = []
    for key in sorted(set(old) | set(new)):
        if old.get(key, "") != new.get(key, ""):
            changes.append(Change(*key, old.get(key, ""), new.get(key, "")))
    return changes


def status_changes(curated: Curated, drop: Callable[[Source | Claim], bool], ontology: Graph,
                   vocab: Vocabulary) -> tuple[list[Change], BuildResult]:
    """Build with and without the dropped rows; return the changes and the full build result."""
    from ..build import build_dataset

    after = build_dataset(curated, ontology, vocab)
    before = build_dataset(without(curated, drop), ontology, vocab)
    return compare(before, after), after


_TEXT = {
    "en": {"head": "Triangulation status changed by {what}: {n} relation(s)", "none": "no relation changed its "
           "triangulation status", "new": "new", "gone": "removed", "import": "this import",
           "interviews": "the imported interviews"},
    "id": {"head": "Status triangulasi yang berubah karena {what}: {n} relasi", "none": "tidak ada relasi yang "
           "berubah status triangulasinya", "new": "baru", "gone": "dihapus", "import": "impor ini",
           "interviews": "wawancara yang diimpor"},
    "ja": {"head": "{what}によってトライアンギュレーションの状態が変わった関係: {n} 件",
           "none": "トライアンギュレーションの状態が変わった関係はありません",
           "new": "新規", "gone": "削除", "import": "今回のインポート", "interviews": "インポートされたインタビュー"},
}


def labels_of(dataset: Dataset, lang: str) -> dict[str, str]:
    """IRI → rdfs:label or skos:prefLabel in ``lang`` (falling back to English) from a built rdflib Dataset."""
    from rdflib import URIRef

    from ..namespaces import RDFS, SKOS

    found: dict[str, dict[str, str]] = {}
    for predicate in (RDFS + "label", SKOS + "prefLabel"):
        for s, _p, o, _g in dataset.quads((None, URIRef(predicate), None, None)):
            language = getattr(o, "language", None)
            if language in ("en", lang):
                found.setdefault(str(s), {}).setdefault(language, str(o))
    return {iri: by_lang.get(lang, by_lang.get("en", "")) for iri, by_lang in found.items()}


def render(changes: list[Change], labels: dict[str, str], lang: str, *, what: str = "import") -> list[str]:
    """The change report as lines of text in ``lang`` (en, id or ja; English for a language without a translation)."""
    from ..namespaces import ID

    text = _TEXT.get(lang, _TEXT["en"])
    if not changes:
        return [text["none"]]

    def term(n3: str) -> str:
        if n3.startswith("<") and n3.endswith(">"):
            iri = n3[1:-1]
            return labels.get(iri) or iri.rsplit("/", 1)[-1].rsplit("#", 1)[-1]
        return n3.split('"')[1] if n3.startswith('"') else n3

    def status(name: str, fallback: str) -> str:
        return labels.get(f"{ID}status/{name}", name) if name else fallback

    lines = [text["head"].format(what=text[what], n=len(changes))]
    for change in changes:
        before = status(change.before, text["new"])
        after = status(change.after, text["gone"])
        lines.append(f"  {before} → {after}: {term(change.subject)} — {term(change.predicate)} — {term(change.object)}")
    return lines


def is_source(record: object) -> bool:
    return isinstance(record, Source)


def imported(record: Source | Claim) -> bool:
    """Whether a record comes from a file written by ``tokutei-kg import`` (``*/interview-*.csv``)."""
    path = record.origin.path
    return path.name.startswith("interview-") and path.parent.name in ("sources", "claims")


def interview_changes(project: Project) -> tuple[list[Change], BuildResult]:
    """The status changes the imported interviews make to the curated data as it stands."""
    from ..errors import InputRejected
    from ..ontology import parse_turtle, vocabulary
    from ..reader import read_curated
    from ..validate import check_records

    root = project.root
    ontology = parse_turtle(project.ontology, shown=project.ontology.relative_to(root))
    vocab = vocabulary(ontology)
    curated, report = read_curated(project.curated, root)
    if report.ok:
        report.extend(check_records(curated, vocab, root))
    if not report.ok:
        raise InputRejected(report)
    return status_changes(curated, imported, ontology, vocab)
