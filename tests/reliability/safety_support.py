"""Helpers of test_data_safety.py and test_faults.py: a clone of the built mini project, a snapshot
(path → SHA-256) of the output folders to prove that nothing changed, the CLI in process and in a
subprocess."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner, Result

from tokutei_kg.cli import main

OUTPUTS = ("graph/built", "exports")
REBUILD = "run `tokutei-kg build`"


def clone(template: Path, root: Path) -> Path:
    shutil.copytree(template, root, symlinks=True)
    return root


def cli(root: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["--root", str(root), *args])


def tk(root: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 120,
       cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The command in a fresh interpreter."""
    return subprocess.run([sys.executable, "-m", "tokutei_kg", "--root", str(root), *args], capture_output=True,
                          text=True, timeout=timeout, env=env, cwd=cwd)


def snapshot(root: Path, folders: tuple[str, ...] = OUTPUTS) -> dict[str, str]:
    """Every entry under ``folders`` (hidden ones too): a file's SHA-256, a link's target, a folder."""
    found: dict[str, str] = {}
    for name in folders:
        top = root / name
        if not os.path.lexists(top):
            continue
        for folder, dirs, files in os.walk(top):
            for entry in sorted(dirs + files):
                path = Path(folder) / entry
                relative = path.relative_to(root).as_posix()
                if path.is_symlink():
                    found[relative] = f"link:{os.readlink(path)}"
                elif path.is_dir():
                    found[relative] = "dir"
                elif path.is_file():
                    found[relative] = hashlib.sha256(path.read_bytes()).hexdigest()
                else:
                    found[relative] = "special"
    return found


def visible(state: dict[str, str]) -> dict[str, str]:
    """A snapshot without hidden entries (temp files of a killed writer, the commit journal)."""
    return {path: value for path, value in state.items() if not any(part.startswith(".") for part in path.split("/"))}


def temp_files(root: Path) -> list[str]:
    return sorted(path for path in snapshot(root) if Path(path).name.startswith("."))
