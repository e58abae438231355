"""Project hygiene: the licence files agree with pyproject and the ontology, the pyvis pin is the
version whose vis-network file the explorer embeds, CI lints before it tests, and the README points
to design notes that exist."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import re
import tomllib
from pathlib import Path

from conftest import REPO
from tokutei_kg.visualise.page import VIS_NETWORK

PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
CC_BY = "https://creativecommons.org/licenses/by/4.0/"


def test_licence_files_say_which_licence_covers_what() -> None:
    project = PYPROJECT["project"]
    assert (project["license"], project["license-files"]) == ("MIT", ["LICENSE", "LICENSE-DATA"])
    code = (REPO / "LICENSE").read_text(encoding="utf-8")
    data = (REPO / "LICENSE-DATA").read_text(encoding="utf-8")
    assert code.startswith("MIT License\n") and "LICENSE-DATA" in code
    assert "Creative Commons\nAttribution 4.0 International licence (CC BY 4.0)" in data and CC_BY in data
    for covered in ("ontology/tokutei.ttl", "graph/curated/", "exports/"):
        assert covered in data, covered
    assert f"dct:license <{CC_BY}>" in (REPO / "ontology" / "tokutei.ttl").read_text(encoding="utf-8")
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "[`LICENSE`](LICENSE)" in readme and "[`LICENSE-DATA`](LICENSE-DATA)" in readme


def test_pyvis_is_pinned_to_the_version_whose_vis_network_the_explorer_embeds() -> None:
    pins = [d for d in PYPROJECT["project"]["dependencies"] if d.startswith("pyvis")]
    assert pins == ["pyvis==0.3.2"]
    assert importlib.metadata.version("pyvis") == "0.3.2"
    spec = importlib.util.find_spec("pyvis")
    assert spec is not None and spec.origin is not None
    bundled = Path(spec.origin).parent.joinpath(*VIS_NETWORK)
    assert re.search(r"@version 9\.1\.2\b", bundled.read_text(encoding="utf-8")[:1000])
    assert VIS_NETWORK[1] == "vis-9.1.2"


def test_ci_lints_before_it_tests() -> None:
    commands = [line for line in (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()
                if line.startswith("make ")]
    assert commands == ["make lint", "make audit", "make test"]  # audit: SECURITY.md
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    lint = makefile.split("\nlint:", 1)[1].split("\n\n", 1)[0]
    assert lint.splitlines()[1:] == ["\t$(BIN)/ruff check --no-cache src tests", "\t$(BIN)/mypy"]
    assert PYPROJECT["tool"]["mypy"]["files"] == ["src"]
    assert {d.split("=")[0].rstrip("<>!~") for d in PYPROJECT["project"]["optional-dependencies"]["lint"]} == \
        {"ruff", "mypy", "types-networkx", "types-defusedxml", "types-openpyxl"}


def test_readme_points_to_design_notes_that_exist() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "DESIGN.md" not in readme
    assert "[`docs/design.md`](docs/design.md)" in readme and (REPO / "docs" / "design.md").is_file()
    assert "no code path opens a network connection" not in readme
