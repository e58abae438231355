"""Bad curated CSV: each case is refused with exact one-line messages (file:row:column: severity:
message — hint), exit 2, and no file of the built project changes. Warnings about invisible characters
and look-alike names are shown by a plain build and refuse the input under ``--strict``."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from conftest import CLAIMS, ENTITIES, OBSERVATIONS, SOURCES, edit, refused, run
from tokutei_kg.cli import main

MOJ_ROW = "moj,Ministry,Ministry of Justice,Kementerian Kehakiman Jepang,法務省,MoJ,japan,,,,s15,"
SHARES = "kemnaker,sharesInformationWith,isa"
GATRA = "https://gatra.com/news-424156"
NEW_ENTITY = "{id},Agency,Test agency,,,,japan,,,,s15,"
ONE = "1 error, 0 warnings"


def case(name: str, edits: list[tuple[str, str, str]], expected: list[str], *args: str) -> object:
    return pytest.param(edits, list(args) or ["build"], expected, id=name)


def strict(name: str, edits: list[tuple[str, str, str]], expected: list[str]) -> object:
    return case(name, edits, expected, "build", "--strict")


CASES = [
    # --- the shape of a table -----------------------------------------------------------------
    case("ragged-row-short", [(CLAIMS, "ISA is an external agency of the Ministry of Justice,paraphrase,en,,2019-04-01,,high,",
                               "ISA is an external agency of the Ministry of Justice,paraphrase,en,,2019-04-01,high,")],
         ["graph/curated/claims.csv:2:18: error: row has 17 fields, the header has 18 — check for a missing or extra "
          "comma, or an unquoted comma inside a value", ONE]),
    case("ragged-row-long", [(ENTITIES, MOJ_ROW, MOJ_ROW + ",")],
         ["graph/curated/entities.csv:4:13: error: row has 13 fields, the header has 12 — check for a missing or extra "
          "comma, or an unquoted comma inside a value", ONE]),
    case("unknown-column", [(OBSERVATIONS, ",locator,note\n", ",locator,notes\n")],
         ["graph/curated/observations.csv:1:9: error: unknown column 'notes' in a observations table — did you mean "
          "'note'?", ONE]),
    case("missing-column", [(SOURCES, "id,type,perspective,title,", "id,type,perspective,titel,")],
         ["graph/curated/sources.csv:1: error: missing required column 'title' — a sources table needs: id, type, "
          "perspective, title, language",
          "graph/curated/sources.csv:1:4: error: unknown column 'titel' in a sources table — did you mean 'title'?",
          "2 errors, 0 warnings"]),
    case("duplicate-column", [(OBSERVATIONS, ",locator,note\n", ",locator,locator\n")],
         ["graph/curated/observations.csv:1:9: error: column 'locator' appears twice", ONE]),
    case("unbalanced-quote", [(CLAIMS, "ISA is an external agency", "\"ISA is an \"external\" agency")],
         ["graph/curated/claims.csv:2: error: malformed CSV: ',' expected after '\"' — a quote inside a value must be "
          "doubled (\"\")", ONE]),
    # --- ids --------------------------------------------------------------------------------------
    case("duplicate-id", [(CLAIMS, "moc-date-s9,", "moc-date-s8,")],
         ["graph/curated/claims.csv:6:1: error: duplicate claim id 'moc-date-s8' (first at graph/curated/claims.csv:5:1)"
          " — ids must be unique within a kind", ONE]),
    case("iri-collision", [(ENTITIES, MOJ_ROW, MOJ_ROW + "\n" + NEW_ENTITY.format(id="MOJ"))],
         ["graph/curated/entities.csv:5:1: error: entity ids 'moj' (graph/curated/entities.csv:4:1) and 'MOJ' both map "
          "to the IRI https://w3id.org/tokutei-kg/id/institution/moj — ids differing only in case or '_'/'-' name the "
          "same thing; rename one", ONE]),
    case("id-uppercase", [(ENTITIES, MOJ_ROW, MOJ_ROW + "\n" + NEW_ENTITY.format(id="Dukcapil"))],
         ["graph/curated/entities.csv:5:1: error: entity id 'Dukcapil' is not a lowercase slug — write 'dukcapil': "
          "lowercase letters, digits and single '-'", ONE]),
    case("id-underscore", [(CLAIMS, "moc-date-s2,", "moc_date_s2,")],
         ["graph/curated/claims.csv:7:1: error: claim id 'moc_date_s2' is not a lowercase slug — write 'moc-date-s2': "
          "lowercase letters, digits and single '-'", ONE]),
    case("id-with-space", [(ENTITIES, MOJ_ROW, MOJ_ROW + "\n" + NEW_ENTITY.format(id="new agency"))],
         ["graph/curated/entities.csv:5:1: error: 'new agency' is not a valid id — use lowercase letters, digits and "
          "'-' (e.g. 'moc-2019-ssw')", ONE]),
    # --- dates and language tags -----------------------------------------------------------------
    case("date-not-in-calendar", [(CLAIMS, "paraphrase,en,,2019-04-01,,high,", "paraphrase,en,,2019-02-30,,high,")],
         ["graph/curated/claims.csv:2:15: error: '2019-02-30' is not a day of the calendar — write e.g. 2019-06-25, "
          "2019-06 or 2019", ONE]),
    case("date-not-iso", [(SOURCES, "Gatra,2019-06-25,", "Gatra,25/06/2019,")],
         ["graph/curated/sources.csv:3:6: error: '25/06/2019' is not an ISO 8601 date (YYYY-MM-DD, YYYY-MM or YYYY)"
          " — write e.g. 2019-06-25, 2019-06 or 2019", ONE]),
    case("date-japanese-era", [(SOURCES, "Gatra,2019-06-25,", "Gatra,令和元年6月25日,")],
         ["graph/curated/sources.csv:3:6: error: '令和元年6月25日' is not an ISO 8601 date (YYYY-MM-DD, YYYY-MM or YYYY)"
          " — write e.g. 2019-06-25, 2019-06 or 2019", ONE]),
    case("interval-reversed", [(ENTITIES, "japan,2019-04-01,,", "japan,2019-04-01,2019-03-31,")],
         ["graph/curated/entities.csv:5:9: error: valid_to 2019-03-31 is before valid_from 2019-04-01", ONE]),
    case("language-jp", [(CLAIMS, "署名,paraphrase,ja,", "署名,paraphrase,jp,")],
         ["graph/curated/claims.csv:3:13: error: language tag 'jp' is not one of en, id, ja — did you mean 'ja'?", ONE]),
    case("newline-in-language-tag", [(CLAIMS, "Ministry of Justice,paraphrase,en,", "Ministry of Justice,paraphrase,\"e\nn\",")],
         ["graph/curated/claims.csv:2:13: error: language tag 'e\\nn' is not one of en, id, ja — use en (English), "
          "id (Indonesian) or ja (Japanese)", ONE]),
    case("language-en-us", [(CLAIMS, "Ministry of Justice,paraphrase,en,", "Ministry of Justice,paraphrase,en_US,")],
         ["graph/curated/claims.csv:2:13: error: language tag 'en_US' is not one of en, id, ja — use en (English), "
          "id (Indonesian) or ja (Japanese)", ONE]),
    case("count-with-separator", [(OBSERVATIONS, ",34255,", ",34,255,")],
         ["graph/curated/observations.csv:4:10: error: row has 10 fields, the header has 9 — check for a missing or "
          "extra comma, or an unquoted comma inside a value", ONE]),
    case("count-not-a-number", [(OBSERVATIONS, ",34255,", ",\"34,255\",")],
         ["graph/curated/observations.csv:4:6: error: '34,255' is not a whole number — write digits only, without "
          "separators (12272, not 12,272)", ONE]),
    # --- text: controls, spaces, Unicode forms ---------------------------------------------------
    case("control-character", [(ENTITIES, "Ministry of Justice,", "Ministry of\x0bJustice,")],
         ["graph/curated/entities.csv:4:3: error: label_en contains the control character U+000B at character 12 — "
          "delete it (a tab is not allowed either); controls make GraphML, GEXF and TSV unreadable", ONE]),
    case("tab-in-label", [(ENTITIES, "Ministry of Justice,", "Ministry of\tJustice,")],
         ["graph/curated/entities.csv:4:3: error: label_en contains the control character U+0009 at character 12 — "
          "delete it (a tab is not allowed either); controls make GraphML, GEXF and TSV unreadable", ONE]),
    case("escape-in-evidence", [(CLAIMS, "signed on 25 June 2019", "signed on \x1b[31m25 June 2019")],
         ["graph/curated/claims.csv:5:11: error: evidence contains the control character U+001B at character 11 — "
          "delete it (a tab is not allowed either); controls make GraphML, GEXF and TSV unreadable", ONE]),
    case("leading-space", [(ENTITIES, ",MoJ,japan,", ", MoJ,japan,")],
         ["graph/curated/entities.csv:4:6: error: aliases has leading or trailing spaces — remove them", ONE]),
    case("not-nfc", [(ENTITIES, "Kementerian Kehakiman Jepang", "Kementerian Kehakiman Jepang\u0301")],
         ["graph/curated/entities.csv:4:4: error: label_id is not in Unicode NFC form — re-type the value or normalise "
          "the file to NFC", ONE]),
    strict("zero-width-space-alias", [(ENTITIES, "Kemnaker|Kemenaker", "\u200bkemnaker|Kemenaker")],
           ["graph/curated/entities.csv:6:6: warning: aliases contains the invisible character U+200B (ZERO WIDTH "
            "SPACE) at character 1 — delete it: the value looks like one without it but is a different name",
            "0 errors, 1 warning"]),
    strict("right-to-left-override-label", [(ENTITIES, "Ministry of Justice,", "Ministry of \u202eecitsuJ,")],
           ["graph/curated/entities.csv:4:3: warning: label_en contains the invisible character U+202E (RIGHT-TO-LEFT "
            "OVERRIDE) at character 13 — delete it: the value looks like one without it but is a different name",
            "0 errors, 1 warning"]),
    strict("byte-order-mark-in-label", [(ENTITIES, "法務省,", "法務\ufeff省,")],
           ["graph/curated/entities.csv:4:5: warning: label_ja contains the invisible character U+FEFF (ZERO WIDTH "
            "NO-BREAK SPACE) at character 3 — delete it: the value looks like one without it but is a different name",
            "0 errors, 1 warning"]),
    strict("full-width-duplicate-alias", [(ENTITIES, "BP2MI,indonesia", "ＫＥＭＮＡＫＥＲ,indonesia")],
           ["graph/curated/entities.csv:7:6: warning: aliases 'ＫＥＭＮＡＫＥＲ' of 'bp2mi' looks the same as aliases "
            "'Kemnaker' of 'kemnaker' (graph/curated/entities.csv:6:6) — use one spelling, or tell the two apart",
            "0 errors, 1 warning"]),
    strict("invisible-duplicate-alias", [(ENTITIES, "BP2MI,indonesia", "\u200bkemnaker,indonesia")],
           ["graph/curated/entities.csv:7:6: warning: aliases '\\u200bkemnaker' of 'bp2mi' looks the same as aliases "
            "'Kemnaker' of 'kemnaker' (graph/curated/entities.csv:6:6) — use one spelling, or tell the two apart",
            "graph/curated/entities.csv:7:6: warning: aliases contains the invisible character U+200B (ZERO WIDTH "
            "SPACE) at character 1 — delete it: the value looks like one without it but is a different name",
            "0 errors, 2 warnings"]),
    strict("half-width-katakana-duplicate", [(ENTITIES, "職業訓練機関,LPK,", "ﾆｭｳｶﾝ,LPK,"),
                                             (ENTITIES, "ISA|入管庁|入管", "ISA|入管庁|入管|ニュウカン")],
           ["graph/curated/entities.csv:9:5: warning: label_ja 'ﾆｭｳｶﾝ' of 'lpk' looks the same as aliases 'ニュウカン' "
            "of 'isa' (graph/curated/entities.csv:5:6) — use one spelling, or tell the two apart",
            "0 errors, 1 warning"]),
    # --- references and the ontology's rules -----------------------------------------------------
    case("unknown-relation", [(CLAIMS, SHARES, "kemnaker,sharesInformationwith,isa")],
         ["graph/curated/claims.csv:8:3: error: unknown relation 'sharesInformationwith' — did you mean "
          "'sharesInformationWith'?", ONE]),
    case("unknown-entity", [(CLAIMS, SHARES, "kemnaker,sharesInformationWith,imigrasi")],
         ["graph/curated/claims.csv:8:4: error: unknown entity 'imigrasi' — add it to entities.csv first", ONE]),
    case("relation-out-of-range", [(CLAIMS, SHARES, "kemnaker,operates,isa")],
         ["graph/curated/claims.csv:8:4: error: operates must point to a tkg:InformationSystem, but 'isa' is a "
          "tkg:Agency — use another relation, or another object", ONE]),
    case("relation-out-of-domain", [(CLAIMS, SHARES, "moc-2019-ssw,reportsTo,isa")],
         ["graph/curated/claims.csv:8:2: error: reportsTo must start from a foaf:Agent, but 'moc-2019-ssw' is a "
          "tkg:MemorandumOfCooperation — use another relation, or another subject", ONE]),
    case("concept-where-entity-expected", [(CLAIMS, SHARES, "kemnaker,isPartyTo,stage:matching")],
         ["graph/curated/claims.csv:8:4: error: isPartyTo must point to a tkg:Agreement, but 'stage:matching' is a "
          "skos:Concept — use another relation, or another object", ONE]),
    case("self-relation", [(CLAIMS, SHARES, "kemnaker,sharesInformationWith,kemnaker")],
         ["graph/curated/claims.csv:8:4: error: 'kemnaker' sharesInformationWith itself — a relation links two "
          "different things; check subject and object", ONE]),
    case("sub-organization-cycle", [(CLAIMS, SHARES, "moj,org:subOrganizationOf,kemnaker"),
                                    (CLAIMS, "ao-reports-isa-s15,accepting-organization,reportsTo,isa",
                                     "ao-reports-isa-s15,kemnaker,org:subOrganizationOf,isa")],
         ["graph/curated/claims.csv:2:4: error: org:subOrganizationOf makes a cycle: isa → moj → kemnaker → isa — an "
          "organisation cannot be part of itself; check the direction of these claims", ONE]),
    case("object-for-data-relation", [(CLAIMS, "moc-date-s8,moc-2019-ssw,dateSigned,,2019-06-25,",
                                       "moc-date-s8,moc-2019-ssw,dateSigned,isa,2019-06-25,")],
         ["graph/curated/claims.csv:5:4: error: 'dateSigned' takes a literal; put it in 'value', not 'object'", ONE]),
    # --- source addresses ---------------------------------------------------------------------------
    case("url-with-space", [(SOURCES, GATRA, "https://gatra.com/news 424156")],
         ["graph/curated/sources.csv:3:7: error: the url contains a space at character 23 — percent-encode it (a space "
          "is %20, < is %3C, > is %3E, \" is %22)", ONE]),
    case("url-with-angle-bracket", [(SOURCES, GATRA, "https://gatra.com/<script>")],
         ["graph/curated/sources.csv:3:7: error: the url contains '<' at character 19 — percent-encode it (a space is "
          "%20, < is %3C, > is %3E, \" is %22)", ONE]),
    case("url-with-double-quote", [(SOURCES, GATRA, "https://gatra.com/\"\"onmouseover=alert(1)")],
         ["graph/curated/sources.csv:3:7: error: the url contains '\"' at character 19 — percent-encode it (a space is "
          "%20, < is %3C, > is %3E, \" is %22)", ONE]),
    case("url-javascript", [(SOURCES, GATRA + "-politik-indonesiajepang-teken-kerja-sama-ketenagakerjaan.html",
                             "javascript:alert(1)")],
         ["graph/curated/sources.csv:3:7: error: 'javascript:alert(1)' is not an http(s) address", ONE]),
    case("url-without-host", [(SOURCES, GATRA + "-politik-indonesiajepang-teken-kerja-sama-ketenagakerjaan.html",
                               "https:///news")],
         ["graph/curated/sources.csv:3:7: error: 'https:///news' has no host name", ONE]),
]


@pytest.mark.parametrize(("edits", "args", "expected"), CASES)
def test_bad_csv_is_refused_with_one_line_per_problem(project: Path, edits: list[tuple[str, str, str]],
                                                      args: list[str], expected: list[str]) -> None:
    for name, old, new in edits:
        edit(project, name, old, new)
    assert refused(project, args) == expected


def _write_bytes(project: Path, name: str, data: bytes) -> None:
    (project / name).write_bytes(data)


def test_cp932_file_is_not_utf8(project: Path) -> None:
    text = (project / ENTITIES).read_text(encoding="utf-8")
    _write_bytes(project, ENTITIES, text.encode("cp932"))
    assert refused(project, ["build"]) == [
        "graph/curated/entities.csv:2:28: error: not UTF-8 (looks like Shift_JIS/cp932): byte 0x93 cannot be decoded — "
        "save the file as UTF-8 (in Excel: 'CSV UTF-8'); Shift_JIS/cp932 is not accepted", ONE]


def test_latin1_file_is_not_utf8(project: Path) -> None:
    text = (project / SOURCES).read_text(encoding="utf-8").splitlines()[0]
    _write_bytes(project, SOURCES, (text + "\ns9,news,media,Kerja Sama Jepang–Indonésia,Gatra,2019-06-25,"
                                    "https://gatra.com/x,,id,news,S9,,,\n").encode("cp1252"))
    assert refused(project, ["build"]) == [
        "graph/curated/sources.csv:2:32: error: not UTF-8 (looks like Latin-1/cp1252): byte 0x96 cannot be decoded — "
        "save the file as UTF-8 (in Excel: 'CSV UTF-8'); Shift_JIS/cp932 is not accepted", ONE]


def test_utf16_file_is_refused(project: Path) -> None:
    text = (project / OBSERVATIONS).read_text(encoding="utf-8")
    _write_bytes(project, OBSERVATIONS, text.encode("utf-16"))
    assert refused(project, ["build"]) == [
        "graph/curated/observations.csv:1:1: error: not UTF-8 (looks like UTF-16): byte 0xff cannot be "
        "decoded — save the file as UTF-8 (in Excel: 'CSV UTF-8'); Shift_JIS/cp932 is not accepted", ONE]


def test_nul_byte_is_refused(project: Path) -> None:
    edit(project, CLAIMS, "signed on 25 June 2019", "signed on 25\x00June 2019")
    assert refused(project, ["build"]) == [
        "graph/curated/claims.csv:5: error: the file contains a NUL character — the file may be binary or UTF-16; save "
        "it as UTF-8 CSV", ONE]


def test_empty_file_is_refused(project: Path) -> None:
    _write_bytes(project, OBSERVATIONS, b"")
    assert refused(project, ["build"]) == [
        "graph/curated/observations.csv:1: error: the file is empty; it needs at least a header row", ONE]


def test_invisible_characters_warn_but_build(project: Path) -> None:
    edit(project, ENTITIES, "Kemnaker|Kemenaker", "\u200bkemnaker|Kemenaker")
    outcome = run(project, "build", "--no-exports")
    assert outcome.code == 0
    assert outcome.err == [
        "graph/curated/entities.csv:6:6: warning: aliases contains the invisible character U+200B (ZERO WIDTH "
        "SPACE) at character 1 — delete it: the value looks like one without it but is a different name"]


def test_bom_and_crlf_give_byte_identical_output(project: Path, tmp_path: Path) -> None:
    plain = tmp_path / "plain.nq"
    windows = tmp_path / "windows.nq"
    assert run(project, "build", "-o", str(plain)).code == 0
    for path in sorted((project / "graph" / "curated").rglob("*.csv")):
        text = path.read_text(encoding="utf-8")
        path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    assert run(project, "build", "-o", str(windows)).code == 0
    assert plain.read_bytes() == windows.read_bytes()


FORMULAS = ['=HYPERLINK("http://example.org/x","click")', "+81 3 1234", "-1+1", "@SUM(A1:A2)"]


def test_formula_like_cells_are_data_and_neutralised_in_every_csv(project: Path) -> None:
    label, alias, evidence, title = FORMULAS
    edit(project, ENTITIES, "Ministry of Justice,", f'"{label.replace(chr(34), chr(34) * 2)}",')
    edit(project, ENTITIES, ",MoJ,japan,", f",{alias},japan,")
    edit(project, CLAIMS, "signed on 25 June 2019", evidence)
    edit(project, SOURCES, "Information regarding the Republic of Indonesia", title)
    outcome = run(project, "build")
    assert outcome.code == 0, outcome.err
    built = {quad.object.value for quad in ox.parse(path=project / "graph/built/tokutei.nq",
                                                     format=ox.RdfFormat.N_QUADS) if isinstance(quad.object, ox.Literal)}
    assert set(FORMULAS) <= built  # kept as data, unchanged
    for folder in ("exports/csv", "exports/neo4j"):
        cells = _csv_cells(project / folder)
        assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells), folder
        assert "'" + label in cells, folder
        assert any(cell.startswith("'" + alias) for cell in cells), folder
    assert {"'" + evidence, "'" + title} <= _csv_cells(project / "exports/csv")  # claims.csv, sources.csv
    for command in (["evidence", "--entity", "moj", "--status", "all", "--format", "csv"],
                    ["analyse", "--format", "csv"]):
        outcome = CliRunner().invoke(main, ["--root", str(project), *command])
        assert outcome.exit_code == 0, outcome.output
        cells = {cell for row in csv.reader(io.StringIO(outcome.stdout)) for cell in row}
        assert "'" + label in cells and label not in cells, command


def _csv_cells(folder: Path) -> set[str]:
    cells: set[str] = set()
    for path in folder.glob("*.csv"):
        with path.open(encoding="utf-8-sig", newline="") as handle:
            cells.update(cell for row in csv.reader(handle) for cell in row)
    return cells
