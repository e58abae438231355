"""The issue's "done when", on a copy of the real project: import the fixture, build, see the changes."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import REPO, make_project
from test_import_interviews import install_mapping
from tokutei_kg.cli import main

FIXTURES = REPO / "tests" / "fixtures" / "qdpx"


def run(root: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["--root", str(root), *args])
    return result.exit_code, result.stdout, result.stderr


def digest(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted((root / "graph" / "curated").rglob("*")) if p.is_file()}


@pytest.mark.slow(13)
def test_import_then_build_adds_the_fixture_and_reports_the_changed_relations(tmp_path: Path) -> None:
    root = make_project(tmp_path / "copy", REPO / "graph")
    install_mapping(root, FIXTURES / "fieldwork.mapping.csv", "fieldwork-fixture")
    before = digest(root)
    code, out, err = run(root, "import", str(FIXTURES / "fieldwork.qdpx"))
    assert (code, err) == (0, ""), out
    lines = out.splitlines()
    report = lines[lines.index(next(line for line in lines if line.startswith("Triangulation status changed"))):]
    # whatever the triangulation rule, the fixture's dispute makes a new contested relation, and a worker's
    # interview lifts the single-source "language training gaps concern LPKs"
    assert "  new → Contested: Job training institution (LPK) — places — Indonesian SSW worker or candidate" in report
    assert any(line.startswith("  Single source → ") and line.endswith(
        ": Gaps in language training — concerns — Job training institution (LPK)") for line in report)
    changed = {p for p, h in digest(root).items() if before.get(p) != h}
    assert changed == {"graph/curated/claims/interview-fieldwork-fixture.csv",
                       "graph/curated/sources/interview-fieldwork-fixture.csv"}
    assert all(before[p] == h for p, h in digest(root).items() if p in before)  # no other row touched
    code, out, err = run(root, "build", "--no-exports")
    assert code == 0, err
    assert "  sources       269" in out.splitlines()
    after_first = digest(root)
    assert run(root, "import", str(FIXTURES / "fieldwork.qdpx"))[0] == 0
    assert digest(root) == after_first  # a second import changes no byte
    code, out, _ = run(root, "evidence", "--changes", "--lang", "id")
    assert code == 0
    assert out.splitlines()[0].startswith("Status triangulasi yang berubah karena wawancara yang diimpor: ")
