"""No code path that turns data into code: the package never calls ``yaml.load``/``full_load``,
``pickle``/``marshal`` loads, ``eval``/``exec`` or ``os.system``, and never builds SPARQL by pasting
values into query text (parameters go through the engine's ``substitutions``)."""

from __future__ import annotations

import re

from conftest import REPO

FORBIDDEN = re.compile(r"\b(?:yaml\.(?:load|full_load|unsafe_load)|pickle\.loads?|marshal\.loads?|eval|exec|"
                       r"os\.system|subprocess\.\w+\([^)]*shell=True)\s*\(")
PASTED_SPARQL = re.compile(r"""f["'](?:[^"']*)\b(?:SELECT|ASK|CONSTRUCT|WHERE|FILTER)\b[^"']*\{[a-z_]+\}""")


def _lines() -> list[tuple[str, int, str]]:
    found = []
    for path in sorted((REPO / "src").rglob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            found.append((str(path.relative_to(REPO)), number, line))
    return found


def test_no_data_becomes_code() -> None:
    assert [f"{p}:{n}: {line.strip()}" for p, n, line in _lines() if FORBIDDEN.search(line)] == []


def test_no_sparql_is_assembled_from_values() -> None:
    assert [f"{p}:{n}: {line.strip()}" for p, n, line in _lines() if PASTED_SPARQL.search(line)] == []
