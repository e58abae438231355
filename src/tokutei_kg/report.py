"""Findings are data: record checks and SHACL results both become :class:`Finding` rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .errors import Location


def _one_line(text: str) -> str:
    """A finding is one line: a newline, control or invisible character quoted from a cell is escaped."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


@dataclass(frozen=True)
class Finding:
    severity: str  # "error" or "warning"
    code: str
    message: str
    location: Location | None = None
    hint: str = ""
    focus: str = ""

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location else ""
        text = f"{where}{self.severity}: {self.message}"
        return _one_line(f"{text} — {self.hint}" if self.hint else text)

    @property
    def sort_key(self) -> tuple[str, int, int, str]:
        loc = self.location
        if loc is None:
            return ("~", 0, 0, self.message)
        return (str(loc.path), loc.row or 0, loc.column or 0, self.message)


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)

    def error(self, code: str, message: str, location: Location | None = None, hint: str = "",
              focus: str = "") -> None:
        self.findings.append(Finding("error", code, message, location, hint, focus))

    def warning(self, code: str, message: str, location: Location | None = None, hint: str = "",
                focus: str = "") -> None:
        self.findings.append(Finding("warning", code, message, location, hint, focus))

    def extend(self, other: Report) -> None:
        self.findings.extend(other.findings)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def sorted(self) -> list[Finding]:
        return sorted(self.findings, key=lambda f: f.sort_key)


def location(path: Path, row: int | None = None, column: int | None = None) -> Location:
    return Location(path, row, column)
