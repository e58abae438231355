"""Inter-coder agreement: Cohen's κ per code, over the characters of the documents two coders both coded."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Agreement:
    code: str  # code path
    coder_a: str
    coder_b: str
    units: int  # characters compared
    observed: float  # proportion of characters on which both agree
    kappa: float | None  # None when chance agreement is 1 (neither or both coded everything)


def cohen_kappa(a: set[int], b: set[int], units: int) -> tuple[float, float | None]:
    """κ for two binary codings of ``units`` items (``a`` and ``b`` are the coded items)."""
    if units <= 0:
        return 1.0, None
    both = len(a & b)
    neither = units - len(a | b)
    observed = (both + neither) / units
    pa, pb = len(a) / units, len(b) / units
    chance = pa * pb + (1 - pa) * (1 - pb)
    if chance >= 1:
        return observed, None
    return observed, (observed - chance) / (1 - chance)


def agreements(segments: Iterable[tuple[str, str, str, int, int]], lengths: dict[str, int],
               coder_names: dict[str, str], code_names: dict[str, str]) -> list[Agreement]:
    """``segments`` are (document, coder, code, start, end). For each pair of coders and each code either
    used, κ over the characters of every document both coders coded."""
    coded: dict[tuple[str, str, str], set[int]] = {}
    coders_of: dict[str, set[str]] = {}
    for document, coder, code, start, end in segments:
        coded.setdefault((document, coder, code), set()).update(range(start, end))
        coders_of.setdefault(document, set()).add(coder)
    pairs = sorted({(a, b) for coders in coders_of.values() for a in coders for b in coders if a < b})
    results = []
    for a, b in pairs:
        shared = sorted(d for d, coders in coders_of.items() if a in coders and b in coders)
        codes = sorted({code for (d, c, code) in coded if d in shared and c in (a, b)},
                       key=lambda code: code_names.get(code, code))
        for code in codes:
            offset, set_a, set_b = 0, set[int](), set[int]()
            for document in shared:
                set_a.update(offset + i for i in coded.get((document, a, code), ()))
                set_b.update(offset + i for i in coded.get((document, b, code), ()))
                offset += lengths[document]
            observed, kappa = cohen_kappa(set_a, set_b, offset)
            results.append(Agreement(code_names.get(code, code), coder_names.get(a, a), coder_names.get(b, b),
                                     offset, observed, kappa))
    return results
