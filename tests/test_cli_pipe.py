"""A reader that closes the pipe early (`tokutei-kg query … | head`) ends the command quietly."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from conftest import copy_project


@pytest.mark.parametrize("command", [
    ["query", "-e", "SELECT ?s ?p ?o WHERE { ?s ?p ?o }", "--format", "tsv"],
    ["query", "-e", "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"],  # (each far more than a pipe's 64 KiB)
])
def test_a_reader_closing_the_pipe_gets_no_traceback(built_mini_once: Path, tmp_path: Path,
                                                     command: list[str]) -> None:
    root = copy_project(built_mini_once, tmp_path / "mini")
    process = subprocess.Popen([sys.executable, "-m", "tokutei_kg", "--root", str(root), *command],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={"TOKUTEI_KG_CACHE": "off",
                                                                                    "PATH": "/usr/bin:/bin"})
    assert process.stdout is not None and process.stderr is not None
    first = process.stdout.readline()
    process.stdout.close()  # like `head -1`: more than a pipe's buffer is still to come
    errors = process.stderr.read()
    assert process.wait(timeout=120) == 0
    assert first.strip()
    assert errors == b""
