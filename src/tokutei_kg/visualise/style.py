"""One visual vocabulary for the explorer and the paper figures: colour by side, shape by kind of
entity, line style by triangulation status. The explorer's legend and the figures' keys read it here."""

from __future__ import annotations

# Okabe–Ito colours (distinguishable with the common colour-vision deficiencies).
SIDE_COLOURS: dict[str, str] = {
    "indonesia": "#D55E00",
    "japan": "#0072B2",
    "bilateral": "#009E73",
    "other": "#8C8C8C",
}
SIDES = tuple(SIDE_COLOURS)

# vis-network shape per kind; ``dashed`` draws the border dashed, so 13 kinds fit 9 shapes.
# ``marker`` is the matplotlib marker the figures use for the same kind.
KIND_SHAPES: dict[str, dict[str, object]] = {
    "institution": {"shape": "dot", "dashed": False, "marker": "o"},
    "collaboration": {"shape": "hexagon", "dashed": False, "marker": "h"},
    "agreement": {"shape": "diamond", "dashed": False, "marker": "D"},
    "law": {"shape": "square", "dashed": False, "marker": "s"},
    "document": {"shape": "square", "dashed": True, "marker": "s"},
    "programme": {"shape": "triangle", "dashed": False, "marker": "^"},
    "system": {"shape": "triangle", "dashed": True, "marker": "^"},
    "test": {"shape": "triangleDown", "dashed": False, "marker": "v"},
    "event": {"shape": "star", "dashed": False, "marker": "*"},
    "person": {"shape": "dot", "dashed": True, "marker": "o"},
    "country": {"shape": "box", "dashed": False, "marker": "p"},
    "place": {"shape": "triangleDown", "dashed": True, "marker": "v"},
    "dataset": {"shape": "database", "dashed": False, "marker": "8"},
}
KINDS = tuple(KIND_SHAPES)

# Line style per triangulation status: vis-network ``dashes`` (False or a dash pattern) and the
# matplotlib linestyle that looks the same on paper.
STATUS_STYLES: dict[str, dict[str, object]] = {
    "triangulated": {"colour": "#3A3A3A", "dashes": False, "width": 2.6, "linestyle": "-"},
    "corroborated": {"colour": "#3A3A3A", "dashes": [9, 5], "width": 1.8, "linestyle": "--"},
    "single-source": {"colour": "#6E6E6E", "dashes": [2, 5], "width": 1.4, "linestyle": ":"},
    "contested": {"colour": "#D62728", "dashes": False, "width": 2.6, "linestyle": "-"},
}
STATUSES = tuple(STATUS_STYLES)
STATUS_RANK = {"triangulated": 3, "corroborated": 2, "single-source": 1, "contested": 0}

# The colour of a highlighted coordination path.
PATH_COLOUR = "#6A3D9A"


def style_table() -> dict[str, object]:
    """The palette as JSON-ready data for the explorer page."""
    return {
        "sides": dict(SIDE_COLOURS),
        "kinds": {kind: {"shape": spec["shape"], "dashed": spec["dashed"]} for kind, spec in KIND_SHAPES.items()},
        "statuses": {status: {"colour": spec["colour"], "dashes": spec["dashes"], "width": spec["width"]}
                     for status, spec in STATUS_STYLES.items()},
        "status_rank": dict(STATUS_RANK),
        "path": PATH_COLOUR,
    }
