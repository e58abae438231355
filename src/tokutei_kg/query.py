"""Stage 4: run SPARQL over the built dataset with Oxigraph, safely, and format the answers.

User queries are read-only: updates, ``SERVICE`` and ``FROM``/``FROM NAMED`` on anything but the
dataset's own graphs are refused before the engine sees them. Parameters are bound through the
engine (``substitutions``), never pasted into the query text.

Two independent lines keep ``SERVICE`` from calling out (issue 12.1):

1. :func:`check_read_only` decides on a parse, not on a private tokenizer. The text is first
   normalised so that every parser reads the same characters (CR and CRLF become LF; ``\\uXXXX`` and
   ``\\UXXXXXXXX`` escapes are decoded, as SPARQL 1.1 §19.2 says, before parsing) and the normalised
   text is what the engine runs. A text with ``service`` anywhere in it (any case, even in a comment
   or a string) is parsed with rdflib's SPARQL parser (imported only then) and refused when the
   parse has a ``SERVICE`` pattern — or when rdflib cannot parse it at all: what the checker cannot
   read is not run.
2. The engine runs user queries in a thread (or, in ``serve``, a worker process) that cannot open an
   internet socket (:mod:`tokutei_kg.nonet`), so a ``SERVICE`` any checker missed reaches nothing.
"""

from __future__ import annotations

import difflib
import functools
import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar, cast, overload

import pyoxigraph as ox

from .errors import QueryError, QueryNotFound
from .namespaces import BASE, ID, PREFIXES, curie
from .nonet import network_denied, without_network

if TYPE_CHECKING:
    from .built import Built

T = TypeVar("T")

Result = ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples
"""Oxigraph's answer to a query as the engine gives it: solutions, a boolean, or triples (lazily)."""
Answer = Result | list[ox.Triple] | list[ox.Quad]
"""An answer handed back whole: the triples of a CONSTRUCT read in full (here, or from an endpoint) as a list."""

QUERY_FOLDERS = ("cq", "reports", "checks")
CHECK_SUFFIX = "-violation"  # sparql/checks/*-violation.rq: any row is a failure
FORMATS = ("table", "csv", "tsv", "json", "md")

_TOKEN = re.compile(
    r"""
    (?P<comment>\#[^\n]*)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
              |'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<word>[A-Za-z_][A-Za-z0-9_\-]*(?::[A-Za-z0-9_\-.]*)?|:[A-Za-z0-9_\-.]*)
  | (?P<var>[?$][A-Za-z0-9_]+)
  | (?P<other>\S)
    """,
    re.VERBOSE | re.DOTALL,
)
_UPDATE_WORDS = {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"}


@dataclass(frozen=True)
class QueryText:
    """A query with where it came from (a library name, a file, or the command line)."""

    text: str
    origin: str  # file path, or "<inline>"
    name: str = ""


@dataclass(frozen=True)
class Token:
    kind: str
    value: str
    line: int
    column: int


def tokens(text: str) -> Iterator[Token]:
    """SPARQL tokens with comments, strings and IRIs recognised, so keywords are found only as keywords."""
    return iter(_tokenized(text))


@functools.lru_cache(maxsize=64)
def _tokenized(text: str) -> tuple[Token, ...]:
    """The tokens of ``text``, once: the read-only check, the parameter check and the FROM check of one
    query (and a served query asked again) share them."""
    found = []
    line, line_start = 1, 0
    for match in _TOKEN.finditer(text):
        start = match.start()
        line += text.count("\n", line_start, start)
        last_newline = text.rfind("\n", 0, start)
        line_start = start
        found.append(Token(match.lastgroup or "other", match.group(), line, start - last_newline))
    return tuple(found)


def check_read_only(query: QueryText, *, parse: bool = True) -> str:
    """Refuse updates, SERVICE and FROM outside the dataset, naming line and column. Returns the
    normalised text: the one to run (see the module's docstring). ``parse=False`` skips the parse
    (``serve``'s HTTP threads: the worker process that runs the query parses it, within the time limit)."""
    text = normalise(query)
    significant = [t for t in tokens(text) if t.kind != "comment"]
    _check_shape(query, significant)
    for index, token in enumerate(significant):
        if token.kind != "word":
            continue
        word = token.value.upper()
        if word == "SERVICE":
            _refuse(query, token, SERVICE_REFUSED)
        if word in _UPDATE_WORDS:
            _refuse(query, token, f"{word} is an update: queries are read-only")
        if word == "FROM":
            following = significant[index + 1:index + 3]
            if following and following[0].kind == "word" and following[0].value.upper() == "NAMED":
                following = following[1:]
            target = following[0] if following else token
            if target.kind != "iri" or not target.value[1:].startswith(BASE):
                _refuse(query, target, f"FROM {target.value} is not allowed: "
                                       "queries may only name graphs of the built dataset")
    if parse and _MENTIONS_SERVICE.search(text):
        _check_parse(query, text)
    return text


SERVICE_REFUSED = "SERVICE is not allowed: queries may not call other endpoints"
# Oxigraph parses recursively: about 2,200 nested braces or 6,500 UNIONs overflow an 8 MiB stack and
# kill the process (a segfault, not an exception); these limits keep well below.
MAX_DEPTH = 200
MAX_UNIONS = 1000
_MENTIONS_SERVICE = re.compile("service", re.IGNORECASE | re.ASCII)
_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


def _check_shape(query: QueryText, significant: list[Token]) -> None:
    """Refuse nesting and UNION chains deep enough to overflow the engine's stack (see MAX_DEPTH)."""
    depth = unions = 0
    for token in significant:
        if token.kind == "other":
            depth += 1 if token.value in "{([" else -1 if token.value in "})]" else 0
            if depth > MAX_DEPTH:
                _refuse(query, token, f"the query nests brackets more than {MAX_DEPTH} deep", "simplify it")
        elif token.kind == "word" and token.value.upper() == "UNION":
            unions += 1
            if unions > MAX_UNIONS:
                _refuse(query, token, f"the query has more than {MAX_UNIONS:,} UNIONs",
                        "list alternatives with VALUES instead")


def normalise(query: QueryText) -> str:
    """The text every parser reads alike: LF line ends, ``\\u``/``\\U`` escapes decoded (SPARQL 1.1 §19.2)."""
    text = query.text.replace("\r\n", "\n").replace("\r", "\n")
    if "\\u" not in text and "\\U" not in text:
        return text

    def decode(match: re.Match[str]) -> str:
        code = int(match.group(1) or match.group(2), 16)
        if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF or code == 0x5C:
            line = text.count("\n", 0, match.start()) + 1
            column = match.start() - text.rfind("\n", 0, match.start())
            raise QueryError(f"the escape {match.group()} is not allowed here", origin=query.origin, line=line,
                             column=column, hint="write the character itself")
        return chr(code)

    return _ESCAPE.sub(decode, text)


def _check_parse(query: QueryText, text: str) -> None:
    """rdflib's parse of a text that mentions SERVICE: refuse a SERVICE pattern, or a text it cannot parse."""
    from pyparsing import ParseBaseException
    from rdflib.plugins.sparql.parser import parseQuery

    try:
        tree = parseQuery(text)
    except ParseBaseException as exc:
        raise QueryError(f"the query mentions SERVICE and cannot be checked: {_one_line(exc.msg, 80)}",
                         origin=query.origin, line=exc.lineno, column=exc.col,
                         hint="SERVICE is not allowed; remove the word (also from comments and strings) or fix "
                              "the syntax") from None
    except RecursionError:
        raise QueryError("the query is nested too deeply to be checked", origin=query.origin) from None
    stack: list[object] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if getattr(node, "name", "") == "ServiceGraphPattern":
                _refuse(query, _position(text, "SERVICE"), SERVICE_REFUSED)
            stack.extend(node.values())
        elif isinstance(node, (list, tuple)) or type(node).__name__ == "ParseResults":
            stack.extend(node)  # type: ignore[arg-type]


def _refuse(query: QueryText, token: Token, message: str, hint: str = "") -> None:
    raise QueryError(message, origin=query.origin, line=token.line, column=token.column, hint=hint)


def _position(text: str, word: str) -> Token:
    """Where ``word`` first appears as a keyword (for the message), else where it first appears at all."""
    for token in tokens(text):
        if token.kind == "word" and token.value.upper() == word:
            return token
    match = re.search(word, text, re.IGNORECASE | re.ASCII)
    start = match.start() if match else 0
    line = text.count("\n", 0, start) + 1
    return Token("word", word, line, start - text.rfind("\n", 0, start))


def library(sparql: Path) -> dict[str, Path]:
    """Named queries: the stem of every ``.rq`` under ``sparql/cq``, ``sparql/reports``, ``sparql/checks``."""
    found: dict[str, Path] = {}
    for folder in QUERY_FOLDERS:
        for path in sorted((sparql / folder).glob("*.rq")):
            found.setdefault(path.stem, path)
    return found


def is_check(name: str) -> bool:
    """Whether a query (by library name or file stem) is a QC check: any row it returns is a failure."""
    return name.endswith(CHECK_SUFFIX)


def resolve(spec: str, sparql: Path) -> QueryText:
    """The CLI's QUERY argument: the path of a ``.rq`` file, else a library name."""
    if spec.endswith(".rq") or Path(spec).suffix == ".rq":
        return from_file(spec)
    return named(spec, sparql)


def from_file(path: str | Path) -> QueryText:
    """The query in the file at ``path``."""
    file = Path(path)
    if not file.is_file():
        raise QueryError(f"no query file at {path}")
    return QueryText(_read(file), str(file), file.stem)


def named(name: str, sparql: Path) -> QueryText:
    """The library query ``name`` (see :func:`library`); :class:`QueryNotFound` with close names otherwise."""
    queries = library(sparql)
    if name in queries:
        return QueryText(_read(queries[name]), str(queries[name]), name)
    raise QueryNotFound(name, difflib.get_close_matches(name, list(queries), n=3, cutoff=0.5))


def _read(path: Path) -> str:
    """The query text (UTF-8; a byte-order mark from Windows editors is dropped)."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = len(data[data.rfind(b"\n", 0, exc.start) + 1:exc.start].decode("utf-8", "replace")) + 1
        raise QueryError(f"not UTF-8: byte 0x{data[exc.start]:02x} cannot be decoded", origin=str(path), line=line,
                         column=column, hint="save the query as UTF-8") from None


def parse_binding(text: str, store: ox.Store | None = None) -> tuple[str, ox.NamedNode | ox.Literal]:
    """``name=value`` as ``--bind`` takes it; the value as :func:`bind_value` reads it."""
    name, sep, value = text.partition("=")
    name = name.strip().lstrip("?$")
    if not sep or not _VARIABLE.fullmatch(name):
        raise QueryError(f"bad --bind '{_visible(text)}'", hint="write name=value, e.g. --bind actor=kemnaker")
    return bind_value(name, value, store, given=f"--bind '{_visible(text)}'")


def bind_value(name: str, value: str, store: ox.Store | None = None, *,
               given: str = "") -> tuple[str, ox.NamedNode | ox.Literal]:
    """A variable (``name``, ``?name`` or ``$name``) and its value: ``<iri>``, ``prefix:local`` (project
    prefixes and concepts ``stage:matching``), an entity id (``kemnaker``), an integer, or else a plain
    literal. ``given`` names the binding in an error (default: as ``bind=`` of
    :meth:`tokutei_kg.api.KG.query` takes it)."""
    given = given or f"bind={{{name!r}: {value!r}}}"
    name = name.strip().lstrip("?$")
    if not _VARIABLE.fullmatch(name):
        raise QueryError(f"bad {_visible(given)}: '{_visible(name)}' is not a variable name",
                         hint="name a variable of the query: a letter or _, then letters, digits or _")
    if value.startswith("<") and value.endswith(">"):
        return name, _iri(given, value[1:-1])
    prefix, colon, local = value.partition(":")
    if colon and prefix in PREFIXES:
        return name, _iri(given, PREFIXES[prefix] + local)
    if colon and re.fullmatch(r"[a-z]+", prefix) and re.fullmatch(r"[a-z0-9-]+", local):
        return name, ox.NamedNode(f"{ID}{prefix}/{local}")
    if re.fullmatch(r"-?\d+", value):
        return name, ox.Literal(value, datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))
    if store is not None:
        entity = lookup_entity(store, value)
        if entity is not None:
            return name, entity
    return name, ox.Literal(value)


_VARIABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _visible(text: str) -> str:
    """``text`` for a one-line message: control and other invisible characters as escapes."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


def _iri(given: str, iri: str) -> ox.NamedNode:
    try:
        return ox.NamedNode(iri)
    except ValueError as exc:
        raise QueryError(f"bad {given}: '{_visible(iri)}' is not an IRI ({exc})",
                         hint="write an absolute IRI such as <https://w3id.org/tokutei-kg/id/institution/kemnaker>, "
                              "or an entity id") from None


def lookup_entity(store: ox.Store, identifier: str) -> ox.NamedNode | None:
    identifier_of = ox.NamedNode("http://purl.org/dc/terms/identifier")
    for quad in store.quads_for_pattern(None, identifier_of, ox.Literal(identifier)):
        if isinstance(quad.subject, ox.NamedNode) and "/id/" in quad.subject.value:
            kind = quad.subject.value[len(ID):].split("/", 1)[0]
            if kind not in ("claim", "source", "observation"):
                return quad.subject
    return None


def names_dataset(text: str) -> bool:
    """Whether the query names its own dataset (``FROM`` / ``FROM NAMED``), e.g. the QC checks'
    ``FROM <…/graph/ontology>``: then that dataset is used, not the union of every graph."""
    return any(t.kind == "word" and t.value.upper() == "FROM" for t in tokens(text))


def query_variables(text: str) -> set[str]:
    return {t.value[1:] for t in tokens(text) if t.kind == "var"}


def query_dataset(built: Built, query: QueryText, binds: Iterable[str] | Mapping[str, str] = (), *,
                  consume: Callable[[Result], T]) -> T:
    """The ``query`` stage: run ``query`` on the built dataset as it stands (``built.at(day)`` for --as-of),
    binding ``binds`` — ``--bind``'s ``name=value`` texts (:func:`parse_binding`) or a mapping of name to
    value (:func:`bind_value`); entity ids are looked up in ``built``. ``consume`` renders or converts the
    result in the engine's thread (:func:`run`)."""
    if isinstance(binds, Mapping):
        bindings = dict(bind_value(name, value, built.store) for name, value in binds.items())
    else:
        bindings = dict(parse_binding(text, built.store) for text in binds)
    return run(built.store, query, bindings, consume=consume)


@overload
def run(store: ox.Store, query: QueryText, bindings: Mapping[str, ox.NamedNode | ox.Literal] | None = None,
        consume: None = None) -> Answer: ...


@overload
def run(store: ox.Store, query: QueryText, bindings: Mapping[str, ox.NamedNode | ox.Literal] | None,
        consume: Callable[[Result], T]) -> T: ...


@overload
def run(store: ox.Store, query: QueryText, bindings: Mapping[str, ox.NamedNode | ox.Literal] | None = None, *,
        consume: Callable[[Result], T]) -> T: ...


def run(store: ox.Store, query: QueryText, bindings: Mapping[str, ox.NamedNode | ox.Literal] | None = None,
        consume: Callable[[Result], T] | None = None) -> object:
    """The engine under the ``query`` stage (:func:`query_dataset`) and ``serve``'s worker processes, which
    hold a raw store (``serve/engine.py``). Run a read-only query over the union of the dataset's graphs,
    or over the graphs it names with ``FROM`` (the dataset must be one of ours: :func:`check_read_only`),
    in a thread without network.

    With ``consume``, its value for the result (called in that thread: render or convert there, no
    copy). Without: in a thread that already has no network (a ``serve`` worker) Oxigraph's own lazy
    result; elsewhere the result evaluated in full and handed back as the same kinds (``QuerySolutions``
    or ``QueryBoolean`` read back from SPARQL JSON results; a list of triples)."""
    if query.text.startswith("\ufeff"):  # a byte-order mark pasted or saved with the query
        query = QueryText(query.text[1:], query.origin, query.name)
    if not query.text.strip() or all(t.kind == "comment" for t in tokens(query.text)):
        raise QueryError("the query is empty", origin=query.origin,
                         hint="write a SELECT, ASK, CONSTRUCT or DESCRIBE query")
    text = check_read_only(query)
    bindings = dict(bindings or {})
    unknown = sorted(set(bindings) - query_variables(text))
    if unknown:
        raise QueryError(f"the query has no parameter ?{unknown[0]}",
                         hint=f"its variables: {', '.join('?' + v for v in sorted(query_variables(text)))}")

    def evaluate(materialise: bool) -> object:
        try:
            result = store.query(text, use_default_graph_as_union=not names_dataset(text), prefixes=dict(PREFIXES),
                                 substitutions={ox.Variable(k): v for k, v in bindings.items()})
            if consume is not None:
                return consume(result)
            if not materialise:
                return result
            if isinstance(result, ox.QueryTriples):
                return list(result)
            return result.serialize(format=ox.QueryResultsFormat.JSON)
        except (SyntaxError, RuntimeError, OSError) as exc:
            raise failure(query, exc, sorted(bindings)) from None

    if network_denied():
        return evaluate(False)
    if consume is not None:
        return without_network(lambda: evaluate(True))
    evaluated = without_network(lambda: evaluate(True))
    if isinstance(evaluated, bytes):  # solutions or a boolean, as SPARQL JSON results
        return ox.parse_query_results(evaluated, format=ox.QueryResultsFormat.JSON)
    return evaluated  # the triples of a CONSTRUCT or DESCRIBE


def failure(query: QueryText, exc: Exception, bound: list[str] | None = None) -> QueryError:
    """The one-line error for what Oxigraph raised while parsing or evaluating ``query``."""
    if isinstance(exc, SyntaxError):
        return _syntax_error(query, str(exc))
    if isinstance(exc, PermissionError):  # the engine tried to open a socket: a SERVICE no check caught
        return QueryError(f"{SERVICE_REFUSED} (the query engine has no network)", origin=query.origin)
    if "SELECT projection" in str(exc) and bound:
        return QueryError(f"a bound parameter must appear in the SELECT clause (SELECT … ?{bound[0]} …)",
                          origin=query.origin, hint="Oxigraph binds only projected variables")
    return QueryError(_one_line(str(exc)), origin=query.origin)


def _syntax_error(query: QueryText, message: str) -> QueryError:
    match = re.match(r"error at (\d+):(\d+): (.*)", message, re.DOTALL)
    if match:
        line, column, rest = int(match.group(1)), int(match.group(2)), match.group(3)
        if "Prefix not found" in rest:
            prefix = _prefix_before(query.text, line, column)
            return QueryError(f"undeclared prefix{f' {prefix}:' if prefix is not None else ''}", origin=query.origin,
                              line=line, column=column,
                              hint=f"declare it with PREFIX, or use one of {', '.join(PREFIXES)}")
        found = _found_at(query.text, line, column)
        return QueryError(f"syntax error at {found}: {_expected(rest)}", origin=query.origin, line=line,
                          column=column)
    return QueryError(f"syntax error: {_one_line(message)}", origin=query.origin)


def _line_of(text: str, line: int) -> str:
    lines = text.split("\n")
    return lines[line - 1] if 0 < line <= len(lines) else ""


def _prefix_before(text: str, line: int, column: int) -> str | None:
    """The prefix of the prefixed name that ends where Oxigraph reports an unknown prefix."""
    match = re.search(r"([A-Za-z][\w.-]*)?:[\w.-]*$", _line_of(text, line)[: column - 1])
    return match.group(1) or "" if match else None


def _found_at(text: str, line: int, column: int) -> str:
    """What stands at ``line:column``: a quoted token, 'end of line' or 'end of query'."""
    token = re.match(r"\s*(\w+|\S)", _line_of(text, line)[column - 1:])
    if token:
        return repr(token.group(1))
    return "end of line" if any(later.strip() for later in text.split("\n")[line:]) else "end of query"


def _expected(rest: str, limit: int = 8) -> str:
    """Oxigraph's 'expected one of …' without its character classes ([_], ['0'..='9']); a phrase as is."""
    items = [item for item in re.split(r", (?=\S)", rest.removeprefix("expected one of ").removeprefix("expected "))
             if item and not item.startswith("[")]
    phrases = [item for item in items if " " in item and not item.startswith('"')]
    if phrases:
        return _one_line(phrases[0])
    if not items:
        return "unexpected input"
    shown = ", ".join(items[:limit]) + (", …" if len(items) > limit else "")
    return f"expected {shown}" if len(items) == 1 else f"expected one of {shown}"


def _one_line(message: str, limit: int = 160) -> str:
    text = " ".join(message.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- formatting -------------------------------------------------------------------------------

_LABEL_PREDICATES = (ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"),
                     ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel"))


_ALL_LABELS = """SELECT ?x ?label ?lang WHERE {
  { ?x <http://www.w3.org/2000/01/rdf-schema#label> ?label }
  UNION { ?x <http://www.w3.org/2004/02/skos/core#prefLabel> ?label }
  FILTER (lang(?label) = ?lang)
}"""
BULK_LABELS = 2000  # distinct IRIs in a result above which all labels are read by one scan


class Labels:
    """IRI → its label in ``lang`` (``rdfs:label``, else ``skos:prefLabel``), falling back to English.

    Read lazily: only the IRIs a result shows are looked up, each once, so a query never pays for the
    labels of the whole dataset."""

    def __init__(self, store: ox.Store, lang: str = "en") -> None:
        self.store = store
        self.lang = lang
        self._cache: dict[str, str | None] = {}
        self._complete = False  # every label is in the cache (load_all)

    def _find(self, iri: str, lang: str) -> str | None:
        node = ox.NamedNode(iri)
        for predicate in _LABEL_PREDICATES:
            for quad in self.store.quads_for_pattern(node, predicate, None, None):
                term = quad.object
                if isinstance(term, ox.Literal) and term.language == lang:
                    return term.value
        return None

    def load_all(self) -> None:
        """Every label of the dataset in ``lang`` and English, by one scan each: cheaper than one
        look-up per IRI once a result shows more than a few thousand IRIs."""
        found: dict[str, str] = {}
        for lang in dict.fromkeys(("en", self.lang)):
            in_lang: dict[str, str] = {}
            language: dict[ox.Variable, ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple] = {
                ox.Variable("lang"): ox.Literal(lang)}
            answer = self.store.query(_ALL_LABELS, use_default_graph_as_union=True, substitutions=language)
            for row in cast(ox.QuerySolutions, answer):
                in_lang.setdefault(row[0].value, row[1].value)
            found.update(in_lang)
        self._cache.update(found)
        self._complete = True

    def get(self, iri: str, default: str | None = None) -> str | None:
        if iri not in self._cache and self._complete:
            return default
        if iri not in self._cache:
            found = self._find(iri, self.lang)
            if found is None and self.lang != "en":
                found = self._find(iri, "en")
            self._cache[iri] = found
        value = self._cache[iri]
        return default if value is None else value

    def __contains__(self, iri: object) -> bool:
        return isinstance(iri, str) and self.get(iri) is not None

    def __getitem__(self, iri: str) -> str:
        value = self.get(iri)
        if value is None:
            raise KeyError(iri)
        return value


def _term_text(term: object, *, short: bool, labels: Mapping[str, str] | Labels | None = None) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        if labels is not None:
            label = labels.get(term.value)
            if label is not None:
                return label
        return curie(term.value) if short else term.value
    if isinstance(term, ox.Literal):
        return term.value
    return str(term)


def rows(solutions: ox.QuerySolutions, *, short: bool = True,
         labels: Mapping[str, str] | Labels | None = None) -> tuple[list[str], list[list[str]]]:
    variables = [v.value for v in solutions.variables]
    text: dict[object, str] = {}  # a term shown in many rows is formatted once

    def cell(term: object) -> str:
        shown = text.get(term)
        if shown is None:
            shown = text[term] = _term_text(term, short=short, labels=labels)
        return shown

    solved = [list(solution) for solution in solutions]
    if isinstance(labels, Labels) and len({t for row in solved for t in row if isinstance(t, ox.NamedNode)}) \
            > BULK_LABELS:
        labels.load_all()
    table = [[cell(term) for term in row] for row in solved]
    return variables, table


def counted(result: ox.QuerySolutions) -> tuple[ox.QuerySolutions, int]:
    """The solutions and how many there are (for the checks' exit code): read once as SPARQL JSON,
    counted, and parsed back so they can still be rendered in any format."""
    data = result.serialize(format=ox.QueryResultsFormat.JSON) or b""  # bytes: no output file given
    count = len(json.loads(data)["results"]["bindings"])
    return cast(ox.QuerySolutions, ox.parse_query_results(data, format=ox.QueryResultsFormat.JSON)), count


def render(result: Answer, fmt: str, labels: Mapping[str, str] | Labels | None = None) -> str:
    """Render a SELECT, ASK or CONSTRUCT result in one of :data:`FORMATS`.

    Table and Markdown show IRIs by their label (``labels``: IRI → label in the chosen language);
    CSV, TSV and JSON keep the terms as they are, for programs."""
    if isinstance(result, list):  # triples of a CONSTRUCT answered by a remote endpoint
        return (ox.serialize(result, format=ox.RdfFormat.N_TRIPLES) or b"").decode("utf-8")
    if isinstance(result, ox.QueryBoolean):
        value = bool(result)
        return json.dumps({"head": {}, "boolean": value}) + "\n" if fmt == "json" else f"{str(value).lower()}\n"
    if isinstance(result, ox.QueryTriples):
        return (result.serialize(format=ox.RdfFormat.N_TRIPLES) or b"").decode("utf-8")
    if fmt in ("json", "csv", "tsv"):
        native = {"json": ox.QueryResultsFormat.JSON, "csv": ox.QueryResultsFormat.CSV,
                  "tsv": ox.QueryResultsFormat.TSV}
        data = (result.serialize(format=native[fmt]) or b"").decode("utf-8")
        return data if data.endswith("\n") else data + "\n"
    header, table = rows(result, labels=labels)
    return _markdown(header, table) if fmt == "md" else text_table(header, table)


def width(text: str) -> int:
    """Columns ``text`` takes in a terminal (CJK characters take two)."""
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def pad(text: str, columns: int) -> str:
    return text + " " * (columns - width(text))


def text_table(header: list[str], table: list[list[str]]) -> str:
    """An aligned plain-text table with a row count (CJK-aware)."""
    cell_widths = [[width(c) for c in row] for row in table]
    widths = [max([width(h)] + [w[i] for w in cell_widths]) for i, h in enumerate(header)]
    lines = ["  ".join(pad(h, w) for h, w in zip(header, widths, strict=True)).rstrip(),
             "  ".join("-" * w for w in widths)]
    for row, row_widths in zip(table, cell_widths, strict=True):
        lines.append("  ".join(c + " " * (w - cw) for c, w, cw in zip(row, widths, row_widths, strict=True)).rstrip())
    lines.append(f"({len(table)} row{'s' if len(table) != 1 else ''})")
    return "\n".join(lines) + "\n"


def _markdown(header: list[str], table: list[list[str]]) -> str:
    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in table]
    return "\n".join(lines) + "\n"

