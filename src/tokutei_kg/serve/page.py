"""The query page of ``tokutei-kg serve``: an editor, the query library (each question in English,
Indonesian and Japanese), results as a table, download links, and links to the explorer and the
exports. Self-contained and offline: no outside resource, results written with ``textContent`` only
(no ``innerHTML`` from data), script served from the same origin under a strict CSP."""

from __future__ import annotations

import html
import json
from pathlib import Path

from ..header import parse_header
from ..namespaces import LANGUAGES

STYLE = """
body{font:15px/1.45 system-ui,sans-serif;margin:0 auto;max-width:72rem;padding:1rem 1.5rem;color:#222}
header{display:flex;flex-wrap:wrap;gap:1rem;align-items:baseline;border-bottom:1px solid #ddd}
h1{font-size:1.3rem;margin:.4rem 0} nav a{margin-right:1rem}
textarea{width:100%;height:14rem;font:13px/1.4 monospace;box-sizing:border-box}
.bar{display:flex;gap:.6rem;align-items:center;margin:.5rem 0;flex-wrap:wrap}
#question{color:#555;margin:.3rem 0} #status{color:#555}
table{border-collapse:collapse;margin-top:.5rem;font-size:13px} td,th{border:1px solid #ddd;padding:.2rem .4rem;
vertical-align:top;text-align:left} th{background:#f5f5f5} pre{background:#f7f7f7;padding:.6rem;overflow:auto}
.error{color:#a00;white-space:pre-wrap} details{margin-top:1.5rem} li{margin:.15rem 0}
"""

SCRIPT = r"""
"use strict";
const library = JSON.parse(document.getElementById("library").textContent);
const editor = document.getElementById("query"), picker = document.getElementById("library-picker");
const question = document.getElementById("question"), output = document.getElementById("output");
const status = document.getElementById("status"), format = document.getElementById("format");
for (const item of library) {
  const option = document.createElement("option");
  option.value = item.name; option.textContent = item.name;
  picker.appendChild(option);
}
picker.addEventListener("change", () => {
  const item = library.find((q) => q.name === picker.value);
  if (!item) return;
  editor.value = item.text;
  question.textContent = item.question;
});
function cell(term) {
  if (term === undefined) return "";
  if (term.type === "literal" && term["xml:lang"]) return term.value + " @" + term["xml:lang"];
  return term.value;
}
function clear() { while (output.firstChild) output.removeChild(output.firstChild); }
function show(text, isError) {
  const pre = document.createElement("pre");
  pre.textContent = text; if (isError) pre.className = "error";
  output.appendChild(pre);
}
function table(data) {
  if ("boolean" in data) { show(String(data.boolean)); return 1; }
  const vars = data.head.vars, rows = data.results.bindings;
  const t = document.createElement("table"), head = t.createTHead().insertRow();
  for (const v of vars) { const th = document.createElement("th"); th.textContent = v; head.appendChild(th); }
  const body = t.createTBody();
  for (const row of rows) {
    const tr = body.insertRow();
    for (const v of vars) { tr.insertCell().textContent = cell(row[v]); }
  }
  output.appendChild(t);
  return rows.length;
}
async function run(event) {
  event.preventDefault();
  clear(); status.textContent = "running…";
  const started = performance.now();
  const accept = format.value === "table" ? "application/sparql-results+json, text/turtle;q=0.9" : format.value;
  try {
    const response = await fetch("/query", {method: "POST", headers: {"Accept": accept,
      "Content-Type": "application/x-www-form-urlencoded"}, body: new URLSearchParams({query: editor.value})});
    const text = await response.text();
    const ms = Math.round(performance.now() - started);
    if (!response.ok) { status.textContent = response.status + " after " + ms + " ms"; show(text, true); return; }
    const type = response.headers.get("Content-Type") || "";
    if (format.value === "table" && type.startsWith("application/sparql-results+json")) {
      const n = table(JSON.parse(text));
      status.textContent = n + " row" + (n === 1 ? "" : "s") + " in " + ms + " ms";
    } else { show(text); status.textContent = "done in " + ms + " ms"; }
    const link = document.getElementById("download");
    link.href = "/query?" + new URLSearchParams({query: editor.value, format: format.value === "table" ? "csv" : ""});
  } catch (error) { status.textContent = "failed"; show(String(error), true); }
}
document.getElementById("form").addEventListener("submit", run);
"""

DEFAULT_QUERY = """SELECT ?class (COUNT(?thing) AS ?n)
WHERE { ?thing a ?class }
GROUP BY ?class
ORDER BY DESC(?n)
LIMIT 20
"""


def library_items(queries: dict[str, Path]) -> list[dict[str, str]]:
    items = []
    for name, path in queries.items():
        text = path.read_text(encoding="utf-8")
        texts = parse_header(text).texts
        question = "  ·  ".join(texts[lang] for lang in LANGUAGES if texts.get(lang))  # in every language it has
        items.append({"name": name, "text": text, **texts, "question": question})
    return items


def _exports_list(exports: Path) -> str:
    if not exports.is_dir():
        return "<p>No exports yet: run <code>tokutei-kg build</code> or <code>tokutei-kg export</code>.</p>"
    files = sorted(p for p in exports.rglob("*") if p.is_file() and not p.is_symlink()
                   and not any(part.startswith(".") for part in p.relative_to(exports).parts))
    items = []
    for path in files:
        name = path.relative_to(exports).as_posix()
        size = path.stat().st_size
        items.append(f'<li><a href="/exports/{html.escape(name)}">{html.escape(name)}</a> ({size:,} bytes)</li>')
    return f"<ul>{''.join(items)}</ul>"


def render_page(queries: dict[str, Path], exports: Path, *, quads: int) -> bytes:
    library = json.dumps(library_items(queries), ensure_ascii=False).replace("<", "\\u003c")
    explorer = (exports / "explorer.html").is_file()
    nav = ('<a href="/exports/explorer.html">Network explorer</a>' if explorer else "") + \
        '<a href="/exports/ontology.html">Ontology documentation</a><a href="#exports">Exports</a>'
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>tokutei-kg SPARQL</title><link rel="icon" href="data:,"><style>{STYLE}</style></head><body>
<header><h1>tokutei-kg SPARQL endpoint</h1><span>{quads:,} quads, read-only · union of all named graphs ·
prefixes tkg:, rdfs:, skos:, dct:, org:, prov: … predeclared</span><nav>{nav}</nav></header>
<form id="form"><div class="bar"><label>Library <select id="library-picker"><option value="">—</option></select></label>
<label>Show <select id="format"><option value="table">table</option>
<option value="application/sparql-results+json">JSON</option><option value="text/csv">CSV</option>
<option value="application/sparql-results+xml">XML</option><option value="text/turtle">Turtle (CONSTRUCT)</option>
</select></label><button type="submit">Run</button> <span id="status"></span>
<a id="download" href="#">link to this query</a></div>
<div id="question"></div>
<textarea id="query" name="query" spellcheck="false">{html.escape(DEFAULT_QUERY)}</textarea></form>
<div id="output"></div>
<details id="exports" open><summary>Exports</summary>{_exports_list(exports)}</details>
<details><summary>Protocol</summary><p>GET or POST <code>/query</code> with <code>query=</code>
(SPARQL 1.1 Protocol). Results as SPARQL JSON, XML, CSV or TSV; graphs as Turtle, N-Triples, RDF/XML or
JSON-LD, chosen by <code>Accept</code> or <code>format=</code>. Updates, SERVICE and FROM outside the dataset are
refused; each query has a time limit.</p></details>
<script type="application/json" id="library">{library}</script>
<script src="/page.js"></script></body></html>
"""
    return page.encode("utf-8")


def render_script() -> bytes:
    return SCRIPT.encode("utf-8")
