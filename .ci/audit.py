#!/usr/bin/env python3
"""Dependency audit for CI: pip-audit over the project's installed packages (``pip freeze`` of .venv).

* A finding whose id (or one of its aliases) is listed in SECURITY.md ("Known findings") passes; any
  other finding fails the run (exit 1).
* When no vulnerability service answers (PyPI's per-version JSON, then OSV), the run says so and
  passes (exit 0): an unreachable service is not a clean bill. pip-audit itself reports "No known
  vulnerabilities" when every package was skipped as "not found", so that case counts as unreachable.

Usage: python .ci/audit.py [--python .venv/bin/python] [--pip-audit PATH] [--security SECURITY.md]
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

SERVICES = ("pypi", "osv")


@dataclass(frozen=True)
class Finding:
    package: str
    version: str
    id: str
    aliases: tuple[str, ...]
    fix_versions: tuple[str, ...]

    def __str__(self) -> str:
        fixed = f" (fixed in {', '.join(self.fix_versions)})" if self.fix_versions else ""
        aliases = f" [{', '.join(self.aliases)}]" if self.aliases else ""
        return f"{self.package} {self.version}: {self.id}{aliases}{fixed}"


def parse_report(report: dict) -> tuple[int, int, list[Finding]]:
    """(packages audited, packages skipped, findings) from pip-audit's JSON output."""
    audited = skipped = 0
    findings: list[Finding] = []
    for dependency in report.get("dependencies", []):
        if "skip_reason" in dependency:
            skipped += 1
            continue
        audited += 1
        for vuln in dependency.get("vulns", []):
            findings.append(Finding(dependency["name"], dependency.get("version", ""), vuln["id"],
                                    tuple(vuln.get("aliases", [])), tuple(vuln.get("fix_versions", []))))
    return audited, skipped, findings


def listed_ids(security: str) -> set[str]:
    """Advisory ids in the 'Known findings' section of SECURITY.md (PYSEC-…, GHSA-…, CVE-…, OSV ids)."""
    section = security.split("## Known findings", 1)[-1].split("\n## ", 1)[0] if "## Known findings" in security else ""
    return set(re.findall(r"\b(?:PYSEC-\d{4}-\d+|GHSA(?:-[0-9a-z]{4}){3}|CVE-\d{4}-\d+|OSV-\d{4}-\d+)\b", section))


def judge(audited: int, skipped: int, findings: list[Finding], allowed: set[str]) -> tuple[int, list[str]]:
    """The exit code and the lines to print."""
    if audited == 0:
        return 0, [f"audit: no vulnerability service answered ({skipped} packages skipped) — NOT audited; "
                   "run `make audit` where PyPI's JSON API or api.osv.dev is reachable"]
    unlisted = [f for f in findings if not ({f.id, *f.aliases} & allowed)]
    lines = [f"audit: {audited} packages audited, {skipped} skipped, {len(findings)} findings "
             f"({len(findings) - len(unlisted)} listed in SECURITY.md)"]
    lines += [f"  listed:     {f}" for f in findings if f not in unlisted]
    lines += [f"  NOT LISTED: {f} — fix it, or list it with a reason in SECURITY.md" for f in unlisted]
    return (1 if unlisted else 0), lines


def run_pip_audit(pip_audit: str, requirements: Path, service: str) -> dict | None:
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder) / "report.json"
        command = [pip_audit, "-r", str(requirements), "--no-deps", "--disable-pip", "--progress-spinner", "off",
                   "--vulnerability-service", service, "--format", "json", "--output", str(output), "--timeout", "30"]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if not output.is_file():
            print(f"audit: pip-audit with {service} failed: {(done.stderr.strip().splitlines() or ['?'])[-1]}")
            return None
        return json.loads(output.read_text(encoding="utf-8"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", default=".venv/bin/python", help="the project's interpreter (its packages)")
    parser.add_argument("--pip-audit", default="pip-audit", help="the pip-audit executable")
    parser.add_argument("--security", default="SECURITY.md", type=Path)
    args = parser.parse_args()
    frozen = subprocess.run([args.python, "-m", "pip", "freeze", "--exclude-editable"], capture_output=True,
                            text=True, check=True).stdout
    allowed = listed_ids(args.security.read_text(encoding="utf-8"))
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
        handle.write(frozen)
        requirements = Path(handle.name)
    try:
        code, lines = 0, ["audit: no vulnerability service could be run — NOT audited"]
        for service in SERVICES:
            report = run_pip_audit(args.pip_audit, requirements, service)
            if report is None:
                continue
            code, lines = judge(*parse_report(report), allowed)
            if not lines[0].startswith("audit: no vulnerability service answered"):
                lines[0] += f" [service: {service}]"
                break
    finally:
        requirements.unlink()
    print("\n".join(lines))
    return code


if __name__ == "__main__":
    sys.exit(main())
