"""SHACL on Oxigraph (tokutei_kg.shacl) reports exactly what pySHACL reports, constraint by constraint."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from rdflib import Dataset, Graph

from tokutei_kg.cli import main
from tokutei_kg.ontology import parse_turtle
from tokutei_kg.shacl import Unsupported
from tokutei_kg.validate import check_shapes, check_shapes_on_store

ID = "https://w3id.org/tokutei-kg/id/"
TKG = "https://w3id.org/tokutei-kg/ontology#"
XSD = "http://www.w3.org/2001/XMLSchema#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
CLAIM, OTHER_CLAIM = f"<{ID}claim/st-tests-jf-s127>", f"<{ID}claim/synthetic-shacl-claim>"
INSTITUTION, COUNTRY = f"<{ID}institution/registered-support-organization>", f"<{ID}country/japan>"
SOURCE, INTERVIEW = f"<{ID}source/seed-abstract>", f"<{ID}source/int-fictional-01>"
OBSERVATION, AGREEMENT = f"<{ID}observation/isa-2023-12-idn>", f"<{ID}agreement/moc-2019-ssw>"
LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"

# One or more violations of every constraint kind the shapes use (and values that must pass).
BROKEN = f"""
{CLAIM} <{RDF}predicate> <{TKG}other> .
{CLAIM} <{TKG}evidence> "no language" .
{CLAIM} <{TKG}evidence> ""@en .
{CLAIM} <{TKG}evidence> "en français"@fr .
{CLAIM} <{TKG}polarity> <{ID}polarity/maybe> .
{CLAIM} <{TKG}stage> <{ID}role/employer> .
{CLAIM} <{TKG}stage> "stage:matching" .
{CLAIM} <{TKG}role> <{ID}role/a> .
{CLAIM} <{TKG}confidence> "high" .
{CLAIM} <{TKG}locator> "p. 3"@en .
{CLAIM} <{TKG}assertedIn> "graph" .
{CLAIM} <{TKG}validFrom> "2019-13"^^<{XSD}gYearMonth> .
{CLAIM} <{TKG}validFrom> "2019-02-30"^^<{XSD}date> .
{CLAIM} <{TKG}validUntil> "2020"^^<{XSD}string> .
{OTHER_CLAIM} <{RDF}type> <{TKG}Claim> .
{OTHER_CLAIM} <{RDF}subject> "a literal" .
{OTHER_CLAIM} <http://www.w3.org/ns/prov#wasDerivedFrom> {INSTITUTION} .
{OTHER_CLAIM} <{TKG}evidence> "x"@id .
{AGREEMENT} <{TKG}dateSigned> "25 June 2019" .
{AGREEMENT} <{TKG}dateInForce> "2019"^^<{XSD}gYear> .
{AGREEMENT} <{TKG}targetNumber> "-1"^^<{XSD}integer> .
{AGREEMENT} <{TKG}targetNumber> "1.5"^^<{XSD}decimal> .
{INSTITUTION} {LABEL} "Second English label"@en .
{INSTITUTION} {LABEL} "étiquette"@fr .
{INSTITUTION} {LABEL} ""@ja .
{INSTITUTION} <{TKG}country> {INSTITUTION} .
{COUNTRY} {LABEL} "Nihon"@ja-latn .
<{ID}institution/synthetic-nameless> <{RDF}type> <{TKG}Ministry> .
<{ID}institution/synthetic-nameless> {LABEL} "tanpa nama"@id .
{SOURCE} <http://purl.org/dc/terms/language> "ja" .
{SOURCE} <{TKG}sourceType> <{ID}perspective/media> .
{SOURCE} <http://purl.org/dc/terms/date> "2019-06-25T10:00:00"^^<{XSD}dateTime> .
<{ID}source/synthetic-bare> <{RDF}type> <{TKG}Source> .
<{ID}source/synthetic-bare> <http://purl.org/dc/terms/title> "" .
{INTERVIEW} <{TKG}consent> <{ID}consent/everything> .
{INTERVIEW} <{TKG}intervieweeRole> <{ID}role/worker> .
{OBSERVATION} <{TKG}personCount> "-5"^^<{XSD}integer> .
{OBSERVATION} <{TKG}placementCount> "7"^^<{XSD}integer> .
{OBSERVATION} <http://purl.org/linked-data/cube#dataSet> {COUNTRY} .
"""
REMOVED = (f"{CLAIM} <{RDF}subject> ", f"{INTERVIEW} <http://purl.org/dc/terms/date> ",
           f"{OBSERVATION} <{TKG}refPeriod> ")


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, Graph]:
    from conftest import make_project

    root = make_project(tmp_path_factory.mktemp("shacl") / "mini")
    assert CliRunner().invoke(main, ["--root", str(root), "build", "--no-exports"]).exit_code == 0
    built = (root / "graph" / "built" / "tokutei.nq").read_bytes()
    return built, parse_turtle(root / "ontology" / "shapes.ttl")


def _findings(nquads: bytes, shapes: Graph) -> tuple[list[tuple[str, str, str]], list[tuple[str, str, str]]]:
    store = ox.Store()
    store.load(nquads, format=ox.RdfFormat.N_QUADS)
    union = Graph()
    for quad in Dataset().parse(data=nquads, format="nquads").quads((None, None, None, None)):
        union.add(quad[:3])

    def key(report: object) -> list[tuple[str, str, str]]:
        return sorted((f.severity, f.focus, f.message) for f in report.findings)  # type: ignore[attr-defined]

    return key(check_shapes_on_store(store, shapes, {})), key(check_shapes(union, shapes, {}))


def test_clean_dataset_has_no_findings_in_either(dataset: tuple[bytes, Graph]) -> None:
    ours, pyshacl = _findings(*dataset)
    assert ours == pyshacl == []


def test_every_constraint_kind_reports_what_pyshacl_reports(dataset: tuple[bytes, Graph]) -> None:
    built, shapes = dataset
    lines = [line for line in built.decode().splitlines(keepends=True) if not line.startswith(REMOVED)]
    broken = ("".join(lines) + BROKEN).encode()
    ours, pyshacl = _findings(broken, shapes)
    assert len(ours) >= 40
    assert ours == pyshacl


def test_shapes_outside_the_subset_are_left_to_pyshacl(dataset: tuple[bytes, Graph]) -> None:
    built, shapes = dataset
    extra = Graph().parse(data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        <urn:test:S> a sh:NodeShape ; sh:targetNode <urn:x> ; sh:message "m" ; sh:hasValue <urn:y> .
    """, format="turtle")
    store = ox.Store()
    store.load(built, format=ox.RdfFormat.N_QUADS)
    with pytest.raises(Unsupported):
        check_shapes_on_store(store, shapes + extra, {})


def test_build_uses_pyshacl_when_asked(mini: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOKUTEI_KG_SHACL", "pyshacl")
    result = CliRunner().invoke(main, ["--root", str(mini), "validate"])
    assert (result.exit_code, result.stdout.splitlines()[-1]) == (0, "0 errors, 0 warnings")
