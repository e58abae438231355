"""One visual vocabulary for the explorer and the paper figures: colour by side, shape by kind of
entity, line style by triangulation status. The explorer's legend and the figures' keys read it here."""

from __future__ import annotations

from dataclasses import dataclass

# Okabe–Ito colours (distinguishable with the common colour-vision deficiencies).
SIDE_COLOURS: dict[str, str] = {
    "indonesia": "#D55E00",
    "japan": "#0072B2",
    "bilateral": "#009E73",
    "other": "#8C8C8C",
}
SIDES = tuple(SIDE_COLOURS)


@dataclass(frozen=True)
class KindStyle:
    shape: str  # vis-network node shape
    dashed: bool  # dashed border in the explorer, hollow marker in the figures
    marker: str  # matplotlib marker of the same kind


@dataclass(frozen=True)
class StatusStyle:
    colour: str
    dashes: tuple[int, ...]  # vis-network dash pattern; () is a solid line
    width: float
    linestyle: str  # the matplotlib linestyle that looks the same on paper


# 13 kinds in 8 shapes: the dashed border tells apart kinds that share a shape.
KIND_SHAPES: dict[str, KindStyle] = {
    "institution": KindStyle("dot", False, "o"),
    "collaboration": KindStyle("hexagon", False, "h"),
    "agreement": KindStyle("diamond", False, "D"),
    "law": KindStyle("square", False, "s"),
    "document": KindStyle("square", True, "s"),
    "programme": KindStyle("triangle", False, "^"),
    "system": KindStyle("triangle", True, "^"),
    "test": KindStyle("triangleDown", False, "v"),
    "event": KindStyle("star", False, "*"),
    "person": KindStyle("dot", True, "o"),
    "country": KindStyle("box", False, "p"),
    "place": KindStyle("triangleDown", True, "v"),
    "dataset": KindStyle("diamond", True, "d"),
}
KINDS = tuple(KIND_SHAPES)

STATUS_STYLES: dict[str, StatusStyle] = {
    "triangulated": StatusStyle("#3A3A3A", (), 2.6, "-"),
    "corroborated": StatusStyle("#3A3A3A", (9, 5), 1.8, "--"),
    "single-source": StatusStyle("#6E6E6E", (2, 5), 1.4, ":"),
    "contested": StatusStyle("#D62728", (), 2.6, "-"),
}
STATUSES = tuple(STATUS_STYLES)
STATUS_RANK = {"triangulated": 3, "corroborated": 2, "single-source": 1, "contested": 0}

# The colour of a highlighted coordination path.
PATH_COLOUR = "#6A3D9A"


def style_table() -> dict[str, object]:
    """The palette as JSON-ready data for the explorer page."""
    return {
        "sides": dict(SIDE_COLOURS),
        "kinds": {kind: {"shape": spec.shape, "dashed": spec.dashed} for kind, spec in KIND_SHAPES.items()},
        "statuses": {status: {"colour": spec.colour, "dashes": list(spec.dashes) or False, "width": spec.width}
                     for status, spec in STATUS_STYLES.items()},
        "status_rank": dict(STATUS_RANK),
        "path": PATH_COLOUR,
        # JSON objects lose their order (the page is written with sorted keys), so the orders travel apart.
        "side_order": list(SIDES),
        "kind_order": list(KINDS),
        "status_order": list(STATUSES),
    }
