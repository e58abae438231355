"""Build, validate and query make no network access (an audit hook refuses and records any attempt)."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from tokutei_kg.cli import main


def test_build_validate_query_stay_offline(mini: Path, no_network: list[str]) -> None:
    runner = CliRunner()
    for args in (["build"], ["validate"], ["query", "actors-by-side"],
                 ["query", "-e", "SELECT * WHERE { ?s ?p ?o } LIMIT 1"]):
        result = runner.invoke(main, ["--root", str(mini), *args])
        assert result.exit_code == 0, (args, result.output, result.exception)
    assert no_network == []


def test_the_audit_hook_does_catch_a_connection(no_network: list[str]) -> None:
    import contextlib
    import socket

    with contextlib.suppress(Exception):  # the hook raises its own error type
        socket.create_connection(("127.0.0.1", 9), timeout=1)
    assert len(no_network) == 1
