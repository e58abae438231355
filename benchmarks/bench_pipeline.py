"""The benchmark behind ``make bench``: every figure side by side with its two baselines, measured in the
same run, as ratios (the machines are shared and noisy; ratios are what count).

* naive — what a user would write with rdflib alone: parse the Turtle export, run the same SPARQL;
* floor — pyoxigraph alone on the same built N-Quads, no project code.

Figures: cold ``tokutei-kg --help`` and ``tokutei-kg query`` (curated graph), build (load + validate +
build + write) per size with its growth exponent, the query library's p50/p95 per query at the largest
size, the peak memory of a cold query there, serve throughput with 8 concurrent loopback clients, and
the rows of ``benchmarks/bench_explorer.py`` when it is present. Peak memory is the maximum resident
set of each child process (``/usr/bin/time -v``'s figure, read with ``wait4``).

    .venv/bin/python benchmarks/bench_pipeline.py                       # sizes 1e4,1e5,1e6
    BENCH_SIZES=1e4,1e5 .venv/bin/python benchmarks/bench_pipeline.py   # quicker
    .venv/bin/python benchmarks/bench_pipeline.py --write benchmarks/RESULTS.md

Synthetic projects come from ``benchmarks/generate.py`` into ``$BENCH_WORK`` (default: a folder under the
system temporary directory), so nothing in the repository changes except RESULTS.md.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import importlib.metadata
import importlib.util
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
CLI = str(BIN / "tokutei-kg")
PY = sys.executable
WORK = Path(os.environ.get("BENCH_WORK") or Path(tempfile.gettempdir()) / "tokutei-kg-bench")
QUERY = "actors-by-side"
NAIVE_MAX_QUADS = int(float(os.environ.get("BENCH_NAIVE_MAX", "2e5")))  # rdflib takes minutes beyond

FLOOR_QUERY = """
import sys, pyoxigraph as ox
s = ox.Store(); s.load(open(sys.argv[1], 'rb').read(), format=ox.RdfFormat.N_QUADS)
rows = [[t.value if t is not None else '' for t in r] for r in s.query(open(sys.argv[2]).read(),
        use_default_graph_as_union=True)]
sys.stdout.write(''.join('\\t'.join(r) + '\\n' for r in rows))
"""
NAIVE_QUERY = """
import sys
from rdflib import Graph
g = Graph(); g.parse(sys.argv[1], format='turtle')
rows = [[str(t) if t is not None else '' for t in r] for r in g.query(open(sys.argv[2]).read())]
sys.stdout.write(''.join('\\t'.join(r) + '\\n' for r in rows))
"""
FLOOR_LOAD = """
import sys, pyoxigraph as ox
s = ox.Store(); s.load(open(sys.argv[1], 'rb').read(), format=ox.RdfFormat.N_QUADS); print(len(s))
"""
NAIVE_LOAD = """
import sys
from rdflib import Graph
g = Graph(); g.parse(sys.argv[1], format='turtle'); print(len(g))
"""
TO_TURTLE = """
import sys, pyoxigraph as ox
s = ox.Store(); s.load(open(sys.argv[1], 'rb').read(), format=ox.RdfFormat.N_QUADS)
triples = {ox.Triple(q.subject, q.predicate, q.object) for q in s}
open(sys.argv[2], 'wb').write(ox.serialize(triples, format=ox.RdfFormat.TURTLE))
"""


@dataclass
class Run:
    seconds: float
    peak_mb: float
    stdout: bytes = b""
    cpu: float = 0.0  # user + system seconds of the process (steadier than wall time on a busy machine)


@dataclass
class Row:
    figure: str
    size: str
    ours: Run | None
    naive: Run | None = None
    floor: Run | None = None
    note: str = ""
    extra: dict[str, object] = field(default_factory=dict)


def run(command: list[str], *, env: dict[str, str] | None = None, timeout: float | None = None) -> Run:
    """One child process and its wall time; raises if it fails."""
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, env={**os.environ, **(env or {})}, cwd=REPO,
                            timeout=timeout, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({result.returncode}): {result.stderr.decode()[-500:]}")
    return Run(time.perf_counter() - started, 0.0, result.stdout)


def measured(command: list[str], *, repeat: int = 1, env: dict[str, str] | None = None,
             timeout: float | None = None) -> Run:
    """Median wall time of ``repeat`` runs and the largest peak RSS, each run under /usr/bin/time."""
    runs = []
    for _ in range(repeat):
        with tempfile.NamedTemporaryFile(suffix=".time") as record:
            result = run(["/usr/bin/time", "-f", "%M %U %S", "-o", record.name, *command], env=env, timeout=timeout)
            text = Path(record.name).read_text().strip().splitlines()
            if text:
                peak, user, system = text[-1].split()
                result.peak_mb, result.cpu = int(peak) / 1024, float(user) + float(system)
        runs.append(result)
    return Run(statistics.median(r.seconds for r in runs), max(r.peak_mb for r in runs), runs[-1].stdout,
               statistics.median(r.cpu for r in runs))


def quads_in(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(1 for line in handle if line.strip() and not line.startswith(b"#"))


def project_for(size: str) -> Path:
    root = WORK / f"kg-{size}"
    if not (root / "graph" / "curated" / "claims" / "synthetic.csv").is_file():
        subprocess.run([PY, str(REPO / "benchmarks" / "generate.py"), "--root", str(root), "--size", size],
                       check=True, capture_output=True)
    return root


def turtle_of(nquads: Path) -> Path:
    target = WORK / f"{nquads.parents[2].name}-{nquads.stem}.ttl"  # never beside the dataset (it may be tracked)
    if not target.is_file() or target.stat().st_mtime < nquads.stat().st_mtime:
        subprocess.run([PY, "-c", TO_TURTLE, str(nquads), str(target)], check=True)
    return target


# --- the figures -------------------------------------------------------------------------------------------

def cold_start(repeat: int) -> list[Row]:
    built = REPO / "graph" / "built" / "tokutei.nq"
    measured([CLI, "build", "--no-exports"])
    query_file = str(REPO / "sparql" / "cq" / f"{QUERY}.rq")
    measured([CLI, "query", QUERY])  # fills the on-disk store once, as any first run after a build does
    ttl = turtle_of(built)
    return [
        Row("cold `tokutei-kg --help`", "curated", measured([CLI, "--help"], repeat=repeat),
            naive=measured([PY, "-c", "import rdflib"], repeat=repeat),
            floor=measured([PY, "-c", "import pyoxigraph"], repeat=repeat),
            note="naive: import rdflib; floor: import pyoxigraph; target < 150 ms"),
        Row(f"cold `tokutei-kg query {QUERY}`", "curated", measured([CLI, "query", QUERY], repeat=repeat),
            naive=measured([PY, "-c", NAIVE_QUERY, str(ttl), query_file], repeat=repeat),
            floor=measured([PY, "-c", FLOOR_QUERY, str(built), query_file], repeat=repeat),
            note="target ≤ 2× floor and ≥ 5× faster than naive"),
    ]


STAGES = """
import datetime as dt, json, statistics, sys, time
from pathlib import Path
import pyoxigraph as ox
from tokutei_kg.network import to_network
from tokutei_kg.store import as_of, open_store
built = Path(sys.argv[1]); reps = int(sys.argv[2]); store = open_store(built)
def timed(action):
    samples = []
    for _ in range(reps):
        start = time.perf_counter(); action(); samples.append(time.perf_counter() - start)
    return statistics.median(samples)
load = timed(lambda: ox.Store().load(built.read_bytes(), format=ox.RdfFormat.N_QUADS))
print(json.dumps({"as_of": timed(lambda: as_of(store, dt.date(2020, 1, 1))),
                  "network": timed(lambda: to_network(store)), "load": load}))
"""


def stages(repeat: int) -> list[Row]:
    """In-process stages on the curated graph against loading its N-Quads into pyoxigraph."""
    figures = json.loads(measured([PY, "-c", STAGES, str(REPO / "graph" / "built" / "tokutei.nq"),
                                   str(repeat)]).stdout)
    floor = Run(figures["load"], 0.0)
    return [Row("as_of(store, 2020-01-01)", "curated", Run(figures["as_of"], 0.0), floor=floor,
                note="floor: pyoxigraph loads the N-Quads"),
            Row("network projection (to_network)", "curated", Run(figures["network"], 0.0), floor=floor,
                note="floor: pyoxigraph loads the N-Quads")]


def builds(sizes: list[str]) -> tuple[list[Row], dict[str, Path]]:
    rows, built = [], {}
    for size in sizes:
        root = project_for(size)
        ours = measured([CLI, "--root", str(root), "build", "--no-exports"])
        nquads = root / "graph" / "built" / "tokutei.nq"
        built[size] = nquads
        quads = quads_in(nquads)
        floor = measured([PY, "-c", FLOOR_LOAD, str(nquads)])
        naive = measured([PY, "-c", NAIVE_LOAD, str(turtle_of(nquads))]) if quads <= NAIVE_MAX_QUADS else None
        rows.append(Row("build (load + validate + build + write)", f"{size} ({quads:,} quads)", ours, naive, floor,
                        note="naive: rdflib parses the Turtle; floor: pyoxigraph loads the N-Quads",
                        extra={"quads": quads}))
    if len(rows) >= 2:
        xs = [math.log(r.extra["quads"]) for r in rows]  # type: ignore[arg-type]
        ys = [math.log(r.ours.seconds) for r in rows]  # type: ignore[union-attr]
        mean_x, mean_y = statistics.mean(xs), statistics.mean(ys)
        slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / sum(
            (x - mean_x) ** 2 for x in xs)
        rows.append(Row(f"build growth exponent ({sizes[0]}→{sizes[-1]})", "", None,
                        note=f"{slope:.2f} (time ∝ quads^k; target ≤ 1.00)", extra={"exponent": slope}))
    return rows, built


LIBRARY = """
import json, statistics, sys, time
sys.path.insert(0, sys.argv[3])
import pyoxigraph as ox
from tokutei_kg.namespaces import PREFIXES
from tokutei_kg.query import Labels, QueryText, library, render, run
store = ox.Store(); store.load(open(sys.argv[1], 'rb').read(), format=ox.RdfFormat.N_QUADS)
reps, out = int(sys.argv[2]), {}
for name, path in sorted(library(__import__('pathlib').Path(sys.argv[4])).items()):
    if path.parent.name != 'cq':
        continue
    text = path.read_text(encoding='utf-8')
    def ours():
        return render(run(store, QueryText(text, str(path), name)), 'table', Labels(store, 'en'))
    def floor():
        return [list(r) for r in store.query(text, use_default_graph_as_union=True, prefixes=dict(PREFIXES))]
    figures = {}
    for label, action in (('floor', floor), ('ours', ours)):
        start = time.perf_counter(); action(); first = time.perf_counter() - start
        samples = [first] if first > 20 else []
        for _ in range(0 if samples else reps):
            start = time.perf_counter(); action(); samples.append(time.perf_counter() - start)
        samples.sort()
        figures[label] = [statistics.median(samples), samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]]
    out[name] = figures
print(json.dumps(out))
"""


def query_library(nquads: Path, size: str, repeat: int) -> list[Row]:
    result = measured([PY, "-c", LIBRARY, str(nquads), str(repeat), str(REPO / "src"), str(REPO / "sparql")],
                      timeout=3600)
    figures = json.loads(result.stdout)
    rows = []
    for name, f in figures.items():
        ours, floor = f["ours"], f["floor"]
        rows.append(Row(f"query library: {name}", size, Run(ours[0], 0.0), floor=Run(floor[0], 0.0),
                        note=f"p95 {ours[1] * 1000:.1f} ms vs floor p95 {floor[1] * 1000:.1f} ms",
                        extra={"p95": ours[1], "floor_p95": floor[1]}))
    ratios = sorted(r.ours.seconds / max(r.floor.seconds, 1e-6) for r in rows)  # type: ignore[union-attr]
    rows.append(Row("query library: ratio to floor (p50)", size, None,
                    note=f"median {statistics.median(ratios):.2f}×, worst {ratios[-1]:.2f}×, "
                         f"{sum(1 for r in ratios if r <= 1.3)} of {len(ratios)} within 1.3×"))
    query_file = str(REPO / "sparql" / "cq" / f"{QUERY}.rq")
    root = str(nquads.parents[2])
    measured([CLI, "--root", root, "query", QUERY])  # first run after the build fills the on-disk store
    rows.append(Row(f"cold `tokutei-kg query {QUERY}` (store reused)", size,
                    measured([CLI, "--root", root, "query", QUERY], repeat=3),
                    floor=measured([PY, "-c", FLOOR_QUERY, str(nquads), query_file], repeat=3),
                    note="peak memory target ≤ 1.5× floor"))
    return rows


def serve_rows(targets: dict[str, Path], seconds: float, clients: int) -> list[Row]:
    sys.path.insert(0, str(REPO / "benchmarks"))
    import serve as bench_serve

    rows = []
    query_file = REPO / "sparql" / "cq" / f"{QUERY}.rq"
    for size, nquads in targets.items():
        root = nquads.parents[2]
        process, port, _ = bench_serve.start_ours(root=root)
        try:
            ours = bench_serve.load(port, seconds, clients, query_file)
            ours_peak = _vm_hwm(process.pid)
        finally:
            bench_serve.stop(process)
        with tempfile.TemporaryDirectory() as location:
            process, port, _, _ = bench_serve.start_oxigraph(Path(location), built=nquads)
            try:
                floor = bench_serve.load(port, seconds, clients, query_file)
                floor_peak = _vm_hwm(process.pid)
            finally:
                bench_serve.stop(process)
        per_request = Run(1 / max(ours["req_s"], 1e-9), ours_peak)
        floor_per_request = Run(1 / max(floor["req_s"], 1e-9), floor_peak)
        rows.append(Row(f"serve {QUERY}, {clients} clients × {seconds:g} s", size, per_request,
                        floor=floor_per_request,
                        note=(f"ours {ours['req_s']:.0f} req/s p95 {ours['p95_ms'] or 0:.1f} ms "
                              f"errors {ours['errors']}; oxigraph serve-read-only {floor['req_s']:.0f} req/s "
                              f"p95 {floor['p95_ms'] or 0:.1f} ms "
                              f"errors {floor['errors']}; target ≥ 300 req/s, p95 < 50 ms"),
                        extra={"ours": ours, "floor": floor}))
    return rows


def _vm_hwm(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def explorer_rows(context: dict[str, object]) -> list[Row]:
    """The rows of ``benchmarks/bench_explorer.py`` (explorer, paths, analyse at scale), when present:
    its ``rows()`` gives (size, figure, seconds, baseline, baseline seconds)."""
    path = REPO / "benchmarks" / "bench_explorer.py"
    if not path.is_file():
        return []
    sys.path.insert(0, str(path.parent))
    spec = importlib.util.spec_from_file_location("bench_explorer", path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    copies = int(os.environ.get("BENCH_EXPLORER_COPIES", "31"))
    found = []
    for size, figure, seconds, baseline, baseline_seconds in module.rows(copies):
        floor = Run(baseline_seconds, 0.0) if baseline_seconds else None
        note = f"baseline: {baseline}" if baseline else ""
        found.append(Row(figure, size, Run(seconds, 0.0), floor=floor, note=note))
    return found


# --- the table ----------------------------------------------------------------------------------------------

def _ms(run: Run | None) -> str:
    if run is None:
        return "—"
    return f"{run.seconds * 1000:,.0f} ms" if run.seconds < 10 else f"{run.seconds:,.1f} s"


def _mb(run: Run | None) -> str:
    return f"{run.peak_mb:,.0f}" if run is not None and run.peak_mb else "—"


def _ratio(a: Run | None, b: Run | None, *, memory: bool = False) -> str:
    if a is None or b is None:
        return "—"
    x, y = (a.peak_mb, b.peak_mb) if memory else (a.seconds, b.seconds)
    return f"{x / y:.2f}×" if x and y else "—"


def _cpu(run: Run | None) -> str:
    return f"{run.cpu:,.2f}" if run is not None and run.cpu else "—"


def _cpu_ratio(a: Run | None, b: Run | None) -> str:
    return f"{a.cpu / b.cpu:.2f}×" if a is not None and b is not None and a.cpu and b.cpu else "—"


def table(rows: list[Row]) -> str:
    header = ["figure", "size", "ours", "CPU s", "peak MB", "naive", "naive MB", "floor", "floor CPU s",
              "floor MB", "÷ floor", "CPU ÷ floor", "mem ÷ floor", "naive ÷ ours", "note"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for r in rows:
        cells = [r.figure, r.size, _ms(r.ours), _cpu(r.ours), _mb(r.ours), _ms(r.naive), _mb(r.naive), _ms(r.floor),
                 _cpu(r.floor), _mb(r.floor), _ratio(r.ours, r.floor), _cpu_ratio(r.ours, r.floor),
                 _ratio(r.ours, r.floor, memory=True), _ratio(r.naive, r.ours), r.note]
        if r.figure.startswith("serve"):
            cells[2] = f"{1 / r.ours.seconds:,.0f} req/s" if r.ours else "—"  # type: ignore[union-attr]
            cells[7] = f"{1 / r.floor.seconds:,.0f} req/s" if r.floor else "—"  # type: ignore[union-attr]
            cells[10] = _ratio(r.floor, r.ours)  # throughput: floor's time per request ÷ ours, as a fraction
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"


def machine() -> str:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    versions = []
    for package in ("pyoxigraph", "rdflib", "pyshacl", "networkx", "click", "pyvis", "oxigraph"):
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            versions.append(f"{package} {importlib.metadata.version(package)}")
    return (f"- CPU: {model}, {os.cpu_count()} cores; load average at the start {load}\n"
            f"- Python {platform.python_version()} ({platform.python_implementation()}), {platform.system()} "
            f"{platform.release()}\n- packages: {', '.join(versions)}\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default=os.environ.get("BENCH_SIZES", "1e4,1e5,1e6"))
    parser.add_argument("--repeat", type=int, default=int(os.environ.get("BENCH_REPEAT", "5")))
    parser.add_argument("--serve-seconds", type=float, default=float(os.environ.get("BENCH_SERVE_SECONDS", "5")))
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--write", type=Path, help="also write the table and the machine to this Markdown file")
    parser.add_argument("--only", default="cold,build,library,serve,explorer")
    args = parser.parse_args()
    sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
    only = set(args.only.split(","))
    WORK.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    header = machine()
    rows: list[Row] = []
    built: dict[str, Path] = {}

    def section(name: str, action: Callable[[], list[Row]]) -> None:
        """One part of the benchmark; a failure becomes a row, and what was measured so far is kept."""
        try:
            rows.extend(action())
        except Exception as exc:  # noqa: BLE001 - report and go on with the other parts
            rows.append(Row(f"{name}: failed", "", None, note=f"{type(exc).__name__}: {str(exc)[:200]}"))
        print(table(rows[-1:]), end="", file=sys.stderr, flush=True)
        if args.write:
            _write(args.write, sizes, header, rows)

    def build_section() -> list[Row]:
        build_rows, found = builds(sizes)
        built.update(found)
        return build_rows if "build" in only else []

    if "cold" in only:
        section("cold start", lambda: cold_start(args.repeat) + stages(args.repeat))
    if only & {"build", "library", "serve"}:
        section("build", build_section)
    if "library" in only and sizes[-1] in built:
        section("query library", lambda: query_library(built[sizes[-1]], sizes[-1], max(3, args.repeat // 2 + 1)))
    if "serve" in only:
        targets = {"curated": REPO / "graph" / "built" / "tokutei.nq"}
        if sizes[-1] in built:
            targets[sizes[-1]] = built[sizes[-1]]
        section("serve", lambda: serve_rows(targets, args.serve_seconds, args.clients))
    if "explorer" in only:
        section("explorer", lambda: explorer_rows({"sizes": sizes, "built": built, "work": WORK}))
    print(header)
    print(table(rows))
    print(f"(total {time.perf_counter() - started:.0f} s)")


def _write(target: Path, sizes: list[str], header: str, rows: list[Row]) -> None:
    today = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    target.write_text(
        f"# Benchmark results\n\nLatest `make bench` (`BENCH_SIZES={','.join(sizes)}`), {today}. Regenerate with "
        "`make bench`; see the docstring of `benchmarks/bench_pipeline.py` for what each "
        "column means. Times are medians; *÷ floor* is ours divided by pyoxigraph alone on the same N-Quads, "
        "*naive ÷ ours* is how many times faster than rdflib alone.\n\n## Machine\n\n" + header +
        "\n## Figures\n\n" + table(rows) + RESULTS_NOTES, encoding="utf-8")


RESULTS_NOTES = ("\nWhich targets hold, and for each miss by how much and why: "
                 "[docs/performance.md](../docs/performance.md); profiles: `benchmarks/profiles/`.\n")

if __name__ == "__main__":
    main()
