"""Functions from evidence: ``actors-by-function`` separates what sources assert from what the ontology's
stage → function mapping infers, labels the inferred rows, and infers nothing for the worker the
functions serve or for an actor whose role at the stage is not stated."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from tokutei_kg.cli import main
from tokutei_kg.query import parse_binding, resolve, run
from tokutei_kg.store import open_store

CLAIMS = """id,subject,relation,object,stage,role,source_id,evidence,evidence_lang
t-worker-at-protection,pmi-ssw-worker,actsAtStage,stage:protection,stage:protection,,s15,the worker is protected,en
t-worker-at-protection-2,pmi-ssw-worker,actsAtStage,stage:protection,stage:protection,role:protector,s8,the worker,en
t-bp2mi-no-role,bp2mi,actsAtStage,stage:protection,stage:protection,,s9,BP2MI is there,en
t-kemnaker-protects,kemnaker,actsAtStage,stage:protection,stage:protection,role:protector,s22,Kemnaker protects,en
t-kemnaker-says,kemnaker,performsFunction,function:protecting,,,s9,Kemnaker protects workers,en
"""


def test_asserted_and_inferred_rows_are_apart_and_the_artefacts_are_gone(mini: Path) -> None:
    (mini / "graph" / "curated" / "claims" / "functions.csv").write_text(CLAIMS, encoding="utf-8")
    assert CliRunner().invoke(main, ["--root", str(mini), "build"]).exit_code == 0
    store = open_store(mini / "graph" / "built" / "tokutei.nq")
    bound = dict([parse_binding("function=function:protecting", store)])
    result = run(store, resolve("actors-by-function", mini / "sparql"), bound)
    rows = [(row["actor"].value.rsplit("/", 1)[-1], row["kind"].value, row["basis"].value.rsplit("/", 1)[-1],
             row["sources"].value) for row in result]  # type: ignore[attr-defined]
    assert [r for r in rows if r[0] in ("kemnaker", "bp2mi", "pmi-ssw-worker")] == [
        ("kemnaker", "asserted", "ontology#performsFunction", "1"),
        ("kemnaker", "inferred", "protection", "1"),
    ]
    assert {kind for _, kind, _, _ in rows} == {"asserted", "inferred"}
