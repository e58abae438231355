"""The mini project with HTML/JavaScript payloads in labels, aliases, titles, addresses and evidence:
what a careless page would run. Shared by test_visualise.py (static checks) and test_browser.py."""

from __future__ import annotations

import csv
from pathlib import Path

from conftest import make_project

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
SVG = '"><svg onload=alert(1)>'
BREAKOUT = "</script><script>alert(1)</script>"
LINK = '<a href="javascript:alert(1)">x</a>'
PAYLOADS = (SCRIPT, IMG, SVG, BREAKOUT, LINK)
HOSTILE_URL = "https://example.org/?a=1&q='onmouseover='alert(1)'"  # valid (no space, <, >, \") yet hostile


def _edit(path: Path, key: str, changes: dict[str, dict[str, str]]) -> None:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    fields = list(rows[0])
    for row in rows:
        row.update(changes.get(row[key], {}))
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def make_xss_project(root: Path) -> Path:
    project = make_project(root)
    curated = project / "graph" / "curated"
    _edit(curated / "entities.csv", "id", {
        "kemnaker": {"label_en": SCRIPT, "label_id": IMG, "aliases": f"Kemnaker|{SVG}"},
        "isa": {"label_ja": BREAKOUT, "label_en": f"ISA {LINK}"},
        "bp2mi": {"label_en": "javascript:alert(1)"},
    })
    _edit(curated / "claims.csv", "id", {
        "kemnaker-shares-isa-s15": {"evidence": f"{LINK} {IMG} {BREAKOUT}"},
        "moc-party-kemnaker-s9": {"evidence": f"{SCRIPT}\u2028{SVG}"},
    })
    _edit(curated / "sources.csv", "id", {
        "s15": {"title": IMG, "url": HOSTILE_URL},
        "s9": {"title": f"{SCRIPT} javascript:alert(1)"},
    })
    return project
