"""One definition per shared option and one list of languages (issue 13 item 5): --as-of, --lang and
-f/--format are declared once (tokutei_kg.options), every --lang offers namespaces.LANGUAGES, a language
added there reaches every command and the explorer, and the explorer's as-of slider starts where the
data does."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import click
import networkx as nx
import pytest

from conftest import REPO
from tokutei_kg.cli import main
from tokutei_kg.namespaces import LANGUAGES
from tokutei_kg.network import to_network
from tokutei_kg.options import IsoDate
from tokutei_kg.store import open_store
from tokutei_kg.visualise import ExplorerOptions, catalogue
from tokutei_kg.visualise.catalogue import Catalogue
from tokutei_kg.visualise.explorer import explorer_data, first_year

SRC = REPO / "src" / "tokutei_kg"

# Which commands take each shared option (the parameter each gives the command).
TAKING = {
    "as_of": ["analyse", "build", "evidence", "figures", "paths", "query", "viz"],
    "lang": ["analyse", "evidence", "figures", "import", "paths", "queries", "query", "viz"],
    "fmt": ["analyse", "evidence", "paths", "query"],
    "formats": ["export"],
}


def params(name: str) -> dict[str, click.Parameter]:
    return {command: p for command, c in sorted(main.commands.items()) for p in c.params if p.name == name}


def test_each_shared_option_is_spelled_once() -> None:
    cli, options = (SRC / "cli.py").read_text(encoding="utf-8"), (SRC / "options.py").read_text(encoding="utf-8")
    for flag in ('"--as-of"', '"--lang"', '"--format"'):
        assert (cli.count(flag), options.count(flag)) == (0, 1), flag
    assert '"en", "id", "ja"' not in cli


def test_the_shared_options_are_on_the_same_commands_as_before() -> None:
    assert {name: sorted(params(name)) for name in TAKING} == TAKING


def test_every_lang_offers_the_languages_constant_english_first() -> None:
    for command, param in params("lang").items():
        assert isinstance(param.type, click.Choice), command
        assert (list(param.type.choices), param.default, param.opts) == (list(LANGUAGES), "en", ["--lang"]), command


def test_every_as_of_is_an_optional_iso_date() -> None:
    for command, param in params("as_of").items():
        assert (type(param.type), param.required, param.opts) == (IsoDate, False, ["--as-of"]), command


def test_every_format_is_f_or_format() -> None:
    for name in ("fmt", "formats"):
        for command, param in params(name).items():
            assert (param.opts, param.secondary_opts) == (["-f", "--format"], []), command


FOURTH = """
import json, sys
from pathlib import Path
from tokutei_kg import namespaces
namespaces.LANGUAGES = (*namespaces.LANGUAGES, "ko")  # the one edit a fourth language needs in the code
from click.testing import CliRunner
from tokutei_kg.cli import main
from tokutei_kg.network import to_network
from tokutei_kg.store import open_store
from tokutei_kg.visualise import ExplorerOptions, catalogue
from tokutei_kg.visualise.explorer import explorer_data
from tokutei_kg.export import neo4j, tables
from tokutei_kg import reader
from tokutei_kg.interviews.changes import render
choices = {name: list(p.type.choices) for name, c in sorted(main.commands.items()) for p in c.params
           if p.name == "lang"}
store = open_store(Path(sys.argv[1]))
data = explorer_data(to_network(store), ExplorerOptions(lang="ko"), catalogue(store))
queries = CliRunner().invoke(main, ["--root", sys.argv[2], "queries", "--lang", "ko"])
print(json.dumps({"choices": choices, "explorer": [data["languages"], data["options"]["lang"]],
                  "queries": queries.exit_code,
                  "changes": render([], {}, "ko", what="interviews"),
                  "columns": [c for c in (*tables.NODE_COLUMNS, *tables.EDGE_COLUMNS, *(h for _, h, _ in
                              (*neo4j.NODE_COLUMNS, *neo4j.EDGE_COLUMNS)), *reader.TABLES["entities"].optional)
                              if c.endswith("_ko")]}))
"""


def test_a_fourth_language_in_the_constant_reaches_every_lang_and_the_explorer(built_mini: Path) -> None:
    built = built_mini / "graph" / "built" / "tokutei.nq"
    done = subprocess.run([sys.executable, "-c", FOURTH, str(built), str(built_mini)], capture_output=True,
                          text=True, check=False)
    assert (done.returncode, done.stderr) == (0, "")
    result = json.loads(done.stdout)
    four = ["en", "id", "ja", "ko"]
    assert result == {"choices": dict.fromkeys(TAKING["lang"], four), "explorer": [four, "ko"], "queries": 0,
                      "changes": ["no relation changed its triangulation status"],
                      "columns": ["class_label_ko", "label_ko", "relation_label_ko", "name_ko", "class_name_ko",
                                  "name_ko", "label_ko"]}


def test_the_explorer_script_and_page_name_no_language_and_no_year() -> None:
    script = (SRC / "visualise" / "explorer.js").read_text(encoding="utf-8")
    template = (SRC / "visualise" / "template.html").read_text(encoding="utf-8")
    code = "\n".join(line.split("//")[0] for line in script.splitlines())  # comments may give examples
    for text in (code, template):
        assert not re.search(r"""["'](en|id|ja)["']|label_(en|id|ja)\b.*label_(id|ja)\b""", text)
    assert not re.search(r"Date\.UTC\(\s*\d{4}", code)


# ---- the as-of slider's start year ----------------------------------------------------------------

@pytest.fixture
def mini_network(built_mini: Path) -> tuple[nx.MultiDiGraph, Catalogue]:
    store = open_store(built_mini / "graph" / "built" / "tokutei.nq")
    return to_network(store), catalogue(store)


def test_the_slider_starts_in_the_first_year_of_the_data(mini_network: tuple[nx.MultiDiGraph, Catalogue]) -> None:
    graph, found = mini_network
    # the earliest date in tests/fixtures/mini: an entity valid from 1972 (entities/cq.csv)
    assert explorer_data(graph, ExplorerOptions(), found)["first_year"] == 1972


def test_the_slider_follows_an_earlier_date_of_a_node_or_edge(mini_network: tuple[nx.MultiDiGraph, Catalogue]) -> None:
    graph, found = mini_network
    node = sorted(graph)[0]
    graph.nodes[node]["valid_from"] = "1965-03"
    assert explorer_data(graph, ExplorerOptions(), found)["first_year"] == 1965
    u, v, key = sorted(graph.edges(keys=True))[0]
    graph.edges[u, v, key]["valid_until"] = "1960"
    assert explorer_data(graph, ExplorerOptions(), found)["first_year"] == 1960


def test_undated_data_leaves_the_start_to_the_page() -> None:
    assert first_year([{"valid_from": "", "valid_until": ""}, {"id": "x"}]) is None
    assert first_year([{"valid_from": "2019-06-25"}, {"valid_until": "2018"}, {"valid_from": ""}]) == 2018


def test_the_query_page_shows_each_question_in_every_language_it_has() -> None:
    from tokutei_kg.query import library
    from tokutei_kg.serve.page import library_items

    items = {item["name"]: item for item in library_items(library(REPO / "sparql"))}
    item = items["actors-at-stage"]
    assert item["question"].split("  ·  ") == [item["en"], item["id"], item["ja"]]
    assert item["question"].startswith("Who acts at a given stage of the candidate's journey")


def _shape_languages() -> list[tuple[str, ...]]:
    """Every sh:languageIn list of ontology/shapes.ttl that names more than the required English."""
    from rdflib import Graph, Namespace
    from rdflib.collection import Collection

    sh = Namespace("http://www.w3.org/ns/shacl#")
    shapes = Graph().parse(REPO / "ontology" / "shapes.ttl")
    lists = [tuple(str(v) for v in Collection(shapes, head)) for head in shapes.objects(None, sh.languageIn)]
    return sorted(languages for languages in lists if languages != ("en",))


def test_the_ontology_constraints_name_the_languages_of_the_constant() -> None:
    """The three files outside the code that must list the languages (the SHACL shapes and two checks)
    list exactly namespaces.LANGUAGES, so a language added to the constant alone fails here, naming them."""
    assert _shape_languages() == [LANGUAGES, LANGUAGES]  # claim evidence, entity labels
    checks = REPO / "sparql" / "checks"
    in_filter = re.search(r"IN \(([^)]*)\)", (checks / "label-language-violation.rq").read_text(encoding="utf-8"))
    values = re.search(r"VALUES \?lang \{([^}]*)\}", (checks / "missing-label-violation.rq").read_text(encoding="utf-8"))
    assert in_filter is not None and values is not None
    assert tuple(re.findall(r'"([^"]+)"', in_filter.group(1))) == LANGUAGES
    assert tuple(re.findall(r'"([^"]+)"', values.group(1))) == LANGUAGES
