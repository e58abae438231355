"""The on-disk Oxigraph store: reused across runs, and never used for other bytes than it was built from."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from tokutei_kg import store as store_module
from tokutei_kg.cli import main
from tokutei_kg.store import cache_key, open_store

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


def test_store_is_built_once_then_reused(mini: Path, cache: Path) -> None:
    built = _built(mini)
    first = open_store(built, cache=True)
    folder = cache / cache_key(built.read_bytes())
    assert [p.name for p in cache.iterdir()] == [folder.name]
    inode = (folder / "db").stat().st_ino
    second = open_store(built, cache=True)
    assert (folder / "db").stat().st_ino == inode
    assert _quads(first) == _quads(second) == _quads(open_store(built))


def test_a_stale_store_is_never_used(mini: Path, cache: Path) -> None:
    built = _built(mini)
    runner = CliRunner()
    before = runner.invoke(main, ["--root", str(mini), "query", "-e", LABELS % '"Japan"@en', "-f", "csv"])
    assert before.output == "label\nJapan\n"
    # Same size and same modification time, other bytes: only the content tells them apart.
    stat = built.stat()
    data = built.read_bytes()
    assert data.count(b'"Japan"@en') >= 1
    built.write_bytes(data.replace(b'"Japan"@en', b'"Jepan"@en'))
    os.utime(built, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert built.stat().st_size == stat.st_size
    after = runner.invoke(main, ["--root", str(mini), "query", "-e", LABELS % '"Jepan"@en', "-f", "csv"])
    assert after.output == "label\nJepan\n"
    gone = runner.invoke(main, ["--root", str(mini), "query", "-e", LABELS % '"Japan"@en', "-f", "csv"])
    assert gone.output == "label\n"
    assert len(list(cache.iterdir())) == 2


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
        built.write_bytes(data + f"<urn:x:{n}> <urn:p> <urn:o> .\n".encode())
        open_store(built, cache=True)
    assert len([p for p in cache.iterdir() if not p.name.startswith(".")]) == 2
