"""Bad curated input: each case is one line naming file:row:column, exit code 2, nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from tokutei_kg.cli import main

CLAIMS = "graph/curated/claims.csv"
ENTITIES = "graph/curated/entities.csv"
SOURCES = "graph/curated/sources.csv"


def edit(root: Path, name: str, old: str, new: str) -> None:
    path = root / name
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture changed: {old!r} not in {name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def build(runner: CliRunner, root: Path) -> tuple[int, list[str]]:
    result = runner.invoke(main, ["--root", str(root), "build"])
    lines = [line for line in result.stderr.splitlines() if line]
    return result.exit_code, lines


CASES = [
    pytest.param(
        CLAIMS, "id,subject,relation,", "id,subject,",
        "graph/curated/claims.csv:1: error: missing required column 'relation' — a claims table needs: "
        "id, subject, relation, source_id, evidence, evidence_lang",
        id="missing-required-column",
    ),
    pytest.param(
        ENTITIES, ",note\n", ",notes\n",
        "graph/curated/entities.csv:1:12: error: unknown column 'notes' in a entities table — did you mean 'note'?",
        id="unknown-column",
    ),
    pytest.param(
        CLAIMS, "isa-under-moj-s15,isa,org:subOrganizationOf,moj,,,,,,s15,", "isa-under-moj-s15,isa,org:subOrganizationOf,moj,,,,,s15,",
        "graph/curated/claims.csv:2:18: error: row has 17 fields, the header has 18 — check for a missing or extra "
        "comma, or an unquoted comma inside a value",
        id="ragged-row",
    ),
    pytest.param(
        CLAIMS, "moc-date-s9,", "moc-date-s8,",
        "graph/curated/claims.csv:6:1: error: duplicate claim id 'moc-date-s8' (first at graph/curated/claims.csv:5:1)"
        " — ids must be unique within a kind",
        id="duplicate-id",
    ),
    pytest.param(
        CLAIMS, "ao-reports-isa-s15,accepting-organization,", "ao-reports-isa-s15,accepting-organisation,",
        "graph/curated/claims.csv:9:2: error: unknown entity 'accepting-organisation' — did you mean "
        "'accepting-organization'?",
        id="unknown-entity",
    ),
    pytest.param(
        CLAIMS, "moc-date-s9,moc-2019-ssw,dateSigned,,2019-06-25,,,,,s9,", "moc-date-s9,moc-2019-ssw,dateSigned,,2019-06-25,,,,,s99,",
        "graph/curated/claims.csv:6:10: error: unknown source 's99' — did you mean 's9'?",
        id="unknown-source",
    ),
    pytest.param(
        CLAIMS, "kemnaker,sharesInformationWith,isa", "kemnaker,sharesInformationwith,isa",
        "graph/curated/claims.csv:8:3: error: unknown relation 'sharesInformationwith' — did you mean "
        "'sharesInformationWith'?",
        id="unknown-relation",
    ),
    pytest.param(
        CLAIMS, "ao-employs-worker-s15,accepting-organization,employs,pmi-ssw-worker,,,stage:contract,role:employer,,s15,the AO employs the SSW under an employment contract,paraphrase,en,,,",
        "ao-employs-worker-s15,accepting-organization,employs,pmi-ssw-worker,,,stage:contract,role:employer,,s15,the AO employs the SSW under an employment contract,paraphrase,en,,2019-02-30,",
        "graph/curated/claims.csv:15:15: error: '2019-02-30' is not a day of the calendar — write e.g. 2019-06-25, "
        "2019-06 or 2019",
        id="invalid-date",
    ),
    pytest.param(
        SOURCES, "Gatra,2019-06-25,", "Gatra,25/06/2019,",
        "graph/curated/sources.csv:3:6: error: '25/06/2019' is not an ISO 8601 date (YYYY-MM-DD, YYYY-MM or YYYY)"
        " — write e.g. 2019-06-25, 2019-06 or 2019",
        id="non-iso-date",
    ),
    pytest.param(
        CLAIMS, "協力覚書にインドネシア労働省が署名,paraphrase,ja,", "協力覚書にインドネシア労働省が署名,paraphrase,jp,",
        "graph/curated/claims.csv:3:13: error: language tag 'jp' is not one of en, id, ja — did you mean 'ja'?",
        id="bad-language-tag",
    ),
    pytest.param(
        ENTITIES, "moj,Ministry,Ministry of Justice,", "moj,Ministry,,",
        "graph/curated/entities.csv:4:3: error: label_en is empty — this column is required",
        id="empty-label",
    ),
]


@pytest.mark.parametrize(("name", "old", "new", "expected"), CASES)
def test_bad_input_is_one_line_exit_2_nothing_written(mini: Path, runner: CliRunner, name: str, old: str,
                                                      new: str, expected: str) -> None:
    edit(mini, name, old, new)
    code, lines = build(runner, mini)
    assert code == 2
    assert lines[0] == expected
    assert lines[-1] == "1 error, 0 warnings"
    assert not (mini / "graph" / "built").exists()


def test_unsupported_language_tag(mini: Path, runner: CliRunner) -> None:
    edit(mini, SOURCES, "/nyuukokukanri06_00108.html,,en,", "/nyuukokukanri06_00108.html,,ms,")
    code, lines = build(runner, mini)
    assert code == 2
    assert lines == [
        "graph/curated/sources.csv:4:9: error: language tag 'ms' is not one of en, id, ja — "
        "use en (English), id (Indonesian) or ja (Japanese)",
        "1 error, 0 warnings",
    ]


def test_iri_collision_names_both_rows(mini: Path, runner: CliRunner) -> None:
    path = mini / ENTITIES
    with path.open("a", encoding="utf-8") as handle:
        handle.write("LPK,TrainingInstitution,Training institution,,,,indonesia,,,,seed-abstract,\n")
    code, lines = build(runner, mini)
    assert code == 2
    assert lines == [
        "graph/curated/entities.csv:16:1: error: entity ids 'lpk' (graph/curated/entities.csv:9:1) and 'LPK' both "
        "map to the IRI https://w3id.org/tokutei-kg/id/institution/lpk — ids differing only in case or '_'/'-' "
        "name the same thing; rename one",
        "1 error, 0 warnings",
    ]


def test_not_utf8_names_line_and_column(mini: Path, runner: CliRunner) -> None:
    path = mini / ENTITIES
    text = path.read_text(encoding="utf-8").replace("日本", "NIHON")
    path.write_bytes(text.encode("utf-8").replace(b"NIHON", "日本".encode("cp932")))
    code, lines = build(runner, mini)
    assert code == 2
    assert lines == [
        "graph/curated/entities.csv:2:28: error: not UTF-8 (looks like Shift_JIS/cp932): byte 0x93 cannot be decoded — "
        "save the file as UTF-8 "
        "(in Excel: 'CSV UTF-8'); Shift_JIS/cp932 is not accepted",
        "1 error, 0 warnings",
    ]


def test_bom_and_crlf_are_accepted_with_identical_output(tmp_path: Path, runner: CliRunner) -> None:
    from conftest import make_project

    plain = make_project(tmp_path / "plain")
    windows = make_project(tmp_path / "windows")
    for path in sorted((windows / "graph" / "curated").glob("*.csv")):
        text = path.read_text(encoding="utf-8")
        path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    for root in (plain, windows):
        result = runner.invoke(main, ["--root", str(root), "build"])
        assert result.exit_code == 0, result.output
    assert (plain / "graph/built/tokutei.nq").read_bytes() == (windows / "graph/built/tokutei.nq").read_bytes()


def test_failed_build_leaves_previous_output_untouched(mini: Path, runner: CliRunner) -> None:
    assert runner.invoke(main, ["--root", str(mini), "build"]).exit_code == 0
    built = mini / "graph/built/tokutei.nq"
    before = built.read_bytes()
    edit(mini, CLAIMS, "kemnaker,sharesInformationWith,isa", "kemnaker,sharesInformationWith,nobody")
    code, _ = build(runner, mini)
    assert code == 2
    assert built.read_bytes() == before
    assert sorted(p.name for p in built.parent.iterdir()) == ["tokutei.nq", "tokutei.nq.json"]


def test_several_errors_are_all_reported_in_file_order(mini: Path, runner: CliRunner) -> None:
    edit(mini, CLAIMS, "kemnaker,sharesInformationWith,isa", "kemnaker,sharesInformationWith,nobody")
    edit(mini, ENTITIES, "moj,Ministry,", "moj,Ministery,")
    code, lines = build(runner, mini)
    assert code == 2
    assert lines == [
        "graph/curated/claims.csv:8:4: error: unknown entity 'nobody' — add it to entities.csv first",
        "graph/curated/entities.csv:4:2: error: unknown class 'Ministery' — did you mean 'Ministry'?",
        "2 errors, 0 warnings",
    ]


def test_quote_from_an_interview_without_consent_is_refused(mini: Path, runner: CliRunner) -> None:
    edit(mini, CLAIMS, "the ministry now handles protection,paraphrase,", "the ministry now handles protection,quote,")
    code, lines = build(runner, mini)
    assert code == 2
    assert lines == [
        "graph/curated/claims.csv:13:12: error: source 'int-fictional-01' may not be quoted verbatim "
        "(consent: paraphrase) — paraphrase the evidence and set evidence_kind to paraphrase",
        "1 error, 0 warnings",
    ]


def test_interview_without_role_consent_or_date_is_refused(mini: Path, runner: CliRunner) -> None:
    edit(mini, SOURCES, ",2024-03-12,,,id,,,manager of a training institution (fictional),paraphrase,", ",,,,id,,,,,")
    code, lines = build(runner, mini)
    assert code == 2
    assert lines == [
        "graph/curated/sources.csv:7:6: error: an interview needs its date",
        "graph/curated/sources.csv:7:12: error: an interview needs interviewee_role",
        "graph/curated/sources.csv:7:13: error: an interview needs consent",
        "3 errors, 0 warnings",
    ]
