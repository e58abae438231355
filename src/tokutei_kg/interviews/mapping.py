"""The researcher's mapping from a code book to the ontology: ``graph/mappings/<project>.csv``.

One row per code, code group or interviewee role:

    kind,name,maps_to,polarity,note
    code,Supervision > ISA oversees employers,isa supervises accepting-organization,,
    code,Actors > ISA,subject:isa,,
    code,Relations > supervises,relation:supervises,,
    group,Stage: support,stage:support-supervision,,
    role,worker in Japan (SSW i),perspective:worker,,

``maps_to`` for a code: a whole statement ``SUBJECT RELATION OBJECT``; ``relation:NAME``; ``subject:ID``
or ``object:ID`` (an entity id or a concept); a qualifier ``stage:…`` or ``issue:…``; or ``ignore``.
For a group (a parent code or a REFI-QDA set): ``stage:…`` or ``issue:…``, applied to every segment
coded with one of its codes. For a role: ``perspective:…``. ``polarity`` ``disputes`` marks a code
whose segments deny the statement.
"""

from __future__ import annotations

import csv
import difflib
import io
from dataclasses import dataclass
from pathlib import Path

from ..errors import Location
from ..namespaces import LANGUAGES
from ..report import Report

COLUMNS = ("kind", "name", "maps_to", "polarity", "note")
KINDS = ("code", "group", "role")


@dataclass(frozen=True)
class Target:
    kind: str  # statement, relation, subject, object, stage, issue, perspective, ignore
    value: str  # "s r o" for a statement, else the id / concept / relation
    polarity: str
    where: Location


@dataclass
class Mapping:
    path: Path
    entries: dict[tuple[str, str], Target]

    def get(self, kind: str, name: str) -> Target | None:
        return self.entries.get((kind, name))


def parse_target(kind: str, text: str, polarity: str, where: Location) -> Target | None:
    """``None`` when ``text`` is empty (not yet mapped)."""
    text = " ".join(text.split())
    if not text:
        return None
    if text == "ignore":
        return Target("ignore", "", polarity, where)
    if " " in text:
        return Target("statement" if len(text.split(" ")) == 3 else "bad", text, polarity, where)
    prefix, _, rest = text.partition(":")
    if prefix in ("relation", "subject", "object") and rest:
        return Target(prefix, rest, polarity, where)
    if prefix in ("stage", "issue", "perspective") and rest:
        return Target(prefix, text, polarity, where)
    return Target("bad", text, polarity, where)


def read_mapping(path: Path, shown: Path, report: Report) -> Mapping:
    mapping = Mapping(path, {})
    if not path.is_file():
        return mapping
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        report.error("encoding", "the mapping file is not UTF-8", Location(shown), "save it as UTF-8 CSV")
        return mapping
    rows = list(csv.reader(io.StringIO(text, newline="")))
    if not rows or tuple(rows[0]) != COLUMNS:
        report.error("mapping-header", f"the mapping file's header must be {','.join(COLUMNS)}", Location(shown, 1),
                     "tokutei-kg import --init-mapping FILE writes a template")
        return mapping
    for line, cells in enumerate(rows[1:], start=2):
        if not any(cells):
            continue
        if len(cells) != len(COLUMNS):
            report.error("ragged-row", f"row has {len(cells)} fields, the header has {len(COLUMNS)}",
                         Location(shown, line))
            continue
        kind, name, maps_to, polarity, _note = (c.strip() for c in cells)
        if kind not in KINDS:
            report.error("mapping-kind", f"unknown kind '{kind}'", Location(shown, line, 1),
                         f"use one of {', '.join(KINDS)}")
            continue
        if polarity not in ("", "asserts", "disputes"):
            report.error("mapping-polarity", f"unknown polarity '{polarity}'", Location(shown, line, 4),
                         "leave it empty or write disputes")
            continue
        if (kind, name) in mapping.entries:
            report.error("mapping-duplicate", f"{kind} '{name}' is mapped twice", Location(shown, line, 2))
            continue
        target = parse_target(kind, maps_to, polarity or "asserts", Location(shown, line, 3))
        if target is not None:
            allowed = {"code": ("statement", "relation", "subject", "object", "stage", "issue", "ignore"),
                       "group": ("stage", "issue", "ignore"), "role": ("perspective",)}[kind]
            if target.kind not in allowed:
                report.error("mapping-target", f"{kind} '{name}' cannot map to '{maps_to}'", target.where,
                             _TARGET_HINT[kind])
                continue
            mapping.entries[(kind, name)] = target
    return mapping


_TARGET_HINT = {
    "code": "write SUBJECT RELATION OBJECT, relation:NAME, subject:ID, object:ID, stage:…, issue:… or ignore",
    "group": "write stage:…, issue:… or ignore",
    "role": "write perspective:… (e.g. perspective:worker)",
}


def template(rows: list[tuple[str, str, str]]) -> bytes:
    """A mapping file listing ``rows`` (kind, name, note) with ``maps_to`` left for the researcher."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for kind, name, note in rows:
        writer.writerow((kind, name, "", "", note))
    return out.getvalue().encode("utf-8")


@dataclass(frozen=True)
class Term:
    ref: str  # what to write in maps_to
    labels: dict[str, str]  # lang -> label


def closest(name: str, terms: list[Term], n: int = 3) -> list[Term]:
    """The ``n`` terms whose label (in any of en/id/ja, or ref) is closest to ``name`` (difflib ratio)."""
    wanted = name.rsplit(">", 1)[-1].strip().casefold()
    scored = []
    for term in terms:
        candidates = [term.ref.split(":")[-1].replace("-", " "), *term.labels.values()]
        best = max(_score(wanted, c.casefold()) for c in candidates)
        scored.append((-best, term.ref, term))
    scored.sort(key=lambda item: (item[0], item[1]))
    return [term for _, _, term in scored[:n]]


def _score(wanted: str, label: str) -> float:
    """difflib's ratio, raised for a whole word of the label that the code names (``Fees`` → "Fees and
    brokers")."""
    ratio = difflib.SequenceMatcher(None, wanted, label).ratio()
    words = label.replace("(", " ").replace(")", " ").split()
    if wanted and (wanted in words or (len(wanted) >= 4 and any(w.startswith(wanted) for w in words))):
        ratio = max(ratio, 0.75 + 0.25 * ratio)
    return ratio


def describe(term: Term) -> str:
    labels = " / ".join(f"{lang} “{term.labels[lang]}”" for lang in LANGUAGES if lang in term.labels)
    return f"{term.ref} ({labels})" if labels else term.ref
