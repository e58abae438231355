"""Stage 2: check the records against each other and the ontology; SHACL and QC on the built data.

Every check returns findings (data); nothing here prints or exits.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import Location
from .namespaces import DATE_RELATIONS, SKOS, XSD, curie, entity_iri
from .records import MEASURES, WITHHELD, Claim, Curated, Entity, Observation, PartialDate, Source
from .report import Report
from .terms import check_terms

if TYPE_CHECKING:
    from rdflib import Graph

    from .ontology import Relation, Vocabulary

EVIDENCE_KINDS = ("paraphrase", "quote")
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# What a URL may not contain unescaped (RFC 3986): spaces and controls, and the delimiters that end an
# IRI in Turtle, N-Triples, HTML attributes and Markdown.
_URL_FORBIDDEN = re.compile(r"[\s<>\"{}|\\^`\x00-\x1f\x7f]")
SUB_ORGANIZATION = "org:subOrganizationOf"


def slug(identifier: str) -> str:
    """The IRI segment of an id: lowercase, '_' written as '-'."""
    return identifier.lower().replace("_", "-")


def _suggest(value: str, choices: Iterable[str]) -> str:
    choices = list(choices)
    lowered = {c.lower(): c for c in choices}
    if value.lower() in lowered:
        return f"did you mean '{lowered[value.lower()]}'?"
    close = difflib.get_close_matches(value, choices, n=3, cutoff=0.6)
    return f"did you mean {' or '.join(repr(c) for c in close)}?" if close else ""


_HONORIFICS = frozenset({"mr", "mrs", "ms", "dr", "pak", "bapak", "bu", "ibu", "mas", "mbak", "san", "sama"})


def _looks_like_a_name(role: str, entities: dict[str, Entity]) -> bool:
    """A role is words such as 'manager of an LPK'; a name is capitalised words only, an honorific, or a
    person the graph knows."""
    words = role.replace(".", " ").split()
    if any(w.casefold() in _HONORIFICS for w in words) or role.endswith(("さん", "様", "氏")):
        return True
    if 2 <= len(words) <= 4 and all(w[:1].isupper() and w[1:].islower() for w in words):
        return True
    persons = {label.casefold() for e in entities.values() if e.class_name == "Person" for label in e.labels.values()}
    return role.casefold() in persons


def check_records(curated: Curated, vocab: Vocabulary, root: Path) -> Report:
    report = Report()
    _check_ids(report, "source", curated.sources, lambda r: "source")
    _check_ids(report, "entity", curated.entities, lambda e: vocab.kinds.get(vocab.classes.get(e.class_name, ""), "?"))
    _check_ids(report, "claim", curated.claims, lambda r: "claim")
    _check_ids(report, "observation", curated.observations, lambda r: "observation")
    sources = {s.id: s for s in curated.sources}
    entities = {e.id: e for e in curated.entities}
    checker = _Checker(report, vocab, sources, entities, root)
    for source in curated.sources:
        checker.source(source)
    for entity in curated.entities:
        checker.entity(entity)
    for claim in curated.claims:
        checker.claim(claim)
    for observation in curated.observations:
        checker.observation(observation)
    checker.cycles(curated.claims)
    _check_same_names(report, curated.entities)
    check_terms(report, curated.claims)
    return report


def _check_ids(report: Report, what: str, records: Sequence[Source | Entity | Claim | Observation],
               kind_of: object) -> None:
    by_id: dict[str, Location] = {}
    by_iri: dict[str, tuple[str, Location]] = {}
    for record in records:
        where = record.origin.at("id")
        if record.id in by_id:
            report.error("duplicate-id", f"duplicate {what} id '{record.id}' (first at {by_id[record.id]})",
                         where, "ids must be unique within a kind", record.id)
            continue
        by_id[record.id] = where
        iri = entity_iri(kind_of(record), slug(record.id))  # type: ignore[operator]
        if iri in by_iri:
            other, other_where = by_iri[iri]
            report.error("iri-collision",
                         f"{what} ids '{other}' ({other_where}) and '{record.id}' both map to the IRI {iri}",
                         where, "ids differing only in case or '_'/'-' name the same thing; rename one", record.id)
            continue
        by_iri[iri] = (record.id, where)
        if not SLUG.match(record.id):
            report.error("bad-id", f"{what} id '{record.id}' is not a lowercase slug", where,
                         f"write '{_slugged(record.id)}': lowercase letters, digits and single '-'", record.id)


def _slugged(identifier: str) -> str:
    return re.sub(r"-+", "-", re.sub(r"[^a-z0-9]+", "-", slug(identifier))).strip("-") or "a-lowercase-slug"


def _name_key(name: str) -> str:
    """Two names a reader cannot tell apart: full-width/half-width forms and case unified (NFKC),
    invisible (format) characters such as U+200B dropped."""
    visible = "".join(c for c in name if unicodedata.category(c) != "Cf")
    return unicodedata.normalize("NFKC", visible).casefold()


def _check_same_names(report: Report, entities: Sequence[Entity]) -> None:
    """Warn when a label or alias of one entity differs from another entity's only in width or case:
    a search for one finds the other, and readers cannot tell the two apart."""
    seen: dict[str, tuple[Entity, str, str]] = {}
    for entity in entities:
        names = [(f"label_{lang}", label) for lang, label in entity.labels.items()]
        names += [("aliases", alias) for alias in entity.aliases]
        for column, name in names:
            key = _name_key(name)
            if key not in seen:
                seen[key] = (entity, column, name)
                continue
            other, other_column, other_name = seen[key]
            if other.id != entity.id and other_name != name:
                report.warning("same-name", f"{column} '{name}' of '{entity.id}' looks the same as {other_column} "
                               f"'{other_name}' of '{other.id}' ({other.origin.at(other_column)})",
                               entity.origin.at(column), "use one spelling, or tell the two apart", entity.id)


class _Checker:
    def __init__(self, report: Report, vocab: Vocabulary, sources: dict[str, Source],
                 entities: dict[str, Entity], root: Path) -> None:
        self.report = report
        self.vocab = vocab
        self.sources = sources
        self.entities = entities
        self.root = root
        self.measures: dict[str, tuple[str, str]] = {}  # dataset → (its measure, the first observation giving it)

    def _error(self, record: object, column: str, code: str, message: str, hint: str = "") -> None:
        self.report.error(code, message, record.origin.at(column), hint, record.id)  # type: ignore[attr-defined]

    def _concept(self, record: object, column: str, scheme: str, value: str) -> None:
        key = f"{scheme}:{value}" if ":" not in value else value
        if not key.startswith(f"{scheme}:") or key not in self.vocab.concepts:
            allowed = [k.split(":", 1)[1] for k in self.vocab.concepts_in(scheme)]
            if ":" in value:
                allowed = [f"{scheme}:{a}" for a in allowed]
            hint = _suggest(value, allowed) or f"allowed: {', '.join(allowed)}"
            self._error(record, column, "unknown-concept", f"unknown {scheme} '{value}'", hint)

    def _source_ref(self, record: object, column: str, source_id: str) -> None:
        if source_id and source_id not in self.sources:
            self._error(record, column, "unknown-source", f"unknown source '{source_id}'",
                        _suggest(source_id, self.sources) or "add it to sources.csv first")

    def _entity_ref(self, record: object, column: str, value: str, *, concepts: bool = True) -> Entity | None:
        if ":" in value and concepts:
            scheme = value.split(":", 1)[0]
            if value not in self.vocab.concepts:
                hint = _suggest(value, self.vocab.concepts) or f"see the '{scheme}' scheme in ontology/tokutei.ttl"
                self._error(record, column, "unknown-concept", f"unknown concept '{value}'", hint)
            return None
        if value not in self.entities:
            self._error(record, column, "unknown-entity", f"unknown entity '{value}'",
                        _suggest(value, self.entities) or "add it to entities.csv first")
            return None
        return self.entities[value]

    def source(self, source: Source) -> None:
        self._concept(source, "type", "sourcetype", source.type)
        self._concept(source, "perspective", "perspective", source.perspective)
        if source.reliability:
            self._concept(source, "reliability", "reliability", source.reliability)
        if source.type == "interview":
            for column in ("interviewee_role", "consent"):
                if not getattr(source, column):
                    self._error(source, column, "interview-incomplete", f"an interview needs {column}")
            if source.consent:
                self._concept(source, "consent", "consent", source.consent)
            if source.interviewee_role and _looks_like_a_name(source.interviewee_role, self.entities):
                self._error(source, "interviewee_role", "interviewee-named",
                            f"interviewee_role '{source.interviewee_role}' looks like a personal name",
                            "give the role the interviewee speaks from, e.g. 'manager of a training institution'")
            if source.date is None:
                self._error(source, "date", "interview-incomplete", "an interview needs its date")
        elif not source.url and not source.document:
            self._error(source, "url", "no-address", "a source needs a url or a document",
                        "give the address, or the path of a copy under graph/documents/")
        if source.url:
            self._url(source)
        self._derivation(source)
        if source.document:
            path = (self.root / source.document).resolve()
            documents = (self.root / "graph" / "documents").resolve()
            if not path.is_relative_to(documents) or not path.is_file():
                self._error(source, "document", "bad-document", f"no document at {source.document}",
                            "copies of documents live under graph/documents/")

    def _derivation(self, source: Source) -> None:
        """``derived_from`` names sources or documents (entities), never the source itself or a loop."""
        for original in source.derived_from:
            if original not in self.sources and original not in self.entities:
                self._error(source, "derived_from", "unknown-origin", f"unknown source or entity '{original}'",
                            _suggest(original, [*self.sources, *self.entities]) or "name a source id or an entity id")
        seen, stack = set(), list(source.derived_from)
        while stack:
            current = stack.pop()
            if current == source.id:
                self._error(source, "derived_from", "derivation-cycle",
                            f"source '{source.id}' derives from itself through derived_from",
                            "a source repeats an original; the original does not repeat it")
                return
            if current not in seen and current in self.sources:
                seen.add(current)
                stack.extend(self.sources[current].derived_from)

    def _url(self, source: Source) -> None:
        from urllib.parse import urlsplit

        url = source.url
        bad = _URL_FORBIDDEN.search(url)
        if not url.startswith(("http://", "https://")):
            self._error(source, "url", "bad-url", f"'{url}' is not an http(s) address")
        elif bad:
            shown = "a space" if bad.group() == " " else f"'{bad.group()}'" if bad.group().isprintable() \
                else f"U+{ord(bad.group()):04X}"
            self._error(source, "url", "bad-url", f"the url contains {shown} at character {bad.start() + 1}",
                        "percent-encode it (a space is %20, < is %3C, > is %3E, \" is %22)")
        elif not urlsplit(url).hostname:
            self._error(source, "url", "bad-url", f"'{url}' has no host name")

    def entity(self, entity: Entity) -> None:
        cls = self.vocab.classes.get(entity.class_name)
        if cls is None:
            self._error(entity, "class", "unknown-class", f"unknown class '{entity.class_name}'",
                        _suggest(entity.class_name, self.vocab.classes) or "see the classes in graph/README.md")
        elif self.vocab.kinds[cls] == "institution" and not entity.country:
            self._error(entity, "country", "no-country", f"institution '{entity.id}' needs a country")
        if entity.country:
            country = self._entity_ref(entity, "country", entity.country, concepts=False)
            if country is not None and country.class_name != "Country":
                self._error(entity, "country", "not-a-country", f"'{entity.country}' is not a Country")
        for source_id in entity.source_ids:
            self._source_ref(entity, "source_ids", source_id)

    def claim(self, claim: Claim) -> None:
        self._entity_ref(claim, "subject", claim.subject)
        self._source_ref(claim, "source_id", claim.source_id)
        relation = self.vocab.relations.get(claim.relation)
        if relation is None:
            self._error(claim, "relation", "unknown-relation", f"unknown relation '{claim.relation}'",
                        _suggest(claim.relation, self.vocab.relations) or "see the relations in graph/README.md")
        elif relation.is_object:
            self._object(claim, relation)
        else:
            self._value(claim, relation.iri, relation.range)
        for stage in claim.stages:
            self._concept(claim, "stage", "stage", stage)
        for column, scheme in (("role", "role"), ("polarity", "polarity"), ("confidence", "confidence")):
            value = getattr(claim, column)
            if value:
                self._concept(claim, column, scheme, value)
        if claim.evidence_kind not in EVIDENCE_KINDS:
            self._error(claim, "evidence_kind", "bad-evidence-kind", f"unknown evidence_kind '{claim.evidence_kind}'",
                        "use 'quote' or 'paraphrase'")
        source = self.sources.get(claim.source_id)
        if source and source.consent == "none" and claim.evidence != WITHHELD:
            self._error(claim, "evidence", "consent", f"source '{source.id}' may not be cited (consent: none)",
                        f"store the evidence as withheld: write exactly '{WITHHELD}' in the evidence column")
        if source and claim.evidence_kind == "quote" and source.consent in ("paraphrase", "none"):
            self._error(claim, "evidence_kind", "consent", f"source '{source.id}' may not be quoted verbatim "
                        f"(consent: {source.consent})", "paraphrase the evidence and set evidence_kind to paraphrase")

    def _object(self, claim: Claim, relation: Relation) -> None:
        if claim.value:
            self._error(claim, "value", "value-for-object-relation",
                        f"'{claim.relation}' links to an entity or concept; put it in 'object', not 'value'")
        if not claim.object:
            self._error(claim, "object", "empty-value", f"'{claim.relation}' needs an object")
            return
        if claim.object == claim.subject:
            self._error(claim, "object", "self-relation", f"'{claim.subject}' {claim.relation} itself",
                        "a relation links two different things; check subject and object")
            return
        target = self._entity_ref(claim, "object", claim.object)
        if not relation.domains and not relation.ranges:
            return
        self._fits(claim, "subject", self.entities.get(claim.subject), relation.domains, "start from")
        if target is not None or claim.object in self.vocab.concepts:
            self._fits(claim, "object", target, relation.ranges, "point to")

    def _classes_of(self, entity: Entity | None) -> tuple[str, frozenset[str]]:
        """The class name shown for ``entity`` (None: a concept) and every class it belongs to."""
        if entity is None:
            return "skos:Concept", frozenset({SKOS + "Concept"})
        cls = self.vocab.classes.get(entity.class_name, "")
        return curie(cls), self.vocab.ancestors.get(cls, frozenset())

    def _fits(self, claim: Claim, column: str, entity: Entity | None, required: tuple[str, ...], verb: str) -> None:
        """The subject (object) must belong to every rdfs:domain (rdfs:range) class of the relation."""
        value = getattr(claim, column)
        if entity is None and value not in self.vocab.concepts:
            return  # unknown: reported already
        shown, classes = self._classes_of(entity)
        if entity is not None and not classes:
            return  # unknown class: reported already
        missing = [r for r in required if r not in classes]
        if missing:
            code = "domain" if column == "subject" else "range"
            self._error(claim, column, code, f"{claim.relation} must {verb} a {curie(missing[0])}, but "
                        f"'{value}' is a {shown}", f"use another relation, or another {column}")

    def cycles(self, claims: Sequence[Claim]) -> None:
        """An organisation cannot be (indirectly) a sub-organization of itself."""
        parents: dict[str, list[tuple[str, Claim]]] = {}
        for claim in claims:
            if claim.relation == SUB_ORGANIZATION and claim.polarity != "disputes" and claim.object \
                    and claim.object != claim.subject:
                parents.setdefault(claim.subject, []).append((claim.object, claim))
        reported: set[frozenset[str]] = set()
        for claim in claims:
            if claim.relation != SUB_ORGANIZATION or claim.subject not in parents:
                continue
            loop = _path(parents, claim.object, claim.subject)
            if loop is None or (key := frozenset([claim.subject, *loop])) in reported:
                continue
            reported.add(key)
            chain = " → ".join([claim.subject, *loop])
            self._error(claim, "object", "cycle", f"org:subOrganizationOf makes a cycle: {chain}",
                        "an organisation cannot be part of itself; check the direction of these claims")

    def _value(self, claim: Claim, iri: str, range_: str) -> None:
        if claim.object:
            self._error(claim, "object", "object-for-data-relation",
                        f"'{claim.relation}' takes a literal; put it in 'value', not 'object'")
        if not claim.value:
            self._error(claim, "value", "empty-value", f"'{claim.relation}' needs a value")
            return
        if iri in DATE_RELATIONS:
            try:
                PartialDate.parse(claim.value)
            except ValueError as exc:
                self._error(claim, "value", "bad-date", str(exc), "write e.g. 2019-06-25, 2019-06 or 2019")
        elif range_ == XSD + "integer" and not (claim.value.isascii() and claim.value.isdigit()):
            self._error(claim, "value", "bad-integer", f"'{claim.value}' is not a whole number",
                        "write digits only, without separators")
        elif range_.endswith("#langString") and not claim.value_lang:
            self._error(claim, "value_lang", "empty-value", f"'{claim.relation}' needs value_lang")

    def observation(self, observation: Observation) -> None:
        dataset = self._entity_ref(observation, "dataset", observation.dataset, concepts=False)
        if dataset is not None and dataset.class_name != "StatisticalDataset":
            self._error(observation, "dataset", "not-a-dataset", f"'{observation.dataset}' is not a StatisticalDataset")
        if observation.nationality != "all":
            country = self._entity_ref(observation, "nationality", observation.nationality, concepts=False)
            if country is not None and country.class_name != "Country":
                self._error(observation, "nationality", "not-a-country",
                            f"'{observation.nationality}' is not a Country")
        category = self._entity_ref(observation, "category", observation.category, concepts=False)
        if category is not None:
            kind = self.vocab.kinds.get(self.vocab.classes.get(category.class_name, ""), "")
            if kind != "programme":
                self._error(observation, "category", "not-a-programme",
                            f"'{observation.category}' is not a programme or residence status")
        self._source_ref(observation, "source_id", observation.source_id)
        if observation.measure not in MEASURES:
            self._error(observation, "measure", "unknown-measure", f"unknown measure '{observation.measure}'",
                        f"allowed: {', '.join(MEASURES)}")
        start = observation.period_start
        if start is not None and start.first_day() > observation.period.first_day():
            self._error(observation, "period_start", "bad-period",
                        f"the period starts ({start.text}) after it ends ({observation.period.text})")
        measure = self.measures.setdefault(observation.dataset, (observation.measure, observation.id))
        if measure[0] != observation.measure:
            self._error(observation, "measure", "mixed-measures",
                        f"dataset '{observation.dataset}' counts {measure[0]} (observation {measure[1]}), "
                        f"not {observation.measure}",
                        "one dataset, one measure: file other counts in a dataset of their own")


def _path(parents: dict[str, list[tuple[str, Claim]]], start: str, goal: str) -> list[str] | None:
    """The first path ``start`` → … → ``goal`` along sub-organization links (depth first, file order)."""
    stack: list[tuple[str, list[str]]] = [(start, [start])]
    seen: set[str] = set()
    while stack:
        node, path = stack.pop()
        if node == goal:
            return path
        if node in seen:
            continue
        seen.add(node)
        stack.extend((parent, [*path, parent]) for parent, _ in reversed(parents.get(node, [])))
    return None


def check_shapes(data: Graph, shapes: Graph, index: dict[str, Location]) -> Report:
    """Run pySHACL over the union graph; map each result back to the CSV row it came from."""
    import pyshacl
    from rdflib import URIRef
    from rdflib.namespace import SH

    _conforms, results, _text = pyshacl.validate(
        data, shacl_graph=shapes, inference="none", advanced=False, allow_warnings=True
    )
    report = Report()
    for result in sorted(results.subjects(URIRef(SH + "resultSeverity"), None), key=str):
        focus = str(results.value(result, SH.focusNode))
        path = results.value(result, SH.resultPath)
        message = results.value(result, SH.resultMessage)
        value = results.value(result, SH.value)
        severity = results.value(result, SH.resultSeverity)
        text = f"{message or 'shape violated'}"
        if path is not None:
            text += f" [{_short(str(path))}]"
        if value is not None:
            text += f" (value: {value})"
        record = index.get(focus)
        if severity == SH.Violation:
            report.error("shacl", text, record, focus=focus)
        else:
            report.warning("shacl", text, record, focus=focus)
    return report


def _short(iri: str) -> str:
    from .namespaces import curie

    return curie(iri)


def run_checks(ontology_path: Path, checks: Sequence[Path], *, root: Path | None = None) -> Report:
    """Run the QC ``*-violation.rq`` queries over the ontology: every row is an error, named by its
    check file (relative to the project ``root`` when given, as the record findings are).

    The ontology is loaded as the named graph it has in the built dataset, and each check is run by
    :func:`tokutei_kg.query.run`, as ``tokutei-kg query <check>`` runs it there: the two agree."""
    import pyoxigraph as ox

    from .namespaces import GRAPH_ONTOLOGY
    from .query import QueryText, run

    store = ox.Store()
    store.load(ontology_path.read_bytes(), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(GRAPH_ONTOLOGY))
    report = Report()
    for check in checks:
        name = check.name.removesuffix("-violation.rq")
        where = Location(check.relative_to(root) if root is not None and check.is_relative_to(root) else check)
        solutions = run(store, QueryText(check.read_text(encoding="utf-8"), str(check), check.stem))
        if not isinstance(solutions, ox.QuerySolutions):
            report.error(f"qc:{name}", f"QC check '{name}' is not a SELECT query", where)
            continue
        variables = [v.value for v in solutions.variables]
        for solution in solutions:
            cells = ", ".join(f"{v}={_cell(solution[v])}" for v in variables if solution[v] is not None)
            report.error(f"qc:{name}", f"QC check '{name}' failed: {cells}", where)
    return report


def _cell(term: object) -> str:
    from .namespaces import curie

    value = getattr(term, "value", str(term))
    return curie(value) if value.startswith("http") else value


def check_shapes_on_store(store: object, shapes: Graph, index: dict[str, Location]) -> Report:
    """The same findings as :func:`check_shapes`, evaluated on the Oxigraph store by :mod:`.shacl`
    (seconds instead of minutes at 10⁶ triples). Raises ``shacl.Unsupported`` for shapes outside its
    subset: then use :func:`check_shapes`."""
    from .shacl import validate as evaluate

    report = Report()
    for result in evaluate(store, shapes):  # type: ignore[arg-type]
        focus = result.focus.value if hasattr(result.focus, "value") else str(result.focus)
        text = result.message or "shape violated"
        if result.path is not None:
            text += f" [{_short(result.path)}]"
        if result.value is not None:
            text += f" (value: {getattr(result.value, 'value', result.value)})"
        record = index.get(focus)
        if result.violation:
            report.error("shacl", text, record, focus=focus)
        else:
            report.warning("shacl", text, record, focus=focus)
    return report
