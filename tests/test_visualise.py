"""The explorer page and the figures, checked without a browser: the embedded JSON against the
projection, determinism, offline-ness, escaping of hostile text, atomic writes, the CLI."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import networkx as nx
import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from tokutei_kg.analyse import find_paths, resolve_node
from tokutei_kg.atomic import OutputError
from tokutei_kg.built import Built
from tokutei_kg.cli import main
from tokutei_kg.evidence import relations
from tokutei_kg.network import to_network
from tokutei_kg.pipeline import Project, compile_project, write_built
from tokutei_kg.store import as_of, open_store
from tokutei_kg.visualise import (
    ExplorerOptions,
    ViewError,
    catalogue,
    explorer_iframe,
    iframe_markup,
    render_explorer,
    render_paths_page,
    write_explorer,
)
from tokutei_kg.visualise.catalogue import web_link
from tokutei_kg.visualise.layout import COLUMN, MIDDLE_COLUMNS
from tokutei_kg.visualise.page import script_json
from xss_fixture import BREAKOUT, HOSTILE_URL, IMG, PAYLOADS, SCRIPT, SVG, make_xss_project

DATA_BLOCK = re.compile(r'<script type="application/json" id="tkg-data">(.*?)</script>', re.S)
SCRIPT_BLOCK = re.compile(r"<script>(.*?)</script>", re.S)
STYLE_BLOCK = re.compile(r"<style>(.*?)</style>", re.S)
PROJECTION_EDGE_KEYS = ("relation", "predicate", "claims", "sources", "disputed_by", "stages", "valid_from",
                        "valid_until", "n_sources", "source_types", "perspectives", "status", "asserted",
                        "relation_label_en", "relation_label_id", "relation_label_ja")


def page_data(html: str) -> dict:
    blocks = DATA_BLOCK.findall(html)
    assert len(blocks) == 1
    return json.loads(blocks[0])


def store_of(nquads: bytes) -> ox.Store:
    store = ox.Store()
    store.load(nquads, format=ox.RdfFormat.N_QUADS)
    return store


@pytest.fixture(scope="module")
def real(built_repo: Path) -> tuple[ox.Store, nx.MultiDiGraph]:
    store = store_of((built_repo / "graph" / "built" / "tokutei.nq").read_bytes())
    return store, to_network(store)


@pytest.fixture(scope="module")
def real_page(real: tuple[ox.Store, nx.MultiDiGraph]) -> str:
    store, graph = real
    return render_explorer(graph, ExplorerOptions(), catalogue(store))


def built(root: Path) -> Project:
    project = Project(root)
    write_built(project, compile_project(project))
    return project


@pytest.fixture
def mini_built(mini: Path) -> Project:
    return built(mini)


@pytest.fixture(scope="module")
def xss(tmp_path_factory: pytest.TempPathFactory) -> tuple[Project, str]:
    project = built(make_xss_project(tmp_path_factory.mktemp("xss") / "project"))
    store = open_store(project.built)
    return project, render_explorer(to_network(store), ExplorerOptions(), catalogue(store))


# ---------------------------------------------------------------------------------------------------
# The embedded JSON is the projection
# ---------------------------------------------------------------------------------------------------


def test_nodes_are_the_projection_with_positions(real: tuple[ox.Store, nx.MultiDiGraph], real_page: str) -> None:
    _, graph = real
    nodes = page_data(real_page)["nodes"]
    assert len(nodes) == graph.number_of_nodes() > 150
    assert sorted(n["iri"] for n in nodes) == sorted(graph)
    assert [n["id"] for n in nodes] == sorted(d["id"] for _, d in graph.nodes(data=True))
    for node in nodes:
        projected = graph.nodes[node["iri"]]
        assert {key: node[key] for key in projected} == projected
        assert set(node) == set(projected) | {"iri", "x", "y"}
        assert isinstance(node["x"], int) and isinstance(node["y"], int)


def test_edges_are_the_projection(real: tuple[ox.Store, nx.MultiDiGraph], real_page: str) -> None:
    _, graph = real
    data = page_data(real_page)
    edges = data["edges"]
    ids = {d["id"]: n for n, d in graph.nodes(data=True)}
    assert len(edges) == graph.number_of_edges() > 300
    assert len({e["id"] for e in edges}) == len(edges)
    assert Counter((ids[e["from"]], ids[e["to"]], e["relation"]) for e in edges) == Counter(list(graph.edges(keys=True)))
    for edge in edges:
        projected = graph.edges[ids[edge["from"]], ids[edge["to"]], edge["relation"]]
        assert {key: edge[key] for key in PROJECTION_EDGE_KEYS} == {key: projected[key] for key in PROJECTION_EDGE_KEYS}
        assert edge["id"] == f"{edge['from']}|{edge['relation']}|{edge['to']}"


def test_every_claim_of_an_edge_is_embedded_with_its_evidence(real: tuple[ox.Store, nx.MultiDiGraph],
                                                              real_page: str) -> None:
    store, _ = real
    data = page_data(real_page)
    evidence = {c.claim_id: c for r in relations(store) for c in r.claims}
    wanted = {c for e in data["edges"] for c in e["claims"].split("|")}
    assert set(data["claims"]) == wanted
    for claim_id, claim in data["claims"].items():
        assert claim["evidence"] == evidence[claim_id].evidence
        assert claim["source"] == evidence[claim_id].source_id
        assert claim["disputes"] == evidence[claim_id].disputes
        assert claim["source"] in data["sources"]
    assert data["sources"]["s9"] == {
        "title": "Indonesia-Jepang Teken Kerja Sama Ketenagakerjaan", "type": "news", "document": "",
        "url": "https://gatra.com/news-424156-politik-indonesiajepang-teken-kerja-sama-ketenagakerjaan.html"}
    assert data["sources"]["seed-abstract"]["url"] == ""
    assert data["sources"]["seed-abstract"]["document"] == "graph/documents/seed-abstract.md"


def test_vocabulary_has_three_languages(real_page: str) -> None:
    vocabulary = page_data(real_page)["vocabulary"]
    stages = [s["key"] for s in vocabulary["stages"]]
    assert stages[:5] == ["stage:promotion", "stage:registration", "stage:training", "stage:tests", "stage:matching"]
    assert vocabulary["statuses"]["contested"] == {"en": "Contested", "id": "Diperdebatkan", "ja": "異論あり"}
    assert vocabulary["kinds"]["institution"] == {"en": "Institution", "id": "Lembaga", "ja": "機関"}
    assert set(vocabulary["source_types"]) >= {"news", "official-document", "interview"}


def test_i18n_has_every_key_in_every_language(real_page: str) -> None:
    i18n = page_data(real_page)["i18n"]
    assert set(i18n) == {"en", "id", "ja"}
    assert set(i18n["en"]) == set(i18n["id"]) == set(i18n["ja"])
    script = SCRIPT_BLOCK.findall(real_page)[-1]
    used = set(re.findall(r'\bt\("([a-z_]+)"', script)) | set(re.findall(r'data-i18n="([a-z_]+)"', real_page))
    assert "side_" in used  # t("side_" + side): every side needs its key
    used = (used - {"side_"}) | {f"side_{side}" for side in ("indonesia", "japan", "bilateral", "other")}
    assert used <= set(i18n["en"]), used - set(i18n["en"])


# ---------------------------------------------------------------------------------------------------
# Layout
# ---------------------------------------------------------------------------------------------------


def test_layout_puts_indonesia_left_japan_right_bilateral_between(real_page: str) -> None:
    nodes = page_data(real_page)["nodes"]
    middle = MIDDLE_COLUMNS * COLUMN / 2
    for node in nodes:
        if node["side"] == "indonesia":
            assert node["x"] < -middle, node["id"]
        elif node["side"] == "japan":
            assert node["x"] > middle, node["id"]
        else:
            assert abs(node["x"]) <= middle, node["id"]
    assert len({(n["x"], n["y"]) for n in nodes}) == len(nodes)
    regions = {r["key"]: r for r in page_data(real_page)["regions"]}
    assert set(regions) == {"side:indonesia", "side:bilateral", "side:japan"}
    assert regions["side:indonesia"]["x1"] < regions["side:japan"]["x0"]


def test_swimlane_orders_stages_and_sides(real: tuple[ox.Store, nx.MultiDiGraph]) -> None:
    store, graph = real
    data = page_data(render_explorer(graph, ExplorerOptions(swimlane=True), catalogue(store)))
    lanes = [r for r in data["regions"] if r["kind"] == "lane"]
    order = [s["key"] for s in data["vocabulary"]["stages"]]
    assert [r["key"] for r in lanes] == sorted((r["key"] for r in lanes), key=order.index)
    assert all(a["x1"] < b["x0"] for a, b in zip(lanes, lanes[1:], strict=False))
    for node in data["nodes"]:
        assert node["stages"] or any(node["id"] in (e["from"], e["to"]) for e in data["edges"] if e["stages"])
        if node["side"] == "indonesia":
            assert node["y"] < 0
        elif node["side"] == "japan":
            assert node["y"] > 0
    assert all(e["stages"] for e in data["edges"])


# ---------------------------------------------------------------------------------------------------
# Determinism
# ---------------------------------------------------------------------------------------------------


def test_same_graph_gives_the_same_bytes(real: tuple[ox.Store, nx.MultiDiGraph], real_page: str) -> None:
    store, graph = real
    assert render_explorer(graph, ExplorerOptions(), catalogue(store)) == real_page
    reversed_graph = nx.MultiDiGraph()
    reversed_graph.add_nodes_from(reversed(list(graph.nodes(data=True))))
    reversed_graph.add_edges_from(reversed(list(graph.edges(keys=True, data=True))))
    assert render_explorer(reversed_graph, ExplorerOptions(), catalogue(store)) == real_page


def test_viz_is_byte_identical_across_hash_seeds_and_folders(mini_built: Project, tmp_path: Path) -> None:
    outputs = []
    for seed, cwd in (("1", tmp_path), ("2", mini_built.root)):
        target = tmp_path / f"explorer-{seed}.html"
        subprocess.run([sys.executable, "-m", "tokutei_kg", "--root", str(mini_built.root), "viz", "-o", str(target)],
                       check=True, cwd=cwd, env={**os.environ, "PYTHONHASHSEED": seed}, capture_output=True)
        outputs.append(target.read_bytes())
    assert outputs[0] == outputs[1]


# ---------------------------------------------------------------------------------------------------
# Offline and safe
# ---------------------------------------------------------------------------------------------------


def test_page_loads_nothing_from_outside(real_page: str) -> None:
    assert "<link" not in real_page
    assert not re.search(r"<script[^>]*\ssrc=", real_page)
    assert not re.search(r"\b(src|href)\s*=", real_page.split("<script", 1)[0])
    assert "@import" not in real_page and "url(" not in STYLE_BLOCK.findall(real_page)[0]
    assert "cdn" not in real_page.split("<script", 1)[0].lower()
    app = SCRIPT_BLOCK.findall(real_page)[-1]
    for forbidden in ("fetch(", "XMLHttpRequest", "WebSocket", "EventSource", "importScripts", "sendBeacon"):
        assert forbidden not in app
    outside_blocks = DATA_BLOCK.sub("", real_page)
    vis, _ = SCRIPT_BLOCK.findall(outside_blocks)
    assert set(re.findall(r"https?://[^\s\"'<>)]+", outside_blocks.replace(vis, ""))) == {"http://www.w3.org/2000/svg"}


def test_content_security_policy_allows_only_this_page(real_page: str) -> None:
    policy = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', real_page).group(1)
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["default-src"] == "'none'"
    assert directives["connect-src"] == "'none'"
    for name in ("img-src", "font-src", "frame-src", "object-src", "form-action", "base-uri"):
        assert directives[name] == "'none'"

    def digest(text: str) -> str:
        return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"

    assert directives["script-src"].split() == [digest(s) for s in SCRIPT_BLOCK.findall(real_page)]
    assert directives["style-src"].split() == [digest(s) for s in STYLE_BLOCK.findall(real_page)]
    assert real_page.index("Content-Security-Policy") < real_page.index("<script")


def test_vis_network_is_inlined_from_pyvis(real_page: str) -> None:
    import importlib.util

    origin = Path(next(iter(importlib.util.find_spec("pyvis").submodule_search_locations)))
    vis = (origin / "lib" / "vis-9.1.2" / "vis-network.min.js").read_text(encoding="utf-8")
    assert SCRIPT_BLOCK.findall(real_page)[0] == vis
    assert "@version 9.1.2" in vis


def test_script_json_cannot_close_its_block() -> None:
    value = {"evidence": f"{BREAKOUT} <!-- & \u2028 \u2029", "k": [SCRIPT]}
    text = script_json(value)
    assert json.loads(text) == value
    for raw in ("<", ">", "&", "\u2028", "\u2029"):
        assert raw not in text


def test_hostile_text_appears_only_escaped(xss: tuple[Project, str]) -> None:
    _, page = xss
    for payload in (*PAYLOADS, HOSTILE_URL):
        assert payload not in page, payload
    vis = SCRIPT_BLOCK.findall(page)[0]
    assert page.replace(vis, "").count("<script") == 3 and page.count("</script>") == 3
    data = page_data(page)
    kemnaker = next(n for n in data["nodes"] if n["id"] == "kemnaker")
    assert (kemnaker["label_en"], kemnaker["label_id"]) == (SCRIPT, IMG)
    assert SVG in kemnaker["aliases"]
    assert data["sources"]["s15"] == {"title": IMG, "type": "official-document", "url": HOSTILE_URL, "document": ""}
    assert "innerHTML" not in page and "outerHTML" not in page and "insertAdjacentHTML" not in page
    app = SCRIPT_BLOCK.findall(page)[-1]
    for sink in ("document.write", "eval(", "new Function", "setAttribute(\"href\"", "setAttribute('href'"):
        assert sink not in app


def test_only_web_addresses_become_links() -> None:
    assert web_link("https://example.org/a") == "https://example.org/a"
    assert web_link("http://example.org") == "http://example.org"
    for address in ("javascript:alert(1)", "JAVASCRIPT:alert(1)", " javascript:alert(1)", "data:text/html,<b>",
                    "graph/documents/seed-abstract.md", "file:///etc/passwd", "https:no-host", "vbscript:x", ""):
        assert web_link(address) == "", address


def test_no_curated_text_outside_the_json_block(xss: tuple[Project, str]) -> None:
    _, page = xss
    outside = DATA_BLOCK.sub("", page)
    for text in ("alert(1)", "Kemnaker", "example.org"):
        assert text not in outside


# ---------------------------------------------------------------------------------------------------
# Writing files
# ---------------------------------------------------------------------------------------------------


def test_write_explorer_writes_one_file_and_nothing_in_the_working_folder(
        mini_built: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    before = sorted(p.relative_to(mini_built.root) for p in mini_built.root.rglob("*"))
    written = write_explorer(Built.open(mini_built))
    assert written == [mini_built.root / "exports" / "explorer.html"]
    after = sorted(p.relative_to(mini_built.root) for p in mini_built.root.rglob("*"))
    assert sorted(set(after) - set(before)) == [Path("exports"), Path("exports/explorer.html")]
    assert list(work.iterdir()) == []
    page = written[0].read_bytes().decode("utf-8")
    assert page.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in page
    assert "lib" not in {p.name for p in mini_built.root.rglob("*")}


def test_a_failed_write_leaves_the_previous_page(mini_built: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    built = Built.open(mini_built)
    [target] = write_explorer(built)
    previous = target.read_bytes()

    def broken(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("tokutei_kg.atomic.os.replace", broken)
    with pytest.raises(OutputError, match="disk full"):
        write_explorer(built, options=ExplorerOptions(lang="ja"))
    assert target.read_bytes() == previous
    assert [p.name for p in target.parent.iterdir()] == ["explorer.html"]


def test_rendering_imports_neither_pyvis_nor_matplotlib(mini_built: Project) -> None:
    code = ("import sys, json\nfrom pathlib import Path\nfrom tokutei_kg.store import open_store\n"
            "from tokutei_kg.network import to_network\nfrom tokutei_kg.visualise import render_explorer, catalogue\n"
            f"store = open_store(Path({str(mini_built.built)!r}))\nrender_explorer(to_network(store), None, catalogue(store))\n"
            "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in ('pyvis', 'matplotlib', 'IPython'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert json.loads(out) == []


# ---------------------------------------------------------------------------------------------------
# Focused views, the paths page, notebooks
# ---------------------------------------------------------------------------------------------------


def test_stage_view_keeps_the_stage_relations_and_their_entities(real: tuple[ox.Store, nx.MultiDiGraph]) -> None:
    store, graph = real
    data = page_data(render_explorer(graph, ExplorerOptions(stage="matching"), catalogue(store)))
    expected = [(u, v, k) for u, v, k, d in graph.edges(keys=True, data=True) if "stage:matching" in d["stages"].split("|")]
    assert len(data["edges"]) == len(expected) > 10
    ends = {graph.nodes[n]["id"] for u, v, _ in expected for n in (u, v)}
    staged = {d["id"] for _, d in graph.nodes(data=True) if "stage:matching" in d["stages"].split("|")}
    assert {n["id"] for n in data["nodes"]} == ends | staged
    assert data["options"]["stage"] == "stage:matching"


def test_around_view_is_the_neighbourhood(real: tuple[ox.Store, nx.MultiDiGraph]) -> None:
    store, graph = real
    data = page_data(render_explorer(graph, ExplorerOptions(around="Kemnaker", depth=1), catalogue(store)))
    centre = resolve_node(graph, "kemnaker")
    near = set(graph.successors(centre)) | set(graph.predecessors(centre)) | {centre}
    assert {n["iri"] for n in data["nodes"]} == near
    assert len(data["edges"]) == graph.subgraph(near).number_of_edges()
    assert (data["options"]["around"], data["options"]["depth"]) == ("kemnaker", 1)


def test_bad_views_are_refused(real: tuple[ox.Store, nx.MultiDiGraph]) -> None:
    _, graph = real
    with pytest.raises(ViewError, match="did you mean stage:matching"):
        render_explorer(graph, ExplorerOptions(stage="matchin"))
    with pytest.raises(ViewError, match="unknown language 'fr'"):
        render_explorer(graph, ExplorerOptions(lang="fr"))
    with pytest.raises(ViewError, match="takes no part in stage stage:visa"):
        render_explorer(graph, ExplorerOptions(stage="visa", around="lpk"))


def test_paths_page_carries_the_paths_hop_by_hop(real: tuple[ox.Store, nx.MultiDiGraph]) -> None:
    store, graph = real
    a, b = resolve_node(graph, "kemnaker"), resolve_node(graph, "isa")
    paths = find_paths(graph, a, b, max_hops=3)
    data = page_data(render_paths_page(graph, paths, start=a, end=b, found=catalogue(store)))
    preset = data["preset"]
    assert (preset["start"], preset["end"]) == ("kemnaker", "isa")
    assert [p["nodes"] for p in preset["paths"]] == [[graph.nodes[n]["id"] for n in p.nodes] for p in paths]
    edge_ids = {e["id"] for e in data["edges"]}
    first = preset["paths"][0]
    assert first["nodes"] == ["kemnaker", "isa"]
    assert first["hops"] == [{"source": "kemnaker", "target": "isa", "forward": True,
                              "edges": ["kemnaker|tkg:sharesInformationWith|isa"]}]
    assert all(e in edge_ids for p in preset["paths"] for h in p["hops"] for e in h["edges"])


def test_notebook_iframe_is_sandboxed_and_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    page = "<!DOCTYPE html><p title=\"x\">a & b</p>"
    markup = iframe_markup(page, height=500)
    assert markup.startswith('<iframe srcdoc="&lt;!DOCTYPE html&gt;&lt;p title=&quot;x&quot;&gt;a &amp; b&lt;/p&gt;"')
    assert 'sandbox="allow-scripts allow-downloads allow-popups allow-popups-to-escape-sandbox"' in markup
    assert "allow-same-origin" not in markup and "height:500px" in markup
    shown = explorer_iframe(page)
    assert type(shown).__name__ == "HTML" and shown.data == iframe_markup(page)
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------------------


def test_viz_command_writes_the_explorer(mini_built: Project) -> None:
    result = CliRunner().invoke(main, ["--root", str(mini_built.root), "viz"])
    assert result.exit_code == 0, result.output
    target = mini_built.root / "exports" / "explorer.html"
    size = target.stat().st_size / 1e6
    assert result.stdout == f"wrote {target} ({size:.1f} MB) — open it in a web browser\n"
    data = page_data(target.read_text(encoding="utf-8"))
    graph = to_network(open_store(mini_built.built))
    assert (len(data["nodes"]), len(data["edges"])) == (graph.number_of_nodes(), graph.number_of_edges())


@pytest.mark.parametrize(("args", "name", "options"), [
    (["--stage", "training"], "explorer-training.html", {"stage": "stage:training"}),
    (["--around", "入管", "--depth", "1"], "explorer-around-isa.html", {"around": "isa", "depth": 1}),
    (["--swimlane", "--lang", "ja"], "explorer-swimlane.html", {"view": "swimlane", "lang": "ja"}),
    (["--as-of", "2020-01-01"], "explorer.html", {"as_of": "2020-01-01"}),
])
def test_viz_views(mini_built: Project, args: list[str], name: str, options: dict[str, object]) -> None:
    result = CliRunner().invoke(main, ["--root", str(mini_built.root), "viz", *args])
    assert result.exit_code == 0, result.output
    data = page_data((mini_built.root / "exports" / name).read_text(encoding="utf-8"))
    assert {k: data["options"][k] for k in options} == options


def test_viz_as_of_projects_the_graph_at_that_date(mini_built: Project) -> None:
    assert CliRunner().invoke(main, ["--root", str(mini_built.root), "viz", "--as-of", "2020-01-01"]).exit_code == 0
    data = page_data((mini_built.root / "exports" / "explorer.html").read_text(encoding="utf-8"))
    ids = {n["id"] for n in data["nodes"]}
    assert "bp2mi" in ids and "kp2mi" not in ids
    expected = to_network(as_of(open_store(mini_built.built), dt.date(2020, 1, 1)))
    assert len(data["edges"]) == expected.number_of_edges()


@pytest.mark.parametrize(("args", "message"), [
    (["--stage", "nowhere"], "error: no relation or entity is claimed at stage 'nowhere' — stages in the graph: "),
    (["--around", "nobody"], "error: no institution or entity named 'nobody' — "),
    (["--as-of", "2020-13-01"], "'2020-13-01' is not a date"),
])
def test_viz_bad_input_exits_2(mini_built: Project, args: list[str], message: str) -> None:
    result = CliRunner().invoke(main, ["--root", str(mini_built.root), "viz", *args])
    assert result.exit_code == 2
    assert message in result.output
    assert not (mini_built.root / "exports").exists()


def test_viz_needs_a_build(mini: Path) -> None:
    result = CliRunner().invoke(main, ["--root", str(mini), "viz"])
    assert result.exit_code == 2
    assert "run `tokutei-kg build` first" in result.output


def test_viz_stays_offline(mini_built: Project, no_network: list[str]) -> None:
    assert CliRunner().invoke(main, ["--root", str(mini_built.root), "viz"]).exit_code == 0
    assert no_network == []


@pytest.mark.slow(10)
def test_figures_are_written_reproducible_and_offline(mini_built: Project, tmp_path: Path,
                                                      no_network: list[str]) -> None:
    """Twice, into two folders, with every network connection refused (``no_network``): the same bytes."""
    from tokutei_kg.visualise.figures import japanese_font

    first = CliRunner().invoke(main, ["--root", str(mini_built.root), "figures"])
    assert first.exit_code == 0, first.output
    folder = mini_built.root / "exports" / "figures"
    names = sorted(p.name for p in folder.iterdir())
    graph = to_network(open_store(mini_built.built))
    stages = {s.split(":")[1] for _, _, d in graph.edges(data=True) for s in d["stages"].split("|") if s}
    assert len(stages) >= 5
    stems = ["network", "ssw-residents-indonesia", *(f"stage-{s}" for s in stages)]
    assert names == sorted(f"{stem}.{fmt}" for stem in stems for fmt in ("png", "svg"))
    assert first.stdout.splitlines() == [f"wrote {folder / name}" for name in names]
    snapshot = {name: (folder / name).read_bytes() for name in names}
    again = CliRunner().invoke(main, ["--root", str(mini_built.root), "figures", "-o", str(tmp_path / "again")])
    assert again.exit_code == 0
    assert {name: (tmp_path / "again" / name).read_bytes() for name in names} == snapshot
    svg = snapshot["ssw-residents-indonesia.svg"].decode()
    assert "<dc:date>" not in svg
    assert snapshot["network.png"].startswith(b"\x89PNG\r\n\x1a\n")
    if japanese_font():
        assert "warning" not in first.output
    else:
        assert "warning: no Japanese font found" in first.stderr
    assert no_network == []


@pytest.mark.parametrize("inches", [2.5, 4.0, 6.0])
def test_the_caption_breaks_its_lines_where_matplotlib_does(inches: float) -> None:
    """The figures' caption finds its line breaks by bisection; matplotlib's own ``wrap=True`` adds a word
    at a time. Same text, same figure: the same lines (and a caption of several)."""
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.text import Text

    from tokutei_kg.visualise.figures import _caption_type, _rc

    caption = ("12 entities, 45 relations. Colour: side; marker: kind of entity (hollow: document, system). "
               "Sumber: tokutei-kg, graph/curated — 出入国在留管理庁 特定技能 Supercalifragilisticexpialidocious-and-on\n"
               "A second paragraph, after a line break of its own, with a few more words to wrap.")
    with matplotlib.rc_context(_rc()):
        figure = Figure(figsize=(inches, 3))
        FigureCanvasAgg(figure)
        ours = figure.add_artist(_caption_type()(0.01, 0.005, caption, fontsize=7.5, wrap=True,
                                                 transform=figure.transSubfigure))
        theirs = figure.text(0.01, 0.5, caption, fontsize=7.5, wrap=True)
        figure.canvas.draw()  # (gives each text its renderer)
    assert type(ours) is not Text  # (matplotlib still has what the caption relies on)
    lines = ours._get_wrapped_text()
    assert lines == theirs._get_wrapped_text()
    assert lines.count("\n") >= 2 and lines.replace("\n", " ") == caption.replace("\n", " ")


def test_statistics_series_names_its_sources(mini_built: Project) -> None:
    from tokutei_kg.visualise.figures import residents_series

    series = residents_series(open_store(mini_built.built))
    assert series.points == {"ssw": [(dt.date(2019, 12, 31), 189), (dt.date(2023, 12, 31), 34255)]}
    assert [s for s, _ in series.sources] == ["s136", "s146"]
    assert series.category_labels == {"ssw": "Specified Skilled Worker / 特定技能"}


def test_statistics_series_ends_where_the_as_of_day_does(mini_built: Project) -> None:
    from tokutei_kg.visualise.figures import residents_series

    store = open_store(mini_built.built)
    whole = residents_series(store)
    assert residents_series(store, until=dt.date(2023, 12, 31)) == whole
    until_2023 = residents_series(store, until=dt.date(2023, 12, 30))
    assert until_2023.points == {"ssw": [(dt.date(2019, 12, 31), 189)]}
    assert [s for s, _ in until_2023.sources] == ["s136"]
    assert residents_series(store, until=dt.date(2019, 12, 30)).points == {}


def test_figures_as_of_a_day_before_any_count_leave_the_series_out(mini_built: Project, tmp_path: Path) -> None:
    folder = tmp_path / "figures"
    result = CliRunner().invoke(main, ["--root", str(mini_built.root), "figures", "--as-of", "2019-06-01",
                                       "-o", str(folder)])
    assert result.exit_code == 0, result.output
    assert "warning: no ISA observations for Indonesia up to 2019-06-01: the statistics figure is left out" in (
        result.stderr.splitlines())
    assert sorted(p.name for p in folder.iterdir() if p.name.startswith("ssw-")) == []
    assert (folder / "network.svg").exists()


def test_figures_need_a_japanese_font_in_ci() -> None:
    from conftest import require
    from tokutei_kg.visualise.figures import japanese_font

    require(bool(japanese_font()), "a Japanese font (Debian fonts-ipafont-gothic)")
    assert japanese_font() in ("IPAGothic", "IPAexGothic", "IPAPGothic", "Noto Sans CJK JP", "Noto Sans JP",
                               "TakaoGothic", "VL Gothic")
