"""The query path imports only what it needs: the exact set of packages after `tokutei-kg query`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

# Everything `tokutei-kg query` may load from the project; rdflib, pySHACL, owlready2, pyvis, networkx and
# the project's build/validate/visualise/analyse modules are not on the path.
ALLOWED = {"tokutei_kg", "tokutei_kg.atomic", "tokutei_kg.built", "tokutei_kg.checksum", "tokutei_kg.cli",
           "tokutei_kg.errors", "tokutei_kg.export", "tokutei_kg.namespaces", "tokutei_kg.nonet", "tokutei_kg.options",
           "tokutei_kg.pipeline", "tokutei_kg.project", "tokutei_kg.query", "tokutei_kg.records", "tokutei_kg.report",
           "tokutei_kg.store", "tokutei_kg.triangulate"}

PROBE = """
import json, sys
from tokutei_kg.cli import main
try:
    main({args!r}, prog_name="tokutei-kg")
except SystemExit as exit:
    assert not exit.code, exit.code
third_party = {{m.split(".")[0] for m in sys.modules}} - set(sys.stdlib_module_names)
print(json.dumps({{
    "packages": sorted(m for m in third_party if not m.startswith("_")),
    "project": sorted(m for m in sys.modules if m.split(".")[0] == "tokutei_kg"),
}}))
"""


@pytest.mark.parametrize("extra", [[], ["--lang", "ja"], ["--format", "json"], ["--format", "md", "--lang", "id"]])
def test_query_loads_only_click_and_pyoxigraph(built_mini_once: Path, extra: list[str]) -> None:
    mini = built_mini_once
    args = ["--root", str(mini), "query", "actors-by-side", *extra]
    out = subprocess.run([sys.executable, "-c", PROBE.format(args=args)], capture_output=True, text=True,
                         check=True).stdout
    loaded = json.loads(out.splitlines()[-1])
    assert loaded["packages"] == ["click", "pyoxigraph", "tokutei_kg"]
    assert set(loaded["project"]) - ALLOWED == set()
