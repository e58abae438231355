"""benchmarks/generate.py: a synthetic project that is deterministic, clearly synthetic, and builds clean."""

from __future__ import annotations

import csv
import importlib.util
from pathlib import Path

from tokutei_kg.pipeline import Project, compile_project

REPO = Path(__file__).resolve().parents[1]


def _generator():  # noqa: ANN202 - the benchmarks folder is not a package
    spec = importlib.util.spec_from_file_location("bench_generate", REPO / "benchmarks" / "generate.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted((root / "graph").rglob("*.csv"))}


def test_generator_is_deterministic_and_builds_without_findings(tmp_path: Path) -> None:
    generate = _generator()
    assert generate.main(["--root", str(tmp_path / "one"), "--units", "6"]) == 0
    assert generate.main(["--root", str(tmp_path / "two"), "--units", "6"]) == 0
    assert _files(tmp_path / "one") == _files(tmp_path / "two")

    compiled = compile_project(Project.find(tmp_path / "one"))
    assert (compiled.report.ok, compiled.report.warnings) == (True, [])
    # fixed block 12; per 6 units: 6 organizations, 6 cohorts, 1 office, 2 support orgs, 2 LPK, 2 P3MI
    assert compiled.counts["entities"] == 12 + 6 + 6 + 1 + 2 + 2 + 2


def test_generated_ids_are_synthetic(tmp_path: Path) -> None:
    _generator().generate(tmp_path, units=3)
    for table in ("sources.csv", "entities.csv", "observations.csv", "claims/synthetic.csv"):
        with (tmp_path / "graph" / "curated" / table).open(encoding="utf-8") as handle:
            ids = [row["id"] for row in csv.DictReader(handle)]
        real = {"japan", "indonesia"} if table == "entities.csv" else set()  # the two sides' country nodes
        assert ids and all(i.startswith("synthetic-") for i in ids if i not in real), table
        assert real <= set(ids), table


def test_size_is_turned_into_units() -> None:
    generate = _generator()
    assert [generate.units_for(generate.parse_size(s)) for s in ("1e4", "1e5", "1e6")] == [13, 283, 2986]
