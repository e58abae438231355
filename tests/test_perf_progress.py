"""Progress of a long build: the stages are reported in order, and never shown when stderr is not a terminal."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from tokutei_kg.cli import _Stages, main
from tokutei_kg.pipeline import STAGES, Project, compile_project


def test_compile_reports_each_stage_in_order(mini: Path) -> None:
    seen: list[str] = []
    compile_project(Project.find(mini), progress=seen.append)
    assert seen == list(STAGES)
    seen.clear()
    compile_project(Project.find(mini), shacl=False, progress=seen.append)
    assert seen == list(STAGES[:4])


def test_piped_build_shows_no_progress(mini: Path) -> None:
    result = CliRunner().invoke(main, ["--root", str(mini), "build", "--no-exports"])
    assert result.exit_code == 0
    assert result.stderr == ""
    assert "\r" not in result.stdout


def test_stages_show_on_a_terminal_only_after_the_delay(monkeypatch: object, capsys: object) -> None:
    import sys

    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)  # type: ignore[attr-defined]
    with _Stages(after=3600) as quiet:
        quiet("building the dataset")
    with _Stages(after=0) as shown:
        shown("building the dataset")
    assert capsys.readouterr().err == "\r\033[K[1] building the dataset…\r\033[K"  # type: ignore[attr-defined]
