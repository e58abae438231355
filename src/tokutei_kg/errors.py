"""Error types. The library raises these; only ``cli.py`` turns them into exit codes and lines.

Every error carries its parts as fields: ``message`` (the sentence: no ``error:``, no place, no
hint), ``origin`` (the file as shown, or a pseudo-origin such as ``<inline>``, ``<python>`` or a
query's name; ``None`` when the error has no place), ``line`` and ``column`` (``None`` where
unknown) and ``hint`` (what to do, or ``""``). :func:`format_error` writes the CLI's line from them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class TokuteiError(Exception):
    """Base class. ``exit_code`` is the CLI contract: 1 data does not conform, 2 bad input/usage.

    ``str(exc)`` is the plain line ``origin:line:column: message — hint`` (without ``error:``)."""

    exit_code = 2

    def __init__(self, message: str, *, origin: str | None = None, line: int | None = None,
                 column: int | None = None, hint: str = "") -> None:
        self.message = message
        self.origin = origin
        self.line = line
        self.column = column
        self.hint = hint
        super().__init__(message)

    @property
    def where(self) -> str:
        """``origin``, ``origin:line`` or ``origin:line:column``; ``""`` without an origin."""
        return "" if self.origin is None else place(self.origin, self.line, self.column)

    def __str__(self) -> str:
        text = f"{self.where}: {self.message}" if self.where else self.message
        return f"{text} — {self.hint}" if self.hint else text


def format_error(exc: TokuteiError) -> str:
    """The one-line report of ``exc``: ``origin:line:col: error: message — hint``, or
    ``error: message — hint`` when it has no origin (the CLI's stderr line and the endpoint's body)."""
    text = f"{exc.where}: error: {exc.message}" if exc.where else f"error: {exc.message}"
    return f"{text} — {exc.hint}" if exc.hint else text


@dataclass(frozen=True)
class Location:
    """Where a value came from: a file and, where known, its row (line) and column (field index)."""

    path: Path
    row: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        return place(display_path(self.path), self.row, self.column)


def place(origin: str, line: int | None, column: int | None) -> str:
    """``origin``, ``origin:line`` or ``origin:line:column`` (a column only after a line)."""
    if line is None:
        return origin
    return f"{origin}:{line}" if column is None else f"{origin}:{line}:{column}"


def display_path(path: Path) -> str:
    """A path relative to the working directory when it lies below it, else as given."""
    if not path.is_absolute():
        return str(path)
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


class SourceError(TokuteiError):
    """Bad input at a known place (a :class:`Location`): ``file:row:col: message — hint``."""

    def __init__(self, location: Location, message: str, hint: str = "") -> None:
        self.location = location
        super().__init__(message, origin=display_path(location.path), line=location.row,
                         column=location.column if location.row is not None else None, hint=hint)


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
        hint = f"did you mean {', '.join(close)}?" if close else "`tokutei-kg queries` lists them"
        super().__init__(f"no query named '{name}'", hint=hint)


class QueryError(TokuteiError):
    """A query that cannot run: syntax error (with line:column), forbidden operation, bad binding."""


class DatasetMissing(TokuteiError):
    pass


class NotImplementedYet(TokuteiError):
    exit_code = 3
