"""``tokutei-kg export``: every format re-read by independent readers (pyoxigraph, rdflib, Debian's
rapper, networkx, cytoscape.js under Node) gives back the built dataset or its network projection;
bytes are deterministic; files are written atomically; CSV is formula-safe; Neo4j headers follow the
import format."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import networkx as nx
import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from conftest import REPO, copy_project, make_project, require
from tokutei_kg.built import Built
from tokutei_kg.cli import main
from tokutei_kg.export import FORMATS, WRITERS, ExportError, Inputs, render, write_exports
from tokutei_kg.export.network import clean, serialize_gexf, serialize_graphml, tidy
from tokutei_kg.export.rdf import canonical_quads
from tokutei_kg.export.tables import safe_cell, serialize_table
from tokutei_kg.network import to_network
from tokutei_kg.pipeline import Project
from tokutei_kg.store import open_store

KEMNAKER = "https://w3id.org/tokutei-kg/id/institution/kemnaker"
GRAPH_ONTOLOGY = "https://w3id.org/tokutei-kg/graph/ontology"
QUAD_FORMATS = {"trig": ox.RdfFormat.TRIG, "nq": ox.RdfFormat.N_QUADS, "c14n": ox.RdfFormat.N_QUADS,
                "jsonld": ox.RdfFormat.JSON_LD}
TRIPLE_FORMATS = {"ttl": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES}
RDFLIB_NAMES = {"trig": "trig", "nq": "nquads", "c14n": "nquads", "jsonld": "json-ld", "ttl": "turtle",
                "nt": "nt", "rdfxml": "xml"}
RAPPER_NAMES = {"trig": "trig", "nq": "nquads", "c14n": "nquads", "ttl": "turtle", "nt": "ntriples",
                "rdfxml": "rdfxml"}


@pytest.fixture(scope="module")
def project(built_mini_once: Path, tmp_path_factory: pytest.TempPathFactory) -> Project:
    return Project(copy_project(built_mini_once, tmp_path_factory.mktemp("export") / "mini"))


@pytest.fixture(scope="module")
def store(project: Project) -> ox.Store:
    return open_store(project.built)


@pytest.fixture(scope="module")
def written(project: Project, store: ox.Store) -> dict[str, Path]:
    paths = write_exports(Built(store, project))
    return {p.relative_to(project.root / "exports").as_posix(): p for p in paths}


@pytest.fixture(scope="module")
def built_quads(project: Project) -> list[ox.Quad]:
    return canonical_quads(ox.parse(project.built.read_bytes(), format=ox.RdfFormat.N_QUADS))


def canonical(quads: object) -> set[str]:
    """The dataset as a set of canonical N-Quads lines (RDFC-1.0), for isomorphism by equality."""
    return {str(q) for q in canonical_quads(quads)}  # type: ignore[arg-type]


def union(quads: list[ox.Quad]) -> set[str]:
    triples = {q.triple for q in quads}
    return canonical(ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples)


def as_default(triples: object) -> list[ox.Quad]:
    return [ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples]  # type: ignore[attr-defined]


def ontology_graph(quads: list[ox.Quad]) -> set[str]:
    return canonical(as_default(q.triple for q in quads if str(q.graph_name) == f"<{GRAPH_ONTOLOGY}>"))


# --- the registry ----------------------------------------------------------------------------------

def test_registry_drives_the_cli_choices() -> None:
    result = CliRunner().invoke(main, ["export", "--help"])
    assert "[" + "|".join(FORMATS) + "]" in result.output.replace("\n", "").replace(" ", "")
    assert set(FORMATS) == {"ttl", "trig", "nq", "nt", "jsonld", "rdfxml", "c14n", "graphml", "gexf", "cyjs",
                            "neo4j", "csv", "docs"}
    assert all(w.description and w.kind in ("rdf", "network", "table", "docs") for w in WRITERS.values())


def test_every_format_is_written_with_a_manifest_listing_each_file(project: Project, written: dict[str, Path]) -> None:
    assert list(written)[-1] == "MANIFEST.json"
    manifest = json.loads(written["MANIFEST.json"].read_text(encoding="utf-8"))
    entries = {e["path"]: e for e in manifest["files"]}
    on_disk = {p.relative_to(project.root / "exports").as_posix() for p in (project.root / "exports").rglob("*")
               if p.is_file()} - {"MANIFEST.json", "README.md"}
    assert set(entries) == on_disk
    import hashlib
    for path, entry in entries.items():
        data = (project.root / "exports" / path).read_bytes()
        assert entry["bytes"] == len(data)
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
    assert entries["tokutei.nq"]["quads"] == sum(1 for _ in open_store(project.built).quads_for_pattern(None, None, None))
    assert entries["tokutei.graphml"]["nodes"] > 0 and entries["tokutei.graphml"]["edges"] > 0
    assert manifest["dataset"]["sha256"] == hashlib.sha256(project.built.read_bytes()).hexdigest()


# --- RDF round trips ---------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", sorted(QUAD_FORMATS))
def test_quad_formats_reread_by_pyoxigraph_are_the_dataset(fmt: str, written: dict[str, Path],
                                                          built_quads: list[ox.Quad]) -> None:
    path = written[WRITERS[fmt].target]
    assert canonical(ox.parse(path.read_bytes(), format=QUAD_FORMATS[fmt])) == canonical(built_quads)


@pytest.mark.parametrize("fmt", sorted(TRIPLE_FORMATS))
def test_triple_formats_reread_by_pyoxigraph_are_the_union(fmt: str, written: dict[str, Path],
                                                          built_quads: list[ox.Quad]) -> None:
    path = written[WRITERS[fmt].target]
    assert canonical(as_default(ox.parse(path.read_bytes(), format=TRIPLE_FORMATS[fmt]))) == union(built_quads)


def test_rdfxml_is_the_ontology_graph(written: dict[str, Path], built_quads: list[ox.Quad]) -> None:
    data = written["tokutei-ontology.rdf"].read_bytes()
    assert b"<!DOCTYPE" not in data
    assert canonical(as_default(ox.parse(data, format=ox.RdfFormat.RDF_XML))) == ontology_graph(built_quads)


@pytest.mark.parametrize("fmt", sorted(RDFLIB_NAMES))
def test_every_rdf_export_reread_by_rdflib_is_isomorphic(fmt: str, project: Project, written: dict[str, Path]) -> None:
    from rdflib import Dataset, Graph
    from rdflib.compare import isomorphic

    expected = Dataset()
    expected.parse(project.built, format="nquads")
    path = written[WRITERS[fmt].target]
    if fmt in QUAD_FORMATS:
        actual = Dataset()
        actual.parse(path, format=RDFLIB_NAMES[fmt])
        names = {str(g.identifier) for g in expected.graphs() if len(g)}
        assert {str(g.identifier) for g in actual.graphs() if len(g)} == names
        for name in names:
            assert isomorphic(actual.graph(name), expected.graph(name)), name
        return
    reference = Graph()
    for s, p, o, g in expected.quads((None, None, None, None)):
        if fmt != "rdfxml" or str(g) == GRAPH_ONTOLOGY:
            reference.add((s, p, o))
    actual_graph = Graph()
    actual_graph.parse(path, format=RDFLIB_NAMES[fmt])
    assert isomorphic(actual_graph, reference)


@pytest.mark.parametrize("fmt", sorted(RAPPER_NAMES))
def test_every_rdf_export_reread_by_rapper(fmt: str, written: dict[str, Path], built_quads: list[ox.Quad]) -> None:
    require(shutil.which("rapper") is not None, "rapper (Debian raptor2-utils)")
    path = written[WRITERS[fmt].target]
    out = subprocess.run(["rapper", "-q", "-i", RAPPER_NAMES[fmt], "-o", "nquads", str(path)],
                         capture_output=True, check=True).stdout
    reread = list(ox.parse(out, format=ox.RdfFormat.N_QUADS))
    if fmt in QUAD_FORMATS:
        assert canonical(reread) == canonical(built_quads)
    elif fmt == "rdfxml":
        assert canonical(reread) == ontology_graph(built_quads)
    else:
        assert canonical(reread) == union(built_quads)


def test_jsonld_context_is_published_and_inline(written: dict[str, Path]) -> None:
    context = json.loads(written["context.jsonld"].read_text(encoding="utf-8"))
    document = json.loads(written["tokutei.jsonld"].read_text(encoding="utf-8"))
    assert document["@context"] == context["@context"]
    assert context["@context"]["tkg"] == "https://w3id.org/tokutei-kg/ontology#"
    assert {g["@id"] for g in document["@graph"]} >= {"tkgraph:ontology", "tkgraph:entities", "tkgraph:claims"}


def test_turtle_keeps_japanese_and_indonesian_text(written: dict[str, Path]) -> None:
    text = written["tokutei.ttl"].read_text(encoding="utf-8")
    assert text.startswith("# generated by tokutei-kg")
    assert '"インドネシア労働省"@ja' in text
    assert '"Kementerian Ketenagakerjaan"@id' in text


# --- determinism and atomic writes -----------------------------------------------------------------

def test_exports_are_byte_identical_across_processes_hash_seeds_and_folders(project: Project, tmp_path: Path) -> None:
    manifests = []
    for seed, cwd in (("1", tmp_path), ("2", REPO)):
        env = {**os.environ, "PYTHONHASHSEED": seed, "LANG": "C", "TZ": "Asia/Tokyo"}
        subprocess.run([sys.executable, "-m", "tokutei_kg", "--root", str(project.root), "export"], cwd=cwd, env=env,
                       check=True, capture_output=True)
        manifests.append((project.root / "exports" / "MANIFEST.json").read_bytes())
    assert manifests[0] == manifests[1]


def test_a_failing_writer_leaves_the_previous_exports_untouched(project: Project, store: ox.Store,
                                                                written: dict[str, Path],
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    before = {p: p.read_bytes() for p in written.values()}

    def broken(inputs: Inputs) -> list[object]:
        raise ExportError("error: broken on purpose")

    monkeypatch.setattr("tokutei_kg.export.network.render_gexf", broken)
    with pytest.raises(ExportError):
        write_exports(Built(store, project))
    assert {p: p.read_bytes() for p in written.values()} == before
    assert not [p for p in (project.root / "exports").rglob(".*.tmp")]


def test_an_export_over_a_symlink_is_refused(project: Project, store: ox.Store, tmp_path: Path) -> None:
    target = project.root / "exports" / "tokutei.gexf"
    elsewhere = tmp_path / "elsewhere.txt"
    elsewhere.write_text("keep me", encoding="utf-8")
    original = target.read_bytes()
    target.unlink()
    target.symlink_to(elsewhere)
    try:
        with pytest.raises(ExportError, match="symbolic link"):
            write_exports(Built(store, project), ["gexf"])
        assert elsewhere.read_text(encoding="utf-8") == "keep me"
    finally:
        target.unlink()
        target.write_bytes(original)


# --- network formats -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def network(store: ox.Store) -> nx.MultiDiGraph:
    return tidy(to_network(store))


def _same_network(reread: nx.MultiDiGraph, network: nx.MultiDiGraph) -> None:
    assert set(reread.nodes) == set(network.nodes)
    for node, data in network.nodes(data=True):
        assert {k: reread.nodes[node][k] for k in data} == data, node
    expected = {(u, v, d["relation"]): d for u, v, d in network.edges(data=True)}
    actual = {(u, v, d["relation"]): d for u, v, d in reread.edges(data=True)}
    assert set(actual) == set(expected)
    assert reread.number_of_edges() == network.number_of_edges()
    for key, data in expected.items():
        assert {k: actual[key][k] for k in data} == data, key


def test_graphml_reread_by_networkx_keeps_every_node_edge_and_attribute(written: dict[str, Path],
                                                                         network: nx.MultiDiGraph) -> None:
    _same_network(nx.read_graphml(written["tokutei.graphml"]), network)


def test_gexf_13_reread_by_networkx_keeps_every_node_edge_and_attribute(written: dict[str, Path],
                                                                        network: nx.MultiDiGraph) -> None:
    root = ET.parse(written["tokutei.gexf"]).getroot()
    assert root.tag == "{http://gexf.net/1.3}gexf" and root.get("version") == "1.3"
    graph = root.find("{http://gexf.net/1.3}graph")
    assert graph is not None and graph.get("mode") == "dynamic" and graph.get("timeformat") == "date"
    _same_network(nx.read_gexf(written["tokutei.gexf"], version="1.3"), network)


def test_gexf_spells_come_from_validity_for_gephis_timeline(written: dict[str, Path], network: nx.MultiDiGraph) -> None:
    reread = nx.read_gexf(written["tokutei.gexf"], version="1.3")
    dated = [(n, d) for n, d in network.nodes(data=True) if d["valid_from"]]
    assert dated
    for node, data in dated:
        start = reread.nodes[node]["start"]
        assert start.startswith(data["valid_from"]) and len(start) == 10
    ends = {node: reread.nodes[node].get("end") for node, data in network.nodes(data=True) if data["valid_until"]}
    assert ends == {"https://w3id.org/tokutei-kg/id/institution/bnp2tki": "2019-12-31"}  # until 2019-12


def test_gexf_spell_of_a_year_ends_on_its_last_day() -> None:
    """The mini fixture has no validity ending in a bare year; this graph has one, and one of each precision."""
    graph = nx.MultiDiGraph()
    graph.add_node("urn:year", label_en="a", valid_from="1972", valid_until="2019")
    graph.add_node("urn:month", label_en="b", valid_from="2019-04", valid_until="2024-02")
    graph.add_node("urn:day", label_en="c", valid_from="2019-04-01", valid_until="2024-10-20")
    reread = nx.read_gexf(io.BytesIO(serialize_gexf(tidy(graph))), version="1.3")
    assert {node: (data["start"], data["end"]) for node, data in reread.nodes(data=True)} == {
        "urn:year": ("1972-01-01", "2019-12-31"),
        "urn:month": ("2019-04-01", "2024-02-29"),
        "urn:day": ("2019-04-01", "2024-10-20"),
    }


def test_control_characters_never_reach_graphml_or_gexf() -> None:
    graph = nx.MultiDiGraph()
    graph.add_node("urn:a", label_en="bad\x0bvalue\x00 here\x1f", valid_from="2019", valid_until="2019-02")
    graph.add_node("urn:b", label_en="=1+1 \"quoted\" <tag> & 特定技能\nnext line")
    graph.add_edge("urn:a", "urn:b", key="tkg:x", relation="tkg:x", note="tab\there", n_sources=2, asserted=True)
    graph = tidy(graph)
    assert graph.nodes["urn:a"]["label_en"] == "badvalue here"
    reread_graphml = nx.read_graphml(io.BytesIO(serialize_graphml(graph)))
    reread_gexf = nx.read_gexf(io.BytesIO(serialize_gexf(graph)), version="1.3")
    for reread in (reread_graphml, reread_gexf):
        assert reread.nodes["urn:b"]["label_en"] == "=1+1 \"quoted\" <tag> & 特定技能\nnext line"
        assert reread.nodes["urn:a"]["label_en"] == "badvalue here"
        ((_, _, data),) = reread.edges(data=True)
        assert (data["note"], data["n_sources"], data["asserted"]) == ("tab\there", 2, True)
    assert reread_gexf.nodes["urn:a"]["end"] == "2019-02-28"
    assert clean(None) == "" and clean(["b", "a"]) == "a|b"


def test_cyjs_loads_in_cytoscape_js_with_the_same_counts(written: dict[str, Path], network: nx.MultiDiGraph) -> None:
    node = shutil.which("node")
    require(node is not None, "node (Debian nodejs)")
    require((REPO / "tests" / "js" / "node_modules" / "cytoscape").is_dir(),
            "cytoscape.js (npm ci --prefix tests/js)")
    out = subprocess.run([str(node), str(REPO / "tests" / "js" / "load-cyjs.js"), str(written["tokutei.cyjs"])],
                         capture_output=True, text=True, check=True).stdout
    loaded = json.loads(out)
    assert (loaded["nodes"], loaded["edges"], loaded["dangling"]) == (network.number_of_nodes(),
                                                                    network.number_of_edges(), 0)
    first = sorted(network.nodes)[0]
    assert loaded["firstNode"]["id"] == first
    assert loaded["firstNode"]["name"] == network.nodes[first]["label_en"]


# --- Neo4j ----------------------------------------------------------------------------------------------

_NEO4J_TYPES = "int|long|float|double|boolean|byte|short|char|string|point|date|localtime|time|localdatetime|datetime|duration"
_HEADER = re.compile(rf"^(?:[A-Za-z_][A-Za-z0-9_]*)?(?::(?:ID\([A-Za-z]+\)|START_ID\([A-Za-z]+\)|END_ID\([A-Za-z]+\)"
                     rf"|LABEL|TYPE|IGNORE|(?:{_NEO4J_TYPES})(?:\[\])?))?$")


def _rows(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))


def test_neo4j_csv_headers_follow_the_import_format(written: dict[str, Path], network: nx.MultiDiGraph) -> None:
    nodes, edges = _rows(written["neo4j/nodes.csv"]), _rows(written["neo4j/relationships.csv"])
    assert not written["neo4j/nodes.csv"].read_bytes().startswith(b"\xef\xbb\xbf")
    for header in (nodes[0], edges[0]):
        assert all(_HEADER.match(column) for column in header), header
    assert nodes[0][:2] == ["iri:ID(Entity)", ":LABEL"]
    assert {"name_en", "name_id", "name_ja"} <= set(nodes[0])
    assert edges[0][:3] == [":START_ID(Entity)", ":END_ID(Entity)", ":TYPE"]
    assert "n_sources:int" in edges[0] and "asserted:boolean" in edges[0] and "sources:string[]" in edges[0]
    ids = {row[0] for row in nodes[1:]}
    assert len(ids) == len(nodes) - 1 == network.number_of_nodes()
    assert len(edges) - 1 == network.number_of_edges()
    assert all(row[0] in ids and row[1] in ids and re.fullmatch(r"[A-Z][A-Z0-9_]*", row[2]) for row in edges[1:])
    kemnaker = next(row for row in nodes[1:] if row[0] == KEMNAKER)
    assert {"Entity", "Institution", "Ministry"} <= set(kemnaker[1].split(";"))


def test_neo4j_cypher_script_reads_only_columns_that_exist(written: dict[str, Path]) -> None:
    script = written["neo4j/load.cypher"].read_text(encoding="utf-8")
    headers = set(_rows(written["neo4j/nodes.csv"])[0]) | set(_rows(written["neo4j/relationships.csv"])[0])
    used = set(re.findall(r"row\.`([^`]+)`", script))
    assert used and used <= headers
    assert "neo4j-admin database import full" in script and "LOAD CSV WITH HEADERS" in script


# --- CSV tables --------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "cell"), [
    ("=HYPERLINK(\"http://evil\",\"x\")", "'=HYPERLINK(\"http://evil\",\"x\")"),
    ("+1", "'+1"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"), ("\rx", "'\rx"),
    ("Kemnaker", "Kemnaker"), ("a=b", "a=b"), (3, "3"), (True, "true"),
])
def test_csv_cells_are_safe_against_formula_injection(value: object, cell: str) -> None:
    assert safe_cell(value) == cell
    data = serialize_table(["v"], [[value]])
    assert data.startswith(b"\xef\xbb\xbf")
    assert list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))[1] == [cell]


def test_csv_tables_and_their_readme(written: dict[str, Path], network: nx.MultiDiGraph) -> None:
    def table(name: str) -> list[dict[str, str]]:
        return list(csv.DictReader(io.StringIO(written[f"csv/{name}"].read_text(encoding="utf-8-sig"), newline="")))

    assert len(table("nodes.csv")) == network.number_of_nodes()
    assert len(table("edges.csv")) == network.number_of_edges()
    sources = table("sources.csv")
    claims = table("claims.csv")
    assert sources and claims
    assert {c["source"] for c in claims} <= {s["id"] for s in sources}
    assert {c["polarity"] for c in claims} <= {"asserts", "disputes"}
    kemnaker = next(row for row in table("nodes.csv") if row["iri"] == KEMNAKER)
    assert kemnaker["label_ja"] == "インドネシア労働省"
    readme = written["csv/README.md"].read_text(encoding="utf-8")
    assert "formula" in readme.lower() and "apostrophe" in readme


# --- ontology docs -----------------------------------------------------------------------------------------

class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_ontology_docs_are_trilingual_offline_html(written: dict[str, Path]) -> None:
    collector = _Collector()
    collector.feed(written["ontology.html"].read_text(encoding="utf-8"))
    text = "".join(collector.text)
    for label in ("Ministry", "Kementerian", "省", "Matching", "マッチング"):
        assert label in text
    assert {a.get("lang") for t, a in collector.tags if a.get("class") == "l"} == {"en", "id", "ja"}
    assert not [t for t, a in collector.tags if t in ("script", "link", "img", "iframe")]
    anchors = {a["id"] for _, a in collector.tags if a.get("id")}
    internal = {a["href"][1:] for t, a in collector.tags if t == "a" and (a.get("href") or "").startswith("#")}
    assert internal <= anchors
    csp = [a for t, a in collector.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"]
    assert csp and "default-src 'none'" in (csp[0]["content"] or "")


# --- CLI ---------------------------------------------------------------------------------------------------

def test_cli_exports_one_format_to_a_file(project: Project, tmp_path: Path) -> None:
    target = tmp_path / "out.ttl"
    result = CliRunner().invoke(main, ["--root", str(project.root), "export", "--format", "ttl", "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"wrote {target} (")
    assert target.read_bytes() == (project.root / "exports" / "tokutei.ttl").read_bytes()


def test_cli_exports_a_bundle_to_a_folder(project: Project, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["--root", str(project.root), "export", "-f", "neo4j", "-o", str(tmp_path / "n")])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "n").iterdir()) == ["load.cypher", "nodes.csv", "relationships.csv"]


@pytest.mark.parametrize(("args", "message"), [
    (["--format", "pdf"], "Invalid value for '-f' / '--format': 'pdf' is not one of"),
    (["-o", "x.ttl"], "Error: -o writes one format: give exactly one --format with it"),
    (["-f", "ttl", "-f", "nt", "-o", "x"], "Error: -o writes one format"),
])
def test_cli_usage_errors_exit_2(project: Project, args: list[str], message: str) -> None:
    result = CliRunner().invoke(main, ["--root", str(project.root), "export", *args])
    assert result.exit_code == 2
    assert message in result.output


def test_cli_export_without_a_built_dataset_says_so(tmp_path: Path) -> None:
    root = make_project(tmp_path / "empty")
    result = CliRunner().invoke(main, ["--root", str(root), "export"])
    assert result.exit_code == 2
    assert result.stderr.strip() == f"error: no built dataset at {root / 'graph/built/tokutei.nq'} — run " \
                                    "`tokutei-kg build` first"


def test_render_refuses_an_unknown_format(store: ox.Store) -> None:
    with pytest.raises(ExportError, match="unknown export format 'pdf'"):
        render(Inputs(store), ["pdf"])
