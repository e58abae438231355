"""Error types. The library raises these; only ``cli.py`` turns them into exit codes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class TokuteiError(Exception):
    """Base class. ``exit_code`` is the CLI contract: 1 data does not conform, 2 bad input/usage."""

    exit_code = 2


@dataclass(frozen=True)
class Location:
    """Where a value came from: a file and, where known, its row (line) and column (field index)."""

    path: Path
    row: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        parts = [display_path(self.path)]
        if self.row is not None:
            parts.append(str(self.row))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)


def display_path(path: Path) -> str:
    """A path relative to the working directory when it lies below it, else as given."""
    if not path.is_absolute():
        return str(path)
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


class SourceError(TokuteiError):
    """Bad input at a known place: ``file:row:col: error: message — hint``."""

    def __init__(self, location: Location, message: str, hint: str = "") -> None:
        self.location = location
        self.message = message
        self.hint = hint
        super().__init__(str(self))

    def __str__(self) -> str:
        text = f"{self.location}: error: {self.message}"
        return f"{text} — {self.hint}" if self.hint else text


class InputRejected(TokuteiError):
    """The curated input has errors (each a finding that names file, row and column)."""

    def __init__(self, report: object) -> None:
        self.report = report
        super().__init__("the curated input has errors")


class ValidationFailed(TokuteiError):
    """The data was read but does not conform (SHACL or QC checks)."""

    exit_code = 1

    def __init__(self, report: object) -> None:
        self.report = report
        super().__init__("the data does not conform")


class QueryNotFound(TokuteiError):
    def __init__(self, name: str, close: list[str]) -> None:
        self.name = name
        self.close = close
        hint = f" — did you mean {', '.join(close)}?" if close else " — `tokutei-kg queries` lists them"
        super().__init__(f"error: no query named '{name}'{hint}")


class QueryError(TokuteiError):
    """A query that cannot run: syntax error (with line:column), forbidden operation, bad binding."""


class DatasetMissing(TokuteiError):
    pass


class NotImplementedYet(TokuteiError):
    exit_code = 3
