"""Shared fixtures: the mini project (tests/fixtures/mini + the real ontology and queries), a CLI
runner, and the rule that a test needing a missing tool skips on a laptop but fails in CI."""

from __future__ import annotations

import os
import shutil
import socket
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from browser_support import Tab

REPO = Path(__file__).resolve().parents[1]
MINI = REPO / "tests" / "fixtures" / "mini"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
# tests/reliability/conftest.py is imported as "conftest" too (no __init__.py): it re-exports this module.
sys.modules["tokutei_tests_conftest"] = sys.modules[__name__]


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto`` (pyproject.toml): one worker more than the cores this process may use. One worker waits
    out the background tests (the paced 60 s load and the queries run to their limits on idle CPU)
    and others wait on servers and subprocesses, so the extra worker keeps the cores busy; measured in
    docs/performance.md ("Test suite"). ``PYTEST_XDIST_AUTO_NUM_WORKERS`` or ``-n N`` overrides it."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return cores + 1


def _seconds(item: pytest.Item) -> float:
    return float(item.get_closest_marker("slow").args[0])  # type: ignore[union-attr]


def _in_background(item: pytest.Item) -> bool:
    return bool(item.get_closest_marker("slow").kwargs.get("background"))  # type: ignore[union-attr]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Spread the ``slow`` tests (``@pytest.mark.slow(seconds)``: long by design — the twenty kills, the
    property round trip, the figures) over the xdist workers so they start early and together.

    xdist's ``load`` scheduler first hands each of W workers a run of consecutive tests (a quarter of its
    share). The ``background`` slow tests (``slow(seconds, background=True)``: the 60 s load, the queries
    kept running to their time limit) take a fixed time and little CPU (the load is paced, the queries run
    on idle CPU): they go, one after another, to the front of the first run, so one worker waits them out
    while the others have the cores. The other slow tests are dealt longest first to the least-loaded
    of the other runs, so no worker finishes a 20 s test while the others idle at the end. Without xdist,
    or when the slow tests alone are most of the run, the order is pytest's."""
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "0"))
    slow = [item for item in items if item.get_closest_marker("slow") is not None]
    rest = [item for item in items if item.get_closest_marker("slow") is None]
    run = max((len(items) // workers) // 4, 2) if workers else 0
    if workers < 2 or not slow or run * workers > len(rest) + len(slow):
        return
    groups: list[list[pytest.Item]] = [[] for _ in range(workers)]
    load = [0.0] * workers
    background = [item for item in slow if _in_background(item)]
    groups[0] = sorted(background, key=_seconds, reverse=True)
    first = 1 if background else 0
    for item in sorted((i for i in slow if not _in_background(i)), key=_seconds, reverse=True):
        g = first + load[first:].index(min(load[first:]))
        groups[g].append(item)
        load[g] += _seconds(item)
    if max(len(group) for group in groups) >= run:
        return
    ordered: list[pytest.Item] = []
    for g in range(workers):
        ordered += groups[g]
        ordered += rest[: run - len(groups[g])]
        rest = rest[run - len(groups[g]):]
    items[:] = ordered + rest


def require(available: bool, what: str) -> None:
    """Skip when ``what`` is missing — except in CI, where a missing tool is a failure."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"{what} is required in CI but missing (.ci/run must install it)")
    pytest.skip(f"{what} is not available on this machine")


def make_project(root: Path, curated: Path | None = MINI / "graph") -> Path:
    """A project folder: the repository's ontology and queries, and the given curated graph folder."""
    shutil.copytree(REPO / "ontology", root / "ontology")
    shutil.copytree(REPO / "sparql", root / "sparql")
    if curated is not None:
        shutil.copytree(curated, root / "graph", ignore=shutil.ignore_patterns("built"))
    return root


@pytest.fixture
def mini(tmp_path: Path) -> Path:
    return make_project(tmp_path / "mini")


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def build_project(root: Path, *args: str) -> Path:
    """Run ``tokutei-kg build`` on the project at ``root`` (in-process) and return ``root``."""
    from tokutei_kg.cli import main

    result = CliRunner().invoke(main, ["--root", str(root), "build", *args])
    assert result.exit_code == 0, result.output
    return root


def run_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The temporary folder of this whole test run: under pytest-xdist, the parent of every worker's own
    base folder (the documented place for what the workers share); without xdist, the base folder."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def made_once(tmp_path_factory: pytest.TempPathFactory, name: str, make: Callable[[Path], Path]) -> Path:
    """``make(folder)`` run once for the whole test run, however many xdist workers ask: the first one
    makes it under a file lock, the others wait for it and then read what it made (``name/.done`` marks
    a finished folder, so a worker that died half-way leaves nothing a later one takes for finished)."""
    from filelock import FileLock

    folder = run_folder(tmp_path_factory) / name
    with FileLock(str(folder) + ".lock"):
        done = folder / ".done"
        if not done.exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            done.write_text(str(make(folder).relative_to(folder)), encoding="utf-8")
    return folder / done.read_text(encoding="utf-8")


@pytest.fixture(scope="session", autouse=True)
def store_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The on-disk store cache of this test run (shared by its workers; ``store.py`` writes it atomically),
    not the user's ``~/.cache/tokutei-kg``: a run neither reads stores a former run left nor leaves any."""
    folder = run_folder(tmp_path_factory) / "store-cache"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TOKUTEI_KG_CACHE", str(folder))
        yield folder


@pytest.fixture(scope="session")
def built_mini_once(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The mini project built (with its exports) once per test run, for every xdist worker. Shared: read
    it, never change it — a test that changes its project takes :func:`built_mini`, a fresh copy."""
    return made_once(tmp_path_factory, "built-mini", lambda folder: build_project(make_project(folder / "mini")))


def copy_project(built: Path, target: Path) -> Path:
    """A copy of a built project folder at ``target`` (far cheaper than building it again)."""
    return Path(shutil.copytree(built, target, symlinks=True))


@pytest.fixture
def built_mini(built_mini_once: Path, tmp_path: Path) -> Path:
    """A fresh copy of the session-built mini project, the test's own to change."""
    return copy_project(built_mini_once, tmp_path / "mini")


@pytest.fixture(scope="session")
def built_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The root of a project folder holding the real curated graph (graph/curated), the repository's
    ontology and queries, and its built dataset (graph/built/tokutei.nq; no exports), built once per
    test run (for every xdist worker) in a temporary folder. Shared: read it, never change it."""
    return made_once(tmp_path_factory, "built-repo", lambda folder: build_project(
        make_project(folder / "repo", curated=REPO / "graph"), "--no-exports"))


class NetworkBlocked(RuntimeError):
    pass


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Record and refuse every attempt to open a network connection during the test."""
    attempts: list[str] = []

    def hook(event: str, args: tuple[object, ...]) -> None:
        if not state["on"]:
            return
        if event in ("socket.connect", "socket.getaddrinfo", "urllib.Request", "socket.gethostbyname"):
            attempts.append(f"{event} {args!r}")
            raise NetworkBlocked(f"network access attempted: {event} {args!r}")

    state = {"on": True}
    sys.addaudithook(hook)  # audit hooks cannot be removed; the flag turns this one off after the test
    try:
        yield attempts
    finally:
        state["on"] = False


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


CHROMIUM = Path("/usr/bin/chromium")
# Headless Chromium as root on a machine whose network is closed: no sandbox, no GPU, no background calls.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Chromium driven by Playwright, one per test process (each xdist worker): the browser tests
    of every module share it and, through ``tab``, one page (tests/browser_support.py)."""
    require(CHROMIUM.exists(), "Chromium (/usr/bin/chromium, Debian package chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def tab(browser: Any) -> Iterator[Tab]:
    """The one tab of this test process in which every browser test opens its pages (a ``Session``)."""
    opened = Tab(browser)
    yield opened
    opened.close()
