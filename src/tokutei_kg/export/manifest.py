"""``exports/MANIFEST.json``: every file under exports/ with its size, SHA-256 and what it holds
(triples, quads, nodes, edges, rows), plus the hash of the built dataset it was made from. Written
last, from the bytes on disk, so it describes what is there."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from pathlib import Path

from . import MANIFEST_NAME, Output

SKIP = {MANIFEST_NAME, "README.md"}


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _previous(folder: Path) -> dict[str, dict[str, object]]:
    try:
        document = json.loads((folder / MANIFEST_NAME).read_text(encoding="utf-8"))
        return {entry["path"]: entry for entry in document.get("files", [])}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def _files(folder: Path) -> list[Path]:
    found = []
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if path.is_file() and not path.is_symlink() and relative.as_posix() not in SKIP and \
                not any(part.startswith(".") for part in relative.parts):
            found.append(path)
    return found


def render_manifest(folder: Path, outputs: Iterable[Output], dataset: bytes,
                    pending: Mapping[str, bytes] | None = None) -> bytes:
    """The manifest of ``folder`` as it is on disk — or as it will be once the ``pending`` files
    (relative path → bytes, about to be committed with the manifest) are in place; counts from
    ``outputs`` (this run) or, for files this run did not write, from the previous manifest when the
    file is unchanged."""
    written = {output.path: output for output in outputs}
    previous = _previous(folder)
    pending = dict(pending or {})
    on_disk = {path.relative_to(folder).as_posix(): path for path in _files(folder)}
    entries = []
    for relative in sorted({*on_disk, *pending}, key=lambda name: tuple(name.split("/"))):
        data = pending[relative] if relative in pending else on_disk[relative].read_bytes()
        entry: dict[str, object] = {"path": relative, "bytes": len(data), "sha256": _sha256(data)}
        if relative in written:
            entry.update({"format": written[relative].format, **written[relative].counts})
        elif previous.get(relative, {}).get("sha256") == entry["sha256"]:
            entry = previous[relative]
        entries.append(entry)
    document = {
        "generated_by": "tokutei-kg export — do not edit",
        "dataset": {"path": "graph/built/tokutei.nq", "bytes": len(dataset), "sha256": _sha256(dataset)},
        "files": entries,
    }
    return (json.dumps(document, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
