"""Statistics that do not mislead: residents, employment and placements are separate measures with their
own Data Cube structures; a flow has a period; a rank needs more than one nationality."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from tokutei_kg.cli import main
from tokutei_kg.query import resolve, run
from tokutei_kg.store import open_store

ENTITIES = """id,class,label_en,country,source_ids
bp2mi-placement-statistics,StatisticalDataset,BP2MI placement statistics,indonesia,s146
mhlw-foreign-employment-statistics,StatisticalDataset,MHLW foreign-employment reports,japan,s146
"""

OBSERVATIONS = """id,dataset,period,nationality,category,count,source_id,measure,period_start
t-vnm-2019,isa-ssw-statistics,2019-12-31,vietnam,ssw,901,s136,,
t-placed-2024,bp2mi-placement-statistics,2024-08,indonesia,ssw,8141,s146,placements,2024-01
t-employed-2023,mhlw-foreign-employment-statistics,2023-10-31,indonesia,ssw,25589,s146,employed,
"""

COUNTRY = "vietnam,Country,Vietnam,,,,,,,,s136,\n"


def measured(mini: Path, observations: str = OBSERVATIONS) -> Path:
    curated = mini / "graph" / "curated"
    (curated / "entities" / "stats.csv").write_text(ENTITIES, encoding="utf-8")
    with (curated / "entities.csv").open("a", encoding="utf-8") as handle:
        handle.write(COUNTRY)
    (curated / "observations").mkdir(exist_ok=True)
    (curated / "observations" / "stats.csv").write_text(observations, encoding="utf-8")
    return mini


def answer(root: Path, name: str, **bindings: str) -> list[tuple[str, ...]]:
    assert CliRunner().invoke(main, ["--root", str(root), "build"]).exit_code == 0
    store = open_store(root / "graph" / "built" / "tokutei.nq")
    from tokutei_kg.query import parse_binding

    bound = dict(parse_binding(f"{k}={v}", store) for k, v in bindings.items())
    result = run(store, resolve(name, root / "sparql"), bound)
    names = [v.value for v in result.variables]  # type: ignore[union-attr]
    return [tuple(str(row[n].value).rsplit("/", 1)[-1] if row[n] is not None else "" for n in names)
            for row in result]  # type: ignore[union-attr]


def test_residents_over_time_lists_residents_only(mini: Path) -> None:
    rows = answer(measured(mini), "ssw-residents-over-time", nationality="indonesia")
    assert [(r[0], r[3], r[4]) for r in rows] == [("2019-12-31", "189", "isa-ssw-statistics"),
                                                  ("2023-12-31", "34255", "isa-ssw-statistics")]


def test_a_rank_needs_another_nationality(mini: Path) -> None:
    rows = answer(measured(mini), "ssw-rank-by-nationality")
    # 2019: Vietnam and Indonesia recorded → ranks; 2023: Indonesia alone → no rank at all.
    assert [(r[0], r[2], r[3], r[4], r[5]) for r in rows] == [
        ("2019-12-31", "vietnam", "901", "1", "2"), ("2019-12-31", "indonesia", "189", "2", "2")]


def test_each_measure_has_its_own_structure_and_a_flow_has_its_period(mini: Path) -> None:
    root = measured(mini)
    assert CliRunner().invoke(main, ["--root", str(root), "build"]).exit_code == 0
    store = open_store(root / "graph" / "built" / "tokutei.nq")
    rows = store.query("""
        SELECT ?id ?structure ?measure ?count ?start ?end WHERE {
          ?o qb:dataSet ?d ; dct:identifier ?id ; tkg:refPeriod ?end ; ?measure ?count .
          ?d qb:structure ?structure .
          ?structure qb:component/qb:measure ?measure .
          OPTIONAL { ?o tkg:refPeriodStart ?start }
          FILTER (STRSTARTS(?id, "t-"))
        } ORDER BY ?id""", prefixes={"qb": "http://purl.org/linked-data/cube#", "dct": "http://purl.org/dc/terms/",
                                     "tkg": "https://w3id.org/tokutei-kg/ontology#"}, use_default_graph_as_union=True)
    got = [tuple(row[v].value.rsplit("#", 1)[-1] if row[v] is not None else "" for v in
                 ("id", "structure", "measure", "count", "start", "end")) for row in rows]  # type: ignore[union-attr]
    assert got == [
        ("t-employed-2023", "employmentStructure", "employedCount", "25589", "", "2023-10-31"),
        ("t-placed-2024", "placementsStructure", "placementCount", "8141", "2024-01", "2024-08"),
        ("t-vnm-2019", "sswResidentsStructure", "personCount", "901", "", "2019-12-31"),
    ]


def test_one_dataset_counts_one_measure(mini: Path) -> None:
    mixed = OBSERVATIONS + "t-placed-2023,bp2mi-placement-statistics,2023,indonesia,ssw,314,s146,,\n"
    root = measured(mini, mixed)
    result = CliRunner().invoke(main, ["--root", str(root), "validate"])
    assert result.exit_code == 2
    assert result.stdout.splitlines() == [
        "graph/curated/observations/stats.csv:5:8: error: dataset 'bp2mi-placement-statistics' counts placements "
        "(observation t-placed-2024), not residents — one dataset, one measure: file other counts in a dataset of "
        "their own",
        "1 error, 0 warnings",
    ]


def test_a_period_cannot_start_after_it_ends_and_measures_are_named(mini: Path) -> None:
    bad = OBSERVATIONS.replace("placements,2024-01", "placements,2024-09").replace(",employed,", ",employment,")
    root = measured(mini, bad)
    result = CliRunner().invoke(main, ["--root", str(root), "validate"])
    assert result.exit_code == 2
    assert result.stdout.splitlines() == [
        "graph/curated/observations/stats.csv:3:9: error: the period starts (2024-09) after it ends (2024-08)",
        "graph/curated/observations/stats.csv:4:8: error: unknown measure 'employment' — allowed: residents, "
        "employed, placements",
        "2 errors, 0 warnings",
    ]
