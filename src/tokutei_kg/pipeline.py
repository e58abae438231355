"""The pipeline end to end: load → validate → build → write. Where a project keeps its files is
:mod:`.project` (re-exported here, so ``from tokutei_kg.pipeline import Project`` keeps working)."""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .atomic import write_files
from .errors import InputRejected, TokuteiError, ValidationFailed
from .export import write_into_project
from .project import BUILT_NAME, JOURNAL_NAME, Project, require_built, writing
from .report import Report

if TYPE_CHECKING:
    from .build import BuildResult


@dataclass
class Compiled:
    """What a build produced, with the findings met on the way."""

    result: BuildResult
    report: Report
    nquads: bytes = b""
    counts: dict[str, int] = field(default_factory=dict)


STAGES = ("reading the curated tables", "checking the records", "building the dataset",
          "writing canonical N-Quads", "validating with SHACL")


def compile_project(project: Project, *, as_of: dt.date | None = None, shacl: bool = True,
                    strict: bool = False, progress: Callable[[str], None] | None = None,
                    keep_dataset: bool = True) -> Compiled:
    """Load, check and build. Raises :class:`InputRejected` (bad input) or :class:`ValidationFailed`.

    ``progress`` is called with each of :data:`STAGES` as it starts (the CLI shows them on a terminal).
    Without ``keep_dataset`` the rdflib Dataset is dropped once its N-Quads are written (``result.dataset``
    is then an empty Dataset), so the later stages of a large build do not hold it."""
    step = progress or (lambda _stage: None)
    from .build import build_dataset, canonical_nquads
    from .ontology import parse_turtle, vocabulary
    from .reader import read_curated
    from .validate import check_records

    step(STAGES[0])
    ontology = parse_turtle(project.ontology, shown=project.ontology.relative_to(project.root))
    vocab = vocabulary(ontology)
    curated, report = read_curated(project.curated, project.root)
    step(STAGES[1])
    if report.ok:
        report.extend(check_records(curated, vocab, project.root))
    if not report.ok or (strict and report.warnings):
        raise InputRejected(report)
    step(STAGES[2])
    result = build_dataset(curated, ontology, vocab, as_of=as_of)
    step(STAGES[3])
    nquads = canonical_nquads(result.dataset)
    if not keep_dataset:
        import dataclasses

        from rdflib import Dataset

        result = dataclasses.replace(result, dataset=Dataset())  # the built one is freed
    if shacl:
        step(STAGES[4])
        report.extend(_shacl(project, result, nquads))
        if not report.ok or (strict and report.warnings):
            raise ValidationFailed(report)
    return Compiled(result, report, nquads, _counts(result, nquads))


def _shacl(project: Project, result: BuildResult, nquads: bytes) -> Report:
    """SHACL on an Oxigraph copy of the dataset (:mod:`.shacl`); pySHACL on an rdflib copy for shapes
    outside its subset, or when ``TOKUTEI_KG_SHACL=pyshacl``."""
    from rdflib import Graph

    from .ontology import parse_turtle
    from .shacl import Unsupported
    from .validate import check_shapes, check_shapes_on_store

    shapes = parse_turtle(project.shapes, shown=project.shapes.relative_to(project.root))
    if os.environ.get("TOKUTEI_KG_SHACL", "").lower() != "pyshacl":
        import pyoxigraph as ox

        store = ox.Store()
        store.bulk_load(nquads, format=ox.RdfFormat.N_QUADS)
        try:
            return check_shapes_on_store(store, shapes, result.origins)
        except Unsupported:
            pass
    union = Graph()
    dataset = result.dataset
    if dataset is None:
        from rdflib import Dataset

        dataset = Dataset().parse(data=nquads, format="nquads")
    for quad in dataset.quads((None, None, None, None)):
        union.add(quad[:3])
    return check_shapes(union, shapes, result.origins)


def _counts(result: BuildResult, nquads: bytes) -> dict[str, int]:
    curated = result.curated
    statuses = Counter(t.status for t in result.triangulation)
    # lines end at "\n" only: a literal may hold U+2028, U+2029 or U+0085 (str.splitlines breaks there)
    lines = [line for line in nquads.decode().split("\n") if line and not line.startswith("#")]
    graphs = {line.rsplit(" ", 2)[-2] for line in lines}
    return {
        "sources": len(curated.sources),
        "entities": len(curated.entities),
        "claims": len(curated.claims),
        "observations": len(curated.observations),
        "quads": len(lines),
        "graphs": len(graphs),
        "relations": len(result.triangulation),
        **{f"status:{status}": statuses.get(status, 0) for status in
           ("triangulated", "corroborated", "single-source", "contested")},
    }


def dataset_files(project: Project, compiled: Compiled, output: Path | None = None) -> dict[Path, bytes]:
    """The N-Quads and, for the project's dataset, its record (``checksum``), as ``{path: bytes}``."""
    from .checksum import record_path, render_record

    target = output or project.built
    files = {target: compiled.nquads}
    if target.absolute() == project.built.absolute():
        files[record_path(target)] = render_record(compiled.nquads, graphs=compiled.counts.get("graphs", 0))
    return files


def output_files(project: Project, nquads: bytes) -> dict[Path, bytes]:
    """Everything derived from the dataset ``nquads``: the exports, the explorer, then the manifest."""
    import pyoxigraph as ox

    from .built import Built
    from .export import export_files, manifest_file
    from .visualise import explorer_files

    store = ox.Store()
    store.load(nquads, format=ox.RdfFormat.N_QUADS)
    built = Built(store, project)  # one value: the exports and the explorer share its network projection
    files, outputs = export_files(built)
    files.update(explorer_files(built))
    manifest, data = manifest_file(project, files, outputs, nquads)
    files[manifest] = data
    return files


def write_built(project: Project, compiled: Compiled, output: Path | None = None, *,
                exports: bool = False) -> list[Path]:
    """Write the dataset (and its record) — with ``exports``, also exports/ and the explorer — as one
    unit: every file is staged, then committed through a journal, so a failure or a kill leaves all
    the old outputs or all the new ones. Returns the paths written."""
    files = dataset_files(project, compiled, output)
    if exports and output is None:
        files.update(output_files(project, compiled.nquads))
    write_files(files, journal=project.journal if output is None else None)
    return list(files)


__all__ = ["Project", "Compiled", "compile_project", "write_built", "writing", "write_into_project", "dataset_files",
           "output_files",
           "require_built", "TokuteiError", "BUILT_NAME", "JOURNAL_NAME"]
