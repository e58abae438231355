"""``tokutei-kg queries --lang``: the query library with its questions in English, Indonesian or Japanese."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from tokutei_kg.cli import _question, main


@pytest.mark.parametrize(("lang", "expected"), [
    ("en", "Who acts at a given stage of the candidate's journey, in which role, and on how many sources does that "
           "rest?"),
    ("id", "Siapa yang berperan pada tahap tertentu dalam perjalanan calon pekerja, dalam peran apa, dan berapa "
           "sumber yang mendukungnya?"),
    ("ja", "候補者の手続きのある段階で誰がどの役割で関与しているか。それは何件の出典に基づくか。"),
])
def test_queries_lists_the_question_in_the_chosen_language(mini: Path, lang: str, expected: str) -> None:
    result = CliRunner().invoke(main, ["--root", str(mini), "queries", "--lang", lang])
    assert result.exit_code == 0
    assert f"{'actors-at-stage':32} {expected}" in result.stdout.splitlines()
    assert len(result.stdout.splitlines()) == len(list((mini / "sparql").rglob("*.rq")))


def test_every_query_of_the_library_has_its_indonesian_and_japanese_question(mini: Path) -> None:
    for path in sorted((mini / "sparql").rglob("*.rq")):
        english = _question(path, "en")
        for lang in ("id", "ja"):
            assert _question(path, lang) not in ("", english), f"{path.name} has no {lang} question"


def test_wrapped_checks_are_joined_and_english_is_the_fallback(tmp_path: Path) -> None:
    path = tmp_path / "x.rq"
    path.write_text("# Check (en): every term has\n#   a label.\n# チェック (ja): すべての用語が\n#   ラベルを持つ。\n"
                    "SELECT * WHERE { ?s ?p ?o }\n", encoding="utf-8")
    assert _question(path, "en") == "every term has a label."
    assert _question(path, "ja") == "すべての用語が ラベルを持つ。"
    assert _question(path, "id") == "every term has a label."
