"""The built dataset in Oxigraph, loaded once per process. No rdflib on this path (it is the fast one)."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from .errors import DatasetMissing


def open_store(path: Path) -> ox.Store:
    """An in-memory Oxigraph store holding the built N-Quads at ``path``."""
    if not path.is_file():
        raise DatasetMissing(f"error: no built dataset at {path} — run `tokutei-kg build` first")
    store = ox.Store()
    try:
        store.load(path.read_bytes(), format=ox.RdfFormat.N_QUADS)
    except SyntaxError as exc:
        raise DatasetMissing(f"error: the built dataset {path} is corrupt ({exc}) — run `tokutei-kg build` again") from None
    return store
