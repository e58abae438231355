"""Deterministic synthetic project for benchmarks: curated CSV with the real graph's shape, at any size.

    .venv/bin/python benchmarks/generate.py --root /tmp/kg-1e5 --size 1e5
    .venv/bin/tokutei-kg --root /tmp/kg-1e5 build

The folder is laid out as a project (``ontology/`` and ``sparql/`` copied from this repository,
``graph/curated/*.csv`` generated), so every command works on it with ``--root``. The output depends
only on the arguments (a seeded ``random.Random``; no clock, no environment), so two runs give
byte-identical files.

Everything generated is SYNTHETIC: every id starts with ``synthetic-``, every label and evidence text
says "Synthetic", every source address is under ``https://example.org/synthetic/``. Nothing here is a
fact about the SSW programme; the only real things are the ontology's vocabulary (classes, relations,
stages, roles, source types) that the rows point at.

Shape (per accepting organization, the unit that scales): one accepting organization on the receiving
side, its placement record (a cohort of workers from the sending side, placed by a placement company,
trained by a training institution, employed by the organization, supported by a registered support
organization), the support organization it entrusts, a regional office that supervises it; every
relation is a claim with evidence, validity, stage and role, stated by one to three sources of
different types and perspectives (some disputing it), so triangulation has real work to do. A fixed
government block on both sides (ministries, agencies, an agreement, a cooperation) links the two sides,
and statistical observations per month give the statistics queries something to count.
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import shutil
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

# Built quads per unit (accepting organization), measured on this generator's output; used to turn
# --triples into a unit count. The fixed part (ontology, government block, observations) is FIXED_QUADS.
QUADS_PER_UNIT = 333.0
FIXED_QUADS = 5760
SIZES = {"1e4": 10_000, "1e5": 100_000, "1e6": 1_000_000}

ENTITY_COLUMNS = ["id", "class", "label_en", "label_id", "label_ja", "aliases", "country", "valid_from",
                  "valid_to", "description", "source_ids", "note"]
SOURCE_COLUMNS = ["id", "type", "perspective", "title", "publisher", "date", "url", "document", "language",
                  "reliability", "register_ref", "interviewee_role", "consent", "note"]
CLAIM_COLUMNS = ["id", "subject", "relation", "object", "value", "value_lang", "stage", "role", "polarity",
                 "source_id", "evidence", "evidence_kind", "evidence_lang", "locator", "valid_from", "valid_to",
                 "confidence", "note"]
OBSERVATION_COLUMNS = ["id", "dataset", "period", "nationality", "category", "count", "source_id", "locator",
                       "note"]

# (type, perspective, reliability, language) of the kinds of source the curated register holds
SOURCE_KINDS = [
    ("news", "civil-society", "news", "en"),
    ("news", "civil-society", "news", "id"),
    ("practitioner", "private-sector", "practitioner", "ja"),
    ("official-document", "government", "official", "ja"),
    ("official-document", "government", "official", "id"),
    ("academic-work", "academic", "", "en"),
    ("practitioner", "private-sector", "practitioner", "id"),
    ("interview", "civil-society", "", "id"),
    ("interview", "private-sector", "", "ja"),
]
SUPPORT_ITEMS = ["consultation-and-complaints", "exchange-with-japanese", "housing-and-contracts",
                 "japanese-learning", "life-orientation", "pick-up-and-see-off", "pre-entry-guidance",
                 "public-procedures", "regular-interviews-and-reporting"]
NOTE = "synthetic benchmark row (benchmarks/generate.py); not a fact"


class Writer:
    """Collects rows in memory, then writes each table once."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.entities: list[dict[str, str]] = []
        self.sources: list[dict[str, str]] = []
        self.claims: list[dict[str, str]] = []
        self.observations: list[dict[str, str]] = []
        self._claim_ids: set[str] = set()

    def entity(self, ident: str, cls: str, label: str, *, country: str = "", label_id: str = "",
               label_ja: str = "", valid_from: str = "", description: str = "", source: str) -> str:
        self.entities.append({
            "id": ident, "class": cls, "label_en": label, "label_id": label_id, "label_ja": label_ja,
            "country": country, "valid_from": valid_from, "description": description,
            "source_ids": source, "note": NOTE,
        })
        return ident

    def date(self, first_year: int = 2019, last_year: int = 2025) -> str:
        year = self.rng.randint(first_year, last_year)
        month = self.rng.randint(1, 12)
        kind = self.rng.random()
        if kind < 0.2:
            return str(year)
        if kind < 0.5:
            return f"{year}-{month:02d}"
        return f"{year}-{month:02d}-{self.rng.randint(1, 28):02d}"

    def claim(self, key: str, subject: str, relation: str, *, obj: str = "", value: str = "", value_lang: str = "",
              stage: str = "", role: str = "", valid_from: str = "", valid_to: str = "", sources: int = 0) -> None:
        """One relation stated by one to three sources (sometimes one of them disputes it)."""
        count = sources or self.rng.choice((1, 1, 2, 2, 3))
        chosen = self.rng.sample(range(len(self.sources)), count)
        dispute = count > 1 and self.rng.random() < 0.04
        for index, source_index in enumerate(chosen):
            source = self.sources[source_index]
            ident = f"synthetic-{key}-{source['id'].removeprefix('synthetic-')}"
            if ident in self._claim_ids:
                continue
            self._claim_ids.add(ident)
            disputes = dispute and index == count - 1
            quote = source["consent"] in ("", "quote") and self.rng.random() < 0.3
            self.claims.append({
                "id": ident, "subject": subject, "relation": relation, "object": obj, "value": value,
                "value_lang": value_lang, "stage": stage, "role": role,
                "polarity": "disputes" if disputes else "",
                "source_id": source["id"],
                "evidence": "[withheld]" if source["consent"] == "none" else (
                    f"Synthetic evidence: the source {'denies' if disputes else 'states'} that "
                    f"{subject} {relation} {obj or value}."),
                "evidence_kind": "quote" if quote else "paraphrase", "evidence_lang": "en",
                "locator": f"p. {self.rng.randint(1, 40)}" if self.rng.random() < 0.5 else "",
                "valid_from": valid_from, "valid_to": valid_to,
                "confidence": self.rng.choice(("high", "high", "medium", "low")), "note": NOTE,
            })


def units_for(triples: int) -> int:
    return max(1, round((triples - FIXED_QUADS) / QUADS_PER_UNIT))


def generate(root: Path, units: int, seed: int = 0) -> dict[str, int]:
    """Write the project under ``root`` (its curated folder is replaced); return row counts."""
    w = Writer(seed)
    # The two real country nodes (the network's sides are Japan and Indonesia, so paths, brokerage and the
    # explorer's sides do real work); everything placed in them is synthetic.
    a, b = "japan", "indonesia"
    n_sources = max(12, units // 3)
    for i in range(n_sources):
        kind, perspective, reliability, language = SOURCE_KINDS[i % len(SOURCE_KINDS)]
        ident = f"synthetic-source-{i:06d}"
        interview = kind == "interview"
        w.sources.append({
            "id": ident, "type": kind, "perspective": perspective,
            "title": f"Synthetic source {i:06d} ({kind})", "publisher": "" if interview else "Synthetic publisher",
            "date": w.date(2019, 2025) if interview or i % 3 else "",
            "url": "" if interview else f"https://example.org/synthetic/source/{i:06d}",
            "document": "", "language": language, "reliability": reliability, "register_ref": f"SYN{i}",
            "interviewee_role": f"synthetic interviewee {i:06d}" if interview else "",
            "consent": ("quote", "paraphrase", "none")[i % 3] if interview else "", "note": NOTE,
        })
    src = w.sources[0]["id"]

    # fixed block: two sides, their governments, an agreement and the cooperation between them
    w.entity(a, "Country", "Japan", label_id="Jepang", label_ja="日本", source=src)
    w.entity(b, "Country", "Indonesia", label_id="Indonesia", label_ja="インドネシア", source=src)
    side = {a: "a", b: "b"}
    gov = {}
    for country, code in side.items():
        gov[code] = w.entity(f"synthetic-government-{code}", "Government", f"Synthetic government {code.upper()}",
                             country=country, source=src)
        w.entity(f"synthetic-ministry-{code}", "Ministry", f"Synthetic ministry {code.upper()}", country=country,
                 label_ja=f"合成省{code.upper()}", label_id=f"Kementerian sintetis {code.upper()}", source=src)
        w.entity(f"synthetic-agency-{code}", "Agency", f"Synthetic agency {code.upper()}", country=country,
                 valid_from="2019-04-01", source=src)
    w.entity("synthetic-moc", "MemorandumOfCooperation", "Synthetic memorandum of cooperation", source=src)
    w.entity("synthetic-cooperation", "Cooperation", "Synthetic cooperation", source=src)
    w.entity("synthetic-status", "ResidenceStatus", "Synthetic residence status", country=a, source=src)
    w.entity("synthetic-dataset", "StatisticalDataset", "Synthetic statistics", country=a, source=src)
    for code, role in (("a", "receiving-government"), ("b", "sending-government")):
        w.claim(f"party-{code}", f"synthetic-government-{code}", "isPartyTo", obj="synthetic-moc",
                role=role, sources=3)
        w.claim(f"participates-{code}", f"synthetic-ministry-{code}", "participatesIn",
                obj="synthetic-cooperation", role=role, sources=2)
        w.claim(f"agency-reports-{code}", f"synthetic-agency-{code}", "reportsTo", obj=f"synthetic-ministry-{code}",
                sources=2)
    w.claim("moc-signed", "synthetic-moc", "dateSigned", value=w.date(2019, 2019), sources=3)
    w.claim("ministries-share", "synthetic-ministry-a", "sharesInformationWith", obj="synthetic-ministry-b",
            stage="stage:support-supervision", role="regulator", sources=3)
    w.claim("agencies-cooperate", "synthetic-agency-a", "cooperatesWith", obj="synthetic-agency-b", sources=2)

    for i in range(units):
        _unit(w, i, a, b, src)
    _observations(w, a, b)
    _write_project(root, w)
    return {"units": units, "sources": len(w.sources), "entities": len(w.entities), "claims": len(w.claims),
            "observations": len(w.observations)}


def _unit(w: Writer, i: int, a: str, b: str, src: str) -> None:
    """Accepting organization ``i`` and the placement record around it (the part that scales)."""
    ao = w.entity(f"synthetic-ao-{i:06d}", "AcceptingOrganization", f"Synthetic accepting organization {i:06d}",
                  label_ja=f"合成受入れ機関{i:06d}", country=a, source=w.rng.choice(w.sources)["id"])
    if i % 200 == 0:
        office = w.entity(f"synthetic-regional-office-{i // 200:04d}", "RegionalOffice",
                          f"Synthetic regional office {i // 200:04d}", country=a, source=src)
        w.claim(f"office-reports-{i // 200:04d}", office, "reportsTo", obj="synthetic-agency-a")
    if i % 4 == 0:
        rso = w.entity(f"synthetic-rso-{i // 4:06d}", "RegisteredSupportOrganization",
                       f"Synthetic registered support organization {i // 4:06d}", country=a,
                       valid_from=w.date(2019, 2022), source=w.rng.choice(w.sources)["id"])
        w.claim(f"registers-rso-{i // 4:06d}", "synthetic-agency-a", "registers", obj=rso,
                stage="stage:support-plan-coe", role="registrar", valid_from=w.date(2019, 2022))
        w.claim(f"rso-delivers-{i // 4:06d}", rso, "deliversSupport",
                obj=f"support:{w.rng.choice(SUPPORT_ITEMS)}", stage="stage:support-supervision")
    if i % 3 == 0:
        lpk = w.entity(f"synthetic-lpk-{i // 3:06d}", "TrainingInstitution",
                       f"Synthetic training institution {i // 3:06d}", label_id=f"LPK sintetis {i // 3:06d}",
                       country=b, source=w.rng.choice(w.sources)["id"])
        w.claim(f"licenses-lpk-{i // 3:06d}", "synthetic-ministry-b", "licenses", obj=lpk,
                stage="stage:training", role="licensing-authority")
    if i % 5 == 0:
        p3mi = w.entity(f"synthetic-p3mi-{i // 5:06d}", "PlacementCompany",
                        f"Synthetic placement company {i // 5:06d}", label_id=f"P3MI sintetis {i // 5:06d}",
                        country=b, source=w.rng.choice(w.sources)["id"])
        w.claim(f"licenses-p3mi-{i // 5:06d}", "synthetic-agency-b", "licenses", obj=p3mi,
                stage="stage:matching", role="licensing-authority")
    office = f"synthetic-regional-office-{i // 200:04d}"
    rso, lpk, p3mi = (f"synthetic-rso-{i // 4:06d}", f"synthetic-lpk-{i // 3:06d}",
                      f"synthetic-p3mi-{i // 5:06d}")
    cohort = w.entity(f"synthetic-cohort-{i:06d}", "MigrantWorker", f"Synthetic worker cohort {i:06d}",
                      country=b, source=w.rng.choice(w.sources)["id"])
    start = w.date(2019, 2025)
    end = w.date(int(start[:4]) + 1, 2029) if w.rng.random() < 0.3 else ""
    w.claim(f"ao-employs-{i:06d}", ao, "employs", obj=cohort, stage="stage:contract", role="employer",
            valid_from=start, valid_to=end)
    w.claim(f"p3mi-places-{i:06d}", p3mi, "places", obj=cohort, stage="stage:matching", role="placement-agent",
            valid_from=start)
    w.claim(f"lpk-trains-{i:06d}", lpk, "trains", obj=cohort, stage="stage:training", role="trainer")
    w.claim(f"ao-entrusts-{i:06d}", ao, "entrustsTo", obj=rso, stage="stage:support-plan-coe",
            valid_from=start)
    w.claim(f"rso-supports-{i:06d}", rso, "supports", obj=cohort, stage="stage:support-supervision",
            role="support-provider", valid_from=start, valid_to=end)
    w.claim(f"office-supervises-{i:06d}", office, "supervises", obj=ao, stage="stage:support-supervision",
            role="supervisor")
    w.claim(f"ao-at-stage-{i:06d}", ao, "actsAtStage", obj="stage:contract", stage="stage:contract",
            role="employer")
    if i % 10 == 0:
        w.claim(f"ao-cooperates-{i:06d}", ao, "cooperatesWith", obj=lpk, stage="stage:training")



def _observations(w: Writer, a: str, b: str) -> None:
    """Statistics: monthly counts per nationality (and the total), one dataset."""
    for year in range(2019, 2026):
        for month in range(1, 13):
            period = f"{year}-{month:02d}"
            for nationality in (a, b, "all"):
                w.observations.append({
                    "id": f"synthetic-obs-{period}-{nationality.removeprefix('synthetic-')}",
                    "dataset": "synthetic-dataset", "period": period, "nationality": nationality,
                    "category": "synthetic-status", "count": str(w.rng.randint(10, 100_000)),
                    "source_id": w.rng.choice(w.sources)["id"], "locator": "", "note": NOTE,
                })


def _csv(rows: list[dict[str, str]], columns: list[str]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n", extrasaction="raise", restval="")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def _write_project(root: Path, w: Writer) -> None:
    root.mkdir(parents=True, exist_ok=True)
    for folder in ("ontology", "sparql"):
        if (root / folder).exists():
            shutil.rmtree(root / folder)
        shutil.copytree(REPO / folder, root / folder)
    curated = root / "graph" / "curated"
    if curated.exists():
        shutil.rmtree(curated)
    (curated / "claims").mkdir(parents=True)
    (root / "graph" / "documents").mkdir(parents=True, exist_ok=True)
    (root / "graph" / "built").mkdir(parents=True, exist_ok=True)
    (curated / "sources.csv").write_bytes(_csv(w.sources, SOURCE_COLUMNS))
    (curated / "entities.csv").write_bytes(_csv(w.entities, ENTITY_COLUMNS))
    (curated / "observations.csv").write_bytes(_csv(w.observations, OBSERVATION_COLUMNS))
    (curated / "claims" / "synthetic.csv").write_bytes(_csv(w.claims, CLAIM_COLUMNS))
    (root / "SYNTHETIC.md").write_text(
        "# Synthetic benchmark project\n\nGenerated by `benchmarks/generate.py`. Every row is synthetic "
        "(ids `synthetic-…`, addresses under example.org); nothing here is a fact.\n", encoding="utf-8")


def parse_size(text: str) -> int:
    if text in SIZES:
        return SIZES[text]
    try:
        return int(float(text))
    except ValueError:
        raise argparse.ArgumentTypeError(f"bad size '{text}' — use 1e4, 1e5, 1e6 or a number of triples") from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", type=Path, required=True, help="project folder to write (created)")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--size", type=parse_size, help="about this many built triples: 1e4, 1e5, 1e6")
    group.add_argument("--triples", type=parse_size, help="about N built triples")
    group.add_argument("--units", type=int, help="number of accepting organizations (the unit that scales)")
    group.add_argument("--claim-rows", type=int, help="about N rows in the one claims file")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.units:
        units = args.units
    elif args.claim_rows:
        units = max(1, round(args.claim_rows / CLAIMS_PER_UNIT))
    else:
        units = units_for(args.size or args.triples or SIZES["1e4"])
    counts = generate(args.root, units, args.seed)
    print(" ".join(f"{k}={v}" for k, v in counts.items()), file=sys.stderr)
    return 0


CLAIMS_PER_UNIT = 14.8  # claim rows per unit, measured like QUADS_PER_UNIT

if __name__ == "__main__":
    raise SystemExit(main())
