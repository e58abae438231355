"""Figures for papers: the whole network, one network per stage, and the statistics series of
Indonesian SSW residents in Japan, each as SVG and PNG with a trilingual title (en / id / ja).

Why matplotlib and not graphviz: matplotlib is a Python wheel the project already depends on, so the
figures need nothing from Debian but a Japanese font; it draws the network at the positions the explorer
computes (``layout.py``), so a figure in a paper shows the same picture people explore; and with a fixed
``svg.hashsalt`` and no date in the metadata it writes byte-identical SVG for the same graph. Graphviz
would re-place the nodes with its own layout engines, needs the Debian binary, and cannot chart the
statistics series.

Determinism: every figure is drawn on a fresh ``Figure`` (no pyplot state) inside an ``rc_context`` that
fixes fonts, the hash salt and the SVG font type (glyphs as paths, so viewers need no font).
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import networkx as nx
import pyoxigraph as ox

from ..evidence import labels
from ..namespaces import LANGUAGES, PREFIXES
from .catalogue import stage_order, vocabulary
from .explorer import ExplorerOptions, focus
from .layout import COLUMN, side_layout, split
from .style import KIND_SHAPES, PATH_COLOUR, SIDE_COLOURS, STATUS_STYLES

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from ..built import Built

JAPANESE_FONTS = ("IPAGothic", "IPAexGothic", "IPAPGothic", "Noto Sans CJK JP", "Noto Sans JP", "TakaoGothic",
                  "VL Gothic")
SIDE_NAMES = {
    "indonesia": ("Indonesia", "Indonesia", "インドネシア"),
    "japan": ("Japan", "Jepang", "日本"),
    "bilateral": ("Bilateral", "Bilateral", "二国間"),
    "other": ("Other countries", "Negara lain", "その他の国"),
}
STATUS_NAMES = {"triangulated": "Triangulated", "corroborated": "Corroborated", "single-source": "Single source",
                "contested": "Contested"}
NETWORK_TITLE = ("Japan–Indonesia SSW cooperation network", "Jaringan kerja sama SSW Jepang–Indonesia",
                 "日本・インドネシア特定技能協力ネットワーク")
STAGE_TITLE = ("Stage: {en}", "Tahap: {id}", "段階:{ja}")
SERIES_TITLE = ("Indonesian SSW residents in Japan", "Penduduk SSW asal Indonesia di Jepang",
                "インドネシア国籍の特定技能在留外国人数")

_SERIES = """
SELECT ?dataset_id ?nationality_id ?period ?count ?category ?source ?publisher WHERE {
  ?observation a qb:Observation ; qb:dataSet ?dataset ; tkg:refPeriod ?period ; tkg:nationality ?nationality ;
               tkg:category ?cat ; tkg:personCount ?count ; prov:wasDerivedFrom ?src .
  ?dataset dct:identifier ?dataset_id .
  ?nationality dct:identifier ?nationality_id .
  ?cat dct:identifier ?category .
  ?src dct:identifier ?source .
  OPTIONAL { ?src dct:publisher ?publisher }
}
"""


@dataclass
class Figures:
    """What ``write_figures`` wrote, and what the reader should know (e.g. a missing Japanese font)."""

    paths: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def japanese_font() -> str:
    """The first installed font with Japanese glyphs, or '' (Debian: ``fonts-ipafont-gothic``)."""
    from matplotlib import font_manager

    for name in JAPANESE_FONTS:
        try:
            font_manager.findfont(font_manager.FontProperties(family=name), fallback_to_default=False)
        except ValueError:
            continue
        return name
    return ""


def _rc() -> dict[str, Any]:
    font = japanese_font()
    return {"svg.hashsalt": "tokutei-kg", "svg.fonttype": "path", "font.size": 9,
            "font.family": ["DejaVu Sans", *([font] if font else [])], "axes.unicode_minus": False}


def figure_bytes(figure: Figure) -> dict[str, bytes]:
    """SVG (no date) and PNG (no software tag), both reproducible."""
    out = {}
    for fmt, metadata in (("svg", {"Date": None}), ("png", {"Software": None})):
        buffer = io.BytesIO()
        figure.savefig(buffer, format=fmt, metadata=metadata, dpi=150, bbox_inches="tight", pad_inches=0.2)
        out[fmt] = buffer.getvalue()
    return out


def _title(lines: tuple[str, str, str], **labels_: str) -> str:
    en, id_, ja = (line.format(**labels_) for line in lines)
    return f"{en}\n{id_} · {ja}"


def _short(data: dict[str, object], lang: str, limit: int = 24) -> str:
    if lang != "ja":
        ascii_aliases = [a for a in split(data.get("aliases")) if a.isascii() and len(a) <= 12]
        if ascii_aliases:
            return min(ascii_aliases, key=lambda a: (len(a), a))
    text = str(data.get(f"label_{lang}") or data.get("label_en") or data["id"])
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ---------------------------------------------------------------------------------------------------
# Network figures
# ---------------------------------------------------------------------------------------------------


def _names(names: tuple[str, ...]) -> str:
    """``("Indonesia", "Indonesia", "インドネシア")`` → ``Indonesia / インドネシア``."""
    return " / ".join(dict.fromkeys(n for n in names if n))


def render_network(graph: nx.MultiDiGraph, *, title: str, caption: str, lang: str = "en",
                   label_kinds: frozenset[str] | None = None,
                   kind_names: dict[str, tuple[str, ...]] | None = None) -> Figure:
    """The network at the explorer's positions: colour = side, marker = kind, line = status."""
    from matplotlib.figure import Figure

    layout = side_layout(graph)
    pos = {n: (float(x), float(-y)) for n, (x, y) in layout.positions.items()}
    xs, ys = [p[0] for p in pos.values()] or [0.0], [p[1] for p in pos.values()] or [0.0]
    width = min(30.0, max(9.0, (max(xs) - min(xs)) / 170 + 3))
    height = min(20.0, max(6.0, (max(ys) - min(ys)) / 170 + 3))
    figure = Figure(figsize=(width, height))
    axes = figure.add_subplot()
    axes.set_axis_off()
    _draw_regions(axes, layout.regions)
    _draw_edges(axes, graph, pos)
    _draw_nodes(axes, graph, pos)
    for node, data in sorted(graph.nodes(data=True)):
        if label_kinds is None or data.get("kind") in label_kinds:
            above = round(pos[node][0] / COLUMN) % 2 == 1  # neighbouring columns: labels above and below
            axes.annotate(_short(data, lang), pos[node], xytext=(0, 7 if above else -9), textcoords="offset points",
                          ha="center", va="bottom" if above else "top", fontsize=6.5, color="#1d1d1d", zorder=3)
    axes.autoscale_view()
    axes.margins(0.03)
    kinds = [k for k in KIND_SHAPES if any(d.get("kind") == k for _, d in graph.nodes(data=True))]
    axes.legend(handles=_legend(kinds, kind_names or {}), loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=7,
                frameon=False)
    axes.set_title(title, fontsize=13)
    figure.add_artist(_caption_type()(0.01, 0.005, caption, fontsize=7.5, color="#444444", ha="left", va="bottom",
                                      wrap=True, transform=figure.transSubfigure))
    return figure


@functools.cache
def _caption_type() -> type[Any]:
    """matplotlib's ``Text`` with ``wrap=True`` breaking lines as matplotlib does — the most words that fit,
    at least one — but found by bisection: matplotlib measures the line again after each word it adds
    (every caption ~55 times per drawing, and ``bbox_inches="tight"`` draws each figure twice per format),
    which was a quarter of ``tokutei-kg figures``. A line only widens as words are added, so the lines, and
    the files, are the same. Where matplotlib lacks the methods this relies on, its own ``Text``."""
    from matplotlib.text import Text

    if not all(hasattr(Text, name) for name in ("_get_wrapped_text", "_get_wrap_line_width",
                                                "_get_rendered_text_width")):
        return Text

    class Caption(Text):
        def _get_wrapped_text(self) -> str:
            if not self.get_wrap() or self.get_usetex():
                return str(self.get_text())
            private: Any = self  # (matplotlib's own helpers, which its type stubs leave out)
            width = private._get_wrap_line_width()
            lines = []
            for paragraph in self.get_text().split("\n"):
                words = paragraph.split(" ")
                while words:
                    fit, over = 1, len(words) + 1  # words[:fit] fits (one word always does); words[:over] does not
                    while over - fit > 1:
                        middle = (fit + over) // 2
                        if private._get_rendered_text_width(" ".join(words[:middle])) > width:
                            over = middle
                        else:
                            fit = middle
                    lines.append(" ".join(words[:fit]))
                    words = words[fit:]
            return "\n".join(lines)

    return Caption


def _draw_regions(axes: Any, regions: list[dict[str, object]]) -> None:
    for region in regions:
        side = str(region["key"]).split(":", 1)[1]
        x0, x1, y0, y1 = (float(str(region[k])) for k in ("x0", "x1", "y0", "y1"))
        axes.fill_between([x0, x1], [-y1, -y1], [-y0, -y0], color=SIDE_COLOURS.get(side, "#8C8C8C"), alpha=0.06, lw=0)
        axes.text((x0 + x1) / 2, -y0 - 20, _names(SIDE_NAMES[side]).replace(" / ", "\n"), ha="center", va="top",
                  fontsize=10, color="#333333", linespacing=1.1)


def _draw_edges(axes: Any, graph: nx.MultiDiGraph, pos: dict[str, tuple[float, float]]) -> None:
    from matplotlib.collections import LineCollection

    for status, line in STATUS_STYLES.items():
        segments = sorted({(pos[u], pos[v]) for u, v, d in graph.edges(data=True) if d["status"] == status and u != v})
        if segments:
            axes.add_collection(LineCollection(segments, colors=line.colour, linestyles=line.linestyle,
                                               linewidths=line.width * 0.5, alpha=0.55, zorder=1))


def _draw_nodes(axes: Any, graph: nx.MultiDiGraph, pos: dict[str, tuple[float, float]]) -> None:
    for side, colour in SIDE_COLOURS.items():
        for kind, shape in KIND_SHAPES.items():
            members = sorted(n for n, d in graph.nodes(data=True) if d.get("side") == side and d.get("kind") == kind)
            if members:
                axes.scatter([pos[n][0] for n in members], [pos[n][1] for n in members], s=46, marker=shape.marker,
                             facecolors="white" if shape.dashed else colour, edgecolors=colour, linewidths=1.2,
                             zorder=2)


def _legend(kinds: list[str], kind_names: dict[str, tuple[str, ...]]) -> list[Any]:
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], ls="", marker="o", color=c, label=_names(SIDE_NAMES[s])) for s, c in SIDE_COLOURS.items()]
    handles += [Line2D([], [], ls="", marker=KIND_SHAPES[k].marker, markeredgecolor="#555555",
                       markerfacecolor="white" if KIND_SHAPES[k].dashed else "#8C8C8C",
                       label=_names(kind_names.get(k, (k,)))) for k in kinds]
    handles += [Line2D([], [], color=line.colour, ls=line.linestyle, label=STATUS_NAMES[status])
                for status, line in STATUS_STYLES.items()]
    return handles


# ---------------------------------------------------------------------------------------------------
# Statistics series
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Series:
    """Counts per category and period (one point per distinct figure), the sources behind them."""

    points: dict[str, list[tuple[dt.date, int]]]
    sources: list[tuple[str, str]]  # (source id, publisher)
    category_labels: dict[str, str]


def residents_series(store: ox.Store, *, dataset: str = "isa-ssw-statistics", nationality: str = "indonesia",
                     until: dt.date | None = None) -> Series:
    """The counts of ``dataset`` for ``nationality`` by category and period, with their sources; with
    ``until``, only the periods that had ended by that day (a year counts from its 31 December)."""
    substitutions: dict[ox.Variable, ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple] = {
                     ox.Variable("dataset_id"): ox.Literal(dataset),
                     ox.Variable("nationality_id"): ox.Literal(nationality)}
    points: dict[str, set[tuple[dt.date, int]]] = {}
    sources: dict[str, str] = {}
    for row in cast(ox.QuerySolutions, store.query(_SERIES, prefixes=dict(PREFIXES), use_default_graph_as_union=True,
                                                   substitutions=substitutions)):
        period = row["period"].value
        day = dt.date.fromisoformat(period if len(period) == 10 else f"{period[:4]}-12-31")
        if until is not None and day > until:
            continue
        points.setdefault(row["category"].value, set()).add((day, int(row["count"].value)))
        sources[row["source"].value] = row["publisher"].value if row["publisher"] is not None else ""
    names, names_ja = labels(store, "en"), labels(store, "ja")
    category_labels = {}
    for category in points:
        found = cast(ox.QuerySolutions, store.query(
            "SELECT ?c ?id WHERE { ?c dct:identifier ?id }", prefixes=dict(PREFIXES), use_default_graph_as_union=True,
            substitutions={ox.Variable("id"): ox.Literal(category)}))
        iri = next((r["c"].value for r in found), "")
        category_labels[category] = _names((names.get(iri, category), names_ja.get(iri, "")))
    return Series({c: sorted(p) for c, p in sorted(points.items())},
                  sorted(sources.items(), key=lambda s: (len(s[0]), s[0])), category_labels)


def render_series(series: Series, *, title: str) -> Figure:
    from matplotlib.dates import DateFormatter
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    figure = Figure(figsize=(8.0, 4.8))
    axes = figure.add_subplot()
    markers = ("o", "s", "^", "D")
    for index, (category, points) in enumerate(series.points.items()):
        days, counts = [p[0] for p in points], [p[1] for p in points]
        colour = (SIDE_COLOURS["indonesia"], PATH_COLOUR, SIDE_COLOURS["japan"])[min(index, 2)]
        axes.plot(days, counts, marker=markers[index % len(markers)], color=colour,  # type: ignore[arg-type]
                  label=series.category_labels[category], lw=1.4)
        for day, count in points:
            axes.annotate(f"{count:,}", (day, count), xytext=(0, 5), textcoords="offset points", ha="center",
                          fontsize=7)
    axes.xaxis.set_major_formatter(DateFormatter("%Y-%m"))
    axes.set_ylabel("persons / orang / 人")
    axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:,.0f}"))
    axes.grid(True, alpha=0.3)
    axes.legend(fontsize=8, frameon=False)
    axes.set_title(title, fontsize=11)
    publishers = sorted({p for _, p in series.sources if p})
    caption = ("Source: Immigration Services Agency of Japan (出入国在留管理庁), counts of SSW residents by "
               "nationality, "
               f"as reported in {', '.join(s for s, _ in series.sources)}"
               + (f" ({'; '.join(publishers)})" if publishers else "")
               + ". Where sources give the same figure it is drawn once."
               + (" The series changes category in 2024: all SSW residents until end-2023, SSW(i) from 2024 "
                  "(two lines, not one series)." if {"ssw", "ssw-i"} <= set(series.points) else "")
               + " Built by tokutei-kg from graph/curated/observations.csv.")
    figure.text(0.01, -0.02, textwrap.fill(caption, 150), fontsize=6.5, color="#444444", ha="left", va="top")
    figure.autofmt_xdate()
    return figure


# ---------------------------------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------------------------------


def _network_caption(graph: nx.MultiDiGraph) -> str:
    return (f"{graph.number_of_nodes()} entities, {graph.number_of_edges()} relations. Colour: side; marker: kind of "
            "entity (hollow: document, system, person, place, dataset); line: triangulation status (solid: "
            "triangulated, dashed: corroborated, dotted: single source, red: contested). Source: tokutei-kg, "
            "graph/curated (each relation rests on the sourced claims listed in exports/explorer.html).")


def write_figures(built: Built, *, output_dir: Path | None = None, lang: str = "en") -> Figures:
    """network.{svg,png}, stage-<stage>.{svg,png} for every stage with relations, ssw-residents-indonesia.{svg,png},
    of ``built`` as it stands (``built.at(day)``), the statistics series up to that day."""
    import matplotlib

    if built.project is None:
        raise TypeError("write_figures needs the Built dataset of a project (Built.open(project))")
    project = built.project
    store = built.as_built.store
    folder = output_dir or project.root / "exports" / "figures"
    result = Figures()
    rc = _rc()
    if len(rc["font.family"]) == 1:
        result.warnings.append("no Japanese font found (Debian: fonts-ipafont-gothic); Japanese text is missing")
    graph = built.network()
    words = vocabulary(store)
    stage_labels = {s["key"]: s["label"] for s in words["stages"]}
    kinds = {k: tuple(v.get(x, "") for x in LANGUAGES) for k, v in words["kinds"].items()}
    files: dict[Path, bytes] = {}
    with matplotlib.rc_context(rc):  # type: ignore[arg-type]
        whole = render_network(graph, title=_title(NETWORK_TITLE), caption=_network_caption(graph), lang=lang,
                               label_kinds=frozenset({"institution", "collaboration"}), kind_names=kinds)
        files.update(_named(folder, "network", whole))
        present = {s for _, _, d in graph.edges(data=True) for s in split(d.get("stages"))}
        for stage in [s for s in stage_order(words) if s in present]:
            view = focus(graph, ExplorerOptions(stage=stage))
            names = {lang_: stage_labels.get(stage, {}).get(lang_, stage) for lang_ in LANGUAGES}
            figure = render_network(view, title=_title(STAGE_TITLE, **names), caption=_network_caption(view), lang=lang,
                                    kind_names=kinds)
            files.update(_named(folder, f"stage-{stage.split(':', 1)[1]}", figure))
        series = residents_series(store, until=built.as_of)
        if series.points:
            files.update(_named(folder, "ssw-residents-indonesia", render_series(series, title=_title(SERIES_TITLE))))
        else:
            when = f" up to {built.as_of.isoformat()}" if built.as_of else ""
            result.warnings.append(f"no ISA observations for Indonesia{when}: the statistics figure is left out")
    from ..export import write_into_project

    write_into_project(project, files)  # into exports/: with the manifest, under the output lock
    result.paths = sorted(files)
    return result


def _named(folder: Path, stem: str, figure: Figure) -> dict[Path, bytes]:
    return {folder / f"{stem}.{fmt}": data for fmt, data in figure_bytes(figure).items()}
