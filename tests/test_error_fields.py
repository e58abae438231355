"""Structured errors (issue 13 item 3): every library error carries origin, line, column, message and
hint as fields; the message holds no ``error:``, no place and no hint; ``format_error`` alone writes the
CLI's line from them."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

import tokutei_kg
from conftest import REPO
from tokutei_kg.cli import main
from tokutei_kg.errors import Location, QueryError, SourceError, TokuteiError, display_path, format_error

Fields = tuple[str | None, int | None, int | None, str, str]
SEEN: list[TokuteiError] = []


def fields(call: Callable[[], object], kind: type[TokuteiError] = TokuteiError) -> Fields:
    """The fields of the error ``call`` raises, checked bare (:func:`_bare`); the last one stays in SEEN[-1]."""
    with pytest.raises(kind) as caught:
        call()
    error = caught.value
    SEEN.append(error)
    _bare(error)
    return error.origin, error.line, error.column, error.message, error.hint


def _bare(error: TokuteiError) -> None:
    """No message carries `error:` or its place, and no hint its dash: the CLI and format_error add them.
    Checked on every error a case raises, in the case itself (no test here depends on another's order:
    under pytest-xdist the cases of this file may run in different workers)."""
    assert not error.message.startswith("error:"), error.message
    assert ": error:" not in error.message and "error:" not in str(error), error.message
    assert not error.hint.startswith(("—", " ")), error.hint


@pytest.fixture(scope="module")
def kg(built_mini_once: Path) -> tokutei_kg.api.KG:
    return tokutei_kg.load(built_mini_once)


def _run(kg: tokutei_kg.api.KG, text: str, origin: str = "<inline>") -> object:
    from tokutei_kg.query import QueryText, run

    return run(kg.store, QueryText(text, origin))


# --- one case per family --------------------------------------------------------------------------

def test_query_syntax_error_has_oxigraph_line_and_column(kg: tokutei_kg.api.KG) -> None:
    assert fields(lambda: _run(kg, "SELECT *\nWHERE { ?s ?p ?o", "my.rq"), QueryError) == (
        "my.rq", 2, 17, 'syntax error at end of query: expected one of ",", ".", ";", "{", "{|", "}", "~"', "")


def test_undeclared_prefix_has_its_hint(kg: tokutei_kg.api.KG) -> None:
    origin, line, column, message, hint = fields(lambda: _run(kg, "SELECT * WHERE { ?s nope:p ?o }"), QueryError)
    assert (origin, line, column, message) == ("<inline>", 1, 27, "undeclared prefix nope:")  # Oxigraph: its end
    assert hint.startswith("declare it with PREFIX, or use one of ")


def test_read_only_refusal_has_line_and_column(kg: tokutei_kg.api.KG) -> None:
    assert fields(lambda: _run(kg, "PREFIX ex: <http://example.org/>\n  INSERT DATA { ex:a ex:b ex:c }"),
                  QueryError) == ("<inline>", 2, 3, "INSERT is an update: queries are read-only", "")


def test_service_refusal_has_line_and_column(kg: tokutei_kg.api.KG) -> None:
    assert fields(lambda: _run(kg, "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"),
                  QueryError) == ("<inline>", 1, 18, "SERVICE is not allowed: queries may not call other endpoints", "")


def test_empty_query_has_origin_and_hint(kg: tokutei_kg.api.KG) -> None:
    assert fields(lambda: _run(kg, "# nothing\n"), QueryError) == (
        "<inline>", None, None, "the query is empty", "write a SELECT, ASK, CONSTRUCT or DESCRIBE query")


def test_bind_error() -> None:
    from tokutei_kg.query import parse_binding

    assert fields(lambda: parse_binding("actor"), QueryError) == (
        None, None, None, "bad --bind 'actor'", "write name=value, e.g. --bind actor=kemnaker")
    assert fields(lambda: parse_binding("x=<a b>"), QueryError) == (
        None, None, None, "bad --bind 'x=<a b>': 'a b' is not an IRI (Invalid IRI code point ' ')",
        "write an absolute IRI such as <https://w3id.org/tokutei-kg/id/institution/kemnaker>, or an entity id")


def test_unknown_query_name_has_did_you_mean() -> None:
    from tokutei_kg.errors import QueryNotFound
    from tokutei_kg.query import named

    assert fields(lambda: named("actors-by-sid", REPO / "sparql"), QueryNotFound) == (
        None, None, None, "no query named 'actors-by-sid'",
        "did you mean actors-by-side, actors-by-function, actors-at-stage?")
    assert fields(lambda: named("zzzz", REPO / "sparql"), QueryNotFound) == (
        None, None, None, "no query named 'zzzz'", "`tokutei-kg queries` lists them")


def test_query_file_not_utf8_has_line_and_column(tmp_path: Path) -> None:
    from tokutei_kg.query import from_file

    path = tmp_path / "bad.rq"
    path.write_bytes(b"SELECT *\nWHERE { ?s ?p 'caf\xe9' }\n")
    assert fields(lambda: from_file(path), QueryError) == (
        str(path), 2, 19, "not UTF-8: byte 0xe9 cannot be decoded", "save the query as UTF-8")


def test_sheet_csv_source_error_names_file_row_and_column(tmp_path: Path) -> None:
    from tokutei_kg.interviews.sheet import read_sheet

    path = tmp_path / "sheet.csv"
    path.write_text("document,interviewee_role,colour\nd1,worker,blue\n", encoding="utf-8")
    origin, line, column, message, hint = fields(lambda: read_sheet(path, Path("forms/sheet.csv")), SourceError)
    assert (origin, line, column, message) == ("forms/sheet.csv", 1, 3, "unknown column 'colour' in the interview sheet")
    assert hint.startswith("allowed columns: document, interviewee_role, consent, ")


def test_source_error_keeps_its_location() -> None:
    error = SourceError(Location(Path("graph/curated/claims.csv"), 8, 3), "unknown relation 'x'", "did you mean 'y'?")
    assert error.location == Location(Path("graph/curated/claims.csv"), 8, 3)
    assert (error.origin, error.line, error.column) == ("graph/curated/claims.csv", 8, 3)
    assert str(error) == "graph/curated/claims.csv:8:3: unknown relation 'x' — did you mean 'y'?"
    assert format_error(error) == "graph/curated/claims.csv:8:3: error: unknown relation 'x' — did you mean 'y'?"


def test_ontology_turtle_error_names_line_and_column(tmp_path: Path) -> None:
    from tokutei_kg.ontology import parse_turtle

    path = tmp_path / "tokutei.ttl"
    path.write_text("@prefix ex: <http://example.org/> .\nex:a ex:b ex:c ;\n", encoding="utf-8")
    assert fields(lambda: parse_turtle(path), SourceError) == (
        display_path(path), 3, 1, "Turtle syntax: Unexpected end", "fix the Turtle at this line and column")


def test_dataset_missing(mini: Path) -> None:
    from tokutei_kg.errors import DatasetMissing
    from tokutei_kg.project import Project, require_built

    project = Project(mini)
    assert fields(lambda: require_built(project), DatasetMissing) == (
        None, None, None, f"no built dataset at {project.built}", "run `tokutei-kg build` first")


def test_checksum_mismatch(built_mini_once: Path) -> None:
    from tokutei_kg.checksum import verify
    from tokutei_kg.errors import DatasetMissing

    dataset = built_mini_once / "graph" / "built" / "tokutei.nq"
    data = dataset.read_bytes()
    origin, line, column, message, hint = fields(lambda: verify(dataset, data + b"\n", 1), DatasetMissing)
    assert (origin, line, column) == (display_path(dataset), None, None)
    assert message == (f"the built dataset does not match its record ({len(data) + 1:,} bytes where its record says "
                       f"{len(data):,}): it was changed or cut short after the build")
    assert hint == "run `tokutei-kg build`"


def test_output_path_refused(tmp_path: Path) -> None:
    from tokutei_kg.atomic import OutputError, write_files

    (tmp_path / "folder").mkdir()
    assert fields(lambda: write_files({tmp_path / "folder": b"x"}), OutputError) == (
        display_path(tmp_path / "folder"), None, None, "the output path is a directory, not a regular file",
        "refusing to replace it; give the path of a regular file")
    assert str(SEEN[-1]) == (f"{display_path(tmp_path / 'folder')}: the output path is a directory, not a regular "
                             "file — refusing to replace it; give the path of a regular file")
    assert isinstance(SEEN[-1], OSError)


def test_output_under_a_file_is_one_error_not_two(tmp_path: Path) -> None:
    from tokutei_kg.atomic import OutputError, write_files

    (tmp_path / "gone").symlink_to(tmp_path / "nowhere")  # a dangling link where a folder should be
    target = tmp_path / "gone" / "out.txt"
    assert fields(lambda: write_files({target: b"x"}), OutputError) == (
        display_path(target), None, None, f"cannot write: {display_path(tmp_path / 'gone')} is not a folder",
        "choose another output path")


def test_export_format_unknown(kg: tokutei_kg.api.KG) -> None:
    from tokutei_kg.export import FORMATS, ExportError, render

    assert fields(lambda: render(kg.built, ["ttl", "docx"]), ExportError) == (
        None, None, None, "unknown export format 'docx'", f"choose from {', '.join(FORMATS)}")


def test_unknown_institution_in_paths(kg: tokutei_kg.api.KG) -> None:
    from tokutei_kg.analyse import UnknownInstitution, resolve_node

    graph = kg.network()
    assert fields(lambda: resolve_node(graph, "kemnakr"), UnknownInstitution) == (
        None, None, None, "no institution or entity named 'kemnakr'", "did you mean kemnaker?")


def test_view_error(kg: tokutei_kg.api.KG) -> None:
    from tokutei_kg.visualise.explorer import ExplorerOptions, ViewError, focus

    origin, line, column, message, hint = fields(lambda: focus(kg.network(), ExplorerOptions(stage="matchng")),
                                                 ViewError)
    assert (origin, line, column, message) == (None, None, None, "no relation or entity is claimed at stage 'matchng'")
    assert hint == "did you mean stage:matching?"


# --- no raise site bakes `error:` into a message ----------------------------------------------------

def _error_classes() -> set[str]:
    for module in pkgutil.walk_packages(tokutei_kg.__path__, "tokutei_kg."):
        if module.name.endswith("__main__"):
            continue
        importlib.import_module(module.name)
    found: set[str] = set()
    todo: list[type] = [TokuteiError]
    while todo:
        cls = todo.pop()
        found.add(cls.__name__)
        todo.extend(cls.__subclasses__())
    return found


def _leading_text(node: ast.expr) -> str:
    """The text a message argument starts with, and every literal piece of it, joined."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(p.value if isinstance(p, ast.Constant) else "{}" for p in node.values)
    return ""


def test_no_library_raise_site_bakes_error_or_a_hint_into_its_message() -> None:
    classes = _error_classes()
    assert {"QueryError", "DatasetMissing", "ServeError", "ExportError", "OutputError", "RemoteError", "ViewError",
            "AssetMissing", "UnknownInstitution", "ReasonerUnavailable", "SourceError", "QueryNotFound"} <= classes
    baked, hinted = [], []
    for path in sorted((REPO / "src" / "tokutei_kg").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else \
                node.func.attr if isinstance(node.func, ast.Attribute) else ""
            if name not in classes:
                continue
            texts = [_leading_text(arg) for arg in node.args] + [_leading_text(k.value) for k in node.keywords]
            if any(t.startswith("error:") or ": error:" in t for t in texts):
                baked.append(f"{path.relative_to(REPO)}:{node.lineno}")
            message = node.args[1 if name == "SourceError" else 0] if node.args else None
            if message is not None and " — " in _leading_text(message):  # the hint goes in hint=
                hinted.append(f"{path.relative_to(REPO)}:{node.lineno}")
    assert (baked, hinted) == ([], [])


# --- one formatter -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("error", "line"), [
    (TokuteiError("m", origin="q.rq", line=3, column=7, hint="h"), "q.rq:3:7: error: m — h"),
    (TokuteiError("m", origin="q.rq", line=3), "q.rq:3: error: m"),
    (TokuteiError("m", origin="q.rq", column=7), "q.rq: error: m"),
    (TokuteiError("m", origin="<inline>", hint="h"), "<inline>: error: m — h"),
    (TokuteiError("m", hint="h"), "error: m — h"),
    (TokuteiError("m"), "error: m"),
])
def test_format_error(error: TokuteiError, line: str) -> None:
    assert format_error(error) == line
    assert str(error) == line.replace("error: ", "", 1)


def test_cli_prints_the_formatted_line(built_mini_once: Path, runner: CliRunner) -> None:
    result = runner.invoke(main, ["--root", str(built_mini_once), "query", "-e", "SELECT *\nWHERE { ?s ?p ?o"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == ("<inline>:2:17: error: syntax error at end of query: expected one of \",\", \".\", \";\", "
                             "\"{\", \"{|\", \"}\", \"~\"\n")


def test_cli_prints_an_error_without_origin(built_mini_once: Path, runner: CliRunner) -> None:
    result = runner.invoke(main, ["--root", str(built_mini_once), "query", "actors-by-sid"])
    assert result.exit_code == 2
    assert result.stderr == ("error: no query named 'actors-by-sid' — did you mean actors-by-side, actors-by-function, "
                             "actors-at-stage?\n")


def test_cli_prints_the_fields_of_any_tokutei_error(built_mini_once: Path, runner: CliRunner,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """The line comes from the fields, whatever the message text holds."""
    from tokutei_kg import query

    def refuse(name: str, sparql: Path) -> None:
        raise QueryError("/abs looks like a path: error: but is a message", origin="o.rq", line=1, column=2,
                         hint="h")

    monkeypatch.setattr(query, "named", refuse)
    result = runner.invoke(main, ["--root", str(built_mini_once), "query", "anything"])
    assert (result.exit_code, result.stderr) == (2, "o.rq:1:2: error: /abs looks like a path: error: but is a message "
                                                    "— h\n")
