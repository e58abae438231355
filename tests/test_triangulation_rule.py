"""The triangulation rule on independent origins: exact statuses and reasons, time-respecting disputes,
``derived_from`` in sources.csv, and one rule shared by build, ``--as-of`` and ``evidence``."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from click.testing import CliRunner

from tokutei_kg.cli import main
from tokutei_kg.triangulate import SourceKind, Statement, triangulate

SOURCES = {
    "gov": SourceKind("gov", "official-document", "government"),
    "gov2": SourceKind("gov2", "official-document", "government"),
    "news": SourceKind("news", "news", "civil-society"),
    "copy": SourceKind("copy", "official-document", "government", ("decree",)),
    "report": SourceKind("report", "news", "civil-society", ("decree",)),
    "echo": SourceKind("echo", "news", "civil-society", ("gov",)),
    "blog": SourceKind("blog", "practitioner", "private-sector"),
}


def claim(cid: str, source: str, evidence: str, *, disputes: bool = False, quote: bool = False,
          start: dt.date = dt.date.min, end: dt.date = dt.date.max) -> Statement:
    return Statement(cid, "<s>", "<p>", "<o>", source, disputes, evidence, quote, start, end)


def rated(*statements: Statement) -> tuple[str, int, str]:
    [result] = triangulate(statements, SOURCES)
    return result.status, result.origin_count, result.reason


def test_sources_derived_from_one_original_count_once() -> None:
    assert rated(claim("a", "copy", "one"), claim("b", "report", "two")) == (
        "single-source", 1,
        "1 independent origin(s) among 2 source(s): [copy + report — copy/report derive from decree]; "
        "one independent origin")


def test_a_report_of_a_source_counts_with_it() -> None:
    assert rated(claim("a", "gov", "one"), claim("b", "echo", "two")) == (
        "single-source", 1,
        "1 independent origin(s) among 2 source(s): [echo + gov — echo/gov derive from gov]; one independent origin")


def test_identical_paraphrase_counts_once_but_own_words_count_each() -> None:
    copied = rated(claim("a", "gov", "Same  sentence."), claim("b", "news", "same sentence."))
    assert copied == ("single-source", 1, "1 independent origin(s) among 2 source(s): [gov + news — identical "
                                          "evidence text]; one independent origin")
    quoted = rated(claim("a", "gov", "Same sentence.", quote=True), claim("b", "news", "Same sentence.", quote=True))
    assert quoted[:2] == ("triangulated", 2)


def test_triangulated_needs_two_origins_that_differ_on_an_axis() -> None:
    assert rated(claim("a", "gov", "one"), claim("b", "news", "two")) == (
        "triangulated", 2, "2 independent origin(s) among 2 source(s): [gov]; [news]; origins differ in source type "
                           "(official-document vs news)")
    assert rated(claim("a", "gov", "one"), claim("b", "gov2", "two")) == (
        "corroborated", 2, "2 independent origin(s) among 2 source(s): [gov]; [gov2]; all origins share a source "
                           "type and a perspective")


def test_an_origin_of_mixed_kinds_does_not_differ_from_either_kind() -> None:
    # copy (official, government) and report (news, civil society) are one origin: it shares a kind with both.
    status, origins, _ = rated(claim("a", "copy", "x"), claim("b", "report", "y"), claim("c", "gov2", "z"),
                               claim("d", "news", "w"))
    assert (status, origins) == ("triangulated", 3)  # gov2 and news differ; the mixed origin alone would not
    status, origins, _ = rated(claim("a", "copy", "x"), claim("b", "report", "y"), claim("c", "gov2", "z"))
    assert (status, origins) == ("corroborated", 2)


def test_a_dispute_counts_only_for_its_own_period() -> None:
    before = claim("d", "news", "not yet", disputes=True, start=dt.date(2019, 6, 25), end=dt.date(2023, 2, 28))
    later = claim("a", "gov", "since March 2023", start=dt.date(2023, 3, 1))
    assert rated(before, later) == (
        "single-source", 1, "1 independent origin(s) among 1 source(s): [gov]; one independent origin; disputes for "
                            "another period only: news (2019-06-25–2023-02-28)")
    undated = claim("b", "blog", "places workers")
    assert rated(before, later, undated) == (
        "contested", 2, "2 independent origin(s) among 2 source(s): [blog]; [gov]; disputed for the same period by "
                        "news")


def test_a_dispute_with_nothing_asserted_is_contested() -> None:
    assert rated(claim("d", "news", "no", disputes=True)) == (
        "contested", 0, "no source asserts it; disputed for the same period by news")


# --- the same rule through the build, `evidence` and --as-of, on the mini fixture ---------------------

DERIVED_SOURCES = """id,type,perspective,title,publisher,date,url,document,language,reliability,register_ref,\
interviewee_role,consent,derived_from,note
t-copy,official-document,government,Copy of the ISA page,,,https://example.org/copy,,en,,,,,s15,test row
t-p3mi-2019,news,civil-society,Placement without agencies,,2019-06-25,https://example.org/2019,,en,,,,,,test row
"""

DERIVED_CLAIMS = """id,subject,relation,object,source_id,evidence,evidence_lang,polarity,valid_from,valid_to
t-ao-employs-copy,accepting-organization,employs,pmi-ssw-worker,t-copy,AOs employ SSW workers,en,,,
t-p3mi-places-s15,p3mi,places,pmi-ssw-worker,s15,P3MI place SSW workers from March 2023,en,,2023-03,
t-p3mi-denied-2019,p3mi,places,pmi-ssw-worker,t-p3mi-2019,not in the initial period,en,disputes,2019-06-25,2023-02
"""


def derived_project(mini: Path) -> Path:
    curated = mini / "graph" / "curated"
    (curated / "sources" / "derived.csv").write_text(DERIVED_SOURCES, encoding="utf-8")
    (curated / "claims" / "derived.csv").write_text(DERIVED_CLAIMS, encoding="utf-8")
    result = CliRunner().invoke(main, ["--root", str(mini), "build"])
    assert result.exit_code == 0, result.output
    return mini


def evidence(root: Path, *args: str) -> list[dict[str, object]]:
    result = CliRunner().invoke(main, ["--root", str(root), "evidence", *args, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["relations"]


def test_evidence_reads_the_rule_the_build_wrote(mini: Path) -> None:
    root = derived_project(mini)
    [employs] = evidence(root, "accepting-organization", "employs", "pmi-ssw-worker")
    assert (employs["status"], employs["origin_count"], employs["reason"]) == (
        "single-source", 1,
        "1 independent origin(s) among 2 source(s): [s15 + t-copy — s15/t-copy derive from s15]; one independent "
        "origin")


def test_evidence_shows_a_dispute_of_another_period_without_contesting(mini: Path) -> None:
    root = derived_project(mini)
    [trains] = evidence(root, "p3mi", "places", "pmi-ssw-worker")
    assert (trains["status"], trains["reason"]) == (
        "single-source", "1 independent origin(s) among 1 source(s): [s15]; one independent origin; disputes for "
                         "another period only: t-p3mi-2019 (2019-06-25–2023-02-28)")
    assert [(c["source"], c["disputes"]) for c in trains["claims"]] == [("s15", False), ("t-p3mi-2019", True)]
    [in_2020] = evidence(root, "p3mi", "places", "pmi-ssw-worker", "--as-of", "2020-01-01")
    assert (in_2020["status"], in_2020["reason"]) == (
        "contested", "no source asserts it; disputed for the same period by t-p3mi-2019")


def test_derived_from_must_name_a_known_source_or_entity(mini: Path) -> None:
    curated = mini / "graph" / "curated"
    (curated / "sources" / "derived.csv").write_text(DERIVED_SOURCES.replace(",s15,test row", ",s15x,test row"),
                                                      encoding="utf-8")
    result = CliRunner().invoke(main, ["--root", str(mini), "validate"])
    assert result.exit_code == 2
    assert result.stdout.splitlines() == [
        "graph/curated/sources/derived.csv:2:14: error: unknown source or entity 's15x' — did you mean 's15'?",
        "1 error, 0 warnings",
    ]


def test_derived_from_may_not_loop(mini: Path) -> None:
    curated = mini / "graph" / "curated"
    looped = DERIVED_SOURCES.replace(",,,,,,test row\n", ",,,,,t-copy,test row\n").replace(",s15,test row",
                                                                                              ",t-p3mi-2019,test row")
    (curated / "sources" / "derived.csv").write_text(looped, encoding="utf-8")
    result = CliRunner().invoke(main, ["--root", str(mini), "validate"])
    assert result.exit_code == 2
    assert result.stdout.splitlines() == [
        "graph/curated/sources/derived.csv:2:14: error: source 't-copy' derives from itself through derived_from — "
        "a source repeats an original; the original does not repeat it",
        "graph/curated/sources/derived.csv:3:14: error: source 't-p3mi-2019' derives from itself through "
        "derived_from — a source repeats an original; the original does not repeat it",
        "2 errors, 0 warnings",
    ]
