"""Pipeline benchmark: each figure is compared with a floor measured in the same run (ratios, since the
machines are shared and noisy). Run: ``.venv/bin/python benchmarks/bench_pipeline.py [--repeat N]``.

Floors:
- CLI start-up            vs ``python -c pass``
- ``tokutei-kg query``    vs a bare script that loads the N-Quads into pyoxigraph and runs the same query
- ``tokutei-kg build``    vs rdflib parsing the built N-Quads (the cost of touching the data with rdflib once)
- ``as_of`` restriction   vs loading the N-Quads into a pyoxigraph store
- network projection      vs loading the N-Quads into a pyoxigraph store
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
BUILT = REPO / "graph" / "built" / "tokutei.nq"

BARE_QUERY = f"""
import pyoxigraph as ox
s = ox.Store(); s.load(open({str(BUILT)!r}, 'rb').read(), format=ox.RdfFormat.N_QUADS)
q = open({str(REPO / 'sparql/cq/actors-by-side.rq')!r}).read()
list(s.query(q, use_default_graph_as_union=True))
"""


def timed(action: Callable[[], object], repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def run(*command: str) -> Callable[[], object]:
    return lambda: subprocess.run(command, check=True, capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    repeat = parser.parse_args().repeat
    cli = str(BIN / "tokutei-kg")
    subprocess.run([cli, "build", "--no-exports"], check=True, capture_output=True, cwd=REPO)

    import pyoxigraph as ox
    from rdflib import Dataset

    from tokutei_kg.network import to_network
    from tokutei_kg.store import as_of, open_store

    store = open_store(BUILT)

    def load_store() -> object:
        return ox.Store().load(BUILT.read_bytes(), format=ox.RdfFormat.N_QUADS)

    def parse_with_rdflib() -> object:
        return Dataset().parse(BUILT, format="nquads")

    rows = [
        ("CLI start-up (--help)", timed(run(cli, "--help"), repeat), "python -c pass",
         timed(run(sys.executable, "-c", "pass"), repeat)),
        ("tokutei-kg query actors-by-side", timed(run(cli, "query", "actors-by-side"), repeat),
         "bare pyoxigraph load + query", timed(run(sys.executable, "-c", BARE_QUERY), repeat)),
        ("tokutei-kg build --no-exports", timed(run(cli, "build", "--no-exports"), max(1, repeat // 2)),
         "rdflib parse of the built N-Quads", timed(parse_with_rdflib, max(1, repeat // 2))),
        ("as_of(store, 2020-01-01)", timed(lambda: as_of(store, dt.date(2020, 1, 1)), repeat),
         "pyoxigraph load of the N-Quads", timed(load_store, repeat)),
        ("network projection", timed(lambda: to_network(store), repeat),
         "pyoxigraph load of the N-Quads", timed(load_store, repeat)),
    ]
    quads = sum(1 for line in BUILT.read_bytes().splitlines() if line and not line.startswith(b"#"))
    print(f"dataset: {quads} quads; median of {repeat} runs; Python {sys.version.split()[0]}")
    print(f"{'measure':36} {'seconds':>8}   {'floor':36} {'seconds':>8}  {'ratio':>6}")
    for name, seconds, floor_name, floor in rows:
        print(f"{name:36} {seconds:8.3f}   {floor_name:36} {floor:8.3f}  {seconds / floor:6.1f}x")


if __name__ == "__main__":
    main()
