"""The built dataset as one typed value: what every reader stage takes from the build.

``Built`` holds the Oxigraph store of ``graph/built/tokutei.nq`` (as built, or as it stood on a day) and
the project it belongs to, and computes on first use — never before — what the stages read from it:
the network projection (networkx, per date), the labels, the sources, the relations with their
triangulation, the canonical quads. ``tokutei-kg query`` only opens the store, so networkx and rdflib
stay unloaded on that path (``tests/test_perf_query_imports.py``).
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import TYPE_CHECKING

from .project import Project, require_built

if TYPE_CHECKING:
    import networkx as nx
    import pyoxigraph as ox

    from .evidence import Relation
    from .query import Labels


class Built:
    """The built dataset of ``project`` in ``store``; ``as_of`` is the day it stands on (``None``: as built)."""

    def __init__(self, store: ox.Store, project: Project | None = None, *, as_of: dt.date | None = None) -> None:
        self.store = store
        self.project = project
        self.as_of = as_of
        self._networks: dict[dt.date | None, nx.MultiDiGraph] = {}
        self._labels: dict[str, Labels] = {}
        self._relations: dict[tuple[str, dt.date | None], list[Relation]] = {}

    @classmethod
    def open(cls, project: Project, *, cache: bool = False) -> Built:
        """The project's built dataset (``DatasetMissing`` when there is none), checked against its record."""
        from .store import open_store

        return cls(open_store(require_built(project), cache=cache), project)

    def at(self, day: dt.date | None) -> Built:
        """The dataset as it stood on ``day`` (the one --as-of mechanism, :func:`store.as_of`), or this one."""
        if day is None:
            return self
        from .store import as_of

        return Built(as_of(self.store, day), self.project, as_of=day)

    def network(self, as_of: dt.date | None = None) -> nx.MultiDiGraph:
        """The one network projection (:func:`network.to_network`) as of ``as_of``, computed once per date."""
        if as_of not in self._networks:
            from .network import to_network

            self._networks[as_of] = to_network(self.store, as_of=as_of)
        return self._networks[as_of]

    @functools.cached_property
    def tidy_network(self) -> nx.MultiDiGraph:
        """The projection with sorted nodes, edges and clean scalar values, as the network exports write it."""
        from .export.network import tidy

        return tidy(self.network())

    @functools.cached_property
    def quads(self) -> list[ox.Quad]:
        """Every quad, blank nodes relabelled by RDFC-1.0, sorted (what the RDF exports write)."""
        from .export.rdf import canonical_quads

        return canonical_quads(self.store.quads_for_pattern(None, None, None, None))

    def labels(self, lang: str = "en") -> Labels:
        """IRI → label in ``lang``, looked up lazily (:class:`query.Labels`)."""
        if lang not in self._labels:
            from .query import Labels

            self._labels[lang] = Labels(self.store, lang)
        return self._labels[lang]

    @functools.cached_property
    def sources(self) -> dict[str, tuple[str, str, str]]:
        """Source id → (title, type, url or document) (:func:`evidence.source_titles`)."""
        from .evidence import source_titles

        return source_titles(self.store)

    def relations(self, *, lang: str = "en", as_of: dt.date | None = None) -> list[Relation]:
        """Every claimed relation with its evidence and triangulation (:func:`evidence.relations`)."""
        if (lang, as_of) not in self._relations:
            from .evidence import relations

            self._relations[lang, as_of] = relations(self.store, lang=lang, as_of=as_of)
        return self._relations[lang, as_of]


__all__ = ["Built"]
