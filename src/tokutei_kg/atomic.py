"""Atomic file output: write every file to a temp file beside it, then rename them all.

A run that fails before the renames leaves earlier outputs byte-identical. The writer only ever
replaces regular files: a device, FIFO, socket, directory or symbolic link at a target is refused
before anything is written (``-o /dev/null`` must not turn a device node into a 7 MB file).

A set of files that must change together (``tokutei-kg build``: the dataset, its record, exports/ and
the manifest) is written with a *journal*: every file is staged as a temp file, then a small journal
naming each ``temp → target`` rename is written atomically — the commit point — then the renames run
and the journal is removed. A process killed before the journal exists left only hidden temp files
(the old outputs are intact); one killed after it is rolled forward by :func:`recover` on the next
run, so the outputs are always all old or all new. :func:`output_lock` keeps two writers apart.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import stat
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path

from .errors import TokuteiError, display_path

TEMP_SUFFIX = ".tmp"


class OutputError(TokuteiError, OSError):
    """An output file could not be written (special file at the target, disk full, read-only folder…).
    Also an ``OSError``, so a caller that caught the raw error of a failed write still catches it
    (``str()`` is :class:`TokuteiError`'s line, not ``OSError``'s)."""


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISLNK, "a symbolic link"),
)


def special_kind(path: Path) -> str:
    """What ``path`` is when it exists and is not a regular file ("a FIFO (named pipe)"…), else ""."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return ""
    except OSError as exc:
        return f"unreachable ({exc.strerror})"
    if stat.S_ISREG(mode):
        return ""
    for test, kind in _KINDS:
        if test(mode):
            return kind
    return "not a regular file"


def check_target(path: Path) -> None:
    """Refuse to replace anything but a regular file (or nothing) at ``path``."""
    kind = special_kind(path)
    if kind:
        raise OutputError(f"the output path is {kind}, not a regular file", origin=display_path(path),
                          hint="refusing to replace it; give the path of a regular file")


def os_error(exc: OSError, path: Path) -> OutputError:
    """One line for an OSError met while writing ``path``."""
    shown = display_path(path)
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return OutputError("cannot write: no space left on device", origin=shown,
                           hint="free some space and run again; the previous outputs are unchanged")
    if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return OutputError(f"cannot write: {exc.strerror or 'permission denied'}", origin=shown,
                           hint=f"make {display_path(path.parent)} writable or choose another output path; "
                                "the previous outputs are unchanged")
    return OutputError(f"cannot write a file in {display_path(path.parent)}: {exc.strerror or exc}", origin=shown,
                       hint="choose another output path; the previous outputs are unchanged")


def _stage(path: Path, data: bytes, mode: int) -> str:
    """Write ``data`` to a new temp file beside ``path`` (fsynced); return its name."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise OutputError(f"cannot write: {display_path(path.parent)} is not a folder", origin=display_path(path),
                          hint="choose another output path") from None
    except NotADirectoryError:
        raise OutputError(f"cannot write: a part of {display_path(path.parent)} is not a folder",
                          origin=display_path(path), hint="choose another output path") from None
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=TEMP_SUFFIX)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        os.unlink(tmp)
        raise
    return tmp


def write_files(files: Mapping[Path, bytes], *, journal: Path | None = None) -> None:
    """Write all ``files`` or none of them.

    Without ``journal`` the final renames are individually atomic (a kill between two of them leaves
    a mix); with ``journal`` the set is committed as one unit (see the module docstring).

    Files get the usual permissions (0666 less the umask), not ``mkstemp``'s private 0600, so a
    web server or Neo4j running as another user can read the exports."""
    for path in files:
        check_target(path)
    staged: list[tuple[str, Path]] = []
    mode = 0o666 & ~_umask()
    current = next(iter(files), Path("."))
    committed = False
    try:
        for path, data in files.items():
            current = path
            staged.append((_stage(path, data, mode), path))
        if journal is not None:
            current = journal
            _write_journal(journal, staged, mode)
            committed = True
        for tmp, path in staged:
            current = path
            os.replace(tmp, path)
        if journal is not None:
            _fsync_directories({path.parent for path in files})
            journal.unlink()
    except OutputError:  # already one line (a parent that is not a folder): not wrapped again
        raise
    except OSError as exc:
        if committed and journal is not None and journal.exists():
            raise OutputError(f"cannot finish replacing the outputs: {exc.strerror or exc}",
                              origin=display_path(current),
                              hint=f"the next tokutei-kg command completes the change ({display_path(journal)} "
                                   "lists it)") from None
        raise os_error(exc, current) from None
    finally:
        if journal is None or not journal.exists():
            for tmp, _path in staged:
                if os.path.lexists(tmp):
                    os.unlink(tmp)
    _fsync_directories({path.parent for path in files} | ({journal.parent} if journal else set()))


def write_file(path: Path, data: bytes) -> None:
    write_files({path: data})


def _write_journal(journal: Path, staged: list[tuple[str, Path]], mode: int) -> None:
    base = journal.parent.absolute()  # relative entries: the project folder may be moved before a roll-forward
    entries = [[os.path.relpath(Path(tmp).absolute(), base), os.path.relpath(path.absolute(), base)]
               for tmp, path in staged]
    data = (json.dumps({"renames": entries}, ensure_ascii=False, indent=0) + "\n").encode("utf-8")
    tmp = _stage(journal, data, mode)
    os.replace(tmp, journal)
    _fsync_directories({journal.parent})


def recover(journal: Path) -> bool:
    """Finish a commit that was interrupted after its journal was written (roll forward). Returns
    whether there was one. Idempotent: a rename already done is skipped."""
    try:
        document = json.loads(journal.read_text(encoding="utf-8"))
        renames = [(journal.parent / tmp, journal.parent / target) for tmp, target in document["renames"]]
    except FileNotFoundError:
        return False
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise OutputError(f"unreadable commit journal ({exc})", origin=display_path(journal),
                          hint="remove it and run `tokutei-kg build`") from None
    try:
        for tmp, target in renames:
            if os.path.lexists(tmp):
                os.replace(tmp, target)
        _fsync_directories({target.parent for _tmp, target in renames})
        journal.unlink()
        _fsync_directories({journal.parent})
    except OSError as exc:
        raise os_error(exc, journal) from None
    return True


def remove_temp_files(*folders: Path) -> list[Path]:
    """Delete the hidden temp files a killed writer left in ``folders`` (recursively). Only call it while
    holding :func:`output_lock`, so no running writer's staged files are taken away."""
    removed = []
    for folder in folders:
        if not folder.is_dir() or folder.is_symlink():
            continue
        for directory, _dirs, names in os.walk(folder):  # does not follow links to folders
            for name in names:
                path = Path(directory) / name
                if name.startswith(".") and name.endswith(TEMP_SUFFIX) and path.is_file() and not path.is_symlink():
                    path.unlink()
                    removed.append(path)
    return removed


@contextlib.contextmanager
def output_lock(root: Path) -> Iterator[None]:
    """An exclusive lock on the project folder for commands that write its outputs (an ``flock`` on the
    folder itself: no lock file, released by the kernel when the process dies)."""
    try:
        fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    except OSError as exc:
        raise os_error(exc, root) from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise OutputError("another tokutei-kg build or export is writing this project's outputs",
                              origin=display_path(root), hint="wait for it to finish, then run again") from None
        yield
    finally:
        os.close(fd)


def _fsync_directories(directories: set[Path]) -> None:
    for directory in directories:
        _fsync_directory(directory)


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
