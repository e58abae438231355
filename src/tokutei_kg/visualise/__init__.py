"""Pictures of the network: the interactive explorer (one offline HTML file) and figures for papers.

Floor 4 of DESIGN.md §4: reads the network projection and the store, never the curated CSV. Importing
this package imports neither pyvis nor matplotlib; ``figures`` imports matplotlib when it is used.
"""

from __future__ import annotations

import html as _html
import warnings
from typing import TYPE_CHECKING, Any

from .catalogue import Catalogue, catalogue
from .explorer import (
    ExplorerOptions,
    ViewError,
    dated_options,
    default_output,
    explorer_data,
    explorer_files,
    focus,
    render_explorer,
    render_paths_page,
    write_explorer,
    write_paths_page,
)

if TYPE_CHECKING:
    from ..built import Built


class InlineHTML:
    """What ``explorer_iframe`` returns where IPython is missing: any notebook front end calls
    ``_repr_html_``; ``str()`` gives the iframe markup."""

    def __init__(self, markup: str) -> None:
        self.markup = markup

    def _repr_html_(self) -> str:
        return self.markup

    def __str__(self) -> str:
        return self.markup


def iframe_markup(page: str, *, height: int = 720) -> str:
    """``page`` inside an isolated ``<iframe srcdoc>``: its own origin (no ``allow-same-origin``), its own
    CSS, its own Content-Security-Policy; scripts, downloads (PNG) and new tabs for source links allowed."""
    return (f'<iframe srcdoc="{_html.escape(page, quote=True)}" '
            'sandbox="allow-scripts allow-downloads allow-popups allow-popups-to-escape-sandbox" '
            f'style="width:100%;height:{int(height)}px;border:1px solid #ddd" loading="eager" '
            'title="tokutei-kg explorer"></iframe>')


def explorer_iframe(page: str, *, height: int = 720) -> Any:
    """The explorer page for a notebook cell: ``IPython.display.HTML`` when IPython is importable,
    else an object with ``_repr_html_``. Nothing is written to disk."""
    markup = iframe_markup(page, height=height)
    try:
        from IPython.display import HTML
    except ImportError:
        return InlineHTML(markup)
    with warnings.catch_warnings():  # IPython suggests its IFrame, which cannot carry srcdoc
        warnings.filterwarnings("ignore", message="Consider using IPython.display.IFrame", category=UserWarning)
        return HTML(markup)


def notebook_explorer(built: Built, options: ExplorerOptions | None = None, *, height: int = 720) -> Any:
    """``kg.explorer()``: the explorer of ``built`` (as it stands: ``built.at(day)``) with its evidence, inline."""
    page = render_explorer(built.network(), dated_options(built, options), catalogue(built.store))
    return explorer_iframe(page, height=height)


__all__ = [
    "Catalogue", "ExplorerOptions", "InlineHTML", "ViewError", "catalogue", "dated_options", "default_output",
    "explorer_data", "explorer_files",
    "explorer_iframe", "focus", "iframe_markup", "notebook_explorer", "render_explorer", "render_paths_page",
    "write_explorer", "write_paths_page",
]
