"""``tokutei-kg validate``: SHACL findings map back to CSV rows; QC checks catch ontology defects."""

from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner

from tokutei_kg.cli import main
from tokutei_kg.validate import run_checks

REPO = Path(__file__).resolve().parents[1]
CHECKS = sorted((REPO / "sparql" / "checks").glob("*-violation.rq"))


def test_mini_fixture_validates_clean(mini: Path) -> None:
    result = CliRunner().invoke(main, ["--root", str(mini), "validate"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == "0 errors, 0 warnings"


def test_shacl_violation_names_the_row_it_came_from(mini: Path) -> None:
    # A shape added for the test: claims may not carry curator notes (three fixture claims do).
    shapes = mini / "ontology" / "shapes.ttl"
    shapes.write_text(shapes.read_text(encoding="utf-8") + """
@prefix ex-test: <https://w3id.org/tokutei-kg/test#> .
ex-test:NoFictionShape a <http://www.w3.org/ns/shacl#NodeShape> ;
  <http://www.w3.org/ns/shacl#targetClass> <https://w3id.org/tokutei-kg/ontology#Claim> ;
  <http://www.w3.org/ns/shacl#property> [
    <http://www.w3.org/ns/shacl#path> <https://w3id.org/tokutei-kg/ontology#curatorNote> ;
    <http://www.w3.org/ns/shacl#maxCount> 0 ;
    <http://www.w3.org/ns/shacl#message> "test shape: claims may not carry notes" ] .
""", encoding="utf-8")
    result = CliRunner().invoke(main, ["--root", str(mini), "validate"])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[-1] == "3 errors, 0 warnings"
    assert lines[0].startswith("graph/curated/claims.csv:7: error: test shape: claims may not carry notes")


def test_qc_checks_pass_on_the_ontology() -> None:
    assert CHECKS, "sparql/checks/*-violation.rq must exist"
    report = run_checks(REPO / "ontology" / "tokutei.ttl", CHECKS)
    assert [str(f) for f in report.findings] == []


def test_qc_checks_catch_a_missing_label_and_definition(tmp_path: Path) -> None:
    broken = tmp_path / "tokutei.ttl"
    shutil.copy(REPO / "ontology" / "tokutei.ttl", broken)
    with broken.open("a", encoding="utf-8") as handle:
        handle.write('\n<https://w3id.org/tokutei-kg/ontology#Broken> a <http://www.w3.org/2002/07/owl#Class> ;\n'
                     '  <http://www.w3.org/2000/01/rdf-schema#label> "Broken"@en .\n')
    report = run_checks(broken, CHECKS)
    failed = {f.code for f in report.findings}
    assert any("label" in code for code in failed), failed
    assert any("definition" in code for code in failed), failed
    assert all("tkg:Broken" in f.message for f in report.findings)


def test_ontology_syntax_error_names_line_and_column(mini: Path) -> None:
    path = mini / "ontology" / "tokutei.ttl"
    path.write_text(path.read_text(encoding="utf-8") + "\ntkg:Oops a owl:Class\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["--root", str(mini), "validate"])
    assert result.exit_code == 2
    end = path.read_text(encoding="utf-8").count("\n") + 1  # the unfinished statement runs into the end of the file
    assert result.stderr == (f"ontology/tokutei.ttl:{end}:1: error: Turtle syntax: Unexpected end — fix the Turtle "
                             "at this line and column\n")
