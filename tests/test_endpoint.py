"""``tokutei-kg query --endpoint``: the same rows from a real Oxigraph server as from the embedded engine."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import copy_project, free_port, require
from tokutei_kg.cli import main
from tokutei_kg.query import library

OXIGRAPH = Path(sys.executable).parent / "oxigraph"


@pytest.fixture(scope="module")
def served(built_mini_once: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    require(OXIGRAPH.exists() or shutil.which("oxigraph") is not None, "the Oxigraph server (PyPI 'oxigraph')")
    binary = str(OXIGRAPH) if OXIGRAPH.exists() else str(shutil.which("oxigraph"))
    root = copy_project(built_mini_once, tmp_path_factory.mktemp("endpoint") / "mini")
    location = root / "oxigraph-db"
    subprocess.run([binary, "load", "--location", str(location), "--file", str(root / "graph/built/tokutei.nq")],
                   check=True, capture_output=True)
    port = free_port()
    server = subprocess.Popen([binary, "serve-read-only", "--location", str(location), "--bind", f"127.0.0.1:{port}",
                               "--union-default-graph"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/query"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        yield root, url
    finally:
        server.terminate()
        server.wait(timeout=10)


def lines(root: Path, *args: str) -> list[str]:
    result = CliRunner().invoke(main, ["--root", str(root), "query", *args, "--format", "csv"])
    assert result.exit_code == 0, result.output
    return sorted(result.stdout.splitlines())


def test_every_library_query_gives_the_same_rows_over_the_endpoint(served: tuple[Path, str]) -> None:
    root, url = served
    names = [n for n in library(root / "sparql") if not n.endswith("-violation")]
    assert names
    for name in names:
        assert lines(root, name, "--endpoint", url) == lines(root, name), name


def test_inline_select_and_ask_over_the_endpoint(served: tuple[Path, str]) -> None:
    root, url = served
    sparql = "SELECT ?id WHERE { ?x a tkg:Ministry ; dct:identifier ?id }"
    prefixed = ("PREFIX tkg: <https://w3id.org/tokutei-kg/ontology#> PREFIX dct: <http://purl.org/dc/terms/> "
                + sparql)
    assert lines(root, "-e", prefixed, "--endpoint", url) == ["id", "kemnaker", "kp2mi", "moj"]
    result = CliRunner().invoke(main, ["--root", str(root), "query", "-e", "ASK { ?s ?p ?o }", "--endpoint", url])
    assert (result.exit_code, result.stdout) == (0, "true\n")


def test_refusals_apply_before_anything_is_sent(served: tuple[Path, str]) -> None:
    root, url = served
    result = CliRunner().invoke(main, ["--root", str(root), "query", "-e",
                                       "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
                                       "--endpoint", url])
    assert result.exit_code == 2
    assert result.stderr.strip() == "<inline>:1:18: error: SERVICE is not allowed: queries may not call other endpoints"


def test_unreachable_endpoint_is_one_line(mini: Path) -> None:
    port = free_port()
    result = CliRunner().invoke(main, ["--root", str(mini), "query", "-e", "ASK { ?s ?p ?o }",
                                       "--endpoint", f"http://127.0.0.1:{port}/query"])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: cannot reach http://127.0.0.1:{port}/query (")
    assert len(result.stderr.splitlines()) == 1
