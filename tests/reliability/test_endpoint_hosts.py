"""Issue 12.3 / 10.4: the Host allow-list holds on every bind (DNS rebinding), binding beyond loopback
prints a warning, and queries from web pages of another origin are refused."""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest

from serve_harness import FORM, Server, copy_built, start_server, stop_server
from tokutei_kg.serve.app import allowed_hosts, is_loopback

ASK = "ASK { ?s ?p ?o }"


@pytest.fixture(scope="module")
def project(built_mini_once: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_built(built_mini_once, tmp_path_factory.mktemp("hosts") / "mini")


@pytest.fixture(scope="module")
def other_loopback(project: Path) -> Iterator[Server]:
    running = start_server(project, host="127.0.0.2")
    yield running
    stop_server(running)


@pytest.fixture(scope="module")
def everywhere(project: Path) -> Iterator[Server]:
    running = start_server(project, "--allow-host", "kg.example", "--allow-host", "192.0.2.7", host="0.0.0.0")
    running.host = "127.0.0.1"  # reach the wildcard bind through loopback
    yield running
    stop_server(running)


def _ask(server: Server, host: str, **headers: str) -> tuple[int, bytes]:
    path = "/query?" + urllib.parse.urlencode({"query": ASK})
    status, _, body = server.request("GET", path, None, {"Host": host, **headers})
    return status, body


def _refused(host: str, port: int, home: str = "127.0.0.1") -> tuple[int, bytes]:
    return 421, (f"error: unexpected Host header '{host}' — use http://{home}:{port}/ or start the server with "
                 "--allow-host NAME\n").encode()


def test_a_foreign_host_is_refused_on_another_loopback_address(other_loopback: Server) -> None:
    port = other_loopback.port
    assert _ask(other_loopback, f"evil.example:{port}") == _refused(f"evil.example:{port}", port, "127.0.0.2")
    assert _ask(other_loopback, "evil.example") == _refused("evil.example", port, "127.0.0.2")
    assert _ask(other_loopback, f"127.0.0.2:{port}")[0] == 200  # the bound address
    assert _ask(other_loopback, f"localhost:{port}")[0] == 200
    assert "warning:" not in other_loopback.log.read_text(encoding="utf-8")  # 127.0.0.2 is loopback


def test_a_foreign_host_is_refused_on_all_interfaces_and_a_warning_is_printed(everywhere: Server) -> None:
    port = everywhere.port
    assert _ask(everywhere, f"evil.example:{port}") == _refused(f"evil.example:{port}", port)
    assert _ask(everywhere, f"0.0.0.0:{port}") == _refused(f"0.0.0.0:{port}", port)
    assert _ask(everywhere, f"192.0.2.8:{port}") == _refused(f"192.0.2.8:{port}", port)
    assert _ask(everywhere, f"kg.example:{port}")[0] == 200
    assert _ask(everywhere, f"KG.example:{port}")[0] == 200
    assert _ask(everywhere, f"192.0.2.7:{port}")[0] == 200
    assert _ask(everywhere, f"127.0.0.1:{port}")[0] == 200
    log = everywhere.log.read_text(encoding="utf-8").splitlines()
    assert log[0] == ("warning: listening on 0.0.0.0 — other machines on your network can query this endpoint; "
                      "requests are answered only for the Host names 127.0.0.1, localhost, [::1], the bound address "
                      "and those given with --allow-host")
    assert log[1].startswith("serving ")


def test_foreign_origins_are_refused_on_get_and_post(other_loopback: Server) -> None:
    port, host = other_loopback.port, f"127.0.0.1:{other_loopback.port}"
    refused = (403, b"error: requests from http://evil.example are not allowed (start the server with --cors ORIGIN "
                    b"to allow a web page of another origin)\n")
    assert _ask(other_loopback, host, Origin="http://evil.example") == refused
    body = urllib.parse.urlencode({"query": ASK})
    status, _, answer = other_loopback.request("POST", "/query", body, {**FORM, "Host": host,
                                                                        "Origin": "http://evil.example"})
    assert (status, answer) == refused
    assert _ask(other_loopback, host, Origin=f"http://127.0.0.2:{port}")[0] == 200  # the page's own origin
    assert _ask(other_loopback, host, Origin=f"http://evil.example:{port}")[0] == 403
    assert _ask(other_loopback, host, Origin=f"https://127.0.0.2:{port}")[0] == 403


def test_a_cross_site_request_without_origin_is_refused(other_loopback: Server) -> None:
    host = f"127.0.0.1:{other_loopback.port}"
    assert _ask(other_loopback, host, **{"Sec-Fetch-Site": "cross-site"}) == (
        403, b"error: cross-site requests are not allowed (start the server with --cors ORIGIN to allow a web page "
             b"of another origin)\n")
    assert _ask(other_loopback, host, **{"Sec-Fetch-Site": "same-origin"})[0] == 200
    assert _ask(other_loopback, host, **{"Sec-Fetch-Site": "none"})[0] == 200  # typed in the address bar


def test_allowed_hosts_and_loopback() -> None:
    assert allowed_hosts("127.0.0.1", 7878) == {"127.0.0.1:7878", "localhost:7878", "[::1]:7878"}
    assert allowed_hosts("0.0.0.0", 8000, ("Kg.Example", "fe80::1")) == {
        "127.0.0.1:8000", "localhost:8000", "[::1]:8000", "kg.example:8000", "[fe80::1]:8000"}
    assert allowed_hosts("::", 80) == {"127.0.0.1:80", "localhost:80", "[::1]:80", "127.0.0.1", "localhost", "[::1]"}
    assert allowed_hosts("192.0.2.1", 7878) >= {"192.0.2.1:7878"}
    assert [is_loopback(h) for h in ("127.0.0.1", "127.0.0.2", "::1", "localhost", "0.0.0.0", "::", "192.0.2.1")] == [
        True, True, True, True, False, False, False]
