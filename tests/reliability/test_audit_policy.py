"""The dependency-audit policy of .ci/audit.py, on canned pip-audit reports (no network): a finding
listed in SECURITY.md passes, any other fails, and "every package skipped" is reported as not audited
rather than as clean."""

from __future__ import annotations

import importlib.util
import sys

from conftest import REPO

_spec = importlib.util.spec_from_file_location("tokutei_ci_audit", REPO / ".ci" / "audit.py")
audit = importlib.util.module_from_spec(_spec)  # type: ignore[arg-type]
sys.modules["tokutei_ci_audit"] = audit
_spec.loader.exec_module(audit)  # type: ignore[union-attr]

SECURITY = (REPO / "SECURITY.md").read_text(encoding="utf-8")


def report(*dependencies: dict) -> dict:
    return {"dependencies": list(dependencies), "fixes": []}


def vulnerable(name: str, version: str, vuln_id: str, *aliases: str) -> dict:
    return {"name": name, "version": version,
            "vulns": [{"id": vuln_id, "aliases": list(aliases), "fix_versions": ["9.9"], "description": "x"}]}


CLEAN = {"name": "rdflib", "version": "7.6.0", "vulns": []}
SKIPPED = {"name": "pyvis", "skip_reason": "Dependency not found on PyPI and could not be audited: pyvis (0.3.2)"}


def test_security_md_lists_the_known_findings() -> None:
    assert audit.listed_ids(SECURITY) == {"CVE-2021-39239"}  # sonatype ids are not pip-audit ids


def test_an_unlisted_finding_fails() -> None:
    code, lines = audit.judge(*audit.parse_report(report(CLEAN, vulnerable("jinja2", "3.1.2", "GHSA-h5c8-rqwp-cp95",
                                                                           "CVE-2024-22195"))),
                              audit.listed_ids(SECURITY))
    assert code == 1
    assert lines == [
        "audit: 2 packages audited, 0 skipped, 1 findings (0 listed in SECURITY.md)",
        "  NOT LISTED: jinja2 3.1.2: GHSA-h5c8-rqwp-cp95 [CVE-2024-22195] (fixed in 9.9) — fix it, or list it with a "
        "reason in SECURITY.md"]


def test_a_finding_listed_by_an_alias_passes() -> None:
    code, lines = audit.judge(*audit.parse_report(report(vulnerable("owlready2", "0.51", "PYSEC-2099-1",
                                                                    "CVE-2021-39239"), SKIPPED)),
                              audit.listed_ids(SECURITY))
    assert code == 0
    assert lines == ["audit: 1 packages audited, 1 skipped, 1 findings (1 listed in SECURITY.md)",
                     "  listed:     owlready2 0.51: PYSEC-2099-1 [CVE-2021-39239] (fixed in 9.9)"]


def test_every_package_skipped_is_not_audited_and_does_not_fail() -> None:
    code, lines = audit.judge(*audit.parse_report(report(SKIPPED, SKIPPED)), set())
    assert code == 0
    assert lines == ["audit: no vulnerability service answered (2 packages skipped) — NOT audited; run `make audit` "
                     "where PyPI's JSON API or api.osv.dev is reachable"]


def test_ids_outside_the_known_findings_section_do_not_count() -> None:
    text = "# Security\nWe fixed CVE-2020-0001.\n## Known findings\n| CVE-2021-0002 | x | y |\n## Reporting\nCVE-2022-3\n"
    assert audit.listed_ids(text) == {"CVE-2021-0002"}
