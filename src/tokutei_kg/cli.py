"""The ``tokutei-kg`` command: parse options, call a stage, print. Exit codes: 0 ok, 1 the data does
not conform or a check found rows, 2 bad input or usage, 3 not implemented.

Heavy libraries (rdflib's SPARQL engine, pySHACL, owlready2, pyvis) are imported inside the commands
that need them, so ``tokutei-kg --help`` and ``tokutei-kg query`` start fast.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from .errors import InputRejected, TokuteiError, ValidationFailed, format_error
from .options import as_of_option, format_option, lang_option

if TYPE_CHECKING:
    from .built import Built
    from .project import Project
    from .query import Answer


def _print_findings(report: Any, *, stream: Any = None) -> None:
    stream = stream or sys.stderr
    for finding in report.sorted():
        click.echo(str(finding), file=stream)
    errors, warnings = len(report.errors), len(report.warnings)
    click.echo(f"{errors} error{'s' if errors != 1 else ''}, {warnings} warning{'s' if warnings != 1 else ''}",
               file=stream)


def handle_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Map library errors to one-line messages and exit codes (no traceback unless --traceback)."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        ctx = click.get_current_context()
        try:
            result = command(*args, **kwargs)
            sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's exit
            return result
        except BrokenPipeError:
            # The reader went away (`tokutei-kg query … | head`): stop quietly, as Unix tools do, and
            # point stdout at /dev/null so the interpreter's own flush at exit has nowhere to fail.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            ctx.exit(0)
        except (InputRejected, ValidationFailed) as exc:
            if ctx.obj.get("traceback"):
                raise
            _print_findings(exc.report)
            ctx.exit(exc.exit_code)
        except TokuteiError as exc:
            if ctx.obj.get("traceback"):
                raise
            click.echo(format_error(exc), err=True)
            ctx.exit(exc.exit_code)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception as exc:  # a bug: say so in one line; --traceback shows it
            if ctx.obj.get("traceback"):
                raise
            click.echo(f"error: internal error ({type(exc).__name__}: {exc}) — please report it; "
                       "--traceback shows the details", err=True)
            ctx.exit(2)

    return wrapper


def _project(ctx: click.Context) -> Project:
    from .project import Project

    return Project.find(ctx.obj.get("root"))


def _built(ctx: click.Context, *, cache: bool = False) -> Built:
    """The project's built dataset, as every reader command takes it."""
    from .built import Built

    return Built.open(_project(ctx), cache=cache)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--root", type=click.Path(file_okay=False, path_type=Path),
              help="Project folder (default: $TOKUTEI_KG_ROOT, else the folder holding ontology/tokutei.ttl).")
@click.option("--traceback", is_flag=True, help="Show Python tracebacks for errors (for bug reports).")
@click.version_option(package_name="tokutei-kg")
@click.pass_context
def main(ctx: click.Context, root: Path | None, traceback: bool) -> None:
    """Knowledge graph of the Japan–Indonesia cooperation in Japan's Specified Skilled Worker
    programme (特定技能 / Tokutei Ginou): curated, sourced claims → RDF, SPARQL, networks, exports.

    \b
    Example:
      tokutei-kg build
      tokutei-kg query actors-by-side
    """
    ctx.ensure_object(dict)
    ctx.obj.update(root=root, traceback=traceback)
    _encoding_safe_output()


def _encoding_safe_output() -> None:
    """A terminal that cannot show a character (PYTHONIOENCODING=ascii, LANG=C) gets ``\\u2014``
    escapes instead of an error — which would come after a command had written its files."""
    import contextlib

    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None and getattr(stream, "errors", "strict") == "strict":
            with contextlib.suppress(ValueError, OSError):
                reconfigure(errors="backslashreplace")


@main.command()
@as_of_option("Keep only what is valid on this date.")
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the N-Quads here instead of graph/built/tokutei.nq (and write no exports).")
@click.option("--no-exports", is_flag=True, help="Only the dataset: skip exports/ and the explorer.")
@click.pass_context
@handle_errors
def build(ctx: click.Context, as_of: dt.date | None, strict: bool, output: Path | None, no_exports: bool) -> None:
    """Build the RDF dataset from graph/curated/*.csv and the ontology.

    Checks every row (exit 2 on bad input, naming file:row:column), validates the result with SHACL
    (exit 1 if it does not conform), then writes canonical, sorted N-Quads atomically, and every
    export (exports/, with MANIFEST.json) and the explorer from them.

    \b
    Example:
      tokutei-kg build
      tokutei-kg build --as-of 2020-01-01 -o /tmp/tokutei-2020.nq
    """
    from .errors import display_path
    from .pipeline import compile_project, write_built, writing

    project = _project(ctx)
    exports = output is None and not no_exports
    with writing(project):  # one build at a time; the dataset, its record and exports/ change as one unit
        with _Stages() as stages:
            compiled = compile_project(project, as_of=as_of, strict=strict, progress=stages, keep_dataset=False)
        for finding in compiled.report.sorted():
            click.echo(str(finding), err=True)
        files = write_built(project, compiled, output, exports=exports)
    written = files[:1]
    c = compiled.counts
    click.echo(f"built {', '.join(display_path(p) for p in written)}" + (f" (as of {as_of})" if as_of else ""))
    click.echo(f"  sources       {c['sources']}")
    click.echo(f"  entities      {c['entities']}")
    click.echo(f"  claims        {c['claims']}")
    click.echo(f"  observations  {c['observations']}")
    click.echo(f"  relations     {c['relations']} (triangulated {c['status:triangulated']}, corroborated "
               f"{c['status:corroborated']}, single-source {c['status:single-source']}, contested "
               f"{c['status:contested']})")
    click.echo(f"  quads         {c['quads']} in {c['graphs']} named graphs")
    if exports:
        exported = [path for path in files if path.is_relative_to(project.exports)]
        click.echo(f"  exports       {len(exported)} files in {display_path(project.exports)}/ "
                   "(MANIFEST.json lists them; open exports/explorer.html in a browser)")


class _Stages:
    """Which stage a long command is in, on stderr — only on a terminal and only once 2 s have passed,
    so piped and CI output never shows it."""

    def __init__(self, after: float = 2.0) -> None:
        import time

        self.clock, self.after, self.shown, self.count = time.monotonic, after, False, 0
        self.started = self.clock()
        self.enabled = sys.stderr.isatty()

    def __call__(self, stage: str) -> None:
        self.count += 1
        if self.enabled and self.clock() - self.started >= self.after:
            click.echo(f"\r\033[K[{self.count}] {stage}…", err=True, nl=False)
            self.shown = True

    def __enter__(self) -> _Stages:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.shown:
            click.echo("\r\033[K", err=True, nl=False)


@main.command()
@click.option("--no-shacl", is_flag=True, help="Only the record checks (faster).")
@click.pass_context
@handle_errors
def validate(ctx: click.Context, no_shacl: bool) -> None:
    """Check the curated data and the ontology; print every finding.

    Record checks (exit 2: bad input, each finding names file:row:column), SHACL shapes on the built
    data and the QC checks sparql/checks/*-violation.rq on the ontology (exit 1 on any violation).

    \b
    Example:
      tokutei-kg validate
    """
    from .pipeline import compile_project
    from .validate import run_checks

    project = _project(ctx)
    try:
        report = compile_project(project, shacl=not no_shacl).report
    except InputRejected as exc:
        _print_findings(exc.report, stream=sys.stdout)
        ctx.exit(exc.exit_code)
    except ValidationFailed as exc:
        report = exc.report  # type: ignore[assignment]
    report.extend(run_checks(project.ontology, project.checks(), root=project.root))
    _print_findings(report, stream=sys.stdout)
    if not report.ok:
        ctx.exit(1)


@main.command()
@click.argument("name", required=False)
@click.option("-e", "--expression", help="Run this SPARQL text instead of a named query or file.")
@format_option(["table", "csv", "tsv", "json", "md"], "table", "Output format (json = SPARQL 1.1 JSON results).")
@click.option("--bind", "binds", multiple=True, metavar="NAME=VALUE",
              help="Bind a query variable: an entity id (kemnaker), a concept (stage:matching), <iri> or a literal.")
@as_of_option("Query the dataset as it stood on this date.")
@lang_option("Language of the labels shown for IRIs in table and md output.")
@click.option("--endpoint", metavar="URL", help="Run the query on this SPARQL 1.1 Protocol endpoint instead.")
@click.pass_context
@handle_errors
def query(ctx: click.Context, name: str | None, expression: str | None, fmt: str, binds: tuple[str, ...],
          as_of: dt.date | None, lang: str, endpoint: str | None) -> None:
    """Run a SPARQL query over the built dataset (the union of its named graphs).

    NAME is a query of the library (sparql/cq, sparql/reports, sparql/checks; `tokutei-kg queries`
    lists them) or a .rq file. Queries are read-only: updates, SERVICE and FROM <file:…> are refused.
    A bound variable must appear in the SELECT clause.

    \b
    Example:
      tokutei-kg query actors-by-side --lang ja
      tokutei-kg query -e 'SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }' --format csv
      tokutei-kg query actors-by-side --endpoint http://127.0.0.1:7878/query
    """
    from pyoxigraph import QuerySolutions

    from .errors import QueryError
    from .query import QueryText, counted, is_check, query_dataset, render, resolve

    project = _project(ctx)
    if expression is not None and name is None:
        query_text = QueryText(expression, "<inline>")
    elif name is not None and expression is None:
        query_text = resolve(name, project.sparql)
    else:
        raise QueryError("give a query NAME or FILE, or -e SPARQL (one of them)")
    shown = None

    def answer(result: Answer) -> tuple[str, int]:
        failures = 0
        if is_check(query_text.name) and isinstance(result, QuerySolutions):
            result, failures = counted(result)  # a check fails when it finds any row
        return render(result, fmt, shown), failures

    if endpoint:
        if binds or as_of:
            raise QueryError("--bind and --as-of work on the local dataset only, not with --endpoint")
        from .remote import run_remote

        output, failures = answer(run_remote(endpoint, query_text))
    else:
        from .built import Built

        built = Built.open(project, cache=True).at(as_of)
        shown = built.labels(lang) if fmt in ("table", "md") else None
        output, failures = query_dataset(built, query_text, binds, consume=answer)
    click.echo(output, nl=False)
    if failures:
        ctx.exit(1)


@main.command()
@lang_option("Language of the questions (from each .rq header; English where a query has none).")
@click.pass_context
@handle_errors
def queries(ctx: click.Context, lang: str) -> None:
    """List the named queries of the library with the question each answers.

    \b
    Example:
      tokutei-kg queries
      tokutei-kg queries --lang id
    """
    from .query import library

    project = _project(ctx)
    for name, path in library(project.sparql).items():
        click.echo(f"{name:32} {_question(path, lang)}")


def _question(path: Path, lang: str = "en") -> str:
    """The question (or check) of a .rq file in ``lang``, or in English where it has none."""
    from .header import parse_header

    header = parse_header(path.read_text(encoding="utf-8"))
    return header.text(lang) or header.text("en")



@main.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--name", help="Project name (slug) for the files it writes (default: the .qdpx project name, "
                             "else the file name).")
@click.option("--init-mapping", is_flag=True,
              help="Write graph/mappings/<project>.csv listing the codes, groups and roles to map, then stop.")
@click.option("--mapping", "mapping_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Code mapping to use instead of graph/mappings/<project>.csv.")
@click.option("--dry-run", is_flag=True, help="Check and report, write nothing.")
@lang_option("Language of the summary and the change report.")
@click.pass_context
@handle_errors
def import_(ctx: click.Context, file: Path, name: str | None, init_mapping: bool, mapping_file: Path | None,
            dry_run: bool, lang: str) -> None:
    """Import coded interviews: a REFI-QDA project (.qdpx, from ATLAS.ti, NVivo, MAXQDA, QualCoder …)
    or the one-sheet form (.csv or .xlsx, see graph/templates/interview-sheet.csv).

    Writes graph/curated/sources/interview-<project>.csv and graph/curated/claims/interview-<project>.csv
    (only those two files, together, atomically; the same input gives the same bytes), using the code
    mapping graph/mappings/<project>.csv. Prints the agreement of two coders (Cohen's kappa per code) and
    which relations change triangulation status. Then run `tokutei-kg build`.

    \b
    Example:
      tokutei-kg import fieldwork.qdpx --init-mapping
      tokutei-kg import fieldwork.qdpx
      tokutei-kg import interviews.xlsx --name fieldwork-2024 --lang id
    """
    from .errors import display_path
    from .interviews import importer

    project = _project(ctx)
    if init_mapping:
        target, data = importer.init_mapping(project, file, name=name, shown=Path(display_path(file.absolute())))
        if target.exists():
            raise TokuteiError(f"{display_path(target)} exists", hint="edit it, or delete it to start again")
        from .atomic import write_file

        write_file(target, data)
        click.echo(f"wrote {display_path(target)} — fill in maps_to for every row, then import again")
        return
    plan = importer.plan_import(project, file, name=name, shown=Path(display_path(file.absolute())),
                                mapping=mapping_file)
    written = [] if dry_run else importer.write_plan(plan)
    for line in importer.summary(plan, written, dry_run=dry_run, lang=lang):
        click.echo(line)


@main.command()
@click.argument("triple", nargs=-1, metavar="[SUBJECT RELATION OBJECT]")
@click.option("--status", "statuses", multiple=True,
              type=click.Choice(["triangulated", "corroborated", "single-source", "contested", "all"]),
              help="Relations with this status (repeatable; default: single-source and contested).")
@click.option("--entity", help="Only relations with this entity (id) or concept (issue:wages) at either end.")
@click.option("--stage", help="Only relations claimed at this stage (stage:matching).")
@as_of_option("Count only claims valid on this date.")
@lang_option("Language of labels.")
@format_option(["table", "csv", "json"], "table")
@click.option("--changes", is_flag=True,
              help="Which relations the imported interviews (*/interview-*.csv) changed in triangulation status.")
@click.pass_context
@handle_errors
def evidence(ctx: click.Context, triple: tuple[str, ...], statuses: tuple[str, ...], entity: str | None,
             stage: str | None, as_of: dt.date | None, lang: str, fmt: str, changes: bool) -> None:
    """Triangulation report: how many sources, of which types and perspectives, stand behind each
    relation; which relations rest on a single source and which are contested.

    \b
    Example:
      tokutei-kg evidence
      tokutei-kg evidence --status contested
      tokutei-kg evidence --entity kemnaker --status all --format csv
      tokutei-kg evidence moc-2019-ssw dateSigned 2019-06-25
      tokutei-kg evidence --changes --lang id
    """
    if changes:
        from .interviews.changes import interview_changes, labels_of, render

        found, built = interview_changes(_project(ctx))
        for line in render(found, labels_of(built.dataset, lang), lang, what="interviews"):
            click.echo(line)
        return
    from . import evidence as ev
    from .errors import QueryError
    from .render import render_evidence

    if triple and len(triple) != 3:
        raise QueryError("give a whole triple: SUBJECT RELATION OBJECT (e.g. kemnaker operates ipkol)")
    subject, relation, obj = triple or ("", "", "")
    everything, chosen = ev.report(_built(ctx).at(as_of), triple=(subject, relation, obj) if triple else None,
                                   statuses=statuses, entity=entity or "", stage=stage or "", lang=lang)
    click.echo(render_evidence(everything, chosen, fmt), nl=False)


@main.command()
@click.argument("start", metavar="FROM")
@click.argument("end", metavar="TO")
@click.option("--max-hops", type=click.IntRange(1, 8), default=4, show_default=True)
@click.option("--stage", help="Only relations claimed at this stage (stage:support-supervision).")
@click.option("--via", help="Only paths through this entity.")
@as_of_option("Only what was valid on this date.")
@click.option("--min-status", type=click.Choice(["single-source", "corroborated", "triangulated"]),
              help="Only hops at least this well evidenced.")
@click.option("--limit", type=click.IntRange(1, 1000), default=10, show_default=True, help="At most this many paths.")
@lang_option()
@format_option(["text", "md", "json"], "text")
@click.option("--html", "html_output", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write an explorer page (offline HTML) with just these paths highlighted.")
@click.pass_context
@handle_errors
def paths(ctx: click.Context, start: str, end: str, max_hops: int, stage: str | None, via: str | None,
          as_of: dt.date | None, min_status: str | None, limit: int, lang: str, fmt: str,
          html_output: Path | None) -> None:
    """Coordination paths between two institutions, each hop with its relation and evidence.

    FROM and TO are ids, labels or aliases in English, Indonesian or Japanese (kemnaker, 入管, BP2MI).
    Paths are ranked shortest first, then best evidenced (triangulated > corroborated > single-source).

    \b
    Example:
      tokutei-kg paths kemnaker isa
      tokutei-kg paths lpk accepting-organization --max-hops 3 --format md
      tokutei-kg paths BP2MI 入管 --min-status triangulated
      tokutei-kg paths kemnaker isa --html kemnaker-isa.html
    """
    from .analyse import coordination_paths
    from .render import render_paths

    if html_output is not None:
        from .atomic import check_target

        check_target(html_output)  # before any work or output: never a device, FIFO, socket or link
    built = _built(ctx).at(as_of)
    found = coordination_paths(built, start, end, max_hops=max_hops, stage=stage or "", via=via or "",
                               min_status=min_status or "", limit=limit)
    graph, a, b = found.graph, found.start, found.end
    if not found.found:
        names = ", ".join(f"{graph.nodes[n]['id']} ({d} hop{'s' if d != 1 else ''} from {graph.nodes[b]['id']})"
                          for n, d in found.nearest) or "none"
        click.echo(f"no coordination path from {graph.nodes[a]['id']} to {graph.nodes[b]['id']} within {max_hops} "
                   f"hops under these filters; nearest reachable: {names}", err=True)
        ctx.exit(1)
    click.echo(render_paths(graph, found.found, built.sources, lang=lang, fmt=fmt, start=a, end=b,
                            max_hops=max_hops), nl=False)
    if html_output is not None:
        from .errors import display_path
        from .visualise import write_paths_page

        write_paths_page(html_output, built, found, lang=lang)
        click.echo(f"wrote {display_path(html_output)} — open it in a web browser", err=True)


@main.command()
@as_of_option("Only what was valid on this date.")
@lang_option()
@format_option(["table", "csv", "json"], "table")
@click.pass_context
@handle_errors
def analyse(ctx: click.Context, as_of: dt.date | None, lang: str, fmt: str) -> None:
    """Brokerage and centrality on the network: betweenness, cross-border brokers (institutions on the
    most shortest Indonesia ↔ Japan paths), degree by side and stage, single-source relations.

    \b
    Example:
      tokutei-kg analyse
      tokutei-kg analyse --format json > analysis.json
    """
    from .analyse import analysis
    from .render import render_centrality

    found = analysis(_built(ctx).at(as_of), lang=lang)
    note = found.note  # above analyse.EXACT_UP_TO entities betweenness is a seeded estimate
    click.echo(render_centrality(found.centrality, found.single_source, found.degree, fmt, note), nl=False)
    if note and fmt == "csv":
        click.echo(f"note: {note}", err=True)


@main.command()
@click.pass_context
@handle_errors
def reason(ctx: click.Context) -> None:
    """Check that the ontology is consistent with the HermiT reasoner (needs Java).

    \b
    Example:
      tokutei-kg reason
    """
    from .reason import check_consistency

    project = _project(ctx)
    result = check_consistency(project.ontology)
    if result.consistent:
        click.echo(f"consistent: HermiT classified ontology/tokutei.ttl ({result.triples} triples) "
                   f"in {result.seconds:.1f} s; no unsatisfiable classes")
        return
    click.echo("inconsistent: HermiT found the ontology inconsistent", err=True)
    for iri in result.unsatisfiable:
        click.echo(f"  unsatisfiable class: {iri}", err=True)
    ctx.exit(1)


# --- exports, the endpoint, other stores (issue 6) ------------------------------------------------

def _export_formats() -> list[str]:
    from .export import FORMATS

    return list(FORMATS)


@main.command()
@format_option(_export_formats(), help="Format to write (repeatable; default: every format). `tokutei-kg export "
                                       "--list` describes them.", multiple=True)
@click.option("-o", "--output", type=click.Path(path_type=Path),
              help="Write one --format here (a file; a folder for neo4j and csv) instead of exports/.")
@click.option("--list", "list_formats", is_flag=True, help="List the formats and what each is for.")
@click.pass_context
@handle_errors
def export(ctx: click.Context, formats: tuple[str, ...], output: Path | None, list_formats: bool) -> None:
    """Export the built dataset for other tools: RDF (Turtle, TriG, N-Quads, N-Triples, JSON-LD, RDF/XML,
    canonical N-Quads), networks (GraphML, GEXF for Gephi, Cytoscape JSON, a Neo4j bundle), CSV tables
    and HTML ontology docs.

    Without -o, writes into exports/ (every format when --format is not given) and then
    exports/MANIFEST.json with each file's size, SHA-256 and counts. Files are written atomically.

    \b
    Example:
      tokutei-kg export
      tokutei-kg export --format gexf --format graphml
      tokutei-kg export --format neo4j -o /tmp/neo4j-import
    """
    from .errors import display_path
    from .export import WRITERS, write_exports, write_format

    if list_formats:
        for writer in WRITERS.values():
            click.echo(f"{writer.name:8} {writer.target:22} {writer.description}")
        return
    if output is not None and len(formats) != 1:
        raise click.UsageError("-o writes one format: give exactly one --format with it")
    from .project import writing

    built = _built(ctx)
    if output is not None:
        written = write_format(built, formats[0], output)
    else:
        assert built.project is not None  # Built.open keeps the project
        with writing(built.project):
            written = write_exports(built, list(formats) or None)
    for path in written:
        click.echo(f"wrote {display_path(path)} ({path.stat().st_size:,} bytes)")


def _how_to_stop() -> str:
    """Ctrl-C, unless this process was started with SIGINT ignored (as a background job of a script,
    ``tokutei-kg serve &``, is): then Ctrl-C cannot stop it, and the line says what does."""
    import signal

    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        return f"Ctrl-C is ignored in this process (started in the background?): stop it with kill {os.getpid()}"
    return "Ctrl-C stops"


@main.command()
@click.option("--port", type=click.IntRange(0, 65535), default=7878, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Anything but loopback exposes the endpoint to your network.")
@click.option("--cors", metavar="ORIGIN",
              help="Allow web pages from ORIGIN (e.g. http://localhost:3000, or *) to query.")
@click.option("--timeout", type=click.FloatRange(0.1, 600), default=10.0, show_default=True,
              help="Seconds a query may run before it is stopped.")
@click.option("--allow-host", "allow_hosts", multiple=True, metavar="NAME",
              help="Also answer requests whose Host header is NAME (the server's name or address on your "
                   "network); loopback names and the bound address are always answered. Repeatable.")
@click.pass_context
@handle_errors
def serve(ctx: click.Context, port: int, host: str, cors: str | None, timeout: float,
          allow_hosts: tuple[str, ...]) -> None:
    """Serve the built dataset as a read-only SPARQL 1.1 endpoint, with a query page in the browser.

    Queries go to /query (GET or POST, SPARQL 1.1 Protocol); / is a query page with the query library;
    /exports/ serves the exports (explorer, ontology docs). Updates, SERVICE and FROM outside the dataset
    are refused; a query is stopped after --timeout seconds; results are capped at 16 MiB. Ctrl-C stops.

    \b
    Example:
      tokutei-kg serve
      tokutei-kg serve --port 8000 --cors http://localhost:3000
      curl http://127.0.0.1:7878/query --data-urlencode 'query=ASK { ?s ?p ?o }'
    """
    import logging

    from .serve import ServeOptions
    from .serve import serve as run_server

    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    options = ServeOptions(host=host, port=port, cors=cors, timeout=timeout, allow_hosts=allow_hosts)

    def ready(running: Any) -> None:
        if running.beyond_loopback:
            click.echo(f"warning: listening on {host} — other machines on your network can query this endpoint; "
                       "requests are answered only for the Host names 127.0.0.1, localhost, [::1], the bound "
                       "address and those given with --allow-host", err=True)
        click.echo(f"serving {running.quads:,} quads read-only at {running.url} (SPARQL: {running.url}query) "
                   f"— {_how_to_stop()}", err=True)

    # the dataset is handed over, not kept here: the engine process holds it, this one only speaks HTTP
    run_server(_built(ctx), options, on_ready=ready)


@main.command()
@click.option("--endpoint", required=True, metavar="URL", help="SPARQL query endpoint of the store (for the check).")
@click.option("--graph-store", metavar="URL",
              help="Graph Store Protocol URL (default: guessed from --endpoint for Oxigraph, Fuseki, Virtuoso, "
                   "GraphDB).")
@click.option("--replace", is_flag=True, help="Replace each graph (HTTP PUT) instead of adding to it (POST).")
@click.pass_context
@handle_errors
def push(ctx: click.Context, endpoint: str, graph_store: str | None, replace: bool) -> None:
    """Upload the built dataset to a SPARQL store, one named graph at a time (SPARQL 1.1 Graph Store
    HTTP Protocol), then check the triple count of every graph through the store's SPARQL endpoint.

    Exit 1 if a count differs (e.g. graphs that held triples before a push without --replace).

    \b
    Example:
      tokutei-kg push --endpoint http://127.0.0.1:7878/query --replace
      tokutei-kg push --endpoint http://localhost:3030/ds/sparql --graph-store http://localhost:3030/ds/data
    """
    from .remote import graph_store_url, push_summary
    from .remote import push as push_dataset

    store = _built(ctx).store
    target = graph_store or graph_store_url(endpoint)
    with click.progressbar(length=len(store), label=f"pushing to {target}", file=sys.stderr) as bar:
        report = push_dataset(store, endpoint, graph_store=target, replace=replace, progress=bar.update)
    differing = [c for c in report.counts if not c.ok]
    click.echo(f"pushed {report.triples:,} triples in {len(report.counts)} graphs to {target} "
               f"({'replaced' if replace else 'added'}); read back through {endpoint}: "
               + ("every graph count matches" if not differing else
                  f"{len(differing)} graph{'s differ' if len(differing) != 1 else ' differs'}"))
    if differing:
        lines = push_summary(report)
        for line in lines[:1] + [line for line in lines[1:] if line.endswith("differs")]:
            click.echo(line, err=True)
        if not replace:
            click.echo("hint: those graphs held triples before this push — push with --replace to replace them",
                       err=True)
        ctx.exit(1)


@main.command()
@click.option("--stage", help="Only the relations claimed at this stage and the entities in them (stage:matching).")
@click.option("--around", help="Only the entities within --depth hops of this one (id, label or alias in en/id/ja).")
@click.option("--depth", type=click.IntRange(1, 6), default=2, show_default=True, help="Hops around --around.")
@click.option("--swimlane", is_flag=True,
              help="Stage swimlanes: the journey left to right, Indonesian entities above, Japanese below.")
@lang_option("Language the page opens in (it can be switched in the page).")
@as_of_option("Only what was valid on this date (the page opens at it).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write here (default: exports/explorer.html, or exports/explorer-<view>.html for a focused view).")
@click.pass_context
@handle_errors
def viz(ctx: click.Context, stage: str | None, around: str | None, depth: int, swimlane: bool, lang: str,
        as_of: dt.date | None, output: Path | None) -> None:
    """Write the interactive network explorer: one offline HTML file (vis-network inlined, no CDN,
    no network request) with search in en/id/ja, filters, an as-of slider, the evidence of every
    relation, and coordination paths between two chosen entities.

    \b
    Example:
      tokutei-kg viz
      tokutei-kg viz --stage matching --lang ja
      tokutei-kg viz --around kemnaker --depth 1 -o kemnaker.html
      tokutei-kg viz --swimlane
    """
    from .errors import display_path
    from .export import write_into_project
    from .visualise import ExplorerOptions, explorer_files

    built = _built(ctx).at(as_of)
    assert built.project is not None  # Built.open keeps the project
    options = ExplorerOptions(lang=lang, stage=stage or "", around=around or "", depth=depth, swimlane=swimlane)
    for path in write_into_project(built.project, explorer_files(built, options=options, output=output)):
        click.echo(f"wrote {display_path(path)} ({path.stat().st_size / 1e6:.1f} MB) — open it in a web browser")


@main.command()
@click.option("-o", "--output-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the figures (default: exports/figures).")
@lang_option("Language of the node labels (titles are always trilingual).")
@as_of_option("Only what was valid on this date.")
@click.pass_context
@handle_errors
def figures(ctx: click.Context, output_dir: Path | None, lang: str, as_of: dt.date | None) -> None:
    """Write figures for papers as SVG and PNG: the whole network, one network per stage, and the
    series of Indonesian SSW residents in Japan (with its sources in the caption).

    \b
    Example:
      tokutei-kg figures
      tokutei-kg figures --lang ja -o paper/figures
    """
    from .errors import display_path
    from .visualise.figures import write_figures

    result = write_figures(_built(ctx).at(as_of), output_dir=output_dir, lang=lang)
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    for path in result.paths:
        click.echo(f"wrote {display_path(path)}")
