"""The built dataset in Oxigraph, loaded once per process. No rdflib on this path (it is the fast one).

``as_of(store, day)`` gives the dataset as it stood on a day: the one mechanism behind every
``--as-of`` of query, evidence, paths, analyse and the explorer.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
import tempfile
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


# An on-disk copy of the built dataset (RocksDB) is reused by later runs instead of parsing the N-Quads
# again. It is keyed on the SHA-256 in the dataset's record (checksum.py) and every open still checks the
# bytes against that record, so a store built from other bytes — a stale one — is never used.
CACHE_MIN_BYTES = 1 << 20  # below this, parsing into memory is as fast as opening RocksDB
CACHE_KEEP = 4  # stores kept in the cache folder (the least recently used go first)


def cache_root() -> Path | None:
    """Where the on-disk stores live: ``$TOKUTEI_KG_CACHE`` (``off`` disables), else the user cache."""
    chosen = os.environ.get("TOKUTEI_KG_CACHE", "")
    if chosen.lower() in ("off", "0", "no", "false"):
        return None
    if chosen:
        return Path(chosen)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "tokutei-kg"


def open_store(path: Path, *, cache: bool = False) -> ox.Store:
    """An Oxigraph store holding the built N-Quads at ``path``, checked against the record the build
    wrote beside it (``checksum.verify``): in memory, or with ``cache`` the on-disk store of exactly
    these bytes (built on first use, then opened read-only by every later run)."""
    if not path.is_file():
        raise DatasetMissing(f"no built dataset at {path}", hint="run `tokutei-kg build` first")
    from .checksum import verify

    data = path.read_bytes()
    root = cache_root() if cache and len(data) >= CACHE_MIN_BYTES else None
    folder = _cache_folder(root, path) if root is not None else None
    if folder is not None:
        store = _cached(folder, path, data)
        if store is not None:
            return store
    store = ox.Store()
    try:
        store.load(data, format=ox.RdfFormat.N_QUADS)
    except SyntaxError as exc:
        raise DatasetMissing(f"the built dataset {path} is corrupt ({exc})",
                             hint="run `tokutei-kg build` again") from None
    verify(path, data, len(store))
    return store


def _cache_folder(root: Path, path: Path) -> Path | None:
    """``root/<sha256 from the record>-<oxigraph version>``, or None without a readable record."""
    import json

    from .checksum import record_path

    try:
        digest = json.loads(record_path(path).read_bytes())["sha256"]
    except (OSError, ValueError, KeyError, TypeError):
        return None  # the in-memory path reports the missing or broken record
    if not isinstance(digest, str) or not digest.isalnum():
        return None
    return root / f"{digest[:40]}-oxigraph-{ox.__version__}"


def _cached(folder: Path, path: Path, data: bytes) -> ox.Store | None:
    """The on-disk store for ``data`` (verified against its record), creating it if needed; None when
    the cache cannot be used. Raises :class:`DatasetMissing` when the bytes do not match the record."""
    from .checksum import verify

    try:
        if not (folder / "quads").is_file():
            folder.parent.mkdir(parents=True, exist_ok=True)
            temporary = Path(tempfile.mkdtemp(prefix=".building-", dir=folder.parent))
            try:
                writer = ox.Store(str(temporary / "db"))
                writer.bulk_load(data, format=ox.RdfFormat.N_QUADS)
                quads = len(writer)
                verify(path, data, quads)  # never keep a store for bytes the record does not vouch for
                writer.flush()
                del writer
                (temporary / "quads").write_text(str(quads), encoding="ascii")
                os.rename(temporary, folder)  # atomic: the folder is complete or absent
            except OSError:
                if not (folder / "quads").is_file():
                    raise
            finally:
                shutil.rmtree(temporary, ignore_errors=True)
            _evict(folder.parent, keep=folder)
        quads = int((folder / "quads").read_text(encoding="ascii"))
        os.utime(folder)
    except (OSError, SyntaxError, ValueError):
        return None
    verify(path, data, quads)
    try:
        return ox.Store.read_only(str(folder / "db"))
    except OSError:  # a damaged store: drop it, the next run builds it again
        shutil.rmtree(folder, ignore_errors=True)
        return None


def _evict(root: Path, keep: Path) -> None:
    stores = sorted((p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".") and p != keep),
                    key=lambda p: p.stat().st_mtime, reverse=True)
    for old in stores[CACHE_KEEP - 1:]:
        shutil.rmtree(old, ignore_errors=True)


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
    raise DatasetMissing(f"the built dataset is corrupt: {subject} has no {predicate}")


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
