"""``evidence``, ``paths`` and ``analyse`` on the mini fixture: exact answers and every error path."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tokutei_kg.cli import main


@pytest.fixture
def project(built_mini: Path) -> Path:
    """A fresh copy of the built mini project."""
    return built_mini


def cli(root: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["--root", str(root), *args])
    return result.exit_code, result.stdout, result.stderr


def test_evidence_lists_the_contested_relation_with_both_sides(project: Path) -> None:
    code, out, _ = cli(project, "evidence", "--status", "contested")
    assert code == 0
    block = out.split("\n\n")[1].splitlines()
    assert block == [
        "[contested] Job training institution (LPK) — trains → Indonesian SSW worker",
        "    1 source(s), 1 independent origin(s); types: academic-work; perspectives: academic",
        "    why: 1 independent origin(s) among 1 source(s): [seed-abstract]; disputed for the same period by "
        "int-fictional-01",
        "    asserts  seed-abstract: Abstract of the seed study (academic-work, academic)",
        "    disputes int-fictional-01: FICTIONAL test interview with an LPK manager (interview, private-sector)",
    ]


def test_evidence_for_one_triple_shows_triangulation(project: Path) -> None:
    code, out, _ = cli(project, "evidence", "moc-2019-ssw", "dateSigned", "2019-06-25", "--format", "json")
    assert code == 0
    [relation] = json.loads(out)["relations"]
    assert relation["status"] == "triangulated"
    assert relation["source_types"] == ["news"]
    assert relation["perspectives"] == ["civil-society", "government"]
    assert relation["origin_count"] == 2
    assert relation["reason"] == ("2 independent origin(s) among 2 source(s): [s8]; [s9]; origins differ in "
                                  "perspective (government vs civil-society)")
    assert [c["source"] for c in relation["claims"]] == ["s8", "s9"]


def test_evidence_csv_filtered_by_entity_and_stage(project: Path) -> None:
    code, out, _ = cli(project, "evidence", "--entity", "isa", "--stage", "stage:support-supervision",
                       "--status", "all", "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(r["subject"], r["relation"], r["object"], r["status"], r["source_ids"]) for r in rows] == [
        ("Accepting Organization", "reports to", "Immigration Services Agency of Japan", "single-source", "s15"),
    ]


def test_evidence_as_of_drops_claims_not_yet_valid(project: Path) -> None:
    _, before, _ = cli(project, "evidence", "--entity", "kp2mi", "--status", "all", "--as-of", "2020-01-01")
    _, after, _ = cli(project, "evidence", "--entity", "kp2mi", "--status", "all", "--as-of", "2025-01-01")
    assert before.strip().endswith("(0 relations listed)")
    assert "[single-source] Ministry of Protection of Indonesian Migrant Workers — protects → Indonesian SSW worker" in after


def test_evidence_needs_a_whole_triple(project: Path) -> None:
    code, _, err = cli(project, "evidence", "kemnaker", "isPartyTo")
    assert code == 2
    assert err.strip() == "error: give a whole triple: SUBJECT RELATION OBJECT (e.g. kemnaker operates ipkol)"


def test_paths_through_the_worker_with_evidence_per_hop(project: Path) -> None:
    code, out, _ = cli(project, "paths", "LPK", "AO", "--format", "json")
    assert code == 0
    answer = json.loads(out)
    assert answer["from"] == "lpk" and answer["to"] == "accepting-organization"
    [path] = answer["paths"]
    assert path["nodes"] == ["lpk", "pmi-ssw-worker", "accepting-organization"]
    first, second = path["hops"]
    assert (first["stated_direction"], first["relations"][0]["relation"]) == ("forward", "tkg:trains")
    assert first["relations"][0]["status"] == "contested"
    assert (second["stated_direction"], second["relations"][0]["relation"]) == ("backward", "tkg:employs")
    assert second["relations"][0]["sources"] == [
        {"id": "s15", "title": "Information regarding the Republic of Indonesia", "type": "official-document"}]


def test_paths_accept_labels_and_aliases_in_three_languages(project: Path) -> None:
    for start, end in (("Kemenaker", "入管"), ("Kementerian Ketenagakerjaan", "ISA"), ("kemnaker", "出入国在留管理庁")):
        code, out, _ = cli(project, "paths", start, end)
        assert code == 0, (start, end)
        assert out.splitlines()[0] == ("Coordination paths from Ministry of Manpower to Immigration Services Agency "
                                       "of Japan (up to 4 hops): 1 found")


def test_paths_min_status_filters_hops_and_names_the_nearest(project: Path) -> None:
    code, out, err = cli(project, "paths", "lpk", "accepting-organization", "--min-status", "triangulated")
    assert code == 1
    assert out == ""
    assert err.strip() == ("no coordination path from lpk to accepting-organization within 4 hops under these "
                           "filters; nearest reachable: none")


def test_paths_unknown_institution(project: Path) -> None:
    code, _, err = cli(project, "paths", "kemnakr", "isa")
    assert code == 2
    assert err.strip() == "error: no institution or entity named 'kemnakr' — did you mean kemnaker?"


def test_paths_as_of_hides_what_did_not_exist(project: Path) -> None:
    code, _, err = cli(project, "paths", "kp2mi", "isa", "--as-of", "2020-01-01")
    assert code == 2
    assert err.strip().startswith("error: no institution or entity named 'kp2mi'")


def test_analyse_ranks_cross_border_brokers(project: Path) -> None:
    code, out, _ = cli(project, "analyse", "--format", "json")
    assert code == 0
    answer = json.loads(out)
    top = answer["institutions"][0]
    # The generic worker joins the LPK, BP2MI and KP2MI to the accepting and support organizations.
    assert (top["id"], top["side"], top["cross_border_degree"]) == ("pmi-ssw-worker", "indonesia", 2)
    by_id = {row["id"]: row for row in answer["institutions"]}
    assert by_id["kemnaker"]["cross_border_degree"] == 1
    assert by_id["pmi-ssw-worker"]["degree"] == 5
    assert {"subject": "isa", "relation": "org:subOrganizationOf", "object": "moj", "source": "s15"} in \
        answer["single_source_relations"]
    assert answer["degree_by_side_and_stage"]["japan"]["stage:support-supervision"] == 3
