"""Assemble the explorer page: the project's template, its CSS and script, vis-network inlined from
pyvis's own package, the data as a JSON block, and a Content-Security-Policy that allows exactly the
inline script and style blocks of this page (by SHA-256) and no connection, font, image or frame.

pyvis is used for what it bundles — vis-network 9.1.2 — and nothing else: its ``Network.write_html``
copies ``lib/`` into the working directory and its template pulls Bootstrap from a CDN (ecosystem.md §5.1),
so the page is built here. The pyvis package is located with ``importlib.util.find_spec``, which does
not execute pyvis (importing it would load IPython and Jinja for nothing).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import importlib.util
import json
import re
from collections.abc import Mapping
from importlib import resources
from pathlib import Path

from ..errors import TokuteiError

VIS_NETWORK = ("lib", "vis-9.1.2", "vis-network.min.js")
_MARKER = re.compile(r"@@(CSP|LANG|STYLE|DATA|VIS|APP)@@")


class AssetMissing(TokuteiError):
    pass


@functools.cache
def vis_network() -> str:
    """vis-network 9.1.2 as bundled by pyvis 0.3.2 (read from the installed package, never fetched)."""
    spec = importlib.util.find_spec("pyvis")
    if spec is None or not spec.submodule_search_locations:
        raise AssetMissing("pyvis is not installed", hint="`pip install pyvis` (it bundles vis-network)")
    path = Path(next(iter(spec.submodule_search_locations))).joinpath(*VIS_NETWORK)
    if not path.is_file():
        raise AssetMissing(f"{path} is missing", hint="reinstall pyvis 0.3.2, which bundles vis-network 9.1.2")
    return path.read_text(encoding="utf-8")


@functools.cache
def asset(name: str) -> str:
    return resources.files("tokutei_kg.visualise").joinpath(name).read_text(encoding="utf-8")


def script_json(data: object) -> str:
    """JSON that cannot end its ``<script>`` block or open a comment there: ``< > &`` and the line
    separators U+2028/U+2029 are written as ``\\u`` escapes (the parsed value is unchanged)."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    for char, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                         ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(char, escape)
    return text


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def content_security_policy(scripts: list[str], styles: list[str]) -> str:
    return "; ".join([
        "default-src 'none'",
        "script-src " + " ".join(_sha256(s) for s in scripts),
        "style-src " + " ".join(_sha256(s) for s in styles),
        "img-src 'none'", "font-src 'none'", "connect-src 'none'", "media-src 'none'", "object-src 'none'",
        "frame-src 'none'", "worker-src 'none'", "manifest-src 'none'", "form-action 'none'", "base-uri 'none'",
    ])


def assemble(data: Mapping[str, object], lang: str) -> str:
    """The whole page as text; the same data always gives the same bytes."""
    vis, app, style = vis_network(), asset("explorer.js"), asset("explorer.css")
    for name, text in (("vis-network", vis), ("explorer.js", app)):
        if "</script" in text.lower() or "<!--" in text:
            raise AssetMissing(f"{name} contains '</script' or '<!--' and cannot be inlined")
    i18n = json.loads(asset("i18n.json"))
    parts = {
        "CSP": content_security_policy([vis, app], [style]),
        "LANG": lang,
        "STYLE": style,
        "DATA": script_json({**data, "i18n": i18n}),
        "VIS": vis,
        "APP": app,
    }
    return _MARKER.sub(lambda m: parts[m.group(1)], asset("template.html"))
