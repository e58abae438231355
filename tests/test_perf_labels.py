"""Labels for table output: looked up per IRI or read by one scan, the answer is the same."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from tokutei_kg import query as q
from tokutei_kg.cli import main
from tokutei_kg.store import open_store


@pytest.mark.parametrize("lang", ["en", "id", "ja"])
def test_scan_and_lookups_render_the_same_tables(mini: Path, lang: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert CliRunner().invoke(main, ["--root", str(mini), "build", "--no-exports"]).exit_code == 0
    store = open_store(mini / "graph" / "built" / "tokutei.nq")
    library = q.library(mini / "sparql")
    names = ["actors-by-side", "actors-at-stage", "evidence-for-relation", "stage-functions", "findings-list"]
    rendered = {}
    for bulk in (10**9, 0):  # never / always scan
        monkeypatch.setattr(q, "BULK_LABELS", bulk)
        rendered[bulk] = [q.render(q.run(store, q.resolve(n, mini / "sparql")), "table", q.Labels(store, lang))
                          for n in names if n in library]
    assert rendered[0] == rendered[10**9]
    assert any("(0 rows)" not in table for table in rendered[0])
