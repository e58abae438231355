"""The build: claim nodes and named graphs, triangulation, time, determinism, round trips."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from rdflib import Dataset, Literal, URIRef
from rdflib.compare import isomorphic

from tokutei_kg.cli import main

ID = "https://w3id.org/tokutei-kg/id/"
TKG = "https://w3id.org/tokutei-kg/ontology#"
GRAPH = "https://w3id.org/tokutei-kg/graph/"
KEMNAKER = ID + "institution/kemnaker"
ISA = ID + "institution/isa"
LPK = ID + "institution/lpk"
WORKER = ID + "person/pmi-ssw-worker"
MOC = ID + "agreement/moc-2019-ssw"


def built(root: Path, *args: str) -> Path:
    result = CliRunner().invoke(main, ["--root", str(root), "build", *args])
    assert result.exit_code == 0, result.output
    return Path(args[args.index("-o") + 1]) if "-o" in args else root / "graph" / "built" / "tokutei.nq"


@pytest.fixture
def nquads(built_mini_once: Path) -> Path:
    """The mini fixture's dataset as ``tokutei-kg build`` wrote it (built once per session; read only)."""
    return built_mini_once / "graph" / "built" / "tokutei.nq"


def store_of(path: Path) -> ox.Store:
    store = ox.Store()
    store.load(path.read_bytes(), format=ox.RdfFormat.N_QUADS)
    return store


def select(store: ox.Store, sparql: str) -> list[tuple[str, ...]]:
    from tokutei_kg.namespaces import PREFIXES

    solutions = store.query(sparql, use_default_graph_as_union=True, prefixes=dict(PREFIXES))
    names = [v.value for v in solutions.variables]
    return sorted(tuple(s[n].value if s[n] is not None else "" for n in names) for s in solutions)


def test_build_prints_what_was_built(mini: Path) -> None:
    result = CliRunner().invoke(main, ["--root", str(mini), "build"])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].startswith("built ") and lines[0].endswith("graph/built/tokutei.nq")
    assert lines[1:6] == [
        "  sources       22",
        "  entities      26",
        "  claims        51",
        "  observations  3",
        "  relations     45 (triangulated 2, corroborated 0, single-source 41, contested 2)",
    ]


def test_direct_triples_live_in_the_named_graph_of_their_source(nquads: Path) -> None:
    store = store_of(nquads)
    rows = select(store, f"SELECT ?g WHERE {{ GRAPH ?g {{ <{KEMNAKER}> tkg:isPartyTo <{MOC}> }} }}")
    assert rows == [(GRAPH + "source/s8",), (GRAPH + "source/s9",)]


def test_symmetric_relations_are_stored_both_ways(nquads: Path) -> None:
    store = store_of(nquads)
    assert select(store, f"SELECT ?x WHERE {{ <{ISA}> tkg:sharesInformationWith ?x }}") == [(KEMNAKER,)]


def test_claim_node_carries_source_evidence_stage_role_and_validity(nquads: Path) -> None:
    store = store_of(nquads)
    rows = select(store, """
        SELECT ?source ?evidence ?lang ?stage ?role ?from ?polarity WHERE {
          <https://w3id.org/tokutei-kg/id/claim/kemnaker-shares-isa-s15>
              prov:wasDerivedFrom ?source ; tkg:evidence ?evidence ; tkg:stage ?stage ; tkg:role ?role ;
              tkg:validFrom ?from ; tkg:polarity ?polarity .
          BIND (lang(?evidence) AS ?lang)
        }""")
    assert rows == [(
        ID + "source/s15",
        "Kemnaker's Directorate of Labour Market Development is the Indonesian contact",
        "en", ID + "stage/matching", ID + "role/contact-point", "2019-06-25", ID + "polarity/asserts",
    )]


def test_quoted_evidence_becomes_a_text_quote_selector(nquads: Path) -> None:
    store = store_of(nquads)
    rows = select(store, """
        SELECT ?exact WHERE { <https://w3id.org/tokutei-kg/id/claim/lpk-trains-seed> oa:hasSelector ?sel .
                              ?sel a oa:TextQuoteSelector ; oa:exact ?exact }""")
    assert rows == [("keterlibatan secara aktif dari pihak Indonesia melalui Kemnaker, BP2MI, dan LPK",)]


def test_disputed_claim_is_kept_but_not_asserted_and_the_relation_is_contested(nquads: Path) -> None:
    store = store_of(nquads)
    graphs = select(store, f"SELECT ?g WHERE {{ GRAPH ?g {{ <{LPK}> tkg:trains <{WORKER}> }} }}")
    assert graphs == [(GRAPH + "source/seed-abstract",)]
    rows = select(store, f"""
        SELECT ?status ?n ?disputing WHERE {{
          ?f rdf:subject <{LPK}> ; rdf:predicate tkg:trains ; rdf:object <{WORKER}> ;
             tkg:triangulationStatus ?status ; tkg:sourceCount ?n ; tkg:disputingClaim ?disputing }}""")
    assert rows == [(ID + "status/contested", "1", ID + "claim/lpk-trains-dispute-int")]


def test_triangulation_counts_sources_types_and_perspectives(nquads: Path) -> None:
    store = store_of(nquads)
    rows = select(store, f"""
        SELECT ?o ?status ?n ?types ?persp WHERE {{
          ?f rdf:subject <{MOC}> ; rdf:predicate tkg:dateSigned ; rdf:object ?o ; tkg:triangulationStatus ?status ;
             tkg:sourceCount ?n ; tkg:sourceTypeCount ?types ; tkg:perspectiveCount ?persp }}""")
    # s8 (news, government) and s9 (news, civil society) agree on 25 June, each in different words; s2 alone says 26 June.
    assert rows == [
        ("2019-06-25", ID + "status/triangulated", "2", "1", "2"),
        ("2019-06-26", ID + "status/single-source", "1", "1", "1"),
    ]


def test_membership_becomes_org_membership(mini: Path) -> None:
    path = mini / "graph/curated/claims.csv"
    with path.open("a", encoding="utf-8") as handle:
        handle.write("kemnaker-member-s8,kemnaker,org:memberOf,moc-2019-ssw,,,,role:signatory,,s8,"
                     "署名,paraphrase,ja,,2019-06-25,2024-06,high,\n")
    # org:memberOf must be declared by the ontology for this to be accepted
    store = store_of(built(mini))
    rows = select(store, f"""
        SELECT ?role ?begin ?end WHERE {{ ?m a org:Membership ; org:member <{KEMNAKER}> ; org:role ?role ;
              org:memberDuring [ time:hasBeginning [ time:inXSDDate ?begin ] ; time:hasEnd [ time:inXSDgYearMonth ?end ] ] }}""")
    assert rows == [(ID + "role/signatory", "2019-06-25", "2024-06")]


def test_observations_are_data_cube_observations_with_sources(nquads: Path) -> None:
    store = store_of(nquads)
    rows = select(store, """
        SELECT ?period ?nationality ?count ?source WHERE {
          ?o a qb:Observation ; qb:dataSet ?ds ; tkg:refPeriod ?period ; tkg:nationality ?nationality ;
             tkg:personCount ?count ; prov:wasDerivedFrom ?source }""")
    assert rows == [
        ("2019-12-31", ID + "country/indonesia", "189", ID + "source/s136"),
        ("2019-12-31", ID + "nationality/all", "1621", ID + "source/s136"),
        ("2023-12-31", ID + "country/indonesia", "34255", ID + "source/s146"),
    ]


def test_as_of_keeps_what_was_valid_then(mini: Path) -> None:
    store_2020 = store_of(built(mini, "--as-of", "2020-01-01", "-o", str(mini / "2020.nq")))
    store_2025 = store_of(built(mini, "--as-of", "2025-01-01", "-o", str(mini / "2025.nq")))
    ask = "ASK {{ ?x dct:identifier \"{}\" }}"
    assert bool(store_2020.query(ask.format("bp2mi"), use_default_graph_as_union=True, prefixes={"dct": "http://purl.org/dc/terms/"}))
    assert not bool(store_2020.query(ask.format("kp2mi"), use_default_graph_as_union=True, prefixes={"dct": "http://purl.org/dc/terms/"}))
    assert bool(store_2025.query(ask.format("kp2mi"), use_default_graph_as_union=True, prefixes={"dct": "http://purl.org/dc/terms/"}))
    protectors_2025 = select(store_2025, f"SELECT ?p WHERE {{ ?p tkg:protects <{WORKER}> }}")
    assert protectors_2025 == [(ID + "institution/kp2mi",)]
    observations_2020 = select(store_2020, "SELECT ?c WHERE { ?o tkg:personCount ?c }")
    assert observations_2020 == [("1621",), ("189",)]


def test_two_builds_are_byte_identical_from_any_directory_seed_and_locale(tmp_path: Path) -> None:
    from conftest import REPO, make_project

    root = make_project(tmp_path / "p")
    before = _tree(REPO / "graph")
    outputs = []
    for cwd, seed, locale in ((tmp_path, "1", "C.UTF-8"), (root / "graph", "2", "POSIX")):
        out = tmp_path / f"out-{seed}.nq"
        env = {**os.environ, "PYTHONHASHSEED": seed, "LC_ALL": locale, "LANG": locale}
        subprocess.run([sys.executable, "-m", "tokutei_kg", "--root", str(root), "build", "-o", str(out)],
                       cwd=cwd, env=env, check=True, capture_output=True)
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]
    assert _tree(REPO / "graph") == before  # the builds wrote into tmp_path, not into the repository


def _tree(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file under ``folder`` with its size and modification time (ns), to tell whether it changed."""
    return {p.relative_to(folder).as_posix(): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_built_nquads_parse_to_the_same_dataset_in_oxigraph_and_rdflib(nquads: Path) -> None:
    path = nquads
    rdflib_ds = Dataset()
    rdflib_ds.parse(path, format="nquads")
    oxi = ox.Dataset(ox.parse(path.read_bytes(), format=ox.RdfFormat.N_QUADS))
    back = Dataset()
    back.parse(data=str(oxi), format="nquads")
    assert len(list(rdflib_ds.quads((None, None, None, None)))) == len(oxi) > 0
    for graph in rdflib_ds.graphs():
        other = back.graph(graph.identifier)
        assert isomorphic(graph, other), graph.identifier


def test_labels_keep_their_language_tags(nquads: Path) -> None:
    ds = Dataset()
    ds.parse(nquads, format="nquads")
    labels = set(ds.graph(URIRef(GRAPH + "entities")).objects(URIRef(ISA), URIRef("http://www.w3.org/2000/01/rdf-schema#label")))
    assert labels == {
        Literal("Immigration Services Agency of Japan", lang="en"),
        Literal("Badan Layanan Imigrasi Jepang", lang="id"),
        Literal("出入国在留管理庁", lang="ja"),
    }


@pytest.mark.parametrize("date", ["2019", "2019-06", "2019-06-25"])
def test_partial_dates_keep_their_precision(date: str) -> None:
    from tokutei_kg.records import PartialDate

    parsed = PartialDate.parse(date)
    assert parsed.datatype == {4: "gYear", 7: "gYearMonth", 10: "date"}[len(date)]
    assert parsed.first_day().isoformat() <= parsed.last_day().isoformat()


def test_outputs_are_readable_by_others(nquads: Path) -> None:
    path = nquads
    assert path.stat().st_mode & 0o044 == 0o044  # not mkstemp's private 0600
