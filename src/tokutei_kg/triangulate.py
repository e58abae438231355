"""Triangulation, computed once: how many *independent origins* stand behind each relation.

Miles & Huberman's verification step made executable. Claims that assert a relation are grouped into
independent origins: two claims share an origin when their sources derive from a common original
(``derived_from`` in sources.csv, following the chain to its end) or when they carry the same evidence
text word for word, unless that text is each source's own words (``evidence_kind=quote``). Then

* **contested** — a disputing claim holds for a period that overlaps an assertion (or nothing is asserted);
* **single-source** — one independent origin;
* **triangulated** — two or more origins, of which two differ on an axis: their source types do not
  overlap, or their perspectives do not;
* **corroborated** — two or more origins, all of one kind.

This module is the only place the rule lives: the build writes its results into the findings graph
(with the reason for each status) and every reader takes them from there.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .records import WITHHELD

STATUSES = ("triangulated", "corroborated", "single-source", "contested")

_OPEN_START = dt.date.min
_OPEN_END = dt.date.max


@dataclass(frozen=True)
class SourceKind:
    """What the rule needs from a source: its type, its perspective and what it was taken from."""

    id: str
    type: str
    perspective: str
    derived_from: tuple[str, ...] = ()


@dataclass(frozen=True)
class Statement:
    """One claim reduced to its key: subject, predicate, object (as N-Triples terms), and its evidence."""

    claim_id: str
    subject: str
    predicate: str
    object: str
    source_id: str
    disputes: bool
    evidence: str = ""
    own_words: bool = False  # the evidence quotes the source verbatim
    valid_from: dt.date = _OPEN_START
    valid_until: dt.date = _OPEN_END


@dataclass(frozen=True)
class Triangulation:
    subject: str
    predicate: str
    object: str
    supporting: tuple[str, ...]  # claim ids that assert the relation
    disputing: tuple[str, ...]  # claim ids that dispute it (in any period)
    source_count: int
    source_type_count: int
    perspective_count: int
    status: str
    origin_count: int = 0
    reason: str = ""


@dataclass(frozen=True)
class _Origin:
    sources: tuple[str, ...]
    types: frozenset[str]
    perspectives: frozenset[str]
    why: str  # "" for a lone source, else how its members are tied together


def roots(source_id: str, sources: Mapping[str, SourceKind]) -> frozenset[str]:
    """The originals a source was taken from, following ``derived_from`` to its end (itself if none)."""
    found: set[str] = set()
    seen: set[str] = set()
    stack = [source_id]
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        parents = sources[current].derived_from if current in sources else ()
        if parents:
            stack.extend(parents)
        else:
            found.add(current)
    return frozenset(found)


def _normal(text: str) -> str:
    return " ".join(text.split()).casefold()


def origins(asserting: list[Statement], sources: Mapping[str, SourceKind]) -> list[_Origin]:
    """Group the asserting claims into independent origins (union-find over shared roots and copied text)."""
    parent = list(range(len(asserting)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first: dict[str, int] = {}
    ties: dict[str, set[str]] = {}
    for i, statement in enumerate(asserting):
        keys = [f"root {r}" for r in roots(statement.source_id, sources)]
        if not statement.own_words and statement.evidence and statement.evidence != WITHHELD:
            keys.append(f"text {_normal(statement.evidence)}")
        for key in keys:
            j = first.setdefault(key, i)
            if find(j) != find(i):
                parent[find(i)] = find(j)
            ties.setdefault(key, set()).add(statement.source_id)
    groups: dict[int, list[Statement]] = {}
    for i, statement in enumerate(asserting):
        groups.setdefault(find(i), []).append(statement)
    result = []
    for members in groups.values():
        ids = tuple(sorted({m.source_id for m in members}))
        kinds = [sources[i] for i in ids]
        result.append(_Origin(ids, frozenset(k.type for k in kinds), frozenset(k.perspective for k in kinds),
                              _why(ids, ties)))
    return sorted(result, key=lambda o: o.sources)


def _why(ids: tuple[str, ...], ties: dict[str, set[str]]) -> str:
    if len(ids) == 1:
        return ""
    reasons = []
    for key, members in sorted(ties.items()):
        shared = members & set(ids)
        if key.startswith("root ") and len(shared) > 1:
            reasons.append(f"{'/'.join(sorted(shared))} derive from {key[5:]}")
    if any(key.startswith("text ") and len(members & set(ids)) > 1 for key, members in ties.items()):
        reasons.append("identical evidence text")
    return "; ".join(reasons)


def _overlaps(a: Statement, b: Statement) -> bool:
    return a.valid_from <= b.valid_until and b.valid_from <= a.valid_until


def _period(statement: Statement) -> str:
    start = "" if statement.valid_from == _OPEN_START else statement.valid_from.isoformat()
    end = "" if statement.valid_until == _OPEN_END else statement.valid_until.isoformat()
    return f"{start or '…'}–{end or '…'}"


def _difference(a: _Origin, b: _Origin) -> str:
    """The axis on which two origins differ (their types, or else their perspectives, do not overlap)."""
    for axis, left, right in (("source type", a.types, b.types), ("perspective", a.perspectives, b.perspectives)):
        if not left & right:
            return f"{axis} ({'/'.join(sorted(left))} vs {'/'.join(sorted(right))})"
    return ""


def rate(members: list[Statement], sources: Mapping[str, SourceKind]) -> tuple[str, int, str]:
    """The status of one relation, its number of independent origins and the reason, in one sentence."""
    asserting = [m for m in members if not m.disputes]
    disputing = [m for m in members if m.disputes]
    found = origins(asserting, sources)
    described = "; ".join(f"[{' + '.join(o.sources)}{f' — {o.why}' if o.why else ''}]" for o in found)
    head = (f"{len(found)} independent origin(s) among {len({m.source_id for m in asserting})} source(s): "
            f"{described}" if found else "no source asserts it")
    live = [d for d in disputing if not asserting or any(_overlaps(d, a) for a in asserting)]
    other_periods = sorted({f"{d.source_id} ({_period(d)})" for d in disputing if d not in live})
    tail = f"; disputes for another period only: {', '.join(other_periods)}" if other_periods else ""
    if live:
        by = ", ".join(sorted({d.source_id for d in live}))
        return "contested", len(found), f"{head}; disputed for the same period by {by}{tail}"
    if len(found) <= 1:
        return "single-source", len(found), f"{head}; one independent origin{tail}"
    for i, a in enumerate(found):
        for b in found[i + 1:]:
            difference = _difference(a, b)
            if difference:
                return "triangulated", len(found), f"{head}; origins differ in {difference}{tail}"
    return "corroborated", len(found), f"{head}; all origins share a source type and a perspective{tail}"


def triangulate(statements: Iterable[Statement], sources: Mapping[str, SourceKind],
                symmetric: frozenset[str] = frozenset()) -> list[Triangulation]:
    """Group statements by relation (symmetric relations in either direction) and rate each group."""
    groups: dict[tuple[str, str, str], list[Statement]] = {}
    for statement in statements:
        s, o = statement.subject, statement.object
        if statement.predicate in symmetric and o < s:
            s, o = o, s
        groups.setdefault((s, statement.predicate, o), []).append(statement)
    results = []
    for (s, p, o), members in sorted(groups.items()):
        supporting = sorted(m.claim_id for m in members if not m.disputes)
        disputing = sorted(m.claim_id for m in members if m.disputes)
        asserting = {m.source_id for m in members if not m.disputes}
        status, origin_count, reason = rate(members, sources)
        results.append(Triangulation(
            s, p, o, tuple(supporting), tuple(disputing), len(asserting),
            len({sources[i].type for i in asserting}), len({sources[i].perspective for i in asserting}),
            status, origin_count, reason))
    return results
