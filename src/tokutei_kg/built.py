"""The built dataset as one typed value: what every reader stage takes from the build.

``Built`` holds the Oxigraph store of ``graph/built/tokutei.nq`` (as built, or as it stood on a day) and
the project it belongs to, and computes on first use — never before — what the stages read from it:
the network projection (networkx, per date), the labels, the sources, the relations with their
triangulation, and what a stage derives from them once (:meth:`Built.derived`). ``tokutei-kg query``
only opens the store, so networkx and rdflib stay unloaded on that path (tests/test_perf_query_imports.py).

It sits above ``store``, ``query``, ``evidence`` and ``network`` (whose functions it calls, lazily) and
below ``export/``, ``serve/``, ``visualise/``, ``api`` and ``cli``, which take it.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar, cast

from .project import Project, require_built

T = TypeVar("T")

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
        self._as_built: Built | None = None  # the dataset this one was dated from (:meth:`at`)
        self._network: nx.MultiDiGraph | None = None
        self._labels: dict[str, Labels] = {}
        self._relations: dict[str, list[Relation]] = {}
        self._derived: dict[str, object] = {}
        self._dated: dict[dt.date, Built] = {}

    @classmethod
    def open(cls, project: Project, *, cache: bool = False) -> Built:
        """The project's built dataset (``DatasetMissing`` when there is none), checked against its record."""
        from .store import open_store

        return cls(open_store(require_built(project), cache=cache), project)

    def at(self, day: dt.date | None) -> Built:
        """The dataset as it stood on ``day`` (the one --as-of mechanism, :func:`store.as_of`), or this one
        (``None``). Dated once per day; the dated value keeps the one it came from as ``as_built``."""
        if day is None:
            return self
        whole = self.as_built
        if day not in whole._dated:
            from .store import as_of

            dated = Built(as_of(whole.store, day), whole.project, as_of=day)
            dated._as_built = whole
            whole._dated[day] = dated
        return whole._dated[day]

    @property
    def as_built(self) -> Built:
        """The dataset as built: the one this was dated from (:meth:`at`), or this one. Arguments are
        checked against it (:mod:`arguments`), whatever day the stage reads."""
        return self._as_built or self

    def network(self) -> nx.MultiDiGraph:
        """The one network projection (:func:`network.to_network`) of this dataset, computed once."""
        if self._network is None:
            from .network import to_network

            self._network = to_network(self.store)
        return self._network

    def derived(self, name: str, compute: Callable[[Built], T]) -> T:
        """``compute(self)``, computed once per dataset under ``name``: what one stage derives from the
        dataset and reads many times (the exports' canonical quads and tidy network)."""
        if name not in self._derived:
            self._derived[name] = compute(self)
        return cast(T, self._derived[name])

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

    def relations(self, *, lang: str = "en") -> list[Relation]:
        """Every claimed relation with its evidence and triangulation (:func:`evidence.relations`)."""
        if lang not in self._relations:
            from .evidence import relations

            self._relations[lang] = relations(self.store, lang=lang)
        return self._relations[lang]


__all__ = ["Built"]
