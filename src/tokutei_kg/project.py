"""Where a tokutei-kg project keeps its files (the bottom layer: every stage may import it), and the
two guards every reader of the built dataset passes: the output lock and "is there a build"."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .errors import DatasetMissing

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
        raise DatasetMissing(f"no tokutei-kg project at {where} (no ontology/tokutei.ttl)",
                             hint="run inside the project folder or pass --root")

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
        raise DatasetMissing(f"no built dataset at {project.built}", hint="run `tokutei-kg build` first")
    return project.built


__all__ = ["Project", "BUILT_NAME", "JOURNAL_NAME", "writing", "require_built"]
