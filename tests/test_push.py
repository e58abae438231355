"""``tokutei-kg push`` to a real Oxigraph server on loopback (SPARQL 1.1 Graph Store Protocol), the
check that reads the counts back, and the query library run over the endpoint with ``run_remote``
giving the answers of the embedded engine."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from conftest import REPO, copy_project, free_port, require
from tokutei_kg.cli import main
from tokutei_kg.query import QueryText, library, resolve, run
from tokutei_kg.remote import RemoteError, graph_store_url, remote_counts, run_remote, with_prefixes
from tokutei_kg.store import open_store

OXIGRAPH = Path(sys.executable).parent / "oxigraph"


def _oxigraph_binary() -> str | None:
    return str(OXIGRAPH) if OXIGRAPH.is_file() else shutil.which("oxigraph")


@pytest.fixture(scope="module")
def project(built_mini_once: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_project(built_mini_once, tmp_path_factory.mktemp("push") / "mini")


@pytest.fixture(scope="module")
def oxigraph(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh Oxigraph server (read-write, on-disk) on 127.0.0.1; yields its query endpoint."""
    binary = _oxigraph_binary()
    require(binary is not None, "the Oxigraph server (PyPI package oxigraph)")
    port = free_port()
    location = tmp_path_factory.mktemp("oxigraph-db")
    process = subprocess.Popen([str(binary), "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    endpoint = f"http://127.0.0.1:{port}/query"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1).close()  # noqa: S310 (loopback)
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise AssertionError("the Oxigraph server did not start") from None
                time.sleep(0.05)
        yield endpoint
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def pushed(project: Path, oxigraph: str) -> str:
    result = CliRunner().invoke(main, ["--root", str(project), "push", "--endpoint", oxigraph, "--replace"])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_push_uploads_every_graph_and_checks_the_counts(project: Path, oxigraph: str, pushed: str) -> None:
    store = open_store(project / "graph" / "built" / "tokutei.nq")
    graphs = {q.graph_name.value for q in store.quads_for_pattern(None, None, None)}  # type: ignore[union-attr]
    store_url = oxigraph.replace("/query", "/store")
    assert pushed == (f"pushed {len(store):,} triples in {len(graphs)} graphs to {store_url} (replaced); read back "
                      f"through {oxigraph}: every graph count matches\n")
    counts = remote_counts(oxigraph)
    assert set(counts) == graphs
    for graph in graphs:
        assert counts[graph] == sum(1 for _ in store.quads_for_pattern(None, None, None, ox.NamedNode(graph)))


def test_pushing_again_with_replace_is_idempotent(project: Path, oxigraph: str, pushed: str) -> None:
    result = CliRunner().invoke(main, ["--root", str(project), "push", "--endpoint", oxigraph, "--replace"])
    assert result.exit_code == 0
    assert result.stdout.endswith("every graph count matches\n")


def _answers(result: object) -> object:
    if isinstance(result, ox.QueryBoolean):
        return bool(result)
    if isinstance(result, (ox.QueryTriples, list)):
        return sorted(str(t) for t in result)  # type: ignore[union-attr]
    variables = [v.value for v in result.variables]  # type: ignore[attr-defined]
    return [tuple(str(row[v]) if row[v] is not None else "" for v in variables) for row in result]  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", sorted(library(REPO / "sparql")))
def test_every_library_query_over_the_endpoint_matches_the_embedded_engine(project: Path, oxigraph: str,
                                                                           pushed: str, name: str) -> None:
    query = resolve(name, project / "sparql")
    embedded = _answers(run(open_store(project / "graph" / "built" / "tokutei.nq"), query))
    remote = _answers(run_remote(oxigraph, query))
    ordered = "ORDER BY" in query.text.upper()
    assert remote == embedded if ordered else sorted(remote) == sorted(embedded)  # type: ignore[type-var]


def test_run_remote_refuses_what_the_embedded_engine_refuses(oxigraph: str) -> None:
    with pytest.raises(Exception, match="SERVICE is not allowed"):
        run_remote(oxigraph, "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }")
    with pytest.raises(Exception, match="is an update"):
        run_remote(oxigraph, QueryText("DROP ALL", "<inline>"))


def test_run_remote_reports_a_bad_query_in_one_line(oxigraph: str) -> None:
    with pytest.raises(RemoteError) as caught:
        run_remote(oxigraph, "SELECT * WHERE { ?s ?p ")
    assert caught.value.message.startswith(f"POST {oxigraph} answered 400 Bad Request: ")
    assert "\n" not in str(caught.value)


def test_push_without_replace_adds_and_the_check_says_what_differs(project: Path, oxigraph: str, pushed: str) -> None:
    try:
        result = CliRunner().invoke(main, ["--root", str(project), "push", "--endpoint", oxigraph])
        assert result.exit_code == 1
        assert "1 graph differs" in result.stdout
        assert "https://w3id.org/tokutei-kg/graph/ontology" in result.stderr  # its blank nodes were added again
        assert result.stderr.rstrip().endswith("hint: those graphs held triples before this push — push with "
                                               "--replace to replace them")
    finally:  # the server is shared by the module's other tests: give it back as `pushed` left it
        restored = CliRunner().invoke(main, ["--root", str(project), "push", "--endpoint", oxigraph, "--replace"])
    assert restored.exit_code == 0, restored.output


def test_push_to_nothing_is_one_clear_line(project: Path) -> None:
    port = free_port()
    result = CliRunner().invoke(main, ["--root", str(project), "push", "--endpoint", f"http://127.0.0.1:{port}/query"])
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (f"error: cannot reach http://127.0.0.1:{port}/store ([Errno 111] "
                                              "Connection refused) — is the store running?")


@pytest.mark.parametrize(("endpoint", "store"), [
    ("http://127.0.0.1:7878/query", "http://127.0.0.1:7878/store"),
    ("http://localhost:3030/ds/sparql", "http://localhost:3030/ds/data"),
    ("http://localhost:3030/ds/query", "http://localhost:3030/ds/data"),
    ("http://localhost:8890/sparql", "http://localhost:8890/sparql-graph-crud"),
    ("http://localhost:7200/repositories/kg", "http://localhost:7200/repositories/kg/rdf-graphs/service"),
])
def test_graph_store_url_for_common_servers(endpoint: str, store: str) -> None:
    assert graph_store_url(endpoint) == store


def test_unknown_server_layout_asks_for_graph_store() -> None:
    with pytest.raises(RemoteError, match="give it with --graph-store"):
        graph_store_url("http://localhost:9999/some/deep/path")


def test_with_prefixes_declares_only_what_is_missing() -> None:
    text = with_prefixes("PREFIX tkg: <urn:x#>\nSELECT * WHERE { ?s rdfs:label ?o }")
    assert "PREFIX tkg: <https://" not in text
    assert "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n" in text
    assert text.endswith("PREFIX tkg: <urn:x#>\nSELECT * WHERE { ?s rdfs:label ?o }")
