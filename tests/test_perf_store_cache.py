"""The on-disk Oxigraph store: reused across runs, and never used for other bytes than it was built from."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from tokutei_kg import store as store_module
from tokutei_kg.checksum import record_path, render_record
from tokutei_kg.cli import main
from tokutei_kg.store import open_store

LABELS = "SELECT ?label WHERE { ?x rdfs:label ?label . FILTER (?label = %s) }"


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TOKUTEI_KG_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(store_module, "CACHE_MIN_BYTES", 0)  # the mini dataset is small
    return tmp_path / "cache"


def _built(mini: Path) -> Path:
    assert CliRunner().invoke(main, ["--root", str(mini), "build", "--no-exports"]).exit_code == 0
    return mini / "graph" / "built" / "tokutei.nq"


def _quads(store: object) -> set[str]:
    """The store's quads with blank nodes canonically named (each load names them afresh)."""
    import pyoxigraph as ox

    dataset = ox.Dataset(store)  # type: ignore[call-overload]
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return {str(q) for q in dataset}


def _stores(cache: Path) -> list[Path]:
    return sorted(p for p in cache.iterdir() if not p.name.startswith("."))


def _ask(mini: Path, label: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--root", str(mini), "query", "-e", LABELS % label, "-f", "csv"])
    return result.exit_code, result.output


def test_store_is_built_once_then_reused(mini: Path, cache: Path) -> None:
    built = _built(mini)
    first = open_store(built, cache=True)
    [folder] = _stores(cache)
    inode = (folder / "db").stat().st_ino
    second = open_store(built, cache=True)
    assert _stores(cache) == [folder]
    assert (folder / "db").stat().st_ino == inode
    assert _quads(first) == _quads(second) == _quads(open_store(built))


def test_a_rebuilt_dataset_gets_a_new_store(mini: Path, cache: Path) -> None:
    _built(mini)
    assert _ask(mini, '"Japan"@en') == (0, "label\nJapan\n")
    entities = mini / "graph" / "curated" / "entities.csv"
    entities.write_text(entities.read_text(encoding="utf-8").replace(",Japan,", ",Nippon,", 1), encoding="utf-8")
    _built(mini)
    assert _ask(mini, '"Nippon"@en') == (0, "label\nNippon\n")
    assert _ask(mini, '"Japan"@en') == (0, "label\n")
    assert len(_stores(cache)) == 2


def test_a_stale_store_is_never_used(mini: Path, cache: Path) -> None:
    built = _built(mini)
    assert _ask(mini, '"Japan"@en') == (0, "label\nJapan\n")
    # Same size and modification time, other bytes: the store of the old bytes must not answer.
    stat = built.stat()
    built.write_bytes(built.read_bytes().replace(b'"Japan"@en', b'"Jepan"@en'))
    os.utime(built, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    code, output = _ask(mini, '"Japan"@en')
    assert code == 2
    assert "error: the built dataset does not match its record" in output
    assert "Japan\n" not in output
    assert len(_stores(cache)) == 1


def test_cache_off_or_unusable_falls_back_to_memory(mini: Path, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    built = _built(mini)
    monkeypatch.setattr(store_module, "CACHE_MIN_BYTES", 0)
    expected = _quads(open_store(built))
    monkeypatch.setenv("TOKUTEI_KG_CACHE", "off")
    assert _quads(open_store(built, cache=True)) == expected
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x", encoding="utf-8")
    monkeypatch.setenv("TOKUTEI_KG_CACHE", str(blocker / "cache"))
    assert _quads(open_store(built, cache=True)) == expected
    assert blocker.read_text(encoding="utf-8") == "x"


def test_old_stores_are_evicted(mini: Path, cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    built = _built(mini)
    monkeypatch.setattr(store_module, "CACHE_KEEP", 2)
    data = built.read_bytes()
    for n in range(3):
        changed = data + f"<urn:x:{n}> <urn:p> <urn:o> .\n".encode()
        built.write_bytes(changed)
        record_path(built).write_bytes(render_record(changed, graphs=0))
        open_store(built, cache=True)
    assert len(_stores(cache)) == 2
