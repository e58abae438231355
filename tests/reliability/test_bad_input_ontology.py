"""Bad ontology input: Turtle errors name ontology/*.ttl:line:column, exit 2, nothing on disk changes;
``owl:imports`` of a URL never reaches the network; owlready2's ``python_module`` annotation never
makes it import (run) a Python module."""

from __future__ import annotations

import contextlib
import importlib
import io
import sys
from pathlib import Path

import pytest

from conftest import ONTOLOGY, SHAPES, edit, refused, require, run
from tokutei_kg.reason import check_consistency, java_available, reasoner_copy

MINISTRY = "tkg:Ministry a owl:Class"
HEADER = "<https://w3id.org/tokutei-kg/ontology>\n    a owl:Ontology ;"
OWLREADY = "http://www.lesfleursdunormal.fr/static/_downloads/owlready_ontology.owl#python_module"


def case(name: str, path: str, old: str, new: str, expected: str) -> object:
    return pytest.param(path, old, new, expected, id=name)


CASES = [
    case("missing-dot", ONTOLOGY, MINISTRY, "tkg:Ministry a owl:Class owl:Class",
         "ontology/tokutei.ttl:228:26: error: Turtle syntax: A dot is expected at the end of statements — fix the "
         "Turtle at this line and column"),
    case("undeclared-prefix", ONTOLOGY, MINISTRY, "tkg:Ministry a foo:Class",
         "ontology/tokutei.ttl:228:16: error: Turtle syntax: The prefix foo: has not been declared — fix the Turtle at "
         "this line and column"),
    case("iri-with-space", ONTOLOGY, MINISTRY, "tkg:Ministry a <http://example.org/a b>",
         "ontology/tokutei.ttl:228:16: error: Turtle syntax: Invalid IRI code point ' ' — fix the Turtle at this line "
         "and column"),
    case("bad-language-tag", ONTOLOGY, MINISTRY, 'tkg:Ministry rdfs:comment "x"@1 ; a owl:Class',
         "ontology/tokutei.ttl:228:31: error: Turtle syntax: A language code should always start with a letter — fix "
         "the Turtle at this line and column"),
    case("literal-as-subject", ONTOLOGY, MINISTRY, '"Ministry" a owl:Class',
         "ontology/tokutei.ttl:228:1: error: Turtle syntax: \"Ministry\" is not a valid subject or graph name — "
         "fix the Turtle at this line and column"),
    case("relative-iri", ONTOLOGY, MINISTRY, "tkg:Ministry rdfs:seeAlso <../../etc/passwd> ; a owl:Class",
         "ontology/tokutei.ttl:228:27: error: Turtle syntax: No scheme found in an absolute IRI — fix the Turtle at "
         "this line and column"),
    case("language-and-datatype", ONTOLOGY, MINISTRY, 'tkg:Ministry rdfs:comment "x"@en^^xsd:string ; a owl:Class',
         "ontology/tokutei.ttl:228:33: error: Turtle syntax: ^^ is not a valid subject or graph name — fix the Turtle "
         "at this line and column"),
    case("nul-in-literal", ONTOLOGY, MINISTRY, 'tkg:Ministry rdfs:comment "a\\u0000b" ; a owl:Class',
         "ontology/tokutei.ttl:228:29: error: a literal of tkg:Ministry contains the control character U+0000 — "
         "delete it: controls make GraphML, GEXF and terminals unreadable"),
    case("ill-typed-date", ONTOLOGY, MINISTRY, 'tkg:Ministry rdfs:comment "2024-02-30"^^xsd:date ; a owl:Class',
         "ontology/tokutei.ttl:228:27: error: '2024-02-30' is not a valid xsd:date — write a value of the datatype "
         "(e.g. 2019-06-25 for xsd:date)"),
    case("ill-typed-integer", ONTOLOGY, MINISTRY, 'tkg:Ministry rdfs:comment "12a"^^xsd:integer ; a owl:Class',
         "ontology/tokutei.ttl:228:27: error: '12a' is not a valid xsd:integer — write a value of the datatype "
         "(e.g. 2019-06-25 for xsd:date)"),
    case("shapes-syntax", SHAPES, "@prefix sh:", "@prefix sh",
         "ontology/shapes.ttl:24:9: error: Turtle syntax: The PREFIX keyword should be followed by a prefix like "
         "'ex:' — fix the Turtle at this line and column"),
]


@pytest.mark.parametrize(("path", "old", "new", "expected"), CASES)
def test_bad_turtle_is_one_line_with_line_and_column(project: Path, path: str, old: str, new: str,
                                                     expected: str) -> None:
    edit(project, path, old, new)
    assert refused(project, ["build"]) == [expected]


def test_ontology_not_utf8(project: Path) -> None:
    text = (project / ONTOLOGY).read_text(encoding="utf-8")
    (project / ONTOLOGY).write_bytes(text.encode("cp932", errors="replace"))
    assert refused(project, ["build"]) == [
        "ontology/tokutei.ttl:78:21: error: Turtle syntax: Invalid UTF-8: invalid utf-8 sequence of 1 bytes from "
        "index 11 — save the file as UTF-8"]


def test_owl_imports_of_a_url_builds_offline(project: Path, no_network: list[str]) -> None:
    edit(project, ONTOLOGY, HEADER, HEADER + "\n    owl:imports <http://127.0.0.1:9/remote.owl> , "
                                           "<https://www.w3.org/ns/org> ;")
    outcome = run(project, "build")
    assert outcome.code == 0, outcome.err
    assert no_network == []
    assert b"owl#imports" not in reasoner_copy(project / ONTOLOGY)


def _with_python_module(project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, Path]:
    """An ontology whose owlready2 annotation names a module that leaves a mark when imported."""
    module, mark = "tokutei_hostile_module", tmp_path / "imported"
    (tmp_path / f"{module}.py").write_text(f"open({str(mark)!r}, 'w').close()\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    edit(project, ONTOLOGY, HEADER, HEADER + f'\n    <{OWLREADY}> "{module}" ;')
    return module, mark


def test_python_module_annotation_is_stripped_from_the_reasoner_copy(project: Path, tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    import owlready2

    module, mark = _with_python_module(project, tmp_path, monkeypatch)
    before = set(sys.modules)
    copy = reasoner_copy(project / ONTOLOGY)
    assert OWLREADY.encode() not in copy
    world = owlready2.World()
    try:
        world.get_ontology("https://w3id.org/tokutei-kg/ontology").load(
            fileobj=io.BytesIO(copy), format="ntriples", only_local=True)
    finally:
        world.close()
    assert not mark.exists()
    assert module not in set(sys.modules) - before


def test_owlready2_would_run_the_module_without_the_stripping(project: Path, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """The control for the test above: the annotation is live when the raw ontology reaches owlready2."""
    import owlready2
    from rdflib import Graph

    module, mark = _with_python_module(project, tmp_path, monkeypatch)
    raw = Graph().parse(project / ONTOLOGY, format="turtle").serialize(format="nt", encoding="utf-8")
    world = owlready2.World()
    try:
        with contextlib.redirect_stderr(io.StringIO()):  # owlready2 chatters about punned properties
            world.get_ontology("https://w3id.org/tokutei-kg/ontology").load(
                fileobj=io.BytesIO(raw), format="ntriples", only_local=True)
    finally:
        world.close()
        sys.modules.pop(module, None)
        importlib.invalidate_caches()
    assert mark.exists()


@pytest.mark.java
def test_reasoner_never_imports_the_module_nor_fetches_imports(project: Path, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch,
                                                               no_network: list[str]) -> None:
    require(java_available(), "Java (for HermiT)")
    module, mark = _with_python_module(project, tmp_path, monkeypatch)
    edit(project, ONTOLOGY, HEADER, HEADER + "\n    owl:imports <http://127.0.0.1:9/remote.owl> ;")
    before = set(sys.modules)
    assert check_consistency(project / ONTOLOGY).consistent
    assert not mark.exists()
    assert module not in set(sys.modules) - before
    assert no_network == []
