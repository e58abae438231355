"""The notebook API: ``tk.load()`` → query, network, paths, explorer — nothing printed, nothing written."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

import tokutei_kg as tk


@pytest.fixture
def kg(built_mini: Path) -> object:
    return tk.load(built_mini)


def test_query_returns_rows_of_dicts(kg: object) -> None:
    rows = kg.query("SELECT ?x ?label WHERE { ?x rdfs:label ?label FILTER(lang(?label) = 'id') }",
                    bind={"x": "kemnaker"})
    assert rows.variables == ["x", "label"]
    assert list(rows) == [{"x": "https://w3id.org/tokutei-kg/id/institution/kemnaker",
                           "label": "Kementerian Ketenagakerjaan"}]
    assert kg.query("ASK { ?x dct:identifier 'isa' }") is True


def test_library_query_by_name(kg: object) -> None:
    rows = kg.query(name="actors-by-side")
    assert {"side": "Japan", "institution": "Immigration Services Agency of Japan", "class": "Agency"} in rows


def test_to_dataframe_where_pandas_is_installed(kg: object) -> None:
    import pandas  # a test extra; for users it is optional
    frame = kg.query(name="actors-by-side").to_dataframe()
    assert isinstance(frame, pandas.DataFrame) and list(frame.columns) == ["side", "institution", "class"]


def test_network_and_paths(kg: object) -> None:
    graph = kg.network()
    assert "https://w3id.org/tokutei-kg/id/institution/isa" in graph
    [path] = kg.paths("LPK", "AO")
    assert [graph.nodes[n]["id"] for n in path.nodes] == ["lpk", "pmi-ssw-worker", "accepting-organization"]
    assert "https://w3id.org/tokutei-kg/id/institution/kp2mi" not in kg.network(as_of=dt.date(2020, 1, 1))


def test_explorer_in_a_notebook_writes_nothing(kg: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    here = tmp_path / "notebook"
    here.mkdir()
    monkeypatch.chdir(here)
    markup = kg.explorer(lang="ja")._repr_html_()  # IPython's HTML, or a plain object with the same method
    assert markup.startswith("<iframe") and "sandbox=" in markup and "srcdoc=" in markup
    assert list(here.iterdir()) == []
