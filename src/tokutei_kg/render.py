"""Text, CSV and JSON renderings of the triangulation report (no I/O)."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from .evidence import Relation, summary

if TYPE_CHECKING:
    import networkx as nx

    from .analyse import Centrality, CoordinationPath

Titles = Mapping[str, tuple[str, str, str]]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")  # as export/tables.py: spreadsheets evaluate these


def _safe(value: object) -> object:
    """A CSV cell a spreadsheet will not run as a formula: text that starts like one gets an apostrophe."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value


def render_evidence(everything: list[Relation], chosen: list[Relation], fmt: str) -> str:
    if fmt == "json":
        return json.dumps({"summary": summary(everything), "relations": [_as_dict(r) for r in chosen]},
                          ensure_ascii=False, indent=2) + "\n"
    if fmt == "csv":
        return _csv(chosen)
    return _text(everything, chosen)


def _as_dict(relation: Relation) -> dict[str, object]:
    return {
        "subject": relation.subject, "subject_label": relation.subject_label,
        "predicate": relation.predicate, "predicate_label": relation.predicate_label,
        "object": relation.object, "object_label": relation.object_label,
        "status": relation.status, "source_count": relation.source_count,
        "origin_count": relation.origin_count, "reason": relation.reason,
        "source_types": relation.source_types, "perspectives": relation.perspectives,
        "claims": [
            {"claim": c.claim_id, "source": c.source_id, "title": c.source_title, "type": c.source_type,
             "perspective": c.perspective, "disputes": c.disputes, "evidence": c.evidence, "stages": list(c.stages)}
            for c in relation.claims
        ],
    }


def _csv(chosen: list[Relation]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["status", "subject", "relation", "object", "sources", "origins", "source_types",
                     "perspectives", "source_ids", "disputed_by", "reason"])
    for r in chosen:
        writer.writerow([_safe(cell) for cell in (
            r.status, r.subject_label, r.predicate_label, r.object_label, r.source_count, r.origin_count,
            "|".join(r.source_types), "|".join(r.perspectives),
            "|".join(sorted({c.source_id for c in r.asserting})),
            "|".join(sorted({c.source_id for c in r.claims if c.disputes})), r.reason,
        )])
    return out.getvalue()


def _text(everything: list[Relation], chosen: list[Relation]) -> str:
    counts = summary(everything)
    total = sum(counts.values()) or 1
    lines = [f"{len(everything)} relations: " + ", ".join(
        f"{status} {n} ({100 * n / total:.0f}%)" for status, n in counts.items())]
    for r in chosen:
        lines.append("")
        lines.append(f"[{r.status}] {r.subject_label} — {r.predicate_label} → {r.object_label}")
        lines.append(f"    {r.source_count} source(s), {r.origin_count} independent origin(s); "
                     f"types: {', '.join(r.source_types) or '–'}; perspectives: {', '.join(r.perspectives) or '–'}")
        lines.append(f"    why: {r.reason}")
        for c in r.claims:
            mark = "disputes" if c.disputes else "asserts "
            lines.append(f"    {mark} {c.source_id}: {c.source_title} ({c.source_type}, {c.perspective})")
    lines.append("")
    lines.append(f"({len(chosen)} relation{'s' if len(chosen) != 1 else ''} listed)")
    return "\n".join(lines) + "\n"


def _node_label(graph: nx.MultiDiGraph, node: str, lang: str) -> str:
    data = graph.nodes[node]
    return str(data.get(f"label_{lang}") or data["label_en"])


def render_paths(graph: nx.MultiDiGraph, paths: Sequence[CoordinationPath], titles: Titles, *, lang: str,
                 fmt: str, start: str, end: str, max_hops: int) -> str:
    """Paths as text, Markdown or JSON, each hop with its relation, status and sources."""
    if fmt == "json":
        return json.dumps({"from": graph.nodes[start]["id"], "to": graph.nodes[end]["id"],
                           "paths": [_path_dict(graph, p, titles, lang) for p in paths]},
                          ensure_ascii=False, indent=2) + "\n"
    head = (f"Coordination paths from {_node_label(graph, start, lang)} to {_node_label(graph, end, lang)} "
            f"(up to {max_hops} hops): {len(paths)} found")
    lines = [f"## {head}" if fmt == "md" else head]
    for number, path in enumerate(paths, start=1):
        hops = len(path.hops)
        lines.append("")
        lines.append(f"{number}. {hops} hop{'s' if hops != 1 else ''}: "
                     + " → ".join(_node_label(graph, n, lang) for n in path.nodes))
        for hop in path.hops:
            best = hop.best
            relation = best.get(f"relation_label_{lang}") or best.get("relation_label_en") or best["relation"]
            a, b = _node_label(graph, hop.source, lang), _node_label(graph, hop.target, lang)
            arrow = f"{a} —{relation}→ {b}" if hop.forward else f"{b} —{relation}→ {a}"
            bullet = "   -" if fmt == "md" else "   "
            lines.append(f"{bullet} {arrow}  [{best['status']}, {best['n_sources']} source(s)]")
            for source_id in str(best["sources"]).split("|"):
                title, kind, _where = titles.get(source_id, ("?", "?", ""))
                lines.append(f"{'      -' if fmt == 'md' else '       '} {source_id}: {title} ({kind})")
    return "\n".join(lines) + "\n"


def _path_dict(graph: nx.MultiDiGraph, path: CoordinationPath, titles: Titles, lang: str) -> dict[str, object]:
    return {
        "nodes": [graph.nodes[n]["id"] for n in path.nodes],
        "labels": [_node_label(graph, n, lang) for n in path.nodes],
        "hops": [
            {
                "from": graph.nodes[h.source]["id"], "to": graph.nodes[h.target]["id"],
                "stated_direction": "forward" if h.forward else "backward",
                "relations": [
                    {"relation": r["relation"], "status": r["status"], "n_sources": r["n_sources"],
                     "claims": str(r["claims"]).split("|"),
                     "sources": [{"id": s, "title": titles.get(s, ("?", "?", ""))[0],
                                  "type": titles.get(s, ("?", "?", ""))[1]} for s in str(r["sources"]).split("|") if s]}
                    for r in h.relations
                ],
            }
            for h in path.hops
        ],
    }


def render_centrality(rows: Sequence[Centrality], single: Sequence[tuple[str, str, str, str]],
                      by_stage: Mapping[str, Counter[str]], fmt: str, note: str = "") -> str:
    """``note`` (from ``analyse.centrality_note``) says when betweenness was estimated: a last line of the
    table, an ``estimate`` member of the JSON; CSV has no place for it (the CLI prints it on stderr)."""
    fields = ["id", "label", "side", "degree", "cross_border_degree", "betweenness", "cross_border_brokerage", "stages"]
    if fmt == "json":
        return json.dumps({**({"estimate": note} if note else {}),
            "institutions": [{f: getattr(r, f) for f in fields} for r in rows],
            "single_source_relations": [dict(zip(("subject", "relation", "object", "source"), s, strict=True))
                                        for s in single],
            "degree_by_side_and_stage": {side: dict(sorted(c.items())) for side, c in sorted(by_stage.items())},
        }, ensure_ascii=False, indent=2) + "\n"
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(fields)
        for r in rows:
            writer.writerow([_safe(getattr(r, f)) for f in fields])
        return out.getvalue()
    from .query import text_table

    header = ["id", "label", "side", "degree", "cross-border", "betweenness", "brokerage", "stages"]
    table = [[_clip(r.id, 32), _clip(r.label, 44), r.side, str(r.degree), str(r.cross_border_degree),
              f"{r.betweenness:.3f}", f"{r.cross_border_brokerage:.1f}", str(r.stages)]
             for r in rows]
    return (text_table(header, table)
            + f"{len(single)} relations rest on a single source (--format json lists them)\n"
            + (f"{note}\n" if note else ""))


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
