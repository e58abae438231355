"""Stage 6: exports for the tools people already have, from one registry of writers.

Every writer turns the built dataset (canonical quads) or its network projection into bytes; nothing
here touches a file except :func:`write_exports` and :func:`write_format`, which write everything
atomically (temp file + rename) and the manifest last. Output bytes are deterministic: sorted, no
timestamps, blank nodes labelled by RDFC-1.0.

``WRITERS`` is the registry: ``tokutei-kg export --format`` takes its names, and the README's table
of formats is :func:`formats_table`.
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..built import Built
from ..errors import TokuteiError
from ..project import Project, writing

if TYPE_CHECKING:
    import networkx as nx
    import pyoxigraph as ox

EXPORTS_DIR = "exports"
MANIFEST_NAME = "MANIFEST.json"


class ExportError(TokuteiError):
    """An export could not be written (bad format name, unsafe target, a self-check that failed)."""


@dataclass(frozen=True)
class Output:
    """One file of an export: its path relative to the export folder, its bytes, what it holds."""

    path: str
    data: bytes
    counts: Mapping[str, int] = field(default_factory=dict)
    format: str = ""


Inputs = Built
"""What writers read: the :class:`~tokutei_kg.built.Built` dataset; ``Inputs(store)`` keeps working."""


def canonical(built: Built) -> list[ox.Quad]:
    """Every quad, blank nodes relabelled by RDFC-1.0, sorted; computed once per dataset."""
    def compute(built: Built) -> list[ox.Quad]:
        from .rdf import canonical_quads

        return canonical_quads(built.store.quads_for_pattern(None, None, None, None))

    return built.derived("export:canonical-quads", compute)


def tidy_network(built: Built) -> nx.MultiDiGraph:
    """The network projection with sorted nodes and edges and clean scalar values; computed once."""
    def compute(built: Built) -> nx.MultiDiGraph:
        from .network import tidy

        return tidy(built.network())

    return built.derived("export:tidy-network", compute)


@dataclass(frozen=True)
class Writer:
    """A format: its name (``--format``), what it is for, its kind, where it goes under exports/."""

    name: str
    description: str
    kind: str  # rdf | network | table | docs
    target: str  # a file name, or a folder name ending in "/" for a bundle of files
    function: str  # "module:function" in this package, imported when used (keeps --help fast)

    @property
    def bundle(self) -> bool:
        return self.target.endswith("/")

    def render(self, inputs: Built) -> list[Output]:
        module, _, name = self.function.partition(":")
        return getattr(importlib.import_module(f"{__name__}.{module}"), name)(inputs)


def _registry() -> dict[str, Writer]:
    writers = [
        Writer("ttl", "Turtle: the union of all named graphs (one graph), with prefixes", "rdf",
               "tokutei.ttl", "rdf:render_turtle"),
        Writer("trig", "TriG: the dataset with its named graphs (ontology, entities, sources, claims, "
                       "findings, statistics, one per source)", "rdf", "tokutei.trig", "rdf:render_trig"),
        Writer("nq", "N-Quads: the dataset with its named graphs, one quad a line (GraphDB, Virtuoso, "
                     "Fuseki, QLever, Oxigraph)", "rdf", "tokutei.nq", "rdf:render_nquads"),
        Writer("nt", "N-Triples: the union of all named graphs, one triple a line", "rdf", "tokutei.nt",
               "rdf:render_ntriples"),
        Writer("jsonld", "JSON-LD 1.1 with named graphs and an inline @context (also published as "
                         "context.jsonld)", "rdf", "tokutei.jsonld", "rdf:render_jsonld"),
        Writer("rdfxml", "RDF/XML of the ontology alone, for Protégé", "rdf", "tokutei-ontology.rdf",
               "rdf:render_rdfxml"),
        Writer("c14n", "canonical N-Quads (RDFC-1.0, sorted): for diffing and hashing", "rdf",
               "tokutei.c14n.nq", "rdf:render_c14n"),
        Writer("graphml", "GraphML of the network projection (Gephi, Cytoscape, yEd, networkx, igraph)",
               "network", "tokutei.graphml", "network:render_graphml"),
        Writer("gexf", "GEXF 1.3 of the network with start/end dates for Gephi's timeline", "network",
               "tokutei.gexf", "network:render_gexf"),
        Writer("cyjs", "Cytoscape JSON (Cytoscape desktop, cytoscape.js)", "network", "tokutei.cyjs",
               "network:render_cyjs"),
        Writer("neo4j", "Neo4j bundle: neo4j-admin import CSVs and a LOAD CSV Cypher script", "network",
               "neo4j/", "neo4j:render_neo4j"),
        Writer("csv", "CSV tables of nodes, edges, claims and sources (spreadsheets, pandas; "
                      "formula-safe)", "table", "csv/", "tables:render_tables"),
        Writer("docs", "HTML documentation of the ontology in English, Indonesian and Japanese", "docs",
               "ontology.html", "docs:render_docs"),
    ]
    return {writer.name: writer for writer in writers}


WRITERS: dict[str, Writer] = _registry()
FORMATS: tuple[str, ...] = tuple(WRITERS)


def render(inputs: Built, formats: Sequence[str] | None = None) -> list[Output]:
    """The outputs of the given formats (all when ``None``), in registry order."""
    chosen = list(FORMATS) if formats is None else list(dict.fromkeys(formats))
    unknown = [name for name in chosen if name not in WRITERS]
    if unknown:
        raise ExportError(f"unknown export format '{unknown[0]}'", hint=f"choose from {', '.join(FORMATS)}")
    outputs: list[Output] = []
    for name in FORMATS:
        if name in chosen:
            outputs.extend(dataclasses.replace(output, format=name) for output in WRITERS[name].render(inputs))
    return outputs


def exports_dir(project: Project) -> Path:
    return project.root / EXPORTS_DIR


def export_files(built: Built, formats: Sequence[str] | None = None) -> tuple[dict[Path, bytes], list[Output]]:
    """The given formats (all when ``None``) as ``{path under exports/: bytes}`` of the dataset's project,
    with their outputs."""
    folder = exports_dir(_project_of(built))
    outputs = render(built, formats)
    return {_inside(folder, output.path): output.data for output in outputs}, outputs


def manifest_file(project: Project, files: Mapping[Path, bytes], outputs: Iterable[Output] = (),
                  dataset: bytes | None = None) -> tuple[Path, bytes]:
    """``exports/MANIFEST.json`` as it must read once ``files`` (about to be written with it) are in
    place; ``dataset`` is the built N-Quads they come from (default: the one on disk)."""
    from .manifest import render_manifest

    folder = exports_dir(project)
    pending = {path.relative_to(folder).as_posix(): data for path, data in files.items()
               if path.is_relative_to(folder)}
    if dataset is None:
        dataset = project.built.read_bytes()
    return _inside(folder, MANIFEST_NAME), render_manifest(folder, outputs, dataset, pending)


def write_exports(built: Built, formats: Sequence[str] | None = None) -> list[Path]:
    """Write the given formats (all when ``None``) into ``exports/``, with ``exports/MANIFEST.json``.

    All files and the manifest are committed as one unit (temp files, a journal, renames: see
    ``atomic``), so a failure or a kill leaves the previous exports byte-identical or the new ones
    complete. Returns the paths written, the manifest last.
    """
    from ..atomic import write_files

    project = _project_of(built)
    files, outputs = export_files(built, formats)
    manifest, data = manifest_file(project, files, outputs)
    write_files({**files, manifest: data}, journal=project.journal)
    return [*files, manifest]


def write_manifest(project: Project, outputs: Iterable[Output] = ()) -> Path:
    """(Re)write ``exports/MANIFEST.json`` for the files now in exports/ — call it after anything
    else that writes into exports/ (the explorer), so the manifest stays the last file written."""
    from ..atomic import write_files

    manifest, data = manifest_file(project, {}, outputs)
    write_files({manifest: data})
    return manifest


def write_into_project(project: Project, files: dict[Path, bytes]) -> list[Path]:
    """Write ``files``; when some go into exports/, under the project's lock and together with an
    updated ``exports/MANIFEST.json`` (one commit), so the manifest keeps matching the files."""
    from ..atomic import write_files

    if not any(path.absolute().is_relative_to(project.exports.absolute()) for path in files):
        write_files(files)
        return list(files)
    with writing(project):
        manifest, data = manifest_file(project, files)
        write_files({**files, manifest: data}, journal=project.journal)
    return list(files)


def write_format(built: Built, name: str, target: Path) -> list[Path]:
    """Write one format to ``target``: a file, or a folder for a bundle (``neo4j``, ``csv``)."""
    from ..atomic import write_files

    if name not in WRITERS:
        raise ExportError(f"unknown export format '{name}'", hint=f"choose from {', '.join(FORMATS)}")
    writer = WRITERS[name]
    outputs = writer.render(built)
    if writer.bundle:
        if target.exists() and not target.is_dir():
            raise ExportError(f"{target} is a file; the {name} export is a folder of files", hint="give a folder")
        files = {_inside(target, output.path.removeprefix(writer.target)): output.data for output in outputs}
    else:
        if target.is_dir():
            target = target / writer.target
        files = {target: outputs[0].data}
    write_files(files)
    return list(files)


def _project_of(built: Built) -> Project:
    if built.project is None:
        raise ExportError("exports/ belongs to the dataset's project",
                          hint="give a Built with its project (Built.open(project))")
    return built.project


def _inside(folder: Path, relative: str) -> Path:
    """``folder/relative``, refusing anything that would land outside ``folder`` or replace a symlink."""
    path = folder / relative
    resolved_folder = folder.resolve()
    if ".." in Path(relative).parts or Path(relative).is_absolute() or \
            not path.parent.resolve().is_relative_to(resolved_folder):
        raise ExportError(f"export path {relative} would leave {folder}")
    if path.is_symlink():
        raise ExportError(f"{path} is a symbolic link", hint="refusing to replace it; remove it and export again")
    return path


def formats_table() -> str:
    """A Markdown table of the formats, for the README."""
    lines = ["| format | file under exports/ | for |", "|---|---|---|"]
    lines += [f"| `{w.name}` | `{w.target}` | {w.description} |" for w in WRITERS.values()]
    return "\n".join(lines) + "\n"


def counts_of(outputs: Iterable[Output]) -> dict[str, Mapping[str, int]]:
    return {output.path: output.counts for output in outputs}


__all__ = ["WRITERS", "FORMATS", "Writer", "Output", "Inputs", "Built", "ExportError", "render", "write_exports",
           "write_format", "write_manifest", "write_into_project", "export_files", "manifest_file", "formats_table"]
