"""``KG.query`` takes the query as exactly one of ``sparql``, ``name=`` or ``file=``, and bindings as
``bind=``: it never guesses whether a string is SPARQL, a library name or a path (issue 13 item 3)."""

from __future__ import annotations

from pathlib import Path

import pytest

import tokutei_kg as tk
from tokutei_kg.errors import QueryError, QueryNotFound

KEMNAKER = "https://w3id.org/tokutei-kg/id/institution/kemnaker"
LABEL_ID = "SELECT ?x ?label WHERE { ?x rdfs:label ?label FILTER(lang(?label) = 'id') }"


@pytest.fixture(scope="module")
def kg(built_mini_once: Path) -> tk.api.KG:
    return tk.load(built_mini_once)


def test_name_runs_the_library_query(kg: tk.api.KG, built_mini_once: Path) -> None:
    by_name = kg.query(name="actors-by-side")
    by_text = kg.query((built_mini_once / "sparql" / "cq" / "actors-by-side.rq").read_text(encoding="utf-8"))
    assert by_name.variables == ["side", "institution", "class"]
    assert list(by_name) == list(by_text) and len(by_name) > 0


def test_file_runs_the_file_and_bind_binds(kg: tk.api.KG, tmp_path: Path) -> None:
    path = tmp_path / "label.rq"
    path.write_text(LABEL_ID, encoding="utf-8")
    assert list(kg.query(file=path, bind={"x": "kemnaker"})) == [{"x": KEMNAKER, "label": "Kementerian Ketenagakerjaan"}]
    assert list(kg.query(file=str(path), bind={"x": "kemnaker"})) == list(kg.query(LABEL_ID, bind={"x": "kemnaker"}))


def test_a_library_name_given_as_text_is_sparql_and_the_hint_says_so(kg: tk.api.KG) -> None:
    with pytest.raises(QueryError) as caught:
        kg.query("actors-by-side")
    error = caught.value
    assert (error.origin, error.line, error.column, error.message, error.hint) == (
        "<python>", 1, 10, "syntax error at '-': expected CONSTRUCT",
        "to run the library query, write kg.query(name='actors-by-side')")


def test_text_ending_in_rq_is_not_read_as_a_file(kg: tk.api.KG) -> None:
    with pytest.raises(QueryError) as caught:
        kg.query("missing.rq")
    assert (caught.value.origin, caught.value.message, caught.value.hint) == (
        "<python>", "syntax error at 'q': expected CONSTRUCT", "")


def test_unknown_name_and_missing_file(kg: tk.api.KG, tmp_path: Path) -> None:
    with pytest.raises(QueryNotFound) as caught:
        kg.query(name="actors-by-sid")
    assert (caught.value.message, caught.value.hint) == (
        "no query named 'actors-by-sid'", "did you mean actors-by-side, actors-by-function, actors-at-stage?")
    with pytest.raises(QueryError) as missing:
        kg.query(file=tmp_path / "nope.rq")
    assert (missing.value.origin, missing.value.message) == (None, f"no query file at {tmp_path / 'nope.rq'}")


@pytest.mark.parametrize(("args", "kwargs", "given"), [
    ((), {}, "none"),
    (("ASK {}",), {"name": "actors-by-side"}, "sparql, name"),
    ((), {"name": "actors-by-side", "file": "x.rq"}, "name, file"),
])
def test_exactly_one_query_argument(kg: tk.api.KG, args: tuple[str, ...], kwargs: dict[str, str], given: str) -> None:
    with pytest.raises(TypeError) as caught:
        kg.query(*args, **kwargs)
    assert str(caught.value) == f"KG.query takes exactly one of sparql, name= or file= (given: {given})"


def test_bindings_are_not_keyword_arguments(kg: tk.api.KG) -> None:
    with pytest.raises(TypeError):
        kg.query(LABEL_ID, x="kemnaker")  # type: ignore[call-arg]


def test_unknown_binding_is_refused(kg: tk.api.KG) -> None:
    with pytest.raises(QueryError) as caught:
        kg.query(LABEL_ID, bind={"y": "kemnaker"})
    assert (caught.value.message, caught.value.hint) == ("the query has no parameter ?y", "its variables: ?label, ?x")


@pytest.mark.parametrize(("bind", "message", "hint"), [
    ({"1x": "kemnaker"}, "bad bind={'1x': 'kemnaker'}: '1x' is not a variable name",
     "name a variable of the query: a letter or _, then letters, digits or _"),
    ({"x": "<a b>"}, "bad bind={'x': '<a b>'}: 'a b' is not an IRI (Invalid IRI code point ' ')",
     "write an absolute IRI such as <https://w3id.org/tokutei-kg/id/institution/kemnaker>, or an entity id"),
])
def test_a_bad_binding_is_named_as_python_gave_it(kg: tk.api.KG, bind: dict[str, str], message: str,
                                                  hint: str) -> None:
    """Not as the CLI's ``--bind``: the caller wrote ``bind=``."""
    with pytest.raises(QueryError) as caught:
        kg.query(LABEL_ID, bind=bind)
    assert (caught.value.message, caught.value.hint) == (message, hint)


def test_a_binding_may_name_its_variable_with_the_question_mark(kg: tk.api.KG) -> None:
    assert list(kg.query(LABEL_ID, bind={"?x": "kemnaker"})) == list(kg.query(LABEL_ID, bind={"x": "kemnaker"}))
