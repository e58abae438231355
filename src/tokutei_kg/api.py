"""The notebook face: ``import tokutei_kg as tk; kg = tk.load(); kg.query(name="…")``.

Everything here reads the built dataset (``graph/built/tokutei.nq``) through the same stages as the
command line; nothing is printed and nothing is written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import networkx as nx
import pyoxigraph as ox

from .analyse import CoordinationPath, PathFilter, find_paths, resolve_node
from .built import Built
from .errors import QueryError
from .project import Project
from .query import QueryText, Result, from_file, library, named, query_dataset, rows


class Rows(list):
    """Query answers as a list of dicts (variable → value); ``.to_dataframe()`` where pandas exists."""

    def __init__(self, variables: list[str], table: list[dict[str, str]]) -> None:
        super().__init__(table)
        self.variables = variables

    def to_dataframe(self) -> Any:
        import pandas as pd  # optional dependency

        return pd.DataFrame(list(self), columns=self.variables)


class KG:
    """The notebook face of one :class:`Built` dataset (``kg.built``; ``kg.store`` is its store)."""

    def __init__(self, project: Project | Built) -> None:
        self.built = project if isinstance(project, Built) else Built.open(project)
        if self.built.project is None:
            raise TypeError("KG needs the Built dataset of a project (Built.open(project))")
        self.project: Project = self.built.project
        self.store = self.built.store

    def query(self, sparql: str | None = None, *, name: str | None = None, file: str | Path | None = None,
              bind: Mapping[str, str] | None = None) -> Rows | bool:
        """Run one query, given as exactly one of: ``sparql`` (the text), ``name=`` (a library query,
        ``tokutei-kg queries`` lists them) or ``file=`` (a ``.rq`` file). ``bind=`` binds variables
        through the engine, each value read as ``--bind`` reads it (``{"actor": "kemnaker"}``;
        :func:`tokutei_kg.query.bind_value`)."""
        given = [arg for arg, value in (("sparql", sparql), ("name", name), ("file", file)) if value is not None]
        if len(given) != 1:
            raise TypeError("KG.query takes exactly one of sparql, name= or file= "
                            f"(given: {', '.join(given) if given else 'none'})")
        if name is not None:
            text = named(name, self.project.sparql)
        elif file is not None:
            text = from_file(file)
        else:
            text = QueryText(str(sparql), "<python>")
        try:
            return query_dataset(self.built, text, dict(bind or {}), consume=_answer)
        except QueryError as exc:  # a library name given as the text: say how to run it
            if sparql is not None and not exc.hint and sparql.strip() in library(self.project.sparql):
                exc.hint = f"to run the library query, write kg.query(name={sparql.strip()!r})"
            raise

    def network(self, *, as_of: dt.date | None = None) -> nx.MultiDiGraph:
        """The network projection as of ``as_of`` (``built.at(as_of).network()``, computed once per date)."""
        return self.built.at(as_of).network()

    def paths(self, start: str, end: str, *, max_hops: int = 4, stage: str = "", via: str = "",
              min_status: str = "", as_of: dt.date | None = None, limit: int = 10) -> list[CoordinationPath]:
        graph = self.network(as_of=as_of)
        keep = PathFilter(stage=stage, min_status=min_status, via=resolve_node(graph, via) if via else "")
        return find_paths(graph, resolve_node(graph, start), resolve_node(graph, end), max_hops=max_hops,
                          keep=keep, limit=limit)


    def explorer(self, *, lang: str = "en", as_of: dt.date | None = None, height: int = 720) -> Any:
        """The interactive explorer inline in a notebook (a sandboxed iframe); nothing is written to disk."""
        from .visualise import ExplorerOptions, notebook_explorer

        return notebook_explorer(self.built.at(as_of), ExplorerOptions(lang=lang), height=height)


def _answer(result: Result) -> Rows | bool:
    if isinstance(result, ox.QuerySolutions):
        variables, table = rows(result, short=False)
        return Rows(variables, [dict(zip(variables, row, strict=True)) for row in table])
    return bool(result)


def load(root: str | Path | None = None) -> KG:
    """Open the built dataset of the project at ``root`` (default: found from here)."""
    return KG(Project.find(Path(root) if root is not None else None))
