"""The header of a library query (``sparql/*/*.rq``): the comment lines that say what it asks.

One reader for everyone who needs it — ``tokutei-kg queries``, the endpoint's query page and the
tests. A header is a run of ``# Field (lang): value`` / ``# Field: value`` lines before the query;
a line ``#   more`` continues the field above it. Two shapes are in use:

* questions (``sparql/cq``, ``sparql/reports``): ``Question (en)``, ``Pertanyaan (id)``,
  ``質問 (ja)``, ``Parameters`` (``none`` or ``?name — meaning (default: …) | …``), ``Answer``;
* checks (``sparql/checks/*-violation.rq``): ``Check (en)``, ``Pemeriksaan (id)``,
  ``チェック (ja)``, ``Input``, ``Columns``. Any row a check returns is a failure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# The field names of the two shapes, in the order a header gives them.
QUESTION_FIELDS = ("Question (en)", "Pertanyaan (id)", "質問 (ja)", "Parameters", "Answer")
CHECK_FIELDS = ("Check (en)", "Pemeriksaan (id)", "チェック (ja)", "Input", "Columns")

_FIELD = re.compile(r"#\s?(?P<name>[^\s:#][^:#]*?)(?:\s\((?P<lang>[a-z]{2})\))?:\s*(?P<value>.*)")
_MORE = re.compile(r"#\s{2,}(?P<value>\S.*)")


@dataclass(frozen=True)
class Parameter:
    name: str  # without the leading '?'
    meaning: str


@dataclass(frozen=True)
class Header:
    """The fields of a query's header, in the order they were written (``name (lang)`` or ``name``)."""

    fields: tuple[tuple[str, str], ...]

    def get(self, name: str) -> str:
        return next((value for key, value in self.fields if key == name), "")

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(key for key, _ in self.fields)

    @property
    def is_check(self) -> bool:
        return any(key.startswith("Check (") for key in self.names)

    def text(self, lang: str) -> str:
        """The question (or, for a check, what it checks) in ``lang``; ``""`` when not given."""
        return next((value for key, value in self.fields if key.endswith(f" ({lang})")), "")

    @property
    def texts(self) -> dict[str, str]:
        """Language → question (or check) text, for the languages the header gives."""
        found: dict[str, str] = {}
        for key, value in self.fields:
            match = re.fullmatch(r".+ \(([a-z]{2})\)", key)
            if match and value:
                found.setdefault(match.group(1), value)
        return found

    @property
    def parameters(self) -> tuple[Parameter, ...]:
        """The ``Parameters`` field: ``none``, or ``?name — meaning | ?other — meaning``."""
        written = self.get("Parameters")
        if written in ("", "none"):
            return ()
        found = []
        for part in written.split(" | "):
            name, _, meaning = part.strip().partition(" — ")
            found.append(Parameter(name.removeprefix("?"), meaning.strip()))
        return tuple(found)


def parse_header(text: str) -> Header:
    """The header fields of a query text (the leading comment block; blank lines end nothing)."""
    fields: list[list[str]] = []
    for line in text.splitlines():
        stripped = line.rstrip()
        if not stripped:
            continue
        if not stripped.startswith("#"):
            break
        more = _MORE.fullmatch(stripped)
        if more and fields:
            fields[-1][1] = f"{fields[-1][1]} {more.group('value')}".strip()
            continue
        field = _FIELD.fullmatch(stripped)
        if field:
            name = field.group("name").strip()
            key = f"{name} ({field.group('lang')})" if field.group("lang") else name
            fields.append([key, field.group("value").strip()])
    return Header(tuple((key, value) for key, value in fields))


__all__ = ["Header", "Parameter", "parse_header", "QUESTION_FIELDS", "CHECK_FIELDS"]
