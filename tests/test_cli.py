"""The command line as a whole: help texts, README coverage, start-up imports, the entry point."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from tokutei_kg.cli import main

REPO = Path(__file__).resolve().parents[1]
COMMANDS = sorted(main.commands)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(command: str) -> None:
    result = CliRunner().invoke(main, [command, "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output
    assert f"tokutei-kg {command}" in result.output


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_is_in_the_readme(command: str) -> None:
    assert f"tokutei-kg {command}" in (REPO / "README.md").read_text(encoding="utf-8")


HEAVY = ("rdflib.plugins.sparql", "pyshacl", "owlready2", "pyvis", "rdflib")


@pytest.mark.parametrize("args", [["--help"], ["query", "--help"]])
def test_help_does_not_import_heavy_libraries(args: list[str]) -> None:
    code = (
        "import sys, json\nfrom tokutei_kg.cli import main\n"
        f"try:\n    main({args!r}, prog_name='tokutei-kg')\nexcept SystemExit:\n    pass\n"
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r} or m in {HEAVY!r})))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert json.loads(out.splitlines()[-1]) == []


def test_query_does_not_import_rdflib_pyshacl_owlready2_or_pyvis(built_mini_once: Path) -> None:
    mini = built_mini_once
    code = (
        "import sys, json\nfrom tokutei_kg.cli import main\n"
        f"try:\n    main(['--root', {str(mini)!r}, 'query', 'actors-by-side'], prog_name='tokutei-kg')\n"
        "except SystemExit as e:\n    assert not e.code, e.code\n"
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r})))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert json.loads(out.splitlines()[-1]) == []


def test_installed_entry_point_and_module_agree() -> None:
    script = Path(sys.executable).parent / "tokutei-kg"
    first = subprocess.run([str(script), "--help"], capture_output=True, text=True, check=True).stdout
    second = subprocess.run([sys.executable, "-m", "tokutei_kg", "--help"], capture_output=True, text=True,
                            check=True).stdout
    assert first == second
    assert "Usage: tokutei-kg" in first


def test_unknown_command_is_usage_error() -> None:
    result = CliRunner().invoke(main, ["bulid"])
    assert result.exit_code == 2
    assert "No such command 'bulid'" in result.output
