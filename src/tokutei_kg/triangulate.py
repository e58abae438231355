"""Triangulation, computed: how many independent sources stand behind each relation.

Miles & Huberman's verification step made executable: a relation is *triangulated* when sources of
at least two different types or perspectives assert it, *corroborated* when several sources of one
type and perspective do, *single-source* when one does, and *contested* when any source disputes it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .records import Source

STATUSES = ("triangulated", "corroborated", "single-source", "contested")


@dataclass(frozen=True)
class Statement:
    """One claim reduced to its key: subject, predicate, object (as N-Triples terms)."""

    claim_id: str
    subject: str
    predicate: str
    object: str
    source_id: str
    disputes: bool


@dataclass(frozen=True)
class Triangulation:
    subject: str
    predicate: str
    object: str
    supporting: tuple[str, ...]  # claim ids that assert the relation
    disputing: tuple[str, ...]  # claim ids that dispute it
    source_count: int
    source_type_count: int
    perspective_count: int
    status: str


def status_of(asserting_sources: Iterable[Source], disputed: bool) -> tuple[int, int, int, str]:
    sources = {s.id: s for s in asserting_sources}
    n = len(sources)
    types = len({s.type for s in sources.values()})
    perspectives = len({s.perspective for s in sources.values()})
    if disputed:
        status = "contested"
    elif n <= 1:
        status = "single-source"
    elif types >= 2 or perspectives >= 2:
        status = "triangulated"
    else:
        status = "corroborated"
    return n, types, perspectives, status


def triangulate(statements: Iterable[Statement], sources: dict[str, Source],
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
        asserting = [sources[m.source_id] for m in members if not m.disputes]
        n, types, perspectives, status = status_of(asserting, bool(disputing))
        results.append(Triangulation(s, p, o, tuple(supporting), tuple(disputing), n, types, perspectives, status))
    return results
