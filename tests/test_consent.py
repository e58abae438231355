"""Consent enforced: evidence from a ``consent=none`` interview is stored as withheld and never published;
an interviewee is recorded by role, never by name."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from tokutei_kg.cli import main

SECRET = "FICTIONAL-SECRET the manager named the broker"

SOURCES = """id,type,perspective,title,publisher,date,url,document,language,reliability,register_ref,\
interviewee_role,consent,note
int-fictional-02,interview,civil-society,FICTIONAL test interview with a returned worker,,2024-05-02,,,id,,,\
{role},none,FICTIONAL — exists only in the test fixture
"""

CLAIMS = """id,subject,relation,object,source_id,evidence,evidence_lang,locator
int-02-worker-reports,accepting-organization,employs,pmi-ssw-worker,int-fictional-02,{evidence},en,00:03:10
"""


def interview(mini: Path, *, evidence: str, role: str = "returned SSW worker (fictional)") -> Path:
    curated = mini / "graph" / "curated"
    (curated / "sources" / "consent.csv").write_text(SOURCES.format(role=role), encoding="utf-8")
    (curated / "claims" / "consent.csv").write_text(CLAIMS.format(evidence=evidence), encoding="utf-8")
    return mini


def published(root: Path) -> str:
    """Every file the build and export wrote, as one text."""
    files = [p for folder in ("graph/built", "exports") for p in sorted((root / folder).rglob("*")) if p.is_file()]
    assert files
    return "\n".join(p.read_bytes().decode("utf-8", errors="replace") for p in files)


def test_a_paraphrase_from_a_consent_none_interview_is_refused_and_nothing_is_written(mini: Path) -> None:
    root = interview(mini, evidence=SECRET)
    result = CliRunner().invoke(main, ["--root", str(root), "build"])
    assert result.exit_code == 2
    assert ("graph/curated/claims/consent.csv:2:6: error: source 'int-fictional-02' may not be cited "
            "(consent: none) — store the evidence as withheld: write exactly '[withheld]' in the evidence column"
            ) in result.output
    assert not (root / "graph" / "built" / "tokutei.nq").exists()
    assert not (root / "exports").exists()


def test_withheld_evidence_is_stored_as_withheld_and_appears_in_no_export_or_page(mini: Path) -> None:
    root = interview(mini, evidence="[withheld]")
    result = CliRunner().invoke(main, ["--root", str(root), "build"])
    assert result.exit_code == 0, result.output
    assert (root / "exports" / "explorer.html").is_file()  # the build writes every export and the explorer
    text = published(root)
    assert SECRET not in text and "the broker" not in text
    assert '"[withheld]"@en' in (root / "graph" / "built" / "tokutei.nq").read_text(encoding="utf-8")


def test_withheld_evidence_is_not_taken_for_copied_evidence() -> None:
    from tokutei_kg.triangulate import SourceKind, Statement, triangulate

    sources = {"a": SourceKind("a", "interview", "civil-society"), "b": SourceKind("b", "interview", "private-sector")}
    statements = [Statement(c, "<s>", "<p>", "<o>", c, False, "[withheld]") for c in ("a", "b")]
    [result] = triangulate(statements, sources)
    assert (result.status, result.origin_count) == ("triangulated", 2)


def test_an_interviewee_role_must_not_be_a_personal_name(mini: Path) -> None:
    for role, column in (("Budi Santoso", 12), ("Pak Budi", 12), ("田中さん", 12)):
        root = interview(mini, evidence="[withheld]", role=role)
        result = CliRunner().invoke(main, ["--root", str(root), "validate"])
        assert result.exit_code == 2, role
        assert result.stdout.splitlines() == [
            f"graph/curated/sources/consent.csv:2:{column}: error: interviewee_role '{role}' looks like a personal "
            "name — give the role the interviewee speaks from, e.g. 'manager of a training institution'",
            "1 error, 0 warnings",
        ]
