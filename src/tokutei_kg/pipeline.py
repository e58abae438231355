"""The pipeline end to end: where a project keeps its files, and load → validate → build → write."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .atomic import write_files
from .errors import DatasetMissing, InputRejected, TokuteiError, ValidationFailed
from .report import Report

BUILT_NAME = "tokutei.nq"
JOURNAL_NAME = ".commit-journal.json"


@dataclass(frozen=True)
class Project:
    """The folders of a tokutei-kg project (DESIGN.md §3)."""

    root: Path

    @classmethod
    def find(cls, root: Path | None = None) -> Project:
        """``root`` if given, else ``$TOKUTEI_KG_ROOT``, else the nearest folder up from here that
        holds ``ontology/tokutei.ttl``, else the source tree this package was installed from."""
        candidates: list[Path] = []
        if root is not None:
            candidates.append(root)
        elif os.environ.get("TOKUTEI_KG_ROOT"):
            candidates.append(Path(os.environ["TOKUTEI_KG_ROOT"]))
        else:
            here = Path.cwd().resolve()
            candidates.extend([here, *here.parents, Path(__file__).resolve().parents[2]])
        for candidate in candidates:
            if (candidate / "ontology" / "tokutei.ttl").is_file():
                return cls(candidate.resolve())
        where = candidates[0] if candidates else Path.cwd()
        raise DatasetMissing(f"error: no tokutei-kg project at {where} (no ontology/tokutei.ttl) — "
                             "run inside the project folder or pass --root")

    @property
    def curated(self) -> Path:
        return self.root / "graph" / "curated"

    @property
    def ontology(self) -> Path:
        return self.root / "ontology" / "tokutei.ttl"

    @property
    def shapes(self) -> Path:
        return self.root / "ontology" / "shapes.ttl"

    @property
    def built(self) -> Path:
        return self.root / "graph" / "built" / BUILT_NAME

    @property
    def sparql(self) -> Path:
        return self.root / "sparql"

    @property
    def exports(self) -> Path:
        return self.root / "exports"

    @property
    def journal(self) -> Path:
        """The commit journal of an all-or-nothing write of the outputs (``atomic.write_files``)."""
        return self.root / "graph" / "built" / JOURNAL_NAME

    def checks(self) -> list[Path]:
        return sorted((self.sparql / "checks").glob("*-violation.rq"))


@dataclass
class Compiled:
    """What a build produced, with the findings met on the way."""

    result: object  # build.BuildResult
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


def _shacl(project: Project, result: object, nquads: bytes) -> Report:
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
            return check_shapes_on_store(store, shapes, result.origins)  # type: ignore[attr-defined]
        except Unsupported:
            pass
    union = Graph()
    dataset = result.dataset  # type: ignore[attr-defined]
    if dataset is None:
        from rdflib import Dataset

        dataset = Dataset().parse(data=nquads, format="nquads")
    for quad in dataset.quads((None, None, None, None)):
        union.add(quad[:3])
    return check_shapes(union, shapes, result.origins)  # type: ignore[attr-defined]


def _counts(result: object, nquads: bytes) -> dict[str, int]:
    curated = result.curated  # type: ignore[attr-defined]
    statuses = Counter(t.status for t in result.triangulation)  # type: ignore[attr-defined]
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
        "relations": len(result.triangulation),  # type: ignore[attr-defined]
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

    from .export import export_files, manifest_file
    from .visualise import ExplorerOptions, explorer_files

    store = ox.Store()
    store.load(nquads, format=ox.RdfFormat.N_QUADS)
    files, outputs = export_files(project, store)
    files.update(explorer_files(project, store, options=ExplorerOptions()))
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


def write_into_project(project: Project, files: dict[Path, bytes]) -> list[Path]:
    """Write ``files``; when some go into exports/, under the project's lock and together with an
    updated ``exports/MANIFEST.json`` (one commit), so the manifest keeps matching the files."""
    if not any(path.absolute().is_relative_to(project.exports.absolute()) for path in files):
        write_files(files)
        return list(files)
    from .export import manifest_file

    with writing(project):
        manifest, data = manifest_file(project, files)
        write_files({**files, manifest: data}, journal=project.journal)
    return list(files)


@contextlib.contextmanager
def writing(project: Project) -> Iterator[None]:
    """Hold the project's output lock; first finish a commit a killed run left half done (roll it
    forward) and remove the temp files it left."""
    from .atomic import output_lock, recover, remove_temp_files

    with output_lock(project.root):
        recover(project.journal)
        remove_temp_files(project.built.parent, project.exports)
        yield


def require_built(project: Project) -> Path:
    if project.journal.exists():  # a build was killed while committing: finish it, unless one is running
        from .atomic import OutputError

        try:
            with writing(project):
                pass
        except OutputError:
            pass
    if not project.built.is_file():
        raise DatasetMissing(f"error: no built dataset at {project.built} — run `tokutei-kg build` first")
    return project.built


__all__ = ["Project", "Compiled", "compile_project", "write_built", "writing", "write_into_project", "dataset_files",
           "output_files",
           "require_built", "TokuteiError"]
