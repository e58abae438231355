"""Atomic file output: write every file to a temp file beside it, then rename them all.

A run that fails before the renames leaves earlier outputs byte-identical.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_files(files: Mapping[Path, bytes]) -> None:
    """Write all ``files`` or none of them (up to the final, individually atomic, renames).

    Files get the usual permissions (0666 less the umask), not ``mkstemp``'s private 0600, so a
    web server or Neo4j running as another user can read the exports."""
    staged: list[tuple[str, Path]] = []
    mode = 0o666 & ~_umask()
    try:
        for path, data in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
            staged.append((tmp, path))
            os.fchmod(fd, mode)
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
        for tmp, path in staged:
            os.replace(tmp, path)
    finally:
        for tmp, _path in staged:
            if os.path.exists(tmp):
                os.unlink(tmp)
    for directory in {path.parent for path in files}:
        _fsync_directory(directory)


def write_file(path: Path, data: bytes) -> None:
    write_files({path: data})


def _fsync_directory(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
