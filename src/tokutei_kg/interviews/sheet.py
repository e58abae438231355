"""The one-sheet form: one row per coded quotation, as CSV (UTF-8) or XLSX (exactly one sheet).

Columns (header row, any order): ``document, interviewee_role, consent, date, language, subject,
relation`` are required; ``segment, perspective, object, value, stage, polarity, quote, paraphrase,
locator, coder, coded_on`` are optional. ``graph/templates/interview-sheet.csv`` is the empty form.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from pathlib import Path

from ..errors import Location, SourceError

REQUIRED = ("document", "interviewee_role", "consent", "date", "language", "subject", "relation")
OPTIONAL = ("segment", "perspective", "object", "value", "stage", "polarity", "quote", "paraphrase", "locator",
            "coder", "coded_on")
COLUMNS = REQUIRED + OPTIONAL


def read_sheet(path: Path, shown: Path) -> list[tuple[int, dict[str, str]]]:
    """(row number, cells by column) for each non-empty row; raise :class:`SourceError` on a bad sheet."""
    rows = _xlsx_rows(path, shown) if path.suffix.lower() == ".xlsx" else _csv_rows(path, shown)
    if not rows:
        raise SourceError(Location(shown, 1), "the sheet is empty; it needs a header row",
                          "copy graph/templates/interview-sheet.csv")
    header = [h.strip() for h in rows[0]]
    for index, name in enumerate(header, start=1):
        if name not in COLUMNS:
            raise SourceError(Location(shown, 1, index), f"unknown column '{name}' in the interview sheet",
                              f"allowed columns: {', '.join(COLUMNS)}")
        if header.count(name) > 1:
            raise SourceError(Location(shown, 1, index), f"column '{name}' appears twice")
    for name in REQUIRED:
        if name not in header:
            raise SourceError(Location(shown, 1), f"missing required column '{name}'",
                              f"the interview sheet needs: {', '.join(REQUIRED)}")
    records = []
    for number, cells in enumerate(rows[1:], start=2):
        cells = list(cells) + [""] * (len(header) - len(cells))
        if len(cells) > len(header) and any(c.strip() for c in cells[len(header):]):
            raise SourceError(Location(shown, number, len(header) + 1),
                              f"row has {len(cells)} fields, the header has {len(header)}")
        if not any(c.strip() for c in cells):
            continue
        records.append((number, dict(zip(header, (c.strip() for c in cells[:len(header)]), strict=True))))
    return records


def _csv_rows(path: Path, shown: Path) -> list[list[str]]:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SourceError(Location(shown), "the sheet is not UTF-8",
                          "save it as 'CSV UTF-8', or import the .xlsx itself") from None
    try:
        return list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error as exc:
        raise SourceError(Location(shown), f"malformed CSV: {exc}", "a quote inside a value must be doubled") from None


def _xlsx_rows(path: Path, shown: Path) -> list[list[str]]:
    from .qdpx import check_archive

    try:
        with zipfile.ZipFile(path) as archive:
            check_archive(archive, shown)
    except (zipfile.BadZipFile, OSError) as exc:
        raise SourceError(Location(shown), f"not a readable .xlsx file: {exc}") from None
    import openpyxl  # uses defusedxml for its XML when it is installed (it is a dependency)

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken workbook
        raise SourceError(Location(shown), f"cannot read the workbook: {type(exc).__name__}: {exc}") from None
    try:
        if len(book.worksheets) != 1:
            raise SourceError(Location(shown), f"the workbook has {len(book.worksheets)} sheets; the interview "
                                               "form is one sheet", "move the rows into one sheet")
        return [[_cell(value) for value in row] for row in book.worksheets[0].iter_rows(values_only=True)]
    finally:
        book.close()


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
