"""``tokutei-kg import``: REFI-QDA (.qdpx) and the one-sheet form (CSV/XLSX) into a copy of a project.

The fixtures are fictional test interviews (tests/fixtures/qdpx/make.py); every test imports into a
copy of the mini project, never into graph/curated/ of the repository.
"""

from __future__ import annotations

import csv
import hashlib
import io
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from tokutei_kg.cli import main
from tokutei_kg.errors import display_path

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "qdpx"
QDPX = FIXTURES / "fieldwork.qdpx"
SHOWN = display_path(QDPX)
MAPPING = FIXTURES / "fieldwork.mapping.csv"
SOURCES = "graph/curated/sources/interview-fieldwork-fixture.csv"
CLAIMS = "graph/curated/claims/interview-fieldwork-fixture.csv"
SECRETS = ("PARAPHRASE-ONLY-4410", "PARAPHRASE-ONLY-4411", "PARAPHRASE-ONLY-4412", "WITHHELD-SECRET-7731", "WITHHELD-MEMO-7732",
           "研修機関が労働者を企業に紹介することはない", "Lembaga pendukung membantu saya")


def run(root: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["--root", str(root), *args])
    return result.exit_code, result.stdout, result.stderr


def tree(root: Path) -> dict[str, str]:
    """Every file under graph/ and exports/ with its SHA-256."""
    found = {}
    for folder in ("graph", "exports"):
        for path in sorted((root / folder).rglob("*")):
            if path.is_file():
                found[str(path.relative_to(root))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


# The fixtures' perspectives, and what they are called in an ontology with the four-perspective scheme
# (government, private sector, civil society, academic) — the tests run on either.
FOUR_PERSPECTIVES = {"worker": "civil-society", "indonesian-private-sector": "private-sector",
                     "indonesian-government": "government"}


def perspective(root: Path, name: str) -> str:
    ontology = (root / "ontology" / "tokutei.ttl").read_text(encoding="utf-8")
    return name if f"perspective:{name} a skos:Concept" in ontology else FOUR_PERSPECTIVES[name]


def install_mapping(root: Path, source: Path, project_name: str) -> Path:
    text = source.read_text(encoding="utf-8")
    for name in FOUR_PERSPECTIVES:
        text = text.replace(f",perspective:{name},", f",perspective:{perspective(root, name)},")
    target = root / "graph" / "mappings" / f"{project_name}.csv"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return target


@pytest.fixture
def project(mini: Path) -> Path:
    install_mapping(mini, MAPPING, "fieldwork-fixture")
    install_mapping(mini, FIXTURES / "fieldwork-sheet.mapping.csv", "fieldwork-sheet")
    return mini


SOURCE_ROWS = [
    ("int-fieldwork-fixture-22fe4ae8", "TEST FIXTURE fictional interview 1 (training institution)",
     "indonesian-private-sector", "quote", "en", "2026-10-01",
     "manager of a training institution (fictional test fixture)"),
    ("int-fieldwork-fixture-5cdb5ef1", "TEST FIXTURE fictional interview 2 (worker)", "worker", "paraphrase", "id",
     "2026-10-08", "SSW worker in Japan (fictional test fixture)"),
    ("int-fieldwork-fixture-d40320f6", "TEST FIXTURE fictional interview 3 (no consent)", "indonesian-private-sector",
     "none", "ja", "2026-10-15", "staff of a placement company (fictional test fixture)"),
]  # (id, title, perspective, consent, language, date, role)


def test_qdpx_import_writes_one_source_per_document_and_one_claim_per_statement(project: Path) -> None:
    code, out, err = run(project, "import", str(QDPX))
    assert (code, err) == (0, "")
    sources = rows(project / SOURCES)
    assert [(r["id"], r["title"], r["perspective"], r["consent"], r["language"], r["date"], r["interviewee_role"])
            for r in sources] == [(*row[:2], perspective(project, row[2]), *row[3:]) for row in SOURCE_ROWS]
    assert {r["type"] for r in sources} == {"interview"}
    claims = rows(project / CLAIMS)
    assert [(r["id"], r["subject"], r["relation"], r["object"], r["polarity"], r["stage"], r["evidence_kind"],
             r["evidence_lang"], r["evidence"], r["locator"]) for r in claims] == [
        ("int-fieldwork-fixture-22fe4ae8-0e708ba9", "lpk", "trains", "pmi-ssw-worker", "", "stage:training", "quote",
         "en", "We teach the candidates Japanese for six months before the skills test.", "characters 116-187"),
        ("int-fieldwork-fixture-22fe4ae8-2073dbb8", "issue:fees-and-brokers", "concerns", "lpk", "", "", "quote", "en",
         "Fees are a heavy burden for the families of our candidates.", "characters 262-321"),
        ("int-fieldwork-fixture-22fe4ae8-67a0a1a9", "registered-support-organization", "supports", "pmi-ssw-worker",
         "", "", "quote", "en", "the support organisation helps the workers with daily life", "characters 202-260"),
        ("int-fieldwork-fixture-22fe4ae8-8f575feb", "lpk", "trains", "pmi-ssw-worker", "", "stage:training", "quote",
         "en", "We teach the candidates Japanese for six months", "characters 116-163"),
        ("int-fieldwork-fixture-5cdb5ef1-2da0bd1f", "registered-support-organization", "supports", "pmi-ssw-worker",
         "", "", "paraphrase", "en", "[withheld]", "characters 172-249"),
        ("int-fieldwork-fixture-5cdb5ef1-cbf1f736", "issue:language-training-gaps", "concerns", "lpk", "", "",
         "paraphrase", "id", "Menurut pekerja itu, kursus bahasa di LPK terlalu singkat untuk persiapan ujian.",
         "characters 250-326"),
        ("int-fieldwork-fixture-5cdb5ef1-f2121a4a", "isa", "supervises", "accepting-organization", "", "",
         "paraphrase", "id", "Pekerja itu mengatakan bahwa pihak imigrasi memeriksa pemberi kerjanya setiap tahun.",
         "characters 81-171"),
        ("int-fieldwork-fixture-d40320f6-34febb7c", "lpk", "places", "pmi-ssw-worker", "disputes", "", "paraphrase",
         "en", "[withheld]", "characters 28-71"),
    ]
    assert claims[0]["note"] == ("coded by Coder B (fictional) on 2026-10-22; segment "
                                 "0e708ba9-3844-5af7-a0f1-09571911d725 in 'TEST FIXTURE fictional interview 1 "
                                 "(training institution)'")
    assert claims[-1]["note"] == ("evidence withheld: the interviewee did not consent to being cited (consent: none); "
                                  "coded by Coder A (fictional) on 2026-10-21; segment "
                                  "34febb7c-43b9-5659-a1bc-3e68895283c9 in 'TEST FIXTURE fictional interview 3 (no "
                                  "consent)'")
    assert out.splitlines()[:3] == [
        f"imported {SHOWN} as project 'fieldwork-fixture': 3 interviews, 8 claims (evidence: 4 quoted, "
        "2 paraphrased, 2 withheld by consent)",
        f"  wrote       {project / CLAIMS}",
        f"  wrote       {project / SOURCES}",
    ]


def test_summary_reports_cohens_kappa_per_code_and_the_status_changes(project: Path) -> None:
    code, out, _ = run(project, "import", str(QDPX))
    assert code == 0
    assert out.splitlines()[3:] == [
        "  agreement between coders (Cohen's kappa per code, over the characters of the documents both coded):",
        "    Actors > LPK: kappa 0.36, observed agreement 0.74 (Coder A (fictional) vs Coder B (fictional), "
        "322 characters)",
        "    Actors > Worker: kappa 0.75, observed agreement 0.93 (Coder A (fictional) vs Coder B (fictional), "
        "322 characters)",
        "    Memo: kappa 0.00, observed agreement 0.93 (Coder A (fictional) vs Coder B (fictional), 322 characters)",
        "    Problems > Fees: kappa 0.00, observed agreement 0.82 (Coder A (fictional) vs Coder B (fictional), "
        "322 characters)",
        "    Relations > trains: kappa 0.75, observed agreement 0.93 (Coder A (fictional) vs Coder B (fictional), "
        "322 characters)",
        "    Statements > RSO supports worker: kappa 0.00, observed agreement 0.82 (Coder A (fictional) vs "
        "Coder B (fictional), 322 characters)",
        "Triangulation status changed by this import: 5 relation(s)",
        "  new → Single source: Immigration Services Agency of Japan — supervises — Accepting Organization",
        "  new → Contested: Job training institution (LPK) — places — Indonesian SSW worker",
        "  Single source → Triangulated: Registered Support Organization — supports — Indonesian SSW worker",
        "  new → Single source: Fees and brokers — concerns — Job training institution (LPK)",
        "  new → Single source: Gaps in language training — concerns — Job training institution (LPK)",
        "next: tokutei-kg build (then tokutei-kg evidence --changes)",
    ]


def test_change_report_in_indonesian_and_japanese(project: Path) -> None:
    _, out_id, _ = run(project, "import", str(QDPX), "--dry-run", "--lang", "id")
    assert out_id.splitlines()[-6:] == [
        "Status triangulasi yang berubah karena impor ini: 5 relasi",
        "  baru → Sumber tunggal: Badan Layanan Imigrasi Jepang — mengawasi — Accepting Organization",
        "  baru → Diperdebatkan: Lembaga Pelatihan Kerja — menempatkan — Pekerja Migran Indonesia",
        "  Sumber tunggal → Tertriangulasi: Registered Support Organization — memberi dukungan kepada — "
        "Pekerja Migran Indonesia",
        "  baru → Sumber tunggal: Biaya dan calo — menyangkut — Lembaga Pelatihan Kerja",
        "  baru → Sumber tunggal: Kesenjangan pelatihan bahasa — menyangkut — Lembaga Pelatihan Kerja",
    ]
    assert out_id.splitlines()[:3] == [
        f"{SHOWN} diperiksa sebagai proyek 'fieldwork-fixture': 3 wawancara, 8 klaim (bukti: 4 kutipan, 2 parafrase, "
        "2 ditahan sesuai persetujuan)",
        f"  akan ditulis {project / CLAIMS}",
        f"  akan ditulis {project / SOURCES}",
    ]
    _, out_ja, _ = run(project, "import", str(QDPX), "--dry-run", "--lang", "ja")
    assert out_ja.splitlines()[:4] == [
        f"{SHOWN} をプロジェクト 'fieldwork-fixture' として確認しました: インタビュー 3 件、主張 8 件（根拠: 引用 4、"
        "言い換え 2、同意により非公開 2）",
        f"  書き込み予定 {project / CLAIMS}",
        f"  書き込み予定 {project / SOURCES}",
        "  コーダー間の一致（コードごとの Cohen の κ、両者がコーディングした文書の文字単位）:",
    ]
    assert out_ja.splitlines()[4] == ("    Actors > LPK: κ 0.36、観測一致率 0.74（Coder A (fictional) 対 Coder B "
                                      "(fictional)、322 文字）")
    assert out_ja.splitlines()[-6] == "今回のインポートによってトライアンギュレーションの状態が変わった関係: 5 件"
    assert out_ja.splitlines()[-4] == "  新規 → 異論あり: 職業訓練機関 — 職業紹介する — Indonesian SSW worker"
    assert not (project / CLAIMS).exists()  # --dry-run writes nothing


def test_second_import_changes_no_byte(project: Path) -> None:
    assert run(project, "import", str(QDPX))[0] == 0
    before = tree(project)
    stamps = {p: (project / p).stat().st_mtime_ns for p in (SOURCES, CLAIMS)}
    code, out, _ = run(project, "import", str(QDPX))
    assert code == 0
    assert out.splitlines()[1:3] == [f"  unchanged   {project / CLAIMS}", f"  unchanged   {project / SOURCES}"]
    assert tree(project) == before
    assert {p: (project / p).stat().st_mtime_ns for p in (SOURCES, CLAIMS)} == stamps


def test_a_changed_file_replaces_only_its_own_rows(project: Path, tmp_path: Path) -> None:
    sys.path.insert(0, str(FIXTURES))
    try:
        import make  # the fixture generator
    finally:
        sys.path.remove(str(FIXTURES))
    assert run(project, "import", str(QDPX))[0] == 0
    before = tree(project)
    documents = [dict(d, segments=[s for s in d["segments"] if s[0] != "a3"]) for d in make.DOCUMENTS]
    changed = tmp_path / "fieldwork-v2.qdpx"
    make.write_zip(changed, make.qdpx_members(make.project_xml(documents), documents))
    code, out, _ = run(project, "import", str(changed))
    assert code == 0, out
    after = tree(project)
    assert {p for p in after if after[p] != before.get(p)} == {SOURCES, CLAIMS}  # the note names the new file
    assert [r["id"] for r in rows(project / CLAIMS)] == [
        r["id"] for r in csv.DictReader(io.StringIO(_text(before, project, CLAIMS))) if not r["id"].endswith("2073dbb8")]


def _text(_hashes: dict[str, str], project: Path, path: str) -> str:
    # the rows the first import wrote, rebuilt from the fixture (the file itself has been replaced)
    code, _, _ = run(project, "import", str(QDPX), "--dry-run")
    assert code == 0
    from tokutei_kg.interviews import plan_import
    from tokutei_kg.pipeline import Project

    plan = plan_import(Project(project), QDPX)
    return plan.files[project / path].decode()


def test_hand_written_rows_in_an_import_file_are_never_replaced(project: Path) -> None:
    target = project / CLAIMS
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("id,subject,relation,object,source_id,evidence,evidence_lang\n"
                      "my-own-claim,lpk,trains,pmi-ssw-worker,seed-abstract,hand written,en\n", encoding="utf-8")
    before = tree(project)
    code, out, err = run(project, "import", str(QDPX))
    assert (code, out) == (2, "")
    assert err.splitlines() == [
        f"{CLAIMS}:2:1: error: row 'my-own-claim' was not written by this import; the file belongs to the importer "
        "and would be replaced — move hand-written rows to another file (e.g. claims/interviews.csv)",
        "1 error, 0 warnings",
    ]
    assert tree(project) == before


def test_unmapped_code_lists_the_closest_terms_in_three_languages_and_writes_nothing(project: Path) -> None:
    mapping = project / "graph" / "mappings" / "fieldwork-fixture.csv"
    mapping.write_text("".join(line for line in MAPPING.read_text(encoding="utf-8").splitlines(keepends=True)
                               if not line.startswith("code,Relations > trains,")), encoding="utf-8")
    before = tree(project)
    code, out, err = run(project, "import", str(QDPX))
    assert (code, out) == (2, "")
    assert err.splitlines() == [
        f"{SHOWN}: error: code 'Relations > trains' (used in 2 segments) is not mapped in "
        f"{mapping} — closest: relation:trains (en “trains” / id “melatih” / ja “訓練する”); "
        "stage:training (en “Training” / id “Pelatihan” / ja “日本語・技能訓練”); "
        "stage:registration (en “Registration” / id “Pendaftaran” / ja “登録”)",
        "1 error, 0 warnings",
    ]
    assert tree(project) == before


def test_init_mapping_writes_a_template_of_codes_groups_and_roles(mini: Path) -> None:
    code, out, _ = run(mini, "import", str(QDPX), "--init-mapping")
    target = mini / "graph" / "mappings" / "fieldwork-fixture.csv"
    assert (code, out) == (0, f"wrote {target} — fill in maps_to for every row, then import again\n")
    listed = [(r["kind"], r["name"], r["maps_to"]) for r in rows(target)]
    assert listed == [
        ("group", "Actors", ""), ("code", "Actors > LPK", ""), ("code", "Actors > Worker", ""), ("code", "Memo", ""),
        ("group", "Problems", ""), ("code", "Problems > Fees", ""), ("code", "Problems > Language training", ""),
        ("group", "Relations", ""),
        ("code", "Relations > trains", ""), ("group", "Statements", ""),
        ("code", "Statements > Denies: LPK places workers", ""), ("code", "Statements > ISA supervises employers", ""),
        ("code", "Statements > RSO supports worker", ""), ("group", "Training stage", ""),
        ("role", "SSW worker in Japan (fictional test fixture)", ""),
        ("role", "manager of a training institution (fictional test fixture)", ""),
        ("role", "staff of a placement company (fictional test fixture)", ""),
    ]
    assert rows(target)[8]["note"].startswith("closest: relation:trains (en “trains”")
    code, _, err = run(mini, "import", str(QDPX), "--init-mapping")
    assert (code, err) == (2, f"error: {target} exists — edit it, or delete it to start again\n")


HOSTILE = {
    "zip-bomb.qdpx": "member 'sources/padding.txt' is compressed 1,028:1 (at most 100:1) — possible zip bomb; "
                     "the file is refused",
    "path-traversal.qdpx": "unsafe member name '../../outside.txt' in the archive (path traversal) — a .qdpx member "
                           "must be a relative path inside the archive; the file is refused",
    "absolute-path.qdpx": "unsafe member name '/tmp/outside.txt' in the archive (path traversal) — a .qdpx member "
                          "must be a relative path inside the archive; the file is refused",
    "symlink.qdpx": "member 'sources/link.txt' is a symbolic link — links are refused in a .qdpx archive",
    "billion-laughs.qdpx": "project.qde has a DTD with entity declarations (entity expansion, e.g. 'billion laughs'); "
                           "refused — REFI-QDA project files have no DTD; export the project again from your QDA tool",
    "external-entity.qdpx": "project.qde has a DTD with an external entity (it would read a file or the network); "
                            "refused — REFI-QDA project files have no DTD; export the project again from your QDA "
                            "tool",
    "dtd.qdpx": "project.qde has a DTD (<!DOCTYPE …>); refused — REFI-QDA project files have no DTD; export the "
                "project again from your QDA tool",
    "malformed.qdpx": "project.qde is not well-formed XML at line 62, column 3: mismatched tag — export the project "
                      "again from your QDA tool",
    "not-a-zip.qdpx": "not a readable .qdpx (zip) file: File is not a zip file — export the project from your QDA "
                      "tool as REFI-QDA Project (.qdpx)",
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_file_is_refused_with_one_line_and_nothing_written(project: Path, name: str, no_network: list[str]
                                                                   ) -> None:
    before = tree(project)
    path = FIXTURES / "hostile" / name
    code, out, err = run(project, "import", str(path), "--name", "fieldwork-fixture")
    assert (code, out) == (2, "")
    assert err == f"{display_path(path)}: error: {HOSTILE[name]}\n"
    assert tree(project) == before
    assert no_network == []


def test_withheld_text_reaches_no_export_and_no_page(project: Path) -> None:
    assert run(project, "import", str(QDPX))[0] == 0
    code, out, err = run(project, "build")
    assert code == 0, err
    assert run(project, "viz", "--swimlane", "-o", str(project / "exports" / "swimlane.html"))[0] == 0
    assert run(project, "paths", "lpk", "pmi-ssw-worker", "--html", str(project / "exports" / "paths.html"))[0] == 0
    published = [p for p in sorted((project / "exports").rglob("*")) + sorted((project / "graph").rglob("*"))
                 if p.is_file()]
    assert len(published) > 20
    for path in published:
        data = path.read_bytes()
        for secret in SECRETS:
            assert secret.encode() not in data, f"{secret} in {path}"
    explorer = (project / "exports" / "explorer.html").read_text(encoding="utf-8")
    assert "Pekerja itu mengatakan bahwa pihak imigrasi memeriksa pemberi kerjanya setiap tahun." in explorer
    assert "We teach the candidates Japanese for six months before the skills test." in explorer


def test_paths_and_evidence_show_the_imported_interviews(project: Path) -> None:
    assert run(project, "import", str(QDPX))[0] == 0
    assert run(project, "build", "--no-exports")[0] == 0
    code, out, _ = run(project, "paths", "isa", "accepting-organization", "--max-hops", "1")
    assert code == 0
    assert out.splitlines()[2:] == [
        "1. 1 hop: Immigration Services Agency of Japan → Accepting Organization",
        "    Immigration Services Agency of Japan —supervises→ Accepting Organization  [single-source, 1 source(s)]",
        "        int-fieldwork-fixture-5cdb5ef1: TEST FIXTURE fictional interview 2 (worker) (interview)",
    ]
    code, out, _ = run(project, "evidence", "isa", "supervises", "accepting-organization", "--format", "json")
    assert code == 0
    assert "Pekerja itu mengatakan bahwa pihak imigrasi memeriksa pemberi kerjanya setiap tahun." in out
    code, out, _ = run(project, "evidence", "--changes")
    assert (code, out.splitlines()[0]) == (0, "Triangulation status changed by the imported interviews: 5 relation(s)")


def test_sheet_forms_csv_and_xlsx_give_the_same_rows(project: Path) -> None:
    for suffix in ("csv", "xlsx"):
        code, out, err = run(project, "import", str(FIXTURES / f"fieldwork-sheet.{suffix}"))
        assert (code, err) == (0, ""), out
        assert out.splitlines()[0] == (f"imported {display_path(FIXTURES / f'fieldwork-sheet.{suffix}')} as project "
                                       "'fieldwork-sheet': 1 interview, 2 claims (evidence: 1 quoted, 1 paraphrased, "
                                       "0 withheld by consent)")
        claims = rows(project / "graph/curated/claims/interview-fieldwork-sheet.csv")
        assert [(r["id"], r["subject"], r["relation"], r["object"], r["stage"], r["evidence"], r["evidence_kind"],
                 r["locator"], r["note"]) for r in claims] == [
            ("int-fieldwork-sheet-test-fixture-fictional-sheet-interview-s1", "bp2mi", "protects", "pmi-ssw-worker", "",
             "We follow up every complaint a worker sends us.", "quote", "00:04:10",
             "coded by Coder A (fictional); row 2"),
            ("int-fieldwork-sheet-test-fixture-fictional-sheet-interview-s2", "lpk", "trains", "pmi-ssw-worker",
             "stage:training", "Training takes about six months.", "paraphrase", "00:09:30",
             "coded by Coder A (fictional); row 3"),
        ]


def test_sheet_errors_name_file_row_and_the_closest_terms(project: Path, tmp_path: Path) -> None:
    sheet = tmp_path / "bad.csv"
    text = (FIXTURES / "fieldwork-sheet.csv").read_text(encoding="utf-8")
    sheet.write_text(text.replace(",lpk,trains,", ",lpk,trainz,").replace(",quote,2026-10-20,", ",quote,2026-13-20,"),
                     encoding="utf-8")
    before = tree(project)
    code, out, err = run(project, "import", str(sheet), "--name", "fieldwork-sheet")
    assert (code, out) == (2, "")
    assert err.splitlines() == [
        f"{sheet}:2: error: row 2: the date '2026-13-20' has no month 13 — write e.g. 2024-03-12",
        f"{sheet}:3: error: row 3: the date '2026-13-20' has no month 13 — write e.g. 2024-03-12",
        f"{sheet}:3: error: row 3: unknown relation 'trainz' — closest: relation:trains (en “trains” / id “melatih” / "
        "ja “訓練する”); relation:registers (en “registers” / id “mendaftarkan” / ja “登録する”); relation:locatedIn "
        "(en “located in” / id “berlokasi di” / ja “所在する”)",
        "3 errors, 0 warnings",
    ]
    assert tree(project) == before


def test_rows_that_fail_the_checks_are_reported_and_nothing_is_written(project: Path, tmp_path: Path) -> None:
    sheet = tmp_path / "sheet.csv"
    text = (FIXTURES / "fieldwork-sheet.csv").read_text(encoding="utf-8")
    sheet.write_text(text.replace(",bp2mi,protects,pmi-ssw-worker,", ",bp2mi,dateSigned,pmi-ssw-worker,"),
                     encoding="utf-8")
    before = tree(project)
    code, out, err = run(project, "import", str(sheet), "--name", "fieldwork-sheet")
    assert (code, out) == (2, "")
    assert err.splitlines() == [
        "graph/curated/claims/interview-fieldwork-sheet.csv:2:4: error: 'dateSigned' takes a literal; put it in "
        "'value', not 'object'",
        "graph/curated/claims/interview-fieldwork-sheet.csv:2:5: error: 'dateSigned' needs a value",
        "error: the rows this import would write do not pass the checks above (rows numbered as in "
        "graph/curated/claims/interview-fieldwork-sheet.csv, graph/curated/sources/interview-fieldwork-sheet.csv); "
        "nothing was written — fix the input file or the mapping and import again",
        "3 errors, 0 warnings",
    ]
    assert tree(project) == before


def test_invisible_characters_are_dropped_from_evidence() -> None:
    from tokutei_kg.interviews.importer import clean

    assert clean("We\u200b teach\u2028 them\r\n\tJapanese\ufeff") == "We teach them Japanese"


def test_cohen_kappa_known_values() -> None:
    from tokutei_kg.interviews.kappa import cohen_kappa

    # 20 units; coder A codes 0-9, coder B 0-4: agreement 15/20, chance 0.5 → κ = 0.5
    assert cohen_kappa(set(range(10)), set(range(5)), 20) == (0.75, 0.5)
    assert cohen_kappa(set(range(10)), set(range(10)), 20) == (1.0, 1.0)
    assert cohen_kappa(set(), set(), 20) == (1.0, None)  # nobody coded anything: κ undefined


def test_zip_member_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tokutei_kg.errors import SourceError
    from tokutei_kg.interviews import qdpx

    monkeypatch.setattr(qdpx, "MAX_MEMBERS", 3)
    with pytest.raises(SourceError) as caught:
        qdpx.read_qdpx(QDPX, Path("fieldwork.qdpx"))
    error = caught.value
    assert (error.origin, error.line, error.column, error.message, error.hint) == (
        "fieldwork.qdpx", None, None, "the archive has 4 members (at most 3 are read)",
        "a REFI-QDA project holds project.qde and its sources; check the file")


def test_evidence_changes_without_imported_interviews(mini: Path) -> None:
    for lang, expected in (("en", "no relation changed its triangulation status\n"),
                           ("id", "tidak ada relasi yang berubah status triangulasinya\n"),
                           ("ja", "トライアンギュレーションの状態が変わった関係はありません\n")):
        assert run(mini, "evidence", "--changes", "--lang", lang)[:2] == (0, expected)
