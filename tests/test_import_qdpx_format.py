"""The .qdpx fixtures follow the REFI-QDA Project schema (Project.xsd, QDA-XML 1.0), and malformed or
incomplete projects are refused with one line naming the document or segment."""

from __future__ import annotations

import re
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from test_import_interviews import install_mapping, tree
from tokutei_kg.cli import main
from tokutei_kg.errors import display_path

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "qdpx"
NS = "{urn:QDA-XML:project:1.0}"
GUID = re.compile(r"^\{?[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\}?$")

# Child order and required attributes of the element types the fixtures use, as Project.xsd defines them.
SEQUENCE = {
    "Project": ["Users", "CodeBook", "Variables", "Cases", "Sources", "Notes", "Links", "Sets", "Graphs",
                "Description", "NoteRef"],
    "Users": ["User"], "CodeBook": ["Codes"], "Codes": ["Code"], "Code": ["Description", "NoteRef", "Code"],
    "Variables": ["Variable"], "Variable": ["Description"], "Sources": ["TextSource"],
    "TextSource": ["Description", "PlainTextContent", "PlainTextSelection", "Coding", "NoteRef", "VariableValue"],
    "PlainTextSelection": ["Description", "Coding", "NoteRef"], "Coding": ["CodeRef", "NoteRef"],
    "VariableValue": ["VariableRef", "TextValue", "BooleanValue", "IntegerValue", "FloatValue", "DateValue",
                      "DateTimeValue"],
    "Sets": ["Set"], "Set": ["Description", "MemberCode", "MemberSource", "MemberNote"],
}
REQUIRED = {
    "Project": ["name"], "User": ["guid"], "Code": ["guid", "name", "isCodable"],
    "Variable": ["guid", "name", "typeOfVariable"], "TextSource": ["guid"],
    "PlainTextSelection": ["guid", "startPosition", "endPosition"], "Coding": ["guid"], "CodeRef": ["targetGUID"],
    "VariableRef": ["targetGUID"], "Set": ["guid", "name"], "MemberCode": ["targetGUID"],
}
GUID_ATTRIBUTES = ("guid", "targetGUID", "creatingUser", "creatingUserGUID")


def check_element(element: object, path: str, problems: list[str]) -> None:
    name = element.tag.removeprefix(NS)  # type: ignore[attr-defined]
    if not element.tag.startswith(NS):  # type: ignore[attr-defined]
        problems.append(f"{path}: element {element.tag} is not in urn:QDA-XML:project:1.0")  # type: ignore
    for attribute in REQUIRED.get(name, ()):
        if attribute not in element.attrib:  # type: ignore[attr-defined]
            problems.append(f"{path}/{name}: missing required attribute {attribute}")
    for attribute in GUID_ATTRIBUTES:
        value = element.attrib.get(attribute)  # type: ignore[attr-defined]
        if value is not None and not GUID.match(value):
            problems.append(f"{path}/{name}: {attribute} '{value}' is not a GUID")
    order = SEQUENCE.get(name)
    children = [c.tag.removeprefix(NS) for c in element]  # type: ignore[attr-defined]
    if order is not None:
        positions = [order.index(c) if c in order else -1 for c in children]
        if -1 in positions:
            problems.append(f"{path}/{name}: unexpected child {children[positions.index(-1)]}")
        elif positions != sorted(positions):
            problems.append(f"{path}/{name}: children out of schema order: {children}")
    for child in element:  # type: ignore[attr-defined]
        check_element(child, f"{path}/{name}", problems)


def test_the_realistic_fixture_follows_the_refi_qda_project_schema() -> None:
    from defusedxml.ElementTree import fromstring

    with zipfile.ZipFile(FIXTURES / "fieldwork.qdpx") as archive:
        root = fromstring(archive.read("project.qde"))
        names = sorted(archive.namelist())
        texts = {n: archive.read(n).decode("utf-8") for n in names if n.startswith("sources/")}
    problems: list[str] = []
    check_element(root, "", problems)
    assert problems == []
    assert root.tag == NS + "Project"
    # every source's text is in the archive as internal://<GUID>.txt, and every selection lies inside it
    for source in root.iter(NS + "TextSource"):
        member = "sources/" + source.get("plainTextPath").removeprefix("internal://")
        assert member in texts
        for selection in source.iter(NS + "PlainTextSelection"):
            assert 0 <= int(selection.get("startPosition")) < int(selection.get("endPosition")) <= len(texts[member])
    assert {user.get("name") for user in root.iter(NS + "User")} == {"Coder A (fictional)", "Coder B (fictional)"}
    assert all(source.get("name").startswith("TEST FIXTURE") for source in root.iter(NS + "TextSource"))


def test_make_py_reproduces_the_committed_fixtures(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sys.path.insert(0, str(FIXTURES))
    try:
        import make
    finally:
        sys.path.remove(str(FIXTURES))
    monkeypatch.setattr(make, "HERE", tmp_path)
    make.main()
    made = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert made == sorted(p.relative_to(FIXTURES) for p in FIXTURES.rglob("*")
                          if p.is_file() and p.suffix not in (".py", ".md") and "__pycache__" not in p.parts)
    for relative in made:
        assert (tmp_path / relative).read_bytes() == (FIXTURES / relative).read_bytes(), relative


def variant(tmp_path: Path, edit: object) -> Path:
    """The realistic fixture with its project.qde changed by ``edit``."""
    with zipfile.ZipFile(FIXTURES / "fieldwork.qdpx") as archive:
        members = [(info, archive.read(info)) for info in archive.infolist()]
    path = tmp_path / "variant.qdpx"
    with zipfile.ZipFile(path, "w") as archive:
        for info, data in members:
            archive.writestr(info, edit(data.decode()).encode() if info.filename == "project.qde" else data)  # type: ignore
    return path



@pytest.mark.parametrize(("edit", "message"), [
    (lambda x: x.replace("<TextValue>quote</TextValue>", "<TextValue></TextValue>", 1),
     "error: document 'TEST FIXTURE fictional interview 1 (training institution)' has no consent — quote, "
     "paraphrase or none"),
    (lambda x: x.replace("<TextValue>paraphrase</TextValue>", "<TextValue>maybe</TextValue>", 1),
     "error: document 'TEST FIXTURE fictional interview 2 (worker)': consent 'maybe' is not one of quote, "
     "paraphrase, none"),
    (lambda x: x.replace('startPosition="116" endPosition="163"', 'startPosition="116" endPosition="9999"'),
     "error: segment 8f575feb-a3c2-5f87-8024-d9ce20de3c88 in 'TEST FIXTURE fictional interview 1 (training "
     "institution)' spans characters 116-9999, outside the document's 322 characters — the export does not "
     "match its source text"),
    (lambda x: x.replace('name="Worker" isCodable="true"', 'name="Employer" isCodable="true"'),
     "error: segment 0e708ba9-3844-5af7-a0f1-09571911d725 in 'TEST FIXTURE fictional interview 1 (training "
     "institution)': relation 'trains' needs exactly one subject: and one object: code (found subject: lpk; "
     "object: none) — code the segment with one actor on each side, or map a statement code"),
])
def test_a_bad_project_names_the_document_or_segment_and_writes_nothing(mini: Path, tmp_path: Path, edit: object,
                                                                        message: str) -> None:
    install_mapping(mini, FIXTURES / "fieldwork.mapping.csv", "fieldwork-fixture")
    mapping = mini / "graph" / "mappings" / "fieldwork-fixture.csv"
    mapping.write_text(mapping.read_text(encoding="utf-8") + "code,Actors > Employer,ignore,,\n", encoding="utf-8")
    path = variant(tmp_path, edit)
    before = tree(mini)
    result = CliRunner().invoke(main, ["--root", str(mini), "import", str(path), "--name", "fieldwork-fixture"])
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.splitlines()[0] == f"{display_path(path)}: {message}"
    assert tree(mini) == before


def test_two_documents_with_one_name_stay_two_interviews(mini: Path, tmp_path: Path) -> None:
    install_mapping(mini, FIXTURES / "fieldwork.mapping.csv", "fieldwork-fixture")
    path = variant(tmp_path, lambda x: x.replace("TEST FIXTURE fictional interview 3 (no consent)",
                                                 "TEST FIXTURE fictional interview 2 (worker)"))
    result = CliRunner().invoke(main, ["--root", str(mini), "import", str(path), "--name", "fieldwork-fixture"])
    assert result.exit_code == 0, result.output
    sources = (mini / "graph/curated/sources/interview-fieldwork-fixture.csv").read_text(encoding="utf-8")
    claims = (mini / "graph/curated/claims/interview-fieldwork-fixture.csv").read_text(encoding="utf-8")
    assert sources.count("TEST FIXTURE fictional interview 2 (worker)") == 2
    assert ",lpk,places,pmi-ssw-worker,,,,,disputes,int-fieldwork-fixture-d40320f6,[withheld]," in claims


def test_a_statement_mapping_needs_three_terms(mini: Path) -> None:
    mapping = install_mapping(mini, FIXTURES / "fieldwork.mapping.csv", "fieldwork-fixture")
    mapping.write_text(mapping.read_text(encoding="utf-8").replace(
        "isa supervises accepting-organization", "isa supervises the accepting-organization"), encoding="utf-8")
    result = CliRunner().invoke(main, ["--root", str(mini), "import", str(FIXTURES / "fieldwork.qdpx")])
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.splitlines()[0] == (
        f"{display_path(mapping)}:6:3: error: code 'Statements > ISA supervises employers' cannot map to 'isa "
        "supervises the accepting-organization' — write SUBJECT RELATION OBJECT, relation:NAME, subject:ID, "
        "object:ID, stage:…, issue:… or ignore")


def test_an_input_that_is_not_a_regular_file_is_refused(mini: Path, tmp_path: Path) -> None:
    import os

    fifo = tmp_path / "pipe.qdpx"
    os.mkfifo(fifo)
    before = tree(mini)
    result = CliRunner().invoke(main, ["--root", str(mini), "import", str(fifo)])
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (f"{display_path(fifo)}: error: not a regular file — give the path of a .qdpx, .csv or "
                             ".xlsx file\n")
    result = CliRunner().invoke(main, ["--root", str(mini), "import", str(tmp_path / "missing.qdpx")])
    assert result.stderr == (f"{display_path(tmp_path / 'missing.qdpx')}: error: no such file — give the path of a "
                             ".qdpx, .csv or .xlsx file\n")
    result = CliRunner().invoke(main, ["--root", str(mini), "import", str(FIXTURES / "make.py")])
    assert result.stderr == (f"{display_path(FIXTURES / 'make.py')}: error: cannot import a '.py' file — import a "
                             "REFI-QDA project (.qdpx) or the one-sheet form (.csv or .xlsx)\n")
    assert tree(mini) == before


def test_document_variables_may_live_on_a_case(mini: Path, tmp_path: Path) -> None:
    """NVivo and others keep attributes on cases: a Case's VariableValues apply to the sources it names."""
    install_mapping(mini, FIXTURES / "fieldwork.mapping.csv", "fieldwork-fixture")

    def move_to_case(xml: str) -> str:
        start = xml.index("<VariableValue>", xml.index('name="TEST FIXTURE fictional interview 2 (worker)"'))
        end = xml.index("</TextSource>", start)
        values = xml[start:end]
        source = re.search(r'<TextSource guid="([^"]+)" name="TEST FIXTURE fictional interview 2', xml).group(1)
        case = (f'<Cases><Case guid="{source[:-1]}0" name="worker (fictional)">{values}'
                f'<SourceRef targetGUID="{source}"/></Case></Cases>\n')
        return (xml[:start] + xml[end:]).replace("<Sources>", case + "<Sources>", 1)

    path = variant(tmp_path, move_to_case)
    result = CliRunner().invoke(main, ["--root", str(mini), "import", str(path), "--name", "fieldwork-fixture"])
    assert result.exit_code == 0, result.output
    sources = (mini / "graph/curated/sources/interview-fieldwork-fixture.csv").read_text(encoding="utf-8")
    assert ",TEST FIXTURE fictional interview 2 (worker),,2026-10-08,,,id,,,SSW worker in Japan (fictional test " \
           "fixture),paraphrase," in sources


def test_a_segment_with_actors_but_no_relation_is_listed_as_skipped(mini: Path) -> None:
    mapping = install_mapping(mini, FIXTURES / "fieldwork.mapping.csv", "fieldwork-fixture")
    mapping.write_text(mapping.read_text(encoding="utf-8").replace("relation:trains", "ignore"), encoding="utf-8")
    result = CliRunner().invoke(main, ["--root", str(mini), "import", str(FIXTURES / "fieldwork.qdpx")])
    assert result.exit_code == 0, result.output
    assert [line for line in result.stdout.splitlines() if "skipped" in line] == [
        "  skipped     segment 8f575feb-a3c2-5f87-8024-d9ce20de3c88 in 'TEST FIXTURE fictional interview 1 (training "
        "institution)': no statement (actors or stages only)",
        "  skipped     segment 0e708ba9-3844-5af7-a0f1-09571911d725 in 'TEST FIXTURE fictional interview 1 (training "
        "institution)': no statement (actors or stages only)",
    ]
