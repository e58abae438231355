"""Facts that expire: one holder per office and one value per target on any day.

An office is a post of one holder (``holdsPost`` with ``role:head`` or ``role:minister`` at one
organisation); a target is the ``targetNumber`` of one actor. A later appointment or a raised target
ends the earlier one, so two holders, or two values, *certainly* valid on the same day are a data error.
"Certainly": a partial start (``2023``) counts from its last day, a partial end from its first day,
so a date the sources give only to the year never makes a conflict by itself.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from .records import Claim
from .report import Report

SINGLE_HOLDER_ROLES = frozenset({"role:head", "role:minister"})


def _certain(claim: Claim) -> tuple[dt.date, dt.date]:
    start = claim.validity.start.last_day() if claim.validity.start is not None else dt.date.min
    end = claim.validity.end.first_day() if claim.validity.end is not None else dt.date.max
    return start, end


def _key(claim: Claim) -> tuple[str, str, str] | None:
    if claim.polarity == "disputes":
        return None
    if claim.relation == "holdsPost" and claim.role in SINGLE_HOLDER_ROLES:
        return ("office", claim.object, claim.role)
    if claim.relation == "targetNumber":
        return ("target", claim.subject, "")
    return None


def check_terms(report: Report, claims: Iterable[Claim]) -> None:
    """Report each pair of different holders (values) of one office (target) valid on one day."""
    groups: dict[tuple[str, str, str], list[Claim]] = {}
    for claim in claims:
        key = _key(claim)
        if key is not None:
            groups.setdefault(key, []).append(claim)
    for (kind, owner, role), members in sorted(groups.items()):
        for i, a in enumerate(members):
            for b in members[i + 1:]:
                who_a, who_b = (a.subject, b.subject) if kind == "office" else (a.value, b.value)
                (a_start, a_end), (b_start, b_end) = _certain(a), _certain(b)
                if who_a == who_b or max(a_start, b_start) > min(a_end, b_end):
                    continue
                day = max(a_start, b_start)
                what = f"office {owner} ({role})" if kind == "office" else f"the target of {owner}"
                report.error(f"overlapping-{kind}",
                             f"{what} has two {'holders' if kind == 'office' else 'values'}, '{who_a}' ({a.id}) and "
                             f"'{who_b}' ({b.id}), valid on {day.isoformat() if day != dt.date.min else 'every day'}",
                             b.origin.at("valid_from"),
                             "end the earlier term (valid_to) where a source gives the later appointment or target",
                             b.id)
