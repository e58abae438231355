"""Stage 1 (load): read the curated CSV tables strictly into typed records.

Nothing is typed implicitly and nothing is silently changed: a value that is not exactly what its
column expects becomes an error finding naming ``file:row:column``. No RDF here.
"""

from __future__ import annotations

import csv
import difflib
import io
import os
import re
import stat
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .errors import Location
from .namespaces import LANGUAGES
from .records import Claim, Curated, Entity, Observation, Origin, PartialDate, Source, Validity
from .report import Report

ID_PATTERN = re.compile(r"^[A-Za-z0-9]+(?:[_-][A-Za-z0-9]+)*$")
# C0 controls and DEL; tab included (it breaks TSV output and looks like a space); newline is allowed.
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")
LANGUAGE_HINTS = {"jp": "ja", "in": "id", "ind": "id", "jpn": "ja", "eng": "en", "en-us": "en", "en-gb": "en"}


@dataclass(frozen=True)
class TableSpec:
    kind: str
    required: tuple[str, ...]
    optional: tuple[str, ...]

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + self.optional


TABLES: dict[str, TableSpec] = {
    "sources": TableSpec(
        "sources",
        ("id", "type", "perspective", "title", "language"),
        ("publisher", "date", "url", "document", "reliability", "register_ref", "interviewee_role",
         "consent", "derived_from", "note"),
    ),
    "entities": TableSpec(
        "entities",
        ("id", "class", "label_en", "source_ids"),
        (*(f"label_{lang}" for lang in LANGUAGES if lang != "en"), "aliases", "country", "valid_from", "valid_to",
         "description", "note"),
    ),
    "claims": TableSpec(
        "claims",
        ("id", "subject", "relation", "source_id", "evidence", "evidence_lang"),
        ("object", "value", "value_lang", "stage", "role", "polarity", "evidence_kind", "locator",
         "valid_from", "valid_to", "confidence", "note"),
    ),
    "observations": TableSpec(
        "observations",
        ("id", "dataset", "period", "nationality", "category", "count", "source_id"),
        ("measure", "period_start", "locator", "note"),
    ),
}


def table_files(directory: Path, kind: str) -> list[Path]:
    """``{kind}.csv`` then ``{kind}/*.csv`` in name order — every name that exists, whatever it is: a
    directory, FIFO or dangling link under a table's name is reported by :func:`_decode`, not skipped."""
    files = []
    single = directory / f"{kind}.csv"
    if os.path.lexists(single):
        files.append(single)
    folder = directory / kind
    if folder.is_dir():
        files.extend(sorted(folder.glob("*.csv"), key=lambda p: p.name))
    return files


def read_curated(directory: Path, root: Path | None = None) -> tuple[Curated, Report]:
    """Read every table under ``directory``; return the records and the findings.

    Locations in findings are given relative to ``root`` (the project folder) when it is known."""
    report = Report()
    if not directory.is_dir():
        report.error("missing-directory", f"no curated data folder at {directory}", Location(directory))
        return Curated(), report
    tables: dict[str, list[object]] = {}
    for kind, spec in TABLES.items():
        records: list[object] = []
        for path in table_files(directory, kind):
            records.extend(_read_table(path, spec, report, _shown(path, root)))
        tables[kind] = records
    curated = Curated(
        sources=tuple(tables["sources"]),  # type: ignore[arg-type]
        entities=tuple(tables["entities"]),  # type: ignore[arg-type]
        claims=tuple(tables["claims"]),  # type: ignore[arg-type]
        observations=tuple(tables["observations"]),  # type: ignore[arg-type]
    )
    return curated, report


def _shown(path: Path, root: Path | None) -> Path:
    if root is not None and path.is_relative_to(root):
        return path.relative_to(root)
    return path


def _read_table(file: Path, spec: TableSpec, report: Report, path: Path) -> list[object]:
    """Read ``file``; findings and origins name it as ``path``."""
    text = _decode(file, path, report)
    if text is None:
        return []
    rows = _rows(path, text, report)
    header = next(rows, None)
    if header is None:
        report.error("empty-file", "the file is empty; it needs at least a header row", Location(path, 1))
        return []
    columns = _check_header(path, header[1], spec, report)
    if columns is None:
        return []
    build = _BUILDERS[spec.kind]
    records = []
    for line, cells in rows:
        if not cells or all(cell == "" for cell in cells):
            continue
        if len(cells) != len(columns):
            report.error(
                "ragged-row",
                f"row has {len(cells)} fields, the header has {len(columns)}",
                Location(path, line, min(len(cells), len(columns)) + 1),
                "check for a missing or extra comma, or an unquoted comma inside a value",
            )
            continue
        row = Row(dict(zip(columns, cells, strict=True)), Origin(path, line, columns), report)
        row.check_text()
        record = build(row)
        if record is not None:
            records.append(record)
    return records


_NOT_A_FILE = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
               (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def read_regular(file: Path) -> bytes:
    """The bytes of ``file``, which must be a regular file (or a link to one). Opened without blocking
    and checked with ``fstat`` before reading, so a FIFO cannot hang the build. Raises ``OSError``, or
    ``IsADirectoryError``-like ``_NotRegular`` naming what it is."""
    fd = os.open(file, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise _NotRegular(next((kind for test, kind in _NOT_A_FILE if test(mode)), "not a regular file"))
        os.set_blocking(fd, True)
        with os.fdopen(fd, "rb", closefd=False) as handle:
            return handle.read()
    finally:
        os.close(fd)


class _NotRegular(Exception):
    pass


def _decode(file: Path, path: Path, report: Report) -> str | None:
    try:
        data = read_regular(file)
    except _NotRegular as exc:
        report.error("not-a-file", f"this is {exc}, not a CSV file", Location(path),
                     "put the table in a regular .csv file, or move this out of graph/curated")
        return None
    except FileNotFoundError:
        if os.path.islink(file):
            report.error("dangling-link", f"a symbolic link to {os.readlink(file)}, which does not exist",
                         Location(path), "fix or remove the link")
        else:
            report.error("missing-file", "the file disappeared while it was being read", Location(path),
                         "run again")
        return None
    except OSError as exc:
        report.error("unreadable", f"cannot read the file: {exc.strerror or exc}", Location(path),
                     "check its permissions (it must be readable by you)")
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        line_start = data.rfind(b"\n", 0, exc.start) + 1
        column = len(data[line_start:exc.start].decode("utf-8", errors="replace")) + 1
        report.error(
            "encoding",
            f"not UTF-8{_looks_like(data, line_start)}: byte 0x{data[exc.start]:02x} cannot be decoded",
            Location(path, line, column),
            "save the file as UTF-8 (in Excel: 'CSV UTF-8'); Shift_JIS/cp932 is not accepted",
        )
        return None
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        report.error("nul", "the file contains a NUL character", Location(path, line),
                     "the file may be binary or UTF-16; save it as UTF-8 CSV")
        return None
    return text


def _looks_like(data: bytes, line_start: int) -> str:
    """A guess at the encoding a line of a non-UTF-8 file was saved in, for the message (never used to read it)."""
    line_end = data.find(b"\n", line_start)
    data = data[line_start:line_end if line_end >= 0 else len(data)]
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return " (looks like UTF-16)"
    high = [i for i, byte in enumerate(data) if byte >= 0x80]
    isolated = all(i + 1 >= len(data) or data[i + 1] < 0x80 for i in high)
    try:
        data.decode("cp932")
    except UnicodeDecodeError:
        isolated = True
    return " (looks like Latin-1/cp1252)" if isolated else " (looks like Shift_JIS/cp932)"


def _rows(path: Path, text: str, report: Report) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    while True:
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            if "field larger than field limit" in str(exc):
                report.error("cell-too-long", f"a cell is longer than {csv.field_size_limit():,} characters",
                             Location(path, start),
                             "keep long texts in the source document and cite them with a locator; if the cell "
                             "should be short, look for a quote that is opened and never closed")
            else:
                report.error("csv-syntax", f"malformed CSV: {exc}", Location(path, reader.line_num),
                             "a quote inside a value must be doubled (\"\")")
            return
        yield start, cells


def _check_header(path: Path, header: list[str], spec: TableSpec, report: Report) -> tuple[str, ...] | None:
    ok = True
    seen: set[str] = set()
    for index, name in enumerate(header, start=1):
        if name in seen:
            report.error("duplicate-column", f"column '{name}' appears twice", Location(path, 1, index))
            ok = False
        seen.add(name)
        if name not in spec.columns:
            close = difflib.get_close_matches(name, spec.columns, n=1)
            hint = f"did you mean '{close[0]}'?" if close else f"allowed columns: {', '.join(spec.columns)}"
            report.error("unknown-column", f"unknown column '{name}' in a {spec.kind} table",
                         Location(path, 1, index), hint)
            ok = False
    for name in spec.required:
        if name not in seen:
            report.error("missing-column", f"missing required column '{name}'", Location(path, 1),
                         f"a {spec.kind} table needs: {', '.join(spec.required)}")
            ok = False
    return tuple(header) if ok else None


class Row:
    """One CSV row being typed; every problem is reported at its cell."""

    def __init__(self, cells: dict[str, str], origin: Origin, report: Report) -> None:
        self.cells = cells
        self.origin = origin
        self.report = report
        self.ok = True

    def error(self, column: str | None, code: str, message: str, hint: str = "") -> None:
        self.report.error(code, message, self.origin.at(column), hint, focus=self.cells.get("id", ""))
        self.ok = False

    def check_text(self) -> None:
        for column, value in self.cells.items():
            if value != value.strip():
                self.error(column, "whitespace", f"{column} has leading or trailing spaces", "remove them")
            elif control := _CONTROL.search(value):
                self.error(column, "control-character", f"{column} contains the control character "
                           f"{_codepoint(control.group())} at character {control.start() + 1}",
                           "delete it (a tab is not allowed either); controls make GraphML, GEXF and TSV unreadable")
            elif unicodedata.normalize("NFC", value) != value:
                self.error(column, "not-nfc", f"{column} is not in Unicode NFC form",
                           "re-type the value or normalise the file to NFC")
            invisible = next((i for i, c in enumerate(value) if unicodedata.category(c) == "Cf"), None)
            if invisible is not None:
                self.report.warning(
                    "invisible-character", f"{column} contains the invisible character "
                    f"{_codepoint(value[invisible])} at character {invisible + 1}", self.origin.at(column),
                    "delete it: the value looks like one without it but is a different name", self.cells.get("id", ""))

    def get(self, column: str) -> str:
        return self.cells.get(column, "")

    def required(self, column: str) -> str:
        value = self.get(column)
        if value == "":
            self.error(column, "empty-value", f"{column} is empty", "this column is required")
        return value

    def ident(self, column: str = "id") -> str:
        value = self.required(column)
        if value and not ID_PATTERN.match(value):
            self.error(column, "bad-id", f"'{value}' is not a valid id",
                       "use lowercase letters, digits and '-' (e.g. 'moc-2019-ssw')")
        return value

    def date(self, column: str) -> PartialDate | None:
        value = self.get(column)
        if value == "":
            return None
        try:
            return PartialDate.parse(value)
        except ValueError as exc:
            self.error(column, "bad-date", str(exc), "write e.g. 2019-06-25, 2019-06 or 2019")
            return None

    def validity(self) -> Validity:
        start, end = self.date("valid_from"), self.date("valid_to")
        if start and end and end.last_day() < start.first_day():
            self.error("valid_to", "bad-interval", f"valid_to {end.text} is before valid_from {start.text}")
        return Validity(start, end)

    def language(self, column: str, *, required: bool = False) -> str:
        value = self.required(column) if required else self.get(column)
        if value and value not in LANGUAGES:
            self.error(column, "bad-language", f"language tag '{value}' is not one of {', '.join(LANGUAGES)}",
                       _language_hint(value))
        return value

    def listing(self, column: str) -> tuple[str, ...]:
        value = self.get(column)
        if value == "":
            return ()
        items = tuple(value.split("|"))
        if value == value.strip() and any(item == "" or item != item.strip() for item in items):  # else reported
            self.error(column, "bad-list", f"{column} has an empty or padded item in '{value}'",
                       "separate items with '|' and no spaces around it")
        return items

    def integer(self, column: str) -> int:
        value = self.required(column)
        if not value:
            return 0
        if not (value.isascii() and value.isdigit()):
            self.error(column, "bad-integer", f"'{value}' is not a whole number",
                       "write digits only, without separators (12272, not 12,272)")
            return 0
        return int(value)


def _codepoint(char: str) -> str:
    name = unicodedata.name(char, "")
    return f"U+{ord(char):04X} ({name})" if name else f"U+{ord(char):04X}"


def _language_hint(value: str) -> str:
    fixed = LANGUAGE_HINTS.get(value.lower())
    if fixed:
        return f"did you mean '{fixed}'?"
    return "use en (English), id (Indonesian) or ja (Japanese)"


def _source(row: Row) -> Source | None:
    record = Source(
        id=row.ident(),
        type=row.required("type"),
        perspective=row.required("perspective"),
        title=row.required("title"),
        language=row.language("language", required=True),
        origin=row.origin,
        publisher=row.get("publisher"),
        date=row.date("date"),
        url=row.get("url"),
        document=row.get("document"),
        reliability=row.get("reliability"),
        register_ref=row.get("register_ref"),
        interviewee_role=row.get("interviewee_role"),
        consent=row.get("consent"),
        derived_from=row.listing("derived_from"),
        note=row.get("note"),
    )
    return record if row.ok else None


def _entity(row: Row) -> Entity | None:
    labels = {"en": row.required("label_en")}
    for lang in (lang for lang in LANGUAGES if lang != "en"):
        if row.get(f"label_{lang}"):
            labels[lang] = row.get(f"label_{lang}")
    record = Entity(
        id=row.ident(),
        class_name=row.required("class"),
        labels=labels,
        source_ids=row.listing("source_ids") or (row.required("source_ids"),),
        origin=row.origin,
        aliases=row.listing("aliases"),
        country=row.get("country"),
        validity=row.validity(),
        description=row.get("description"),
        note=row.get("note"),
    )
    return record if row.ok else None


def _claim(row: Row) -> Claim | None:
    record = Claim(
        id=row.ident(),
        subject=row.required("subject"),
        relation=row.required("relation"),
        source_id=row.required("source_id"),
        evidence=row.required("evidence"),
        evidence_lang=row.language("evidence_lang", required=True),
        origin=row.origin,
        object=row.get("object"),
        value=row.get("value"),
        value_lang=row.language("value_lang"),
        stages=row.listing("stage"),
        role=row.get("role"),
        polarity=row.get("polarity") or "asserts",
        evidence_kind=row.get("evidence_kind") or "paraphrase",
        locator=row.get("locator"),
        validity=row.validity(),
        confidence=row.get("confidence"),
        note=row.get("note"),
    )
    return record if row.ok else None


def _observation(row: Row) -> Observation | None:
    period = row.date("period")
    if period is None and row.ok:
        row.required("period")
    record = Observation(
        id=row.ident(),
        dataset=row.required("dataset"),
        period=period or PartialDate("0000"),
        nationality=row.required("nationality"),
        category=row.required("category"),
        count=row.integer("count"),
        source_id=row.required("source_id"),
        origin=row.origin,
        measure=row.get("measure") or "residents",
        period_start=row.date("period_start"),
        locator=row.get("locator"),
        note=row.get("note"),
    )
    return record if row.ok else None


_BUILDERS: dict[str, Callable[[Row], object | None]] = {
    "sources": _source,
    "entities": _entity,
    "claims": _claim,
    "observations": _observation,
}
