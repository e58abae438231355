"""Typed rows of the curated tables. Each remembers the file, row and columns it came from."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from .errors import Location

WITHHELD = "[withheld]"  # the stored evidence of a claim whose source (consent=none) may not be cited
_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


@dataclass(frozen=True)
class Origin:
    """The file and row of a record, and the field index of each of its columns."""

    path: Path
    row: int
    columns: tuple[str, ...]

    def at(self, column: str | None = None) -> Location:
        if column is None or column not in self.columns:
            return Location(self.path, self.row)
        return Location(self.path, self.row, self.columns.index(column) + 1)


@dataclass(frozen=True, order=True)
class PartialDate:
    """An ISO 8601 date at the precision a source gives: ``2019``, ``2019-06`` or ``2019-06-25``."""

    text: str

    @classmethod
    def parse(cls, text: str) -> PartialDate:
        """Raise ``ValueError`` with a human message when ``text`` is not a real date."""
        match = _DATE.match(text)
        if not match:
            raise ValueError(f"'{text}' is not an ISO 8601 date (YYYY-MM-DD, YYYY-MM or YYYY)")
        year, month, day = match.groups()
        if month is not None and not 1 <= int(month) <= 12:
            raise ValueError(f"'{text}' has no month {month}")
        if day is not None:
            try:
                dt.date(int(year), int(month), int(day))
            except ValueError:
                raise ValueError(f"'{text}' is not a day of the calendar") from None
        return cls(text)

    @property
    def datatype(self) -> str:
        return {4: "gYear", 7: "gYearMonth"}.get(len(self.text), "date")

    def first_day(self) -> dt.date:
        parts = [int(p) for p in self.text.split("-")]
        return dt.date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)

    def last_day(self) -> dt.date:
        parts = [int(p) for p in self.text.split("-")]
        if len(parts) == 3:
            return dt.date(*parts)
        month = parts[1] if len(parts) == 2 else 12
        return dt.date(parts[0], month, calendar.monthrange(parts[0], month)[1])


@dataclass(frozen=True)
class Validity:
    """A closed interval of days; either end may be open."""

    start: PartialDate | None = None
    end: PartialDate | None = None

    def holds_on(self, day: dt.date) -> bool:
        if self.start is not None and day < self.start.first_day():
            return False
        return self.end is None or day <= self.end.last_day()


@dataclass(frozen=True)
class Source:
    id: str
    type: str
    perspective: str
    title: str
    language: str
    origin: Origin
    publisher: str = ""
    date: PartialDate | None = None
    url: str = ""
    document: str = ""
    reliability: str = ""
    register_ref: str = ""
    interviewee_role: str = ""
    consent: str = ""
    derived_from: tuple[str, ...] = ()  # sources or documents (entity ids) this source repeats or reports
    note: str = ""


@dataclass(frozen=True)
class Entity:
    id: str
    class_name: str
    labels: dict[str, str]
    source_ids: tuple[str, ...]
    origin: Origin
    aliases: tuple[str, ...] = ()
    country: str = ""
    validity: Validity = field(default_factory=Validity)
    description: str = ""
    note: str = ""


@dataclass(frozen=True)
class Claim:
    id: str
    subject: str
    relation: str
    source_id: str
    evidence: str
    evidence_lang: str
    origin: Origin
    object: str = ""
    value: str = ""
    value_lang: str = ""
    stages: tuple[str, ...] = ()
    role: str = ""
    polarity: str = "asserts"
    evidence_kind: str = "paraphrase"
    locator: str = ""
    validity: Validity = field(default_factory=Validity)
    confidence: str = ""
    note: str = ""


@dataclass(frozen=True)
class Observation:
    id: str
    dataset: str
    period: PartialDate
    nationality: str
    category: str
    count: int
    source_id: str
    origin: Origin
    measure: str = "residents"  # what is counted: a key of MEASURES
    period_start: PartialDate | None = None  # first month/day of a count over a period (a flow)
    locator: str = ""
    note: str = ""


# What an observation counts → (its Data Cube measure property, the structure of its dataset), in tkg:.
MEASURES = {
    "residents": ("personCount", "sswResidentsStructure"),
    "employed": ("employedCount", "employmentStructure"),
    "placements": ("placementCount", "placementsStructure"),
}


@dataclass(frozen=True)
class Curated:
    """All curated tables, in file order."""

    sources: tuple[Source, ...] = ()
    entities: tuple[Entity, ...] = ()
    claims: tuple[Claim, ...] = ()
    observations: tuple[Observation, ...] = ()
