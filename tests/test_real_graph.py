"""The second layer of competency questions (STYLE.md §9): the library queries run on the real curated
graph and give the answers a researcher of the Japan–Indonesia SSW cooperation expects from the
sources (shared ``domain/facts.md``; section numbers below refer to it).

The repository's ``graph/`` is built once per module into a temporary copy. Where the data is exact the
assertions are exact; where curators will keep adding sources, they state a floor.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from pathlib import Path

import pyoxigraph as ox
import pytest

from tokutei_kg.namespaces import ID, TKG
from tokutei_kg.query import parse_binding, resolve, run
from tokutei_kg.store import as_of, open_store

Row = dict[str, str]

SEED_ACTORS = ("moj", "isa", "accepting-organization", "registered-support-organization", "kemnaker", "bp2mi", "lpk")

# facts.md §4: the acting institutions of each stage of an Indonesian candidate's journey.
STAGE_ACTORS = {
    "promotion": {"kemnaker", "bp2mi", "ltsa", "disnaker", "kbri-tokyo", "jica"},
    "registration": {"kemnaker", "disnaker"},
    "training": {"lpk", "sending-organization", "bpvp"},
    "tests": {"japan-foundation", "prometric", "sector-ministry"},
    "matching": {"accepting-organization", "p3mi", "japanese-placement-business"},
    "contract": {"accepting-organization", "pmi-ssw-worker", "kbri-tokyo"},
    "support-plan-coe": {"accepting-organization", "registered-support-organization", "isa"},
    "exit-processing": {"bp2mi", "kp2mi", "bp3mi", "ltsa", "bpjs-ketenagakerjaan"},
    "visa": {"embassy-of-japan-in-indonesia", "consulate-general-of-japan-in-surabaya"},
    "departure-arrival": {"accepting-organization", "registered-support-organization", "kbri-tokyo", "kjri-osaka"},
    "support-supervision": {"accepting-organization", "registered-support-organization", "isa", "sector-ministry",
                            "sector-council", "kemnaker"},
    "protection": {"kbri-tokyo", "kjri-osaka", "registered-support-organization", "bpjs-ketenagakerjaan", "kp2mi"},
    "job-change": {"isa", "accepting-organization"},
    "in-japan-route": {"kbri-tokyo", "isa"},
    "return": {"isa", "kp2mi"},
}
BOTH = {"indonesia", "japan"}
STAGE_SIDES = {
    "promotion": BOTH, "registration": {"indonesia"}, "training": {"indonesia"}, "tests": {"japan"},
    "matching": BOTH, "contract": BOTH, "support-plan-coe": {"japan"}, "exit-processing": {"indonesia"},
    "visa": {"japan"}, "departure-arrival": BOTH, "support-supervision": BOTH, "protection": BOTH,
    "job-change": {"japan"}, "in-japan-route": BOTH, "return": BOTH,
}

# facts.md §6.1: Indonesia's place among SSW residents (ISA figures, category "SSW").
ISA_RANKS = {
    "2019-12-31": 2, "2020-03-31": 2, "2020-06-30": 3, "2020-12-31": 3, "2021-03-31": 3, "2021-06-30": 4,
    "2021-09-30": 4, "2021-12-31": 3, "2022-03-31": 3, "2022-06-30": 2, "2022-12-31": 2, "2023-06-30": 2,
    "2023-12-31": 2,
}


def short(term: object) -> str:
    """An answer term as text: ``institution/kemnaker`` for our IRIs, ``tkg:signed`` for terms, else the value."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        if term.value.startswith(ID):
            return term.value[len(ID):]
        if term.value.startswith(TKG):
            return "tkg:" + term.value[len(TKG):]
    return str(term.value)  # type: ignore[attr-defined]


def slug(text: str) -> str:
    return text.rsplit("/", 1)[-1]


@pytest.fixture(scope="module")
def real(built_repo: Path) -> tuple[Path, ox.Store]:
    return built_repo, open_store(built_repo / "graph" / "built" / "tokutei.nq")


def ask(project: tuple[Path, ox.Store], name: str, reserved: Mapping[str, str] | None = None, /, *,
        store: ox.Store | None = None, **bindings: str) -> list[Row]:
    """Run a library query with ``--bind``-style bindings (those named like Python keywords, e.g.
    ``from``, go in ``reserved``) and return its rows as text."""
    root, built = project
    store = store or built
    named = {**(reserved or {}), **bindings}
    bound = dict(parse_binding(f"{key}={value}", store) for key, value in named.items())
    result = run(store, resolve(name, root / "sparql"), bound)
    names = [variable.value for variable in result.variables]  # type: ignore[attr-defined]
    return [{name: short(solution[name]) for name in names} for solution in result]  # type: ignore[attr-defined]


# --- the 2019 Memorandum of Cooperation (facts.md §1) -------------------------------------------------

def test_moc_was_signed_on_25_june_2019_and_the_26_june_slip_stays_visible(real: tuple[Path, ox.Store]) -> None:
    dates = {r["value"]: r for r in ask(real, "agreement-facts", agreement="moc-2019-ssw", property="tkg:dateSigned")}
    assert set(dates) == {"2019-06-25", "2019-06-26"}
    # S1 S4 S5 S8 S9 S10 S11 carry one evidence sentence copied from a joint citation: one origin; S2 is the
    # other. Two origins that share a kind (news/practitioner) corroborate; they do not triangulate.
    assert dates["2019-06-25"]["status"] == "status/corroborated"
    assert int(dates["2019-06-25"]["sources"]) >= 7
    assert (dates["2019-06-26"]["status"], dates["2019-06-26"]["sources"]) == ("status/single-source", "1")


def test_moc_was_signed_in_jakarta(real: tuple[Path, ox.Store]) -> None:
    places = ask(real, "agreement-facts", agreement="moc-2019-ssw", property="tkg:locatedIn")
    # S4 and S8 share one evidence sentence (one origin), S10 is the other; all are news.
    assert [(r["value"], r["status"]) for r in places] == [("place/jakarta", "status/corroborated")]


def test_moc_signatories_are_ambassador_ishii_and_minister_hanif_dhakiri(real: tuple[Path, ox.Store]) -> None:
    rows = ask(real, "agreement-signatories", agreement="moc-2019-ssw")
    signatories = {(r["signatory"], r["side"], r["post"], r["postRole"]) for r in rows}
    assert signatories == {
        ("person/masafumi-ishii", "country/japan", "institution/embassy-of-japan-in-indonesia", "role/representative"),
        ("person/hanif-dhakiri", "country/indonesia", "institution/kemnaker", "role/minister"),
    }
    assert all(int(r["sources"]) >= 2 for r in rows)
    labels = {r["label"] for r in rows}
    assert labels == {"Masafumi Ishii", "M. Hanif Dhakiri"}


def test_moc_parties_are_the_two_governments(real: tuple[Path, ox.Store]) -> None:
    rows = ask(real, "agreement-parties", agreement="moc-2019-ssw")
    parties = {(r["actor"], r["role"]) for r in rows if r["relation"] == "tkg:isPartyTo"}
    assert parties == {("institution/government-of-japan", "role/receiving-government"),
                       ("institution/government-of-indonesia", "role/sending-government")}
    contact = {r["actor"] for r in rows if r["relation"] == "tkg:contactPointFor"}
    assert contact == {"institution/kemnaker-dit-pasar-kerja"}  # ISA's listed Indonesian contact (S15, S16)


def test_moc_commitments_oblige_indonesia_and_run_through_ipkol_and_siskotkln(real: tuple[Path, ox.Store]) -> None:
    rows = ask(real, "agreement-commitments", agreement="moc-2019-ssw")
    parts = {slug(r["part"]) for r in rows}
    assert parts == {f"moc-2019-ssw-commitment-{n:02d}" for n in range(1, 12)}  # ten + the practitioner's eleventh
    obliged = defaultdict(set)
    required = defaultdict(set)
    for r in rows:
        obliged[slug(r["part"])].add(r["obliged"])
        required[slug(r["part"])].add(r["requires"])
    assert all("institution/government-of-indonesia" in actors for actors in obliged.values())
    assert {p for p, things in required.items() if "system/ipkol" in things} == {
        f"moc-2019-ssw-commitment-{n:02d}" for n in range(1, 6)}
    assert "system/siskotkln" in required["moc-2019-ssw-commitment-08"]


# --- actors, stages, functions (seed abstract, facts.md §2–§4) -----------------------------------------

def test_every_seed_actor_is_present_on_its_side_and_a_member_of_the_cooperation(real: tuple[Path, ox.Store]) -> None:
    institutions = {slug(r["institution"]): (slug(r["country"]), r["class"]) for r in ask(real, "institutions-by-country")}
    assert {actor: institutions[actor] for actor in SEED_ACTORS} == {
        "moj": ("japan", "tkg:Ministry"),
        "isa": ("japan", "tkg:Agency"),
        "accepting-organization": ("japan", "tkg:AcceptingOrganization"),
        "registered-support-organization": ("japan", "tkg:RegisteredSupportOrganization"),
        "kemnaker": ("indonesia", "tkg:Ministry"),
        "bp2mi": ("indonesia", "tkg:Agency"),
        "lpk": ("indonesia", "tkg:TrainingInstitution"),
    }
    members = {slug(r["subject"]) for r in ask(real, "evidence-for-relation", relation="org:memberOf",
                                                object="ssw-cooperation")}
    assert set(SEED_ACTORS) <= members


def test_every_seed_actor_is_connected_by_coordination_relations(real: tuple[Path, ox.Store]) -> None:
    coordination = {"tkg:" + name for name in (
        "sharesInformationWith", "cooperatesWith", "supervises", "registers", "licenses", "trains", "recruits",
        "places", "employs", "supports", "protects", "reportsTo", "entrustsTo", "issuesDocumentTo")}
    for actor in SEED_ACTORS:
        linked = ask(real, "findings-list", subject=actor) + ask(real, "findings-list", object=actor)
        relations = {r["relation"] for r in linked} & coordination
        assert relations, f"{actor} has no coordination relation"


@pytest.mark.parametrize("stage", sorted(STAGE_ACTORS))
def test_every_stage_has_the_acting_institutions_named_by_the_sources(real: tuple[Path, ox.Store], stage: str) -> None:
    rows = ask(real, "actors-at-stage", stage=f"stage:{stage}")
    assert STAGE_ACTORS[stage] <= {slug(r["actor"]) for r in rows}
    assert STAGE_SIDES[stage] <= {slug(r["side"]) for r in rows if r["side"]}


def test_support_and_supervision_involves_the_rso_and_isa_on_the_japanese_side(real: tuple[Path, ox.Store]) -> None:
    rows = ask(real, "actors-at-stage", stage="stage:support-supervision")
    roles = {(slug(r["actor"]), slug(r["side"]), slug(r["role"])) for r in rows}
    assert ("registered-support-organization", "japan", "support-provider") in roles
    assert ("isa", "japan", "supervisor") in roles


def test_after_arrival_the_rso_supports_isa_supervises_and_kbri_protects(real: tuple[Path, ox.Store]) -> None:
    rows = ask(real, "after-arrival-actors")
    facts = {(slug(r["actor"]), r["kind"], r["relation"], slug(r["object"])) for r in rows}
    assert ("registered-support-organization", "support", "tkg:supports", "pmi-ssw-worker") in facts
    assert ("isa", "supervision", "tkg:supervises", "accepting-organization") in facts
    assert ("isa", "supervision", "tkg:registers", "registered-support-organization") in facts
    assert ("kbri-tokyo", "protection", "tkg:protects", "pmi-ssw-worker") in facts
    assert {r["stage"] for r in rows} <= {f"stage/{s}" for s in ("departure-arrival", "support-supervision",
                                                                  "protection", "job-change")}


def test_the_ten_mandatory_support_items_are_delivered_by_the_ao_or_the_rso(real: tuple[Path, ox.Store]) -> None:
    rows = ask(real, "support-items")
    deliverers = defaultdict(set)
    for r in rows:
        deliverers[r["notation"]].add(slug(r["deliverer"]))
    assert sorted(deliverers) == [f"{n:02d}" for n in range(1, 11)]
    assert all(d == {"accepting-organization", "registered-support-organization"} for d in deliverers.values())


def test_the_journey_serves_all_five_functions(real: tuple[Path, ox.Store]) -> None:
    rows = ask(real, "stage-functions")
    assert len({r["stage"] for r in rows}) == 15
    assert {slug(r["function"]) for r in rows} == {"promoting", "selecting", "fostering", "protecting", "supervising"}
    served = {(slug(r["stage"]), slug(r["function"])) for r in rows}
    assert {("promotion", "promoting"), ("training", "fostering"), ("protection", "protecting"),
            ("support-supervision", "supervising")} <= served


def test_jft_basic_is_owned_by_the_japan_foundation_and_delivered_by_prometric(real: tuple[Path, ox.Store]) -> None:
    rows = ask(real, "tests-and-providers", test="jft-basic")
    links = {(r["relation"], slug(r["actor"])) for r in rows}
    assert {("tkg:administersTest", "japan-foundation"), ("tkg:deliversTest", "prometric"),
            ("tkg:requires", "ssw-i")} <= links
    required = {slug(r["test"]) for r in ask(real, "tests-and-providers", actor="ssw-i")}
    assert {"jft-basic", "jlpt", "skills-test", "care-skills-test", "care-japanese-test"} == required


# --- information across the border, coordination paths ------------------------------------------------

def test_ipkol_is_the_cross_border_system_between_kemnaker_and_accepting_organizations(real: tuple[Path, ox.Store]) -> None:
    rows = ask(real, "cross-border-channels", actor="kemnaker")
    channels = {(r["kind"], slug(r["channel"]), slug(r["partner"])) for r in rows}
    assert ("system", "ipkol", "accepting-organization") in channels
    assert ("relation", "tkg:sharesInformationWith", "isa") in {(r["kind"], r["channel"], slug(r["partner"]))
                                                                for r in rows}


def test_notifications_and_documents_cross_the_border(real: tuple[Path, ox.Store]) -> None:
    rows = ask(real, "cross-border-channels")
    channels = {(slug(r["actor"]), r["kind"], r["relation"], slug(r["channel"]), slug(r["partner"])) for r in rows}
    assert ("registered-support-organization", "relation", "tkg:reportsTo", "tkg:reportsTo", "kbri-tokyo") in channels
    assert ("government-of-indonesia", "document", "tkg:publishes", "rso-register", "isa") in channels
    assert ("government-of-japan", "document", "tkg:issues", "improvement-order", "government-of-indonesia") in channels


def test_siskop2mi_replaced_siskotkln_on_17_july_2023(real: tuple[Path, ox.Store]) -> None:
    rows = ask(real, "replacements", successor="siskop2mi")
    assert [(slug(r["predecessor"]), r["from"]) for r in rows] == [("siskotkln", "2023-07-17")]
    operators = {(slug(r["actor"]), r["until"]) for r in ask(real, "information-systems", system="siskotkln")
                 if r["relation"] == "tkg:operates"}
    assert operators == {("bnp2tki", "2019-12"), ("bp2mi", "2023-07-17")}


def test_kemnaker_reaches_isa_directly_and_the_accepting_organization_through_isa(real: tuple[Path, ox.Store]) -> None:
    [reach] = ask(real, "coordination-reachability", {"from": "kemnaker", "to": "isa"})
    assert reach["direct"] == "true"
    paths = ask(real, "coordination-paths", {"from": "kemnaker", "to": "accepting-organization"})
    routes = {(r["hops"], r["relation1"], slug(r["via1"]), r["relation2"]) for r in paths}
    assert ("2", "tkg:sharesInformationWith", "isa", "tkg:supervises") in routes


def test_a_workers_problem_reaches_the_indonesian_side_through_kbri_and_kjri(real: tuple[Path, ox.Store]) -> None:
    # DESIGN.md §1: "how does a wage complaint travel from a worker to the Indonesian government?"
    worker = ask(real, "evidence-for-relation", subject="pmi-ssw-worker", relation="tkg:reportsTo")
    assert {slug(r["object"]) for r in worker} == {"kbri-tokyo", "kjri-osaka"}
    rso = ask(real, "evidence-for-relation", subject="registered-support-organization", relation="tkg:reportsTo")
    assert {slug(r["object"]) for r in rso} == {"isa", "kbri-tokyo"}


# --- problems and triangulation (seed abstract, facts.md §7) -------------------------------------------

def test_the_limited_role_of_governments_concerns_every_seed_actor(real: tuple[Path, ox.Store]) -> None:
    rows = ask(real, "problems-by-actor", issue="issue:limited-role-of-governments")
    assert set(SEED_ACTORS) <= {slug(r["actor"]) for r in rows}
    assert all(r["evidence"] for r in rows)


def test_protection_cases_at_the_protection_stage_include_the_gunma_case(real: tuple[Path, ox.Store]) -> None:
    rows = ask(real, "problems-by-stage", stage="stage:protection", issue="issue:protection-cases")
    gunma = [r for r in rows if slug(r["concerns"]) == "registered-support-organization"]
    assert [slug(r["source"]) for r in gunma] == ["s75"]
    assert "Gunma" in gunma[0]["evidence"]


def test_relations_by_status_count_independent_origins(real: tuple[Path, ox.Store]) -> None:
    statuses = {slug(r["status"]): int(r["relations"]) for r in ask(real, "findings-by-status")}
    # Before the rule counted independent origins: triangulated 171, corroborated 185, single-source 315, contested 4.
    assert statuses == {"triangulated": 22, "corroborated": 43, "single-source": 608, "contested": 3}
    assert sum(statuses.values()) == len(ask(real, "findings-list"))


def test_the_perpres_90_2019_announcement_its_news_report_and_its_metadata_copy_are_one_origin(
        real: tuple[Path, ox.Store]) -> None:
    from tokutei_kg.evidence import relations, select

    [established] = select(relations(real[1]), triple=("perpres-90-2019", "establishes", "bp2mi"))
    assert (established.status, established.origin_count, established.source_count) == ("single-source", 1, 3)
    assert established.reason == ("1 independent origin(s) among 3 source(s): [s251 + s49 + s50 — s251/s49/s50 "
                                  "derive from perpres-90-2019; identical evidence text]; one independent origin")


def test_the_56_percent_share_is_contested_by_isa_based_sources(real: tuple[Path, ox.Store]) -> None:
    figures = {r["figure"]: r for r in ask(real, "stated-figures", subject="ssw")}
    claim = figures["56% of SSW workers are Indonesian"]
    assert (claim["status"], claim["sources"]) == ("status/contested", "2")  # S209, S213
    disputes = ask(real, "contested-findings", subject="ssw", relation="tkg:statedFigure")
    assert {slug(r["disputingSource"]) for r in disputes} == {"s147", "s150", "s153"}
    shares = [float(r["percent"]) for r in ask(real, "ssw-share-by-nationality", nationality="indonesia",
                                               dataset="isa-ssw-statistics")]
    assert max(shares) < 21.0  # every ISA-based share stays far below 56 %


# --- time: reorganisations, sectors, schemes (facts.md §3.1, §5.2, §1.4) -------------------------------

def test_bnp2tki_became_bp2mi_in_2019_under_perpres_90_2019(real: tuple[Path, ox.Store]) -> None:
    rows = ask(real, "reorganisations", original="bnp2tki")
    assert {(slug(r["event"]), r["date"], slug(r["resulting"]), slug(r["basis"])) for r in rows} == {
        ("reorg-bnp2tki-bp2mi-2019", "2019-12", "bp2mi", "perpres-90-2019")}


def test_bp2mi_was_elevated_to_the_ministry_kp2mi_on_21_october_2024(real: tuple[Path, ox.Store]) -> None:
    rows = ask(real, "reorganisations", resulting="kp2mi")
    assert {(slug(r["event"]), r["date"], slug(r["original"]), slug(r["basis"])) for r in rows} == {
        ("reorg-bp2mi-kp2mi-2024", "2024-10-21", "bp2mi", "perpres-165-2024")}
    def indonesian_on(day: dt.date) -> set[str]:
        rows = ask(real, "institutions-by-country", store=as_of(real[1], day), country="indonesia")
        return {slug(r["institution"]) for r in rows}

    before, after = indonesian_on(dt.date(2020, 1, 1)), indonesian_on(dt.date(2025, 1, 1))
    assert "bp2mi" in before and "kp2mi" not in before and "bnp2tki" not in before
    assert {"bp2mi", "kp2mi"} <= after  # Perpres 166/2024 kept BP2MI beside the ministry


@pytest.mark.parametrize(("day", "fields"), [("2020-01-01", 14), ("2023-01-01", 12), ("2024-06-30", 12),
                                             ("2025-01-01", 16)])
def test_ssw_fields_14_then_12_then_16(real: tuple[Path, ox.Store], day: str, fields: int) -> None:
    rows = ask(real, "sectors-as-of", date=day, programme="ssw")
    assert len({r["sector"] for r in rows}) == fields


def test_sector_coverage_changes_on_the_dates_the_field_ordinances_took_effect(real: tuple[Path, ox.Store]) -> None:
    # 12 fields from the ordinances of 25 May 2022 until the field ordinance amended on 30 Sep 2024 [S120]
    # (decided by the cabinet on 29 Mar 2024): facts.md §5.2 "May 2022 – Sep 2024: 12".
    rows = ask(real, "sector-coverage-over-time", programme="ssw")
    assert [(r["date"], r["sectors"]) for r in rows] == [("2019-04-01", "14"), ("2022-05-25", "12"),
                                                         ("2024-09-30", "16")]
    ssw_ii = ask(real, "sector-coverage-over-time", programme="ssw-ii")
    assert [(r["date"], r["sectors"]) for r in ssw_ii] == [("2019-04-01", "2"), ("2023-06-09", "11")]


def test_p_to_p_runs_from_march_2023_through_placement_companies(real: tuple[Path, ox.Store]) -> None:
    rows = ask(real, "recruitment-schemes", scheme="p-to-p-scheme")
    assert {r["since"] for r in rows} == {"2023-03"}
    agents = {(slug(r["actor"]), r["from"]) for r in rows if r["role"] == "role/placement-agent"}
    assert agents == {("p3mi", "2023-03"), ("japanese-placement-business", "2023-03")}
    bases = {slug(r["actor"]) for r in rows if r["relation"] == "tkg:legalBasisOf"}
    assert bases == {"kepka-bp2mi-p-to-p-placement-costs", "kepdirjen-binapenta-destination-countries"}
    mandiri = ask(real, "recruitment-schemes", scheme="mandiri-scheme")
    assert {slug(r["actor"]) for r in mandiri if r["relation"] == "tkg:legalBasisOf"} == {"moc-2019-ssw"}


def test_isa_was_set_up_on_1_april_2019_with_the_4_april_date_as_a_single_source(real: tuple[Path, ox.Store]) -> None:
    rows = [r for r in ask(real, "timeline", year="2019") if r["thing"] == "institution/isa"]
    # The two encyclopaedias (S90, S91) carry one evidence sentence: one independent origin.
    assert {(r["date"], r["status"]) for r in rows} == {("2019-04-01", "status/single-source"),
                                                        ("2019-04-04", "status/single-source")}


# --- statistics (facts.md §6.1) ------------------------------------------------------------------------

def test_34255_indonesian_ssw_residents_at_the_end_of_2023(real: tuple[Path, ox.Store]) -> None:
    rows = ask(real, "ssw-residents-over-time", nationality="indonesia", dataset="isa-ssw-statistics")
    end_2023 = [r for r in rows if r["period"] == "2023-12-31"]
    assert {(r["count"], slug(r["source"])) for r in end_2023} == {("34255", "s146"), ("34255", "s147")}
    ssw = [(r["period"], int(r["count"])) for r in rows if r["category"] == "programme/ssw"]
    assert ssw[0] == ("2019-12-31", 189)
    counts = [count for _, count in dict(ssw).items()]
    assert counts == sorted(counts) and len(set(counts)) == len(counts)  # it grew at every reporting date


def test_indonesia_ranks_second_at_the_end_of_2023_and_as_the_isa_series_says(real: tuple[Path, ox.Store]) -> None:
    rows = ask(real, "ssw-rank-by-nationality", nationality="indonesia", dataset="isa-ssw-statistics")
    ranks = {r["period"]: int(r["rank"]) for r in rows if r["category"] == "programme/ssw"}
    assert ranks == ISA_RANKS
    ssw_i = {r["period"]: int(r["rank"]) for r in rows if r["category"] == "programme/ssw-i"}
    assert ssw_i == {"2024-06-30": 2, "2025-06-30": 2}


def test_indonesias_share_was_16_4_percent_at_the_end_of_2023(real: tuple[Path, ox.Store]) -> None:
    rows = ask(real, "ssw-share-by-nationality", nationality="indonesia", dataset="isa-ssw-statistics")
    shares = {(r["period"], r["category"]): float(r["percent"]) for r in rows}
    assert shares[("2023-12-31", "programme/ssw")] == 16.4
    assert shares[("2025-06-30", "programme/ssw-i")] == 20.8
    assert shares[("2022-12-31", "programme/ssw")] == 12.5


# --- sources ---------------------------------------------------------------------------------------------

def test_the_sources_span_several_types_and_perspectives(real: tuple[Path, ox.Store]) -> None:
    rows = ask(real, "sources-by-type-and-perspective")
    assert len({r["type"] for r in rows}) >= 4 and len({r["perspective"] for r in rows}) == 4
    sources = sum(int(r["sources"]) for r in rows)
    assert sources == len(ask(real, "claims-per-source"))
    perspectives = {slug(r["perspective"]) for r in rows}
    assert perspectives == {"government", "private-sector", "civil-society", "academic"}  # media is a type


# --- functions from evidence (issue 14.6) -----------------------------------------------------------------

def test_functions_asserted_by_the_seed_are_apart_from_those_inferred_from_stages(real: tuple[Path, ox.Store]) -> None:
    rows = ask(real, "actors-by-function")
    assert {r["kind"] for r in rows} == {"asserted", "inferred"}
    asserted = {(slug(r["function"]), slug(r["actor"])) for r in rows if r["kind"] == "asserted"}
    functions = ("promoting", "selecting", "fostering", "protecting", "supervising")
    assert asserted == {(f, g) for f in functions for g in ("government-of-indonesia", "government-of-japan")}
    # The worker is whom the functions serve: no function is inferred for it (it was, e.g. "Protecting").
    assert [r for r in rows if slug(r["actor"]) == "pmi-ssw-worker"] == []
