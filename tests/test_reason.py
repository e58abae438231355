"""The reasoner check: HermiT (via owlready2, fresh World per call) finds the ontology consistent."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import require
from tokutei_kg.reason import check_consistency, java_available, reasoner_copy

REPO = Path(__file__).resolve().parents[1]
ONTOLOGY = REPO / "ontology" / "tokutei.ttl"


@pytest.mark.java
def test_hermit_finds_the_ontology_consistent() -> None:
    require(java_available(), "Java (for HermiT)")
    result = check_consistency(ONTOLOGY)
    assert result.consistent
    assert result.unsatisfiable == ()


@pytest.mark.java
def test_hermit_reports_an_unsatisfiable_class(tmp_path: Path) -> None:
    require(java_available(), "Java (for HermiT)")
    broken = tmp_path / "tokutei.ttl"
    shutil.copy(ONTOLOGY, broken)
    with broken.open("a", encoding="utf-8") as handle:
        handle.write("\n<https://w3id.org/tokutei-kg/ontology#Impossible> a <http://www.w3.org/2002/07/owl#Class> ;\n"
                     "  <http://www.w3.org/2000/01/rdf-schema#subClassOf> <https://w3id.org/tokutei-kg/ontology#Institution>,"
                     " <https://w3id.org/tokutei-kg/ontology#Legislation> .\n"
                     "<https://w3id.org/tokutei-kg/ontology#Institution> <http://www.w3.org/2002/07/owl#disjointWith>"
                     " <https://w3id.org/tokutei-kg/ontology#Legislation> .\n")
    result = check_consistency(broken)
    assert not result.consistent
    assert result.unsatisfiable == ("https://w3id.org/tokutei-kg/ontology#Impossible",)


def test_reasoner_copy_drops_imports_and_owlready_modules(tmp_path: Path) -> None:
    hostile = tmp_path / "hostile.ttl"
    hostile.write_text(
        "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
        "<https://example.org/o> a owl:Ontology ; owl:imports <http://203.0.113.1/evil.owl> ;\n"
        "  <http://www.lesfleursdunormal.fr/static/_downloads/owlready_ontology.owl#python_module> \"os\" .\n"
        "<https://example.org/C> a owl:Class ; <https://example.org/since> \"2019-04-01\"^^<http://www.w3.org/2001/XMLSchema#date> .\n",
        encoding="utf-8",
    )
    copy = reasoner_copy(hostile).decode()
    assert "imports" not in copy
    assert "python_module" not in copy
    assert '"2019-04-01T00:00:00Z"^^<http://www.w3.org/2001/XMLSchema#dateTimeStamp>' in copy
