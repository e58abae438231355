"""Issue 10 item 3 and issue 12 item 9: faults while writing. A serializer failing mid-export, a build or
an export killed at any moment (×20 each), a full disk, a read-only output folder, a symlinked or
escaping export path, two builds at once, no network, another working directory / hash seed / locale /
time zone. After each: the previous outputs intact and byte-identical (or, for a kill after the commit
point, the new ones complete), no temp files left, a clear message."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from safety_support import cli, clone, snapshot, temp_files, tk, visible

from tokutei_kg.errors import display_path
from tokutei_kg.pipeline import Project, require_built

JOURNAL = "graph/built/.commit-journal.json"
LABEL = ("Ministry of Manpower", "Ministry of Manpower (renamed)")


def change_curated(root: Path) -> None:
    path = root / "graph" / "curated" / "entities.csv"
    text = path.read_text(encoding="utf-8")
    assert LABEL[0] in text
    path.write_text(text.replace(LABEL[0], LABEL[1], 1), encoding="utf-8")


@pytest.fixture(scope="module")
def template(built_mini_once: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A built mini project: the "old" outputs."""
    return clone(built_mini_once, tmp_path_factory.mktemp("faults") / "old")


@pytest.fixture(scope="module")
def rebuilt(template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same project after a change to the curated data and a complete build: the "new" outputs."""
    root = clone(template, tmp_path_factory.mktemp("faults") / "new")
    change_curated(root)
    assert cli(root, "build").exit_code == 0
    return root


@pytest.fixture
def project(template: Path, tmp_path: Path) -> Path:
    """The old outputs with the changed curated data: a build here must give the new outputs."""
    root = clone(template, tmp_path / "mini")
    change_curated(root)
    return root


def consistent(root: Path, *, dataset: bool = True) -> bool:
    """The manifest lists exactly the files under exports/ with their hashes (and names the dataset)."""
    exports = root / "exports"
    manifest = json.loads((exports / "MANIFEST.json").read_bytes())
    listed = {entry["path"]: entry["sha256"] for entry in manifest["files"]}
    present = {path: digest for path, digest in visible(snapshot(root, ("exports",))).items() if digest != "dir"}
    present = {path.removeprefix("exports/"): digest for path, digest in present.items()
               if path not in ("exports/MANIFEST.json", "exports/README.md")}
    built = (root / "graph/built/tokutei.nq").read_bytes()
    return listed == present and (not dataset or manifest["dataset"]["sha256"] == hashlib.sha256(built).hexdigest())


def restore_outputs(source: Path, root: Path) -> None:
    for name in ("graph/built", "exports"):
        shutil.rmtree(root / name)
        shutil.copytree(source / name, root / name, symlinks=True)


# --- serializer failing mid-export --------------------------------------------------------------------

@pytest.mark.parametrize("command", ["export", "build"])
def test_serializer_failing_mid_export(project: Path, command: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import tokutei_kg.export.rdf as rdf

    def failing(*args: object) -> object:
        raise RuntimeError("serializer failed")

    monkeypatch.setattr(rdf, "render_jsonld", failing)  # the 5th format of 13: half the exports are rendered
    before = snapshot(project)
    result = cli(project, command)
    assert (result.exit_code, result.stdout, result.stderr) == (
        2, "", "error: internal error (RuntimeError: serializer failed) — please report it; --traceback shows the "
               "details\n")
    assert snapshot(project) == before
    assert temp_files(project) == []


def test_rename_failing_mid_commit_is_completed_by_the_next_command(project: Path, rebuilt: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    real = os.replace
    calls = {"n": 0}

    def failing(source: object, target: object) -> None:
        calls["n"] += 1
        if calls["n"] == 6:  # the journal, the dataset, its record, two exports are in place
            raise OSError(errno.EIO, "Input/output error")
        real(source, target)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "replace", failing)
    result = cli(project, "build")
    monkeypatch.undo()
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        f"{display_path(project / 'exports/tokutei.nq')}: error: cannot finish replacing the outputs: Input/output "
        f"error — the next tokutei-kg command completes the change ({display_path(project / JOURNAL)} lists it)")
    assert (project / JOURNAL).exists()
    assert cli(project, "query", "actors-by-side").exit_code == 0  # rolls the commit forward
    assert snapshot(project) == snapshot(rebuilt)
    assert consistent(project)


# --- killed at any moment -------------------------------------------------------------------------------

# Runs commands to be killed. It imports the package once; each command runs in a process forked from it,
# so a kill at a random moment falls in the command's work, not in the interpreter's start (a third of a
# fresh process's run), and the twenty runs do not pay that start twenty times. Per line on stdin, a JSON
# [point, at, args, stderr file]: it forks, prints the command's pid, waits for it and prints its wait status.
FORK_SERVER = """
import json, os, pkgutil, signal, sys, importlib
import tokutei_kg
for module in pkgutil.walk_packages(tokutei_kg.__path__, "tokutei_kg."):
    if not module.name.endswith("__main__"):
        importlib.import_module(module.name)
from tokutei_kg.cli import main
for line in sys.stdin:
    point, at, args, stderr = json.loads(line)
    pid = os.fork()
    if pid == 0:
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
            os.dup2(os.open(stderr, os.O_WRONLY | os.O_CREAT | os.O_TRUNC), 2)
            import tokutei_kg.atomic as atomic
            if point == "journal":  # killed with every file staged, just before the commit point
                def journal(*args):
                    os.kill(os.getpid(), signal.SIGKILL)
                atomic._write_journal = journal
            elif point == "rename":  # killed right after the at-th rename (the first is the journal's)
                real, done = os.replace, [0]
                def replace(*args):
                    real(*args)
                    done[0] += 1
                    if done[0] == at:
                        os.kill(os.getpid(), signal.SIGKILL)
                os.replace = replace
            main(args, prog_name="tokutei-kg")
            code = 0
        except SystemExit as exit:
            code = exit.code if isinstance(exit.code, int) else 1
        except BaseException:
            import traceback
            traceback.print_exc()
            code = 3
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    print(pid, flush=True)
    print(os.waitpid(pid, 0)[1], flush=True)
"""


class Commands:
    """The fork server above: ``run`` one command, killed at a ``point`` or after ``delay`` seconds."""

    def __init__(self, folder: Path) -> None:
        self.stderr = folder / "stderr.txt"
        self.process = subprocess.Popen([sys.executable, "-c", FORK_SERVER], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True)

    def run(self, root: Path, args: list[str], *, delay: float | None = None,
            point: tuple[str, int] = ("none", 0)) -> tuple[int, str]:
        """The command's exit code (negative: the signal that ended it) and what it printed on stderr."""
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps([*point, ["--root", str(root), *args], str(self.stderr)]) + "\n")
        self.process.stdin.flush()
        pid = int(self.process.stdout.readline())
        if delay is not None:
            time.sleep(delay)
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        status = int(self.process.stdout.readline())
        return os.waitstatus_to_exitcode(status), self.stderr.read_text(encoding="utf-8", errors="replace")

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=60)


@pytest.fixture
def commands(tmp_path: Path) -> Iterator[Commands]:
    started = Commands(tmp_path)
    yield started
    started.close()


def _delays(commands: Commands, root: Path, args: list[str], source: Path, count: int) -> list[float]:
    """``count`` delays spread from 15 % to 105 % of how long one uninterrupted run takes here."""
    started = time.perf_counter()
    code, err = commands.run(root, args)
    assert code == 0, err
    took = time.perf_counter() - started
    restore_outputs(source, root)
    return [took * (0.15 + 0.9 * i / (count - 1)) for i in range(count)]


def _files(state: dict[str, str]) -> int:
    return sum(1 for value in state.values() if value != "dir")


def _kill_and_check(commands: Commands, root: Path, args: list[str], *, old: dict[str, str], new: dict[str, str],
                    delay: float | None = None, point: tuple[str, int] = ("none", 0)) -> str:
    """Run ``tokutei-kg args`` and kill it (after ``delay`` s, or at ``point``); check the outputs are
    all old or all new (after the roll-forward any command does); return which."""
    code, err = commands.run(root, args, delay=delay, point=point)
    assert code in (0, -signal.SIGKILL), err
    state = visible(snapshot(root))
    if (root / JOURNAL).exists():
        require_built(Project(root))  # what every reader does first: finish the commit
        state = visible(snapshot(root))
        assert state == new, "a killed commit was not rolled forward to the new outputs"
        outcome = "rolled forward"
    else:
        assert state in (old, new), "the outputs are a mix of old and new"
        outcome = "old" if state == old else "new"
    from tokutei_kg.pipeline import writing

    with writing(Project(root)):  # what the next build or export does first: remove the temp files
        pass
    assert temp_files(root) == []
    assert consistent(root, dataset=args[0] == "build")
    return outcome


@pytest.mark.slow(16)
def test_build_killed_twenty_times(project: Path, template: Path, rebuilt: Path, commands: Commands) -> None:
    """A kill at each commit stage (before the journal, just after it, between renames, after the last)
    and at spread delays; every time the outputs are all old or all new."""
    old, new = visible(snapshot(template)), visible(snapshot(rebuilt))
    assert old != new and consistent(template) and consistent(rebuilt)
    renames = 1 + _files(new)  # the journal's, then every file's
    points = [("journal", 0), ("rename", 1), ("rename", 2), ("rename", 3), ("rename", renames // 2),
              ("rename", renames)]
    outcomes = []
    for point in points:
        restore_outputs(template, project)
        outcomes.append(_kill_and_check(commands, project, ["build"], old=old, new=new, point=point))
    assert outcomes == ["old"] + ["rolled forward"] * 5
    for delay in _delays(commands, project, ["build"], template, 14):
        restore_outputs(template, project)
        outcomes.append(_kill_and_check(commands, project, ["build"], old=old, new=new, delay=delay))
    assert len(outcomes) == 20
    print("build kills:", Counter(outcomes))  # shown with -s: how the timed kills fell


@pytest.mark.slow(21)
def test_export_killed_twenty_times(project: Path, tmp_path: Path, commands: Commands) -> None:
    """``tokutei-kg export`` after a ``build --no-exports``: the exports go from old to new as one unit."""
    assert cli(project, "build", "--no-exports").exit_code == 0
    before = clone(project, tmp_path / "before")
    after = clone(project, tmp_path / "after")
    assert cli(after, "export").exit_code == 0
    old, new = visible(snapshot(before)), visible(snapshot(after))
    assert old != new and consistent(after)
    outcomes = []
    renames = 1 + _files(new) - 3  # the journal's, then every file's but the dataset's, its record's, the explorer's
    for point in [("journal", 0), ("rename", 1), ("rename", 2), ("rename", renames // 2), ("rename", renames)]:
        restore_outputs(before, project)
        outcomes.append(_kill_and_check(commands, project, ["export"], old=old, new=new, point=point))
    assert outcomes == ["old"] + ["rolled forward"] * 4
    for delay in _delays(commands, project, ["export"], before, 15):
        restore_outputs(before, project)
        outcomes.append(_kill_and_check(commands, project, ["export"], old=old, new=new, delay=delay))
    assert len(outcomes) == 20
    print("export kills:", Counter(outcomes))  # shown with -s: how the timed kills fell


# --- full disk, read-only folder ---------------------------------------------------------------------

NO_SPACE = "error: cannot write: no space left on device — free some space and run again; the previous outputs are " \
           "unchanged"


def _no_space(monkeypatch: pytest.MonkeyPatch, after: int) -> None:
    real, calls = os.fsync, {"n": 0}

    def fsync(fd: int) -> None:
        calls["n"] += 1
        if calls["n"] > after:
            raise OSError(errno.ENOSPC, "No space left on device")
        real(fd)

    monkeypatch.setattr(os, "fsync", fsync)


def test_disk_full_during_build(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = snapshot(project)
    _no_space(monkeypatch, after=2)  # the dataset and its record are staged, the first export is not
    result = cli(project, "build")
    monkeypatch.undo()
    assert (result.exit_code, result.stderr) == (2, f"{display_path(project / 'exports/tokutei.ttl')}: {NO_SPACE}\n")
    assert snapshot(project) == before
    assert temp_files(project) == []


def test_disk_full_during_export_to_a_file(project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "out.nq"
    target.write_bytes(b"previous\n")
    _no_space(monkeypatch, after=0)
    result = cli(project, "export", "--format", "nq", "-o", str(target))
    monkeypatch.undo()
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", f"{display_path(target)}: {NO_SPACE}\n")
    assert target.read_bytes() == b"previous\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mini", "out.nq"]


@contextlib.contextmanager
def mounted(*commands: list[str]) -> Iterator[None]:
    """Run mount commands (root only); skip when this machine does not allow them; unmount after."""
    done: list[str] = []
    try:
        for command in commands:
            result = subprocess.run(command, capture_output=True, text=True)
            if result.returncode != 0:
                pytest.skip(f"cannot mount here ({result.stderr.strip() or result.returncode}); the injected "
                            "fault tests cover this case")
            done.append(command[-1])
        yield
    finally:
        for point in reversed(dict.fromkeys(done)):
            subprocess.run(["umount", point], capture_output=True)


def test_disk_really_full_during_build(template: Path, tmp_path: Path) -> None:
    """A real tmpfs big enough for one set of outputs but not for the old and the new side by side."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root; the injected ENOSPC test covers the case")
    disk = tmp_path / "disk"
    disk.mkdir()

    def usage(*folders: Path) -> int:  # bytes on a tmpfs: whole 4 KiB pages per file
        return sum(-(-path.stat().st_size // 4096) * 4096 for folder in folders for path in folder.rglob("*")
                   if path.is_file())

    outputs = usage(template / "graph" / "built", template / "exports")
    size = usage(template) + outputs // 2  # room for the old outputs and half the new ones
    with mounted(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(disk)]):
        root = clone(template, disk / "mini")
        change_curated(root)
        before = snapshot(root)
        result = cli(root, "build")
        assert result.exit_code == 2
        assert re.fullmatch(rf"\S+: {re.escape(NO_SPACE)}\n", result.stderr), result.stderr
        assert snapshot(root) == before
        assert temp_files(root) == []


READ_ONLY = "error: cannot write: {reason} — make {folder} writable or choose another output path; the previous " \
            "outputs are unchanged"


def test_read_only_exports_folder(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As a user: chmod 555. As root (who writes anyway): creating a file there fails with EACCES."""
    exports = project / "exports"
    exports.chmod(0o555)
    if os.geteuid() == 0:
        import tempfile

        real = tempfile.mkstemp

        def refusing(*args: object, dir: object = None, **kwargs: object) -> tuple[int, str]:
            if Path(str(dir)) == exports:
                raise PermissionError(errno.EACCES, "Permission denied")
            return real(*args, dir=dir, **kwargs)  # type: ignore[arg-type, call-overload, no-any-return]

        monkeypatch.setattr(tempfile, "mkstemp", refusing)
    before = snapshot(project)
    for command in ("build", "export"):
        result = cli(project, command)
        assert (result.exit_code, result.stdout, result.stderr) == (
            2, "", f"{display_path(exports / 'tokutei.ttl')}: "
                   f"{READ_ONLY.format(reason='Permission denied', folder=display_path(exports))}\n")
        assert snapshot(project) == before
    exports.chmod(0o755)
    assert temp_files(project) == []


def test_really_read_only_exports_folder(project: Path) -> None:
    """A read-only bind mount: EROFS, for root too."""
    exports = str(project / "exports")
    with mounted(["mount", "--bind", exports, exports], ["mount", "-o", "remount,bind,ro", exports]):
        before = snapshot(project)
        result = cli(project, "build")
        assert (result.exit_code, result.stdout, result.stderr) == (
            2, "", f"{display_path(project / 'exports/tokutei.ttl')}: "
                   f"{READ_ONLY.format(reason='Read-only file system', folder=display_path(project / 'exports'))}\n")
        assert snapshot(project) == before
    assert temp_files(project) == []


# --- symlinked or escaping export paths ----------------------------------------------------------------

def test_export_path_that_is_a_symlink(project: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.ttl"
    outside.write_bytes(b"not yours\n")
    link = project / "exports" / "tokutei.ttl"
    link.unlink()
    link.symlink_to(outside)
    before = snapshot(project)
    result = cli(project, "export")
    assert (result.exit_code, result.stdout, result.stderr) == (
        2, "", f"error: {link} is a symbolic link — refusing to replace it; remove it and export again\n")
    assert outside.read_bytes() == b"not yours\n"
    assert snapshot(project) == before


def test_export_path_escaping_exports(project: Path, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    shutil.rmtree(project / "exports" / "csv")
    (project / "exports" / "csv").symlink_to(outside, target_is_directory=True)
    before = snapshot(project)
    result = cli(project, "export", "--format", "csv")
    assert result.exit_code == 2
    assert re.fullmatch(rf"error: export path csv/\S+ would leave {re.escape(str(project / 'exports'))}\n",
                        result.stderr), result.stderr
    assert list(outside.iterdir()) == []
    assert snapshot(project) == before


# --- two builds at once ----------------------------------------------------------------------------------

def test_second_writer_is_refused_while_one_holds_the_lock(project: Path) -> None:
    from tokutei_kg.atomic import output_lock

    before = snapshot(project)
    with output_lock(project):
        for command in ("build", "export"):
            result = cli(project, command)
            assert (result.exit_code, result.stdout, result.stderr) == (
                2, "", f"{display_path(project)}: error: another tokutei-kg build or export is writing this "
                       "project's outputs — wait for it to finish, then run again\n")
    assert snapshot(project) == before
    assert cli(project, "build").exit_code == 0


def test_two_builds_at_once(project: Path, rebuilt: Path) -> None:
    lock = (f"{project}: error: another tokutei-kg build or export is writing this project's outputs — wait for "
            "it to finish, then run again\n")
    processes = [subprocess.Popen([sys.executable, "-m", "tokutei_kg", "--root", str(project), "build"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outcomes = sorted((p.wait(timeout=120), p.stderr.read()) for p in processes)  # type: ignore[union-attr]
    assert outcomes[0] == (0, "")
    assert outcomes[1] in ((0, ""), (2, lock))
    assert snapshot(project) == snapshot(rebuilt)
    assert temp_files(project) == []


# --- no network, and the same bytes anywhere ---------------------------------------------------------------

def test_no_command_opens_a_network_connection(project: Path, no_network: list[str]) -> None:
    for args in (["build"], ["export"], ["viz", "--swimlane"], ["query", "actors-by-side"], ["evidence"],
                 ["analyse"], ["paths", "kemnaker", "isa", "--html", str(project / "paths.html")]):
        result = cli(project, *args)
        assert result.exit_code == 0, (args, result.output)
    assert no_network == []


def test_same_bytes_from_another_cwd_hash_seed_locale_and_time_zone(project: Path, tmp_path: Path) -> None:
    other = clone(project, tmp_path / "other")
    base = {k: v for k, v in os.environ.items() if k not in ("PYTHONHASHSEED", "LANG", "LC_ALL", "TZ")}
    first = tk(project, "build", cwd=project,
               env={**base, "PYTHONHASHSEED": "0", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "TZ": "UTC"})
    second = tk(other, "build", cwd=Path("/"),
                env={**base, "PYTHONHASHSEED": "4242", "LANG": "C", "LC_ALL": "POSIX", "TZ": "JST-9"})
    assert (first.returncode, second.returncode) == (0, 0), first.stderr + second.stderr
    assert snapshot(project) == snapshot(other)


def test_viz_into_exports_keeps_the_manifest_matching(project: Path) -> None:
    """``viz --lang ja`` rewrites exports/explorer.html: the manifest is rewritten in the same commit, and
    the command waits its turn like build and export."""
    from tokutei_kg.atomic import output_lock

    before = snapshot(project)
    with output_lock(project):
        result = cli(project, "viz", "--lang", "ja")
        assert (result.exit_code, result.stdout, result.stderr) == (
            2, "", f"{display_path(project)}: error: another tokutei-kg build or export is writing this project's "
                   "outputs — wait for it to finish, then run again\n")
    assert snapshot(project) == before
    result = cli(project, "viz", "--lang", "ja")
    assert result.exit_code == 0, result.output
    changed = {path for path, digest in snapshot(project).items() if before.get(path) != digest}
    assert changed == {"exports/explorer.html", "exports/MANIFEST.json"}
    assert consistent(project)
    assert temp_files(project) == []


@pytest.mark.slow(10)
def test_figures_into_exports_keep_the_manifest_matching(project: Path) -> None:
    result = cli(project, "figures")
    assert result.exit_code == 0, result.output
    assert consistent(project)
    assert temp_files(project) == []


def test_a_paths_page_into_exports_keeps_the_manifest_matching(project: Path, tmp_path: Path) -> None:
    page = project / "exports" / "paths.html"
    result = cli(project, "paths", "lpk", "isa", "--html", str(page))
    assert result.exit_code == 0, result.output
    listed = {entry["path"] for entry in json.loads((project / "exports" / "MANIFEST.json").read_bytes())["files"]}
    assert "paths.html" in listed and consistent(project)
    outside = tmp_path / "elsewhere.html"  # a page outside exports/ leaves the manifest alone
    before = (project / "exports" / "MANIFEST.json").read_bytes()
    assert cli(project, "paths", "lpk", "isa", "--html", str(outside)).exit_code == 0
    assert outside.exists() and (project / "exports" / "MANIFEST.json").read_bytes() == before
    assert temp_files(project) == []
