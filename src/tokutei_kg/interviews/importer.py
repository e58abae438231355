"""``tokutei-kg import``: coded interviews (REFI-QDA .qdpx, or the one-sheet CSV/XLSX form) → curated rows.

One import owns exactly two files, ``graph/curated/sources/interview-<slug>.csv`` and
``graph/curated/claims/interview-<slug>.csv``; it never touches another row. The rows are a pure
function of the input file and the mapping, sorted by id, so re-importing the same file gives the same
bytes, and a changed file replaces only its own rows. Nothing is written unless every row passes the
same checks as ``tokutei-kg validate`` (together with the rest of the curated data).
"""

from __future__ import annotations

import csv
import io
import os
import re
import stat
import tempfile
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import InputRejected, Location, SourceError
from ..namespaces import LANGUAGES
from ..report import Report
from .changes import Change
from .kappa import Agreement, agreements
from .mapping import Mapping, Target, Term, closest, describe, read_mapping, template

if TYPE_CHECKING:
    from rdflib import Graph

    from ..ontology import Vocabulary
    from ..project import Project
    from ..records import Curated
    from .qdpx import QdaProject

SOURCE_COLUMNS = ("id", "type", "perspective", "title", "publisher", "date", "url", "document", "language",
                  "reliability", "register_ref", "interviewee_role", "consent", "note")
CLAIM_COLUMNS = ("id", "subject", "relation", "object", "value", "value_lang", "stage", "role", "polarity",
                 "source_id", "evidence", "evidence_kind", "evidence_lang", "locator", "valid_from", "valid_to",
                 "confidence", "note")
CONSENTS = ("quote", "paraphrase", "none")
# What a claim carries instead of the interviewee's words when consent does not allow them: the stored
# form of withheld evidence that validate and build expect for consent=none (issue 14). The words
# themselves are never written to graph/curated/, so no build, export or page can show them.
WITHHELD = "[withheld]"
WITHHELD_WHY = {
    "none": "evidence withheld: the interviewee did not consent to being cited (consent: none)",
    "paraphrase": "evidence withheld: verbatim quotation is not permitted (consent: paraphrase) and the coder gave "
                  "no paraphrase",
}
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")


@dataclass(frozen=True)
class Interview:
    """One interview document → one source row."""

    name: str
    key: str  # stable part of the source id: the REFI-QDA document GUID, or the document name
    role: str
    perspective: str
    consent: str
    date: str
    language: str
    where: str  # how messages name it


@dataclass(frozen=True)
class Segment:
    """One coded segment → one claim per statement."""

    key: str  # stable part of the claim id (guid prefix or sheet row)
    document: str  # the key of its interview
    statements: tuple[tuple[str, str, str, str, str], ...]  # subject, relation, object, value, polarity
    stages: tuple[str, ...]
    quote: str
    paraphrase: str
    locator: str
    coders: tuple[str, ...]
    dates: tuple[str, ...]
    where: str
    row: int | None = None  # the sheet row, for messages


@dataclass
class Plan:
    """What an import would write, and what it found on the way."""

    slug: str
    input: Path
    files: dict[Path, bytes] = field(default_factory=dict)
    unchanged: list[Path] = field(default_factory=list)
    sources: int = 0
    claims: int = 0
    quoted: int = 0
    paraphrased: int = 0
    withheld: int = 0
    skipped: list[str] = field(default_factory=list)
    agreement: list[Agreement] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    labels: dict[str, dict[str, str]] = field(default_factory=dict)


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def clean(text: str) -> str:
    """One line of NFC text: control characters and runs of white space become one space; invisible
    format characters (zero-width spaces, bidi marks, byte-order marks) are dropped."""
    text = "".join(c for c in unicodedata.normalize("NFC", text) if unicodedata.category(c) != "Cf")
    return " ".join(_CONTROL.sub(" ", text).split())


def targets(project_root: Path, slug: str) -> tuple[Path, Path]:
    curated = project_root / "graph" / "curated"
    return curated / "sources" / f"interview-{slug}.csv", curated / "claims" / f"interview-{slug}.csv"


def mapping_path(project_root: Path, slug: str) -> Path:
    return project_root / "graph" / "mappings" / f"{slug}.csv"


def _kind(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in (".qdpx", ".csv", ".xlsx"):
        return suffix[1:]
    raise SourceError(Location(path), f"cannot import a '{suffix or 'file without extension'}' file",
                      "import a REFI-QDA project (.qdpx) or the one-sheet form (.csv or .xlsx)")


def _project_name(path: Path, shown: Path, name: str | None) -> str:
    if name is not None:
        slug = slugify(name)
    elif _kind(path) == "qdpx":
        from .qdpx import read_qdpx

        slug = slugify(read_qdpx(path, shown).name or path.stem)
    else:
        slug = slugify(path.stem)
    if not slug:
        raise SourceError(Location(shown), "cannot make a project name (slug) from the file",
                          "give one with --name, e.g. --name fieldwork-2024")
    return slug


# --- the ontology's terms, for checks and for suggestions --------------------------------------------

@dataclass
class Terms:
    vocab: Vocabulary
    entities: dict[str, dict[str, str]]  # id -> labels
    ontology: Graph
    suggestions: list[Term]

    def known(self, ref: str) -> bool:
        return ref in self.entities or ref in self.vocab.concepts


def _terms(project: Project, curated: Curated) -> Terms:
    from rdflib import Literal, URIRef

    from ..namespaces import RDFS, SKOS
    from ..ontology import parse_turtle, vocabulary

    ontology = parse_turtle(project.ontology, shown=project.ontology.relative_to(project.root))
    vocab = vocabulary(ontology)

    def labels(iri: str, predicate: str) -> dict[str, str]:
        found: dict[str, str] = {}
        for o in ontology.objects(URIRef(iri), URIRef(predicate)):
            if isinstance(o, Literal) and o.language in LANGUAGES:
                found.setdefault(o.language, str(o))
        return found

    suggestions = [Term(f"relation:{name}", labels(rel.iri, RDFS + "label")) for name, rel in vocab.relations.items()]
    suggestions += [Term(ref, labels(iri, SKOS + "prefLabel")) for ref, iri in vocab.concepts.items()
                    if ref.split(":")[0] in ("stage", "issue")]
    entities = {e.id: dict(e.labels) for e in curated.entities}
    suggestions += [Term(f"subject:{eid}", labs) for eid, labs in entities.items()]
    return Terms(vocab, entities, ontology, suggestions)


def _suggest(name: str, terms: Terms, kinds: Iterable[str] = ("relation", "subject", "stage", "issue")) -> str:
    wanted = tuple(kinds)
    pool = [t for t in terms.suggestions if t.ref.split(":")[0] in wanted]
    return "closest: " + "; ".join(describe(t) for t in closest(name, pool)) if pool else ""


# --- reading the input into interviews and segments ---------------------------------------------------

def _from_qdpx(path: Path, shown: Path, mapping: Mapping, terms: Terms, report: Report, plan: Plan
               ) -> tuple[list[Interview], list[Segment]]:
    from .qdpx import read_qdpx

    qda = read_qdpx(path, shown)
    where = Location(shown)
    interviews: dict[str, Interview] = {}
    for document in qda.documents.values():
        interviews[document.guid] = _interview(document.name, document.guid.replace("-", "")[:8], document.variables,
                                               f"document '{document.name}'", mapping, where, report)
    groups_of = _groups(qda)
    used = {c.code for s in qda.selections for c in s.codings}
    unmapped = []
    for guid in sorted(used, key=lambda g: qda.codes[g].path):
        code = qda.codes[guid]
        if mapping.get("code", code.path) is None:
            count = sum(1 for s in qda.selections for c in s.codings if c.code == guid)
            unmapped.append(code.path)
            report.error("unmapped-code", f"code '{code.path}' (used in {count} segment{'s' if count != 1 else ''}) "
                         f"is not mapped in {mapping_display(mapping)}", where, _suggest(code.path, terms))
    if unmapped:
        return [], []
    segments = []
    for selection in qda.selections:
        if not selection.codings:
            continue
        document = qda.documents[selection.document]
        label = f"segment {selection.guid} in '{document.name}'"
        mapped = [(mapping.get("code", qda.codes[c.code].path), qda.codes[c.code]) for c in selection.codings]
        group_targets = [mapping.get("group", g) for c in selection.codings for g in groups_of.get(c.code, ())]
        statements, stages = _combine([t for t, _ in mapped if t is not None],
                                      [t for t in group_targets if t is not None], label, where, report, plan)
        if not statements:
            continue
        coders = tuple(dict.fromkeys(qda.users.get(c.coder, c.coder) for c in selection.codings if c.coder))
        dates = tuple(dict.fromkeys(c.date[:10] for c in selection.codings if c.date))
        segments.append(Segment(selection.guid.replace("-", "")[:8], interviews[document.guid].key, tuple(statements),
                                stages,
                                selection.text, selection.description, f"characters {selection.start}-{selection.end}",
                                coders, dates, label))
    lengths = {d.guid: len(d.text) for d in qda.documents.values()}
    coded = [(s.document, c.coder, c.code, s.start, s.end) for s in qda.selections for c in s.codings if c.coder]
    plan.agreement = agreements(coded, lengths, qda.users, {g: c.path for g, c in qda.codes.items()})
    return list(interviews.values()), segments


def _groups(qda: QdaProject) -> dict[str, list[str]]:
    """Code guid → the names of its groups: its ancestor codes (by path) and the sets holding it."""
    groups_of: dict[str, list[str]] = {}
    for code in qda.codes.values():
        parent = code.parent
        while parent:
            groups_of.setdefault(code.guid, []).append(qda.codes[parent].path)
            parent = qda.codes[parent].parent
    for name, members in qda.sets.values():
        for member in members:
            groups_of.setdefault(member, []).append(name)
    return groups_of


def mapping_display(mapping: Mapping) -> str:
    from ..errors import display_path

    return display_path(mapping.path)


def _combine(code_targets: list[Target], group_targets: list[Target], label: str, where: Location,
             report: Report, plan: Plan) -> tuple[list[tuple[str, str, str, str, str]], tuple[str, ...]]:
    statements: list[tuple[str, str, str, str, str]] = []
    subjects = list(dict.fromkeys(t.value for t in code_targets if t.kind == "subject"))
    objects = list(dict.fromkeys(t.value for t in code_targets if t.kind == "object"))
    for target in code_targets:
        if target.kind == "statement":
            s, r, o = (target.value.split(" ") + ["", "", ""])[:3]
            statements.append((s, r, o, "", target.polarity))
    relations = [t for t in code_targets if t.kind == "relation"]
    if relations:
        if len(subjects) != 1 or len(objects) != 1:
            report.error("segment-ambiguous", f"{label}: relation '{relations[0].value}' needs exactly one subject: "
                         f"and one object: code (found subject: {', '.join(subjects) or 'none'}; object: "
                         f"{', '.join(objects) or 'none'})", where,
                         "code the segment with one actor on each side, or map a statement code")
            return [], ()
        statements += [(subjects[0], t.value, objects[0], "", t.polarity) for t in relations]
    issues = list(dict.fromkeys(t.value for t in [*code_targets, *group_targets] if t.kind == "issue"))
    if issues:
        actors = list(dict.fromkeys([s for s, *_ in statements if ":" not in s] + subjects))
        if not actors:
            report.error("segment-no-actor", f"{label}: issue {', '.join(issues)} needs an actor it concerns",
                         where, "code the segment with a subject: code too")
            return [], ()
        statements += [(issue, "concerns", actor, "", "asserts") for issue in issues for actor in actors]
    stages = tuple(dict.fromkeys(t.value for t in [*code_targets, *group_targets] if t.kind == "stage"))
    if not statements and any(t.kind != "ignore" for t in code_targets):
        plan.skipped.append(f"{label}: no statement (actors or stages only)")
    return list(dict.fromkeys(statements)), stages


def _interview(name: str, key: str, values: dict[str, str], label: str, mapping: Mapping, where: Location,
               report: Report) -> Interview:
    role = values.get("interviewee_role", "") or values.get("role", "")
    consent = values.get("consent", "").lower()
    perspective = values.get("perspective", "")
    if not perspective and role:
        target = mapping.get("role", role)
        perspective = target.value.split(":", 1)[1] if target is not None else ""
    for column, value, hint in (
        ("interviewee_role", role, "a pseudonymous role, never a name"),
        ("consent", consent, "quote, paraphrase or none"),
        ("date", values.get("date", ""), "the interview date, e.g. 2024-03-12"),
        ("language", values.get("language", ""), "en, id or ja"),
        ("perspective", perspective, f"or map the role in {mapping_display(mapping)}: role,{role},perspective:…"),
    ):
        if not value:
            report.error("interview-incomplete", f"{label} has no {column}", where, hint)
    if consent and consent not in CONSENTS:
        report.error("consent", f"{label}: consent '{consent}' is not one of {', '.join(CONSENTS)}", where)
    date = values.get("date", "")
    if date:
        from ..records import PartialDate

        try:
            PartialDate.parse(date)
        except ValueError as exc:
            report.error("bad-date", f"{label}: the date {exc}", where, "write e.g. 2024-03-12")
    language = values.get("language", "")
    if language and language not in LANGUAGES:
        report.error("bad-language", f"{label}: language '{language}' is not {_one_of(LANGUAGES)}", where,
                     "id is Indonesian (not in), ja is Japanese (not jp)")
    return Interview(name, key, clean(role), perspective, consent, values.get("date", ""), values.get("language", ""),
                     label)


def _from_sheet(path: Path, shown: Path, mapping: Mapping, terms: Terms, report: Report, plan: Plan
                ) -> tuple[list[Interview], list[Segment]]:
    from .sheet import read_sheet

    interviews: dict[str, Interview] = {}
    segments = []
    for number, row in read_sheet(path, shown):
        where = Location(shown, number)
        fields = ("interviewee_role", "consent", "date", "language", "perspective")
        values = {k: row.get(k, "") for k in fields}
        interview = _interview(row["document"], slugify(row["document"])[:40].strip("-"), values, f"row {number}",
                               mapping, where, report)
        if not row["document"]:
            report.error("empty-value", f"row {number}: document is empty", where, "name the interview document")
            continue
        known = interviews.setdefault(row["document"], interview)
        if (known.role, known.consent, known.date, known.language, known.perspective) != (
                interview.role, interview.consent, interview.date, interview.language, interview.perspective):
            report.error("interview-mismatch", f"row {number}: document '{row['document']}' has other "
                         "interviewee_role, consent, date, language or perspective than on an earlier row", where,
                         "one document is one interview: give it the same values on every row")
        polarity = row.get("polarity", "") or "asserts"
        stages = tuple(s for s in row.get("stage", "").split("|") if s)
        statement = (row["subject"], row["relation"], row.get("object", ""), row.get("value", ""), polarity)
        label = f"row {number}"
        segments.append(Segment(row.get("segment", "") or f"r{number}", known.key, (statement,), stages,
                                row.get("quote", ""), row.get("paraphrase", ""), row.get("locator", ""),
                                tuple(c for c in [row.get("coder", "")] if c),
                                tuple(d for d in [row.get("coded_on", "")] if d), label, number))
    return list(interviews.values()), segments


# --- rows ---------------------------------------------------------------------------------------------

def _check_statement(segment: Segment, statement: tuple[str, str, str, str, str], terms: Terms, where: Location,
                     report: Report) -> bool:
    subject, relation, obj, value, polarity = statement
    ok = True
    if relation not in terms.vocab.relations:
        report.error("unknown-relation", f"{segment.where}: unknown relation '{relation}'", where,
                     _suggest(relation, terms, ("relation",)))
        ok = False
    for column, ref in (("subject", subject), ("object", obj)):
        if ref and not terms.known(ref):
            report.error("unknown-entity", f"{segment.where}: unknown {column} '{ref}'", where,
                         _suggest(ref, terms, ("subject",)).replace("subject:", ""))
            ok = False
    for stage in segment.stages:
        if stage not in terms.vocab.concepts or not stage.startswith("stage:"):
            report.error("unknown-concept", f"{segment.where}: unknown stage '{stage}'", where,
                         _suggest(stage, terms, ("stage",)))
            ok = False
    if polarity not in ("asserts", "disputes"):
        report.error("bad-polarity", f"{segment.where}: polarity '{polarity}' is not asserts or disputes", where)
        ok = False
    if not obj and not value:
        report.error("empty-value", f"{segment.where}: the statement has no object or value", where)
        ok = False
    return ok


def _evidence(segment: Segment, interview: Interview, plan: Plan) -> tuple[str, str, str]:
    """(evidence, kind, language) as consent allows."""
    quote, paraphrase = clean(segment.quote), clean(segment.paraphrase)
    if interview.consent == "quote" and quote:
        plan.quoted += 1
        return quote, "quote", interview.language
    if interview.consent in ("quote", "paraphrase") and paraphrase:
        plan.paraphrased += 1
        return paraphrase, "paraphrase", interview.language
    plan.withheld += 1
    return WITHHELD, "paraphrase", "en"


def _csv(columns: tuple[str, ...], rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in sorted(rows, key=lambda r: r["id"]):
        writer.writerow([row.get(c, "") for c in columns])
    return out.getvalue().encode("utf-8")


def _rows(plan: Plan, interviews: list[Interview], segments: list[Segment], terms: Terms, shown: Path,
          report: Report) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    prefix = f"int-{plan.slug}-"
    source_ids: dict[str, str] = {}
    sources = []
    for document in sorted(interviews, key=lambda i: (i.key, i.name)):
        document_id = prefix + (document.key or "document")
        if document_id in source_ids.values():
            report.error("duplicate-document", f"{document.where}: another document gives the same id '{document_id}'",
                         Location(shown), "give the documents names that differ in letters or digits")
            continue
        source_ids[document.key] = document_id
        sources.append({
            "id": document_id, "type": "interview", "perspective": document.perspective, "title": clean(document.name),
            "date": document.date, "language": document.language, "interviewee_role": document.role,
            "consent": document.consent, "note": f"imported by tokutei-kg import from {plan.input.name}",
        })
    by_key = {i.key: i for i in interviews}
    claims: dict[str, dict[str, str]] = {}
    seen: dict[tuple[str, ...], str] = {}
    for segment in segments:
        interview = by_key.get(segment.document)
        sid = source_ids.get(segment.document)
        if interview is None or sid is None:
            continue
        where = Location(shown, segment.row)
        statements = [s for s in segment.statements if _check_statement(segment, s, terms, where, report)]
        for index, (subject, relation, obj, value, polarity) in enumerate(statements, start=1):
            key = (sid, subject, relation, obj, value, polarity, segment.locator)
            if key in seen:  # the same passage coded the same way by another coder: one claim, both coders
                note = claims[seen[key]]["note"]
                extra = [c for c in segment.coders if c not in note]
                if extra:
                    claims[seen[key]]["note"] = note.replace("coded by ", f"coded by {', '.join(extra)}, ", 1)
                continue
            cid = f"{sid}-{slugify(segment.key) or f'r{segment.row}'}" + (f"-{index}" if len(statements) > 1 else "")
            if cid in claims:
                report.error("duplicate-segment", f"{segment.where}: claim id '{cid}' is used twice", where,
                             "give every row its own segment value")
                continue
            evidence, kind, lang = _evidence(segment, interview, plan)
            coded = f"coded by {', '.join(segment.coders)}" if segment.coders else "coder not recorded"
            if evidence == WITHHELD:
                coded = f"{WITHHELD_WHY['none' if interview.consent == 'none' else 'paraphrase']}; {coded}"
            if segment.dates:
                coded += f" on {', '.join(segment.dates)}"
            claims[cid] = {
                "id": cid, "subject": subject, "relation": relation, "object": obj, "value": value,
                "stage": "|".join(segment.stages), "polarity": "" if polarity == "asserts" else polarity,
                "source_id": sid, "evidence": evidence, "evidence_kind": kind, "evidence_lang": lang,
                "locator": clean(segment.locator), "note": clean(f"{coded}; {segment.where}"),
            }
            seen[key] = cid
    return sources, list(claims.values())


# --- the plan, checked against the whole curated data -------------------------------------------------

def plan_import(project: Project, path: Path, *, name: str | None = None, shown: Path | None = None,
                mapping: Path | None = None) -> Plan:
    """Everything the import of ``path`` would write, checked; raise on any problem (nothing written)."""
    from ..reader import read_curated

    shown = shown or path
    if not path.exists():
        raise SourceError(Location(shown), "no such file", "give the path of a .qdpx, .csv or .xlsx file")
    if not path.is_file():
        raise SourceError(Location(shown), "not a regular file", "give the path of a .qdpx, .csv or .xlsx file")
    kind = _kind(path)
    slug = _project_name(path, shown, name)
    root = project.root
    plan = Plan(slug, path)
    curated, report = read_curated(root / "graph" / "curated", root)
    if not report.ok:
        raise InputRejected(report)
    terms = _terms(project, curated)
    mapping_file = mapping if mapping is not None else mapping_path(root, slug)
    if mapping is not None and not mapping.is_file():
        raise SourceError(Location(mapping), "no such mapping file")
    from ..errors import display_path

    codes = read_mapping(mapping_file, Path(display_path(mapping_file.absolute())), report)
    if not report.ok:
        raise InputRejected(report)
    source_file, claim_file = targets(root, slug)
    _check_owned(root, [source_file, claim_file], f"int-{slug}-", report)
    reader = _from_qdpx if kind == "qdpx" else _from_sheet
    interviews, segments = reader(path, shown, codes, terms, report, plan)
    sources, claims = _rows(plan, interviews, segments, terms, shown, report)
    if not report.ok:
        raise InputRejected(report)
    plan.sources, plan.claims = len(sources), len(claims)
    new = {source_file: _csv(SOURCE_COLUMNS, sources), claim_file: _csv(CLAIM_COLUMNS, claims)}
    after = _checked(root, new, terms)
    for target, data in new.items():
        if target.is_file() and target.read_bytes() == data:
            plan.unchanged.append(target)
        else:
            plan.files[target] = data
    from .changes import labels_of, status_changes

    relative = {p.relative_to(root) for p in new}
    changes, built = status_changes(after, lambda r: r.origin.path in relative, terms.ontology, terms.vocab)
    plan.changes = changes
    plan.labels = {lang: labels_of(built.dataset, lang) for lang in LANGUAGES}
    return plan


def _check_owned(root: Path, files: list[Path], prefix: str, report: Report) -> None:
    """An import replaces its own files only: refuse if someone added rows of their own to them."""
    for path in files:
        if not path.is_file():
            continue
        try:
            rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")))
        except (UnicodeDecodeError, csv.Error):
            rows = [[], ["?"]]
        for line, cells in enumerate(rows[1:], start=2):
            if cells and cells[0] and not cells[0].startswith(prefix):
                report.error("not-imported", f"row '{cells[0]}' was not written by this import; the file belongs to "
                             "the importer and would be replaced", Location(path.relative_to(root), line, 1),
                             "move hand-written rows to another file (e.g. claims/interviews.csv)")
    if not report.ok:
        raise InputRejected(report)


def _checked(root: Path, new: dict[Path, bytes], terms: Terms) -> Curated:
    """Read and check the curated data as it would be after the import (in a scratch copy)."""
    from ..reader import TABLES, read_curated, table_files
    from ..validate import check_records

    with tempfile.TemporaryDirectory(prefix="tokutei-import-") as scratch:
        copy = Path(scratch)
        curated_dir = root / "graph" / "curated"
        for kind in TABLES:  # the tables the reader reads, regular files only (never a FIFO or a device)
            for table in table_files(curated_dir, kind):
                if table in new or not stat.S_ISREG(os.stat(table).st_mode):
                    continue
                target = copy / table.relative_to(root)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(table.read_bytes())
        documents = root / "graph" / "documents"
        if documents.is_dir():
            (copy / "graph" / "documents").symlink_to(documents.resolve(), target_is_directory=True)
        for path, data in new.items():
            target = copy / path.relative_to(root)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        curated, report = read_curated(copy / "graph" / "curated", copy)
        if report.ok:
            report.extend(check_records(curated, terms.vocab, copy))
        if not report.ok:
            report.error("import-rejected", "the rows this import would write do not pass the checks above "
                         f"(rows numbered as in {', '.join(str(p.relative_to(root)) for p in sorted(new))}); "
                         "nothing was written", None, "fix the input file or the mapping and import again")
            raise InputRejected(report)
        return curated


def write_plan(plan: Plan) -> list[Path]:
    """Write the changed files of ``plan`` together (atomically); return them."""
    from ..atomic import write_files

    if plan.files:
        write_files(plan.files)
    return sorted(plan.files)


def init_mapping(project: Project, path: Path, *, name: str | None = None, shown: Path | None = None
                 ) -> tuple[Path, bytes]:
    """A mapping template for ``path``: every code and group of a .qdpx (with the closest ontology terms
    as a note), or every interviewee role of a sheet."""
    from ..reader import read_curated

    shown = shown or path
    kind = _kind(path)
    slug = _project_name(path, shown, name)
    root = project.root
    curated, _report = read_curated(root / "graph" / "curated", root)
    terms = _terms(project, curated)
    rows: list[tuple[str, str, str]] = []
    if kind == "qdpx":
        from .qdpx import read_qdpx

        qda = read_qdpx(path, shown)
        parents = {c.parent for c in qda.codes.values() if c.parent}
        used = {c.code for s in qda.selections for c in s.codings}
        for code in sorted(qda.codes.values(), key=lambda c: c.path):
            if code.guid in used:
                rows.append(("code", code.path, _suggest(code.path, terms)))
            if code.guid in parents:
                rows.append(("group", code.path, _suggest(code.path, terms, ("stage", "issue"))))
        for set_name, _members in sorted(qda.sets.values()):
            rows.append(("group", set_name, _suggest(set_name, terms, ("stage", "issue"))))
        roles = sorted({d.variables.get("interviewee_role", "") for d in qda.documents.values()
                        if not d.variables.get("perspective")} - {""})
    else:
        from .sheet import read_sheet

        roles = sorted({r.get("interviewee_role", "") for _n, r in read_sheet(path, shown)
                        if not r.get("perspective")} - {""})
    perspectives = ", ".join(terms.vocab.concepts_in("perspective"))
    rows += [("role", role, f"one of {perspectives}") for role in roles]
    return mapping_path(root, slug), template(rows)



_SUMMARY = {
    "en": {
        "imported": "imported {file} as project '{slug}': {n} interview{ns}, {m} claim{ms} (evidence: {q} quoted, "
                    "{p} paraphrased, {w} withheld by consent)",
        "checked": "checked {file} as project '{slug}': {n} interview{ns}, {m} claim{ms} (evidence: {q} quoted, "
                   "{p} paraphrased, {w} withheld by consent)",
        "wrote": "wrote", "unchanged": "unchanged", "would write": "would write", "skipped": "skipped",
        "agreement": "agreement between coders (Cohen's kappa per code, over the characters of the documents both "
                     "coded):",
        "kappa": "{code}: kappa {k}, observed agreement {o} ({a} vs {b}, {n} characters)",
        "n/a": "n/a (no variation)",
        "next": "next: tokutei-kg build (then tokutei-kg evidence --changes)",
    },
    "id": {
        "imported": "{file} diimpor sebagai proyek '{slug}': {n} wawancara, {m} klaim (bukti: {q} kutipan, "
                    "{p} parafrase, {w} ditahan sesuai persetujuan)",
        "checked": "{file} diperiksa sebagai proyek '{slug}': {n} wawancara, {m} klaim (bukti: {q} kutipan, "
                   "{p} parafrase, {w} ditahan sesuai persetujuan)",
        "wrote": "ditulis", "unchanged": "tetap", "would write": "akan ditulis", "skipped": "dilewati",
        "agreement": "kesepakatan antarpengode (kappa Cohen per kode, atas karakter dokumen yang dikode keduanya):",
        "kappa": "{code}: kappa {k}, kesepakatan teramati {o} ({a} vs {b}, {n} karakter)",
        "n/a": "t/a (tanpa variasi)",
        "next": "berikutnya: tokutei-kg build (lalu tokutei-kg evidence --changes)",
    },
    "ja": {
        "imported": "{file} をプロジェクト '{slug}' としてインポートしました: インタビュー {n} 件、主張 {m} 件"
                    "（根拠: 引用 {q}、言い換え {p}、同意により非公開 {w}）",
        "checked": "{file} をプロジェクト '{slug}' として確認しました: インタビュー {n} 件、主張 {m} 件"
                   "（根拠: 引用 {q}、言い換え {p}、同意により非公開 {w}）",
        "wrote": "書き込み", "unchanged": "変更なし", "would write": "書き込み予定", "skipped": "スキップ",
        "agreement": "コーダー間の一致（コードごとの Cohen の κ、両者がコーディングした文書の文字単位）:",
        "kappa": "{code}: κ {k}、観測一致率 {o}（{a} 対 {b}、{n} 文字）",
        "n/a": "算出不可（変動なし）",
        "next": "次に: tokutei-kg build（その後 tokutei-kg evidence --changes）",
    },
}


def summary(plan: Plan, written: list[Path], *, dry_run: bool = False, lang: str = "en") -> list[str]:
    """The import summary as lines, in ``lang`` (en, id or ja; English for a language without a translation)."""
    from ..errors import display_path
    from .changes import render

    text = _SUMMARY.get(lang, _SUMMARY["en"])
    lines = [text["checked" if dry_run else "imported"].format(
        file=display_path(plan.input.absolute()), slug=plan.slug, n=plan.sources, ns="s" if plan.sources != 1 else "",
        m=plan.claims, ms="s" if plan.claims != 1 else "", q=plan.quoted, p=plan.paraphrased, w=plan.withheld)]
    for path in sorted([*plan.files, *plan.unchanged]):
        verb = "unchanged" if path in plan.unchanged else ("would write" if dry_run else "wrote")
        lines.append(f"  {_pad(text[verb], 11)} {display_path(path)}")
    for skipped in plan.skipped:
        lines.append(f"  {_pad(text['skipped'], 11)} {skipped}")
    if plan.agreement:
        lines.append(f"  {text['agreement']}")
        for a in plan.agreement:
            kappa = text["n/a"] if a.kappa is None else f"{a.kappa:.2f}"
            lines.append("    " + text["kappa"].format(code=a.code, k=kappa, o=f"{a.observed:.2f}", a=a.coder_a,
                                                       b=a.coder_b, n=a.units))
    lines += render(plan.changes, plan.labels.get(lang, {}), lang)
    if not dry_run and written:
        lines.append(text["next"])
    return lines


def _pad(word: str, width: int) -> str:
    """``word`` padded to ``width`` display columns (a CJK character takes two)."""
    columns = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in word)
    return word + " " * max(0, width - columns)


def _one_of(words: tuple[str, ...]) -> str:
    """``a, b or c``."""
    return ", ".join(words[:-1]) + " or " + words[-1] if len(words) > 1 else "".join(words)
