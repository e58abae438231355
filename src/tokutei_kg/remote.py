"""Other SPARQL stores: push the dataset with the SPARQL 1.1 Graph Store HTTP Protocol, and query a
store with the SPARQL 1.1 Protocol — both over plain ``urllib``, so any store that speaks the
standards works (Oxigraph server, Fuseki, Virtuoso, GraphDB, QLever).

A remote query sees the same dataset as ``tokutei-kg query``: the project's prefixes are declared
for it, and unless the query names its own dataset (``FROM``) it is sent with every graph of the
tokutei-kg dataset as ``default-graph-uri`` (the default graph is their union) and as
``named-graph-uri`` (so ``GRAPH ?g`` still sees each) — the same answers whatever a store takes its
default graph to be.
"""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from .errors import TokuteiError
from .namespaces import GRAPH, PREFIXES
from .query import Answer, QueryText, check_read_only, names_dataset, tokens

USER_AGENT = "tokutei-kg"
RESULTS_ACCEPT = "application/sparql-results+json, application/n-triples;q=0.9, text/turtle;q=0.8"


class RemoteError(TokuteiError):
    """A store could not be reached, refused a request, or answered something unexpected."""


# --- HTTP ----------------------------------------------------------------------------------------

def _request(url: str, *, method: str = "GET", data: bytes | None = None, headers: dict[str, str] | None = None,
             timeout: float = 60.0) -> tuple[int, str, bytes]:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise RemoteError(f"'{url}' is not an http(s) URL", hint="e.g. http://127.0.0.1:7878/query")
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"User-Agent": USER_AGENT, **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (http(s) checked above)
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as exc:
        body = exc.read().decode("utf-8", "replace").strip().splitlines()
        detail = f": {body[0][:300]}" if body else ""
        raise RemoteError(f"{method} {_shown(url)} answered {exc.code} {exc.reason}{detail}") from None
    except urllib.error.URLError as exc:
        raise RemoteError(f"cannot reach {_shown(url)} ({exc.reason})", hint="is the store running?") from None
    except (TimeoutError, OSError) as exc:
        raise RemoteError(f"{method} {_shown(url)} failed ({exc})") from None


def _shown(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


# --- SPARQL 1.1 Protocol --------------------------------------------------------------------------

def with_prefixes(text: str) -> str:
    """The query with ``PREFIX`` declarations added for the project prefixes it uses but does not declare."""
    significant = [t for t in tokens(text) if t.kind != "comment"]
    declared = {significant[i + 1].value.rstrip(":") for i, t in enumerate(significant[:-1])
                if t.kind == "word" and t.value.upper() == "PREFIX"}
    missing = [f"PREFIX {name}: <{iri}>\n" for name, iri in PREFIXES.items() if name not in declared]
    return "".join(missing) + text


def remote_graphs(url: str, *, timeout: float = 60.0) -> list[str]:
    """The named graphs of the tokutei-kg dataset held by the store at ``url``."""
    query = "SELECT DISTINCT ?g WHERE { GRAPH ?g { } }"
    _, kind, body = _post_query(url, {"query": query}, timeout)
    graphs = sorted(row["g"].value for row in _solutions(kind, body, url) if isinstance(row["g"], ox.NamedNode))
    return [g for g in graphs if g.startswith(GRAPH)]


def _post_query(url: str, fields: dict[str, object], timeout: float) -> tuple[int, str, bytes]:
    body = urllib.parse.urlencode(fields, doseq=True).encode("utf-8")
    return _request(url, method="POST", data=body, timeout=timeout,
                    headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": RESULTS_ACCEPT})


def _parse(kind: str, body: bytes, url: str) -> Answer:
    media = kind.split(";")[0].strip().lower()
    try:
        if media in ("application/sparql-results+json", "application/json"):
            return ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
        if media in ("application/n-triples", "text/plain"):
            return list(ox.parse(body, format=ox.RdfFormat.N_TRIPLES))
        if media in ("text/turtle", "application/x-turtle"):
            return list(ox.parse(body, format=ox.RdfFormat.TURTLE))
    except SyntaxError as exc:
        raise RemoteError(f"{_shown(url)} sent results that do not parse ({exc})") from None
    raise RemoteError(f"{_shown(url)} answered with '{media or 'no content type'}', not SPARQL results")


def _solutions(kind: str, body: bytes, url: str) -> ox.QuerySolutions:
    """The solutions the endpoint answered a SELECT query with."""
    result = _parse(kind, body, url)
    if not isinstance(result, ox.QuerySolutions):
        raise RemoteError(f"{_shown(url)} did not answer a SELECT query with solutions")
    return result


def run_remote(url: str, query: QueryText | str, *, union: bool = True, timeout: float = 60.0) -> Answer:
    """Run a read-only query at the SPARQL endpoint ``url`` (SPARQL 1.1 Protocol, POST form).

    Returns pyoxigraph ``QuerySolutions`` / ``QueryBoolean`` for SELECT / ASK (so
    :func:`tokutei_kg.query.render` formats them as it does local answers) and a list of
    ``Triple`` for CONSTRUCT / DESCRIBE. Refuses updates, SERVICE and FROM outside the dataset first.
    """
    query_text = query if isinstance(query, QueryText) else QueryText(query, "<inline>")
    check_read_only(query_text)
    fields: dict[str, object] = {"query": with_prefixes(query_text.text)}
    if union and not names_dataset(query_text.text):
        graphs = remote_graphs(url, timeout=timeout)
        fields["default-graph-uri"] = graphs
        fields["named-graph-uri"] = graphs
    _, kind, body = _post_query(url, fields, timeout)
    return _parse(kind, body, url)


# --- SPARQL 1.1 Graph Store HTTP Protocol ---------------------------------------------------------

def graph_store_url(endpoint: str) -> str:
    """The Graph Store Protocol URL that goes with a query endpoint, for the common servers:
    Oxigraph ``/query`` → ``/store``; Fuseki ``/ds/query`` or ``/ds/sparql`` → ``/ds/data``;
    Virtuoso ``/sparql`` → ``/sparql-graph-crud``; GraphDB ``/repositories/R`` → ``…/rdf-graphs/service``."""
    parts = urllib.parse.urlsplit(endpoint)
    segments = [s for s in parts.path.split("/") if s]
    if segments == ["query"]:
        path = "/store"
    elif len(segments) == 2 and segments[1] in ("query", "sparql"):
        path = f"/{segments[0]}/data"
    elif segments == ["sparql"]:
        path = "/sparql-graph-crud"
    elif len(segments) == 2 and segments[0] == "repositories":
        path = f"/repositories/{segments[1]}/rdf-graphs/service"
    else:
        raise RemoteError(f"cannot tell the Graph Store Protocol URL of {_shown(endpoint)}",
                          hint="give it with --graph-store (Oxigraph …/store, Fuseki …/DATASET/data, Virtuoso "
                               "…/sparql-graph-crud)")
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, "", ""))


@dataclass
class GraphCount:
    graph: str
    pushed: int
    found: int

    @property
    def ok(self) -> bool:
        return self.pushed == self.found


@dataclass
class PushReport:
    graph_store: str
    counts: list[GraphCount] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.counts)

    @property
    def triples(self) -> int:
        return sum(c.pushed for c in self.counts)


def graphs_of(quads: Iterable[ox.Quad]) -> dict[str, list[ox.Triple]]:
    """Triples per graph name (``""`` for the default graph), graphs and triples sorted."""
    graphs: dict[str, set[ox.Triple]] = {}
    for quad in quads:
        name = "" if isinstance(quad.graph_name, ox.DefaultGraph) else quad.graph_name.value
        graphs.setdefault(name, set()).add(quad.triple)
    return {name: sorted(triples, key=str) for name, triples in sorted(graphs.items())}


def push(store: ox.Store, endpoint: str, *, graph_store: str | None = None, replace: bool = False,
         progress: Callable[[int], None] | None = None, timeout: float = 120.0) -> PushReport:
    """Upload every graph of ``store`` (PUT with ``replace``, else POST), then read the triple count
    of each graph back through the SPARQL endpoint."""
    target = graph_store or graph_store_url(endpoint)
    graphs = graphs_of(store.quads_for_pattern(None, None, None, None))
    report = PushReport(target)
    for name, triples in graphs.items():
        query = "default" if not name else "graph=" + urllib.parse.quote(name, safe="")
        data = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
        _request(f"{target}?{query}", method="PUT" if replace else "POST", data=data, timeout=timeout,
                 headers={"Content-Type": "application/n-triples"})
        if progress is not None:
            progress(len(triples))
    found = remote_counts(endpoint, timeout=timeout)
    report.counts = [GraphCount(name, len(triples), found.get(name, 0)) for name, triples in graphs.items()]
    return report


def remote_counts(endpoint: str, *, timeout: float = 60.0) -> dict[str, int]:
    """Triples per named graph at the endpoint (``""``: the default graph, when the store keeps it apart)."""
    query = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
    _, kind, body = _post_query(endpoint, {"query": query}, timeout)
    counts = {row["g"].value: int(row["n"].value) for row in _solutions(kind, body, endpoint)}
    return counts


def push_summary(report: PushReport) -> list[str]:
    lines = [f"{'graph':60} {'pushed':>8} {'on store':>9}"]
    for count in report.counts:
        mark = "" if count.ok else "  ← differs"
        lines.append(f"{count.graph or '(default graph)':60} {count.pushed:>8} {count.found:>9}{mark}")
    return lines


__all__ = ["run_remote", "remote_graphs", "with_prefixes", "push", "graph_store_url", "remote_counts",
           "PushReport", "RemoteError"]
