"""Facts that expire: ``validate`` flags two holders of one office, or two values of one target, valid on
the same day; the curated data has none."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from tokutei_kg.cli import main

HEADER = "id,subject,relation,object,value,role,source_id,evidence,evidence_lang,valid_from,valid_to\n"


def validate(mini: Path, rows: str) -> tuple[int, list[str]]:
    (mini / "graph" / "curated" / "claims" / "terms.csv").write_text(HEADER + rows, encoding="utf-8")
    result = CliRunner().invoke(main, ["--root", str(mini), "validate"])
    return result.exit_code, result.stdout.splitlines()


def test_two_ministers_of_one_ministry_on_one_day_are_flagged(mini: Path) -> None:
    code, lines = validate(mini, (
        "t-hanif,hanif-dhakiri,holdsPost,kemnaker,,role:minister,s8,minister,en,2019-06-25,2019-11-05\n"
        "t-ishii,masafumi-ishii,holdsPost,kemnaker,,role:minister,s9,minister,en,2019-10,\n"))
    assert code == 2
    assert lines == [
        "graph/curated/claims/terms.csv:3:10: error: office kemnaker (role:minister) has two holders, "
        "'hanif-dhakiri' (t-hanif) and 'masafumi-ishii' (t-ishii), valid on 2019-10-31 — end the earlier term "
        "(valid_to) where a source gives the later appointment or target",
        "1 error, 0 warnings",
    ]


def test_two_values_of_one_target_on_one_day_are_flagged(mini: Path) -> None:
    code, lines = validate(mini, (
        "t-70000,indonesia,targetNumber,,70000,,s9,target,en,2019-06-25,\n"
        "t-100000,indonesia,targetNumber,,100000,,s8,target,en,2023-11-28,\n"))
    assert code == 2
    assert lines[0] == (
        "graph/curated/claims/terms.csv:3:10: error: the target of indonesia has two values, '70000' (t-70000) and "
        "'100000' (t-100000), valid on 2023-11-28 — end the earlier term (valid_to) where a source gives the later "
        "appointment or target")


def test_a_term_ended_the_day_before_and_a_year_precision_start_do_not_conflict(mini: Path) -> None:
    code, lines = validate(mini, (
        "t-70000,indonesia,targetNumber,,70000,,s9,target,en,2019-06-25,2023-11-27\n"
        "t-100000,indonesia,targetNumber,,100000,,s8,target,en,2023-11-28,2024-09-04\n"
        "t-250000,indonesia,targetNumber,,250000,,s8,target,en,2024,\n"
        "t-hanif,hanif-dhakiri,holdsPost,kemnaker,,role:representative,s8,envoy,en,,\n"
        "t-ishii,masafumi-ishii,holdsPost,kemnaker,,role:representative,s9,envoy,en,,\n"))
    assert (code, lines[-1]) == (0, "0 errors, 0 warnings")
