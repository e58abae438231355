"""Property tests (Hypothesis): curated tables made of random Japanese, Indonesian and Latin text,
random dates and random relations of the ontology build, and every RDF export re-reads — with
Oxigraph and with rdflib — to exactly the built data: no triple, character or language tag lost.

Bounded for CI: a fixed number of examples, no deadline (a build takes about a second), derandomised
so that a run is reproducible; ``HYPOTHESIS_PROFILE=long`` tries more."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import unicodedata
from pathlib import Path

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import REPO, make_project
from tokutei_kg.export import Inputs, render
from tokutei_kg.ontology import parse_turtle, vocabulary
from tokutei_kg.pipeline import Project, compile_project

settings.register_profile("ci", max_examples=6, deadline=None, derandomize=True, database=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
settings.register_profile("long", max_examples=int(os.environ.get("HYPOTHESIS_EXAMPLES", "200")), deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")

VOCAB = vocabulary(parse_turtle(REPO / "ontology" / "tokutei.ttl"))
AGENT = VOCAB.ancestors[VOCAB.classes["Agency"]]
# object relations an institution may have with another (domain and range both hold for agencies)
RELATIONS = sorted(name for name, relation in VOCAB.relations.items()
                   if relation.is_object and name != "org:subOrganizationOf"
                   and set(relation.domains) | set(relation.ranges) <= AGENT)
CLASSES = ["Agency", "Ministry", "TrainingInstitution", "AcceptingOrganization", "RegisteredSupportOrganization"]

# Scripts of the domain: Latin with Indonesian and European letters, kana, kanji, full-width forms, plus
# the characters that break serialisers (quotes, backslash, markup, '#', '@', '|', the line separators
# U+2028/U+2029/U+0085 that str.splitlines() splits at) and one astral emoji.
ALPHABET = st.one_of(
    st.characters(min_codepoint=0x20, max_codepoint=0x7E),
    st.characters(min_codepoint=0xC0, max_codepoint=0x17F),
    st.characters(min_codepoint=0x3041, max_codepoint=0x30FA),
    st.characters(min_codepoint=0x4E00, max_codepoint=0x4FFF),
    st.characters(min_codepoint=0xFF01, max_codepoint=0xFF5E),
    st.sampled_from(list("\"'\\<>&{}#@|=+-;,\n\u2028\u2029\x85😀")),
)


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFC", text).strip()
    return "\n".join(line.strip() for line in text.split("\n")).strip()


TEXT = st.text(ALPHABET, min_size=1, max_size=30).map(_clean).filter(bool)
LABEL = TEXT.filter(lambda t: "\n" not in t)
ALIAS = LABEL.map(lambda t: t.replace("|", "/")).filter(lambda t: t == t.strip() and t)
DAY = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2035, 12, 31))


@st.composite
def partial_date(draw: st.DrawFn) -> tuple[dt.date, str]:
    day = draw(DAY)
    precision = draw(st.sampled_from([4, 7, 10]))
    return day, day.isoformat()[:precision]


@st.composite
def tables(draw: st.DrawFn) -> dict[str, list[list[str]]]:
    count = draw(st.integers(min_value=2, max_value=6))
    entities = [["japan", "Country", "Japan", "Jepang", "日本", "", "", "", "", "", "s1", ""],
                ["indonesia", "Country", "Indonesia", "Indonesia", "インドネシア", "", "", "", "", "", "s1", ""]]
    for index in range(count):
        aliases = draw(st.lists(ALIAS, max_size=2, unique=True))
        start = draw(st.one_of(st.none(), partial_date()))
        entities.append([f"e{index}", draw(st.sampled_from(CLASSES)), draw(LABEL), draw(LABEL), draw(LABEL),
                         "|".join(aliases), draw(st.sampled_from(["japan", "indonesia"])),
                         start[1] if start else "", "", draw(st.one_of(st.just(""), TEXT)), "s1", ""])
    claims = []
    for index in range(draw(st.integers(min_value=1, max_value=8))):
        subject, obj = draw(st.lists(st.integers(0, count - 1), min_size=2, max_size=2, unique=True))
        start = draw(st.one_of(st.none(), partial_date()))
        claims.append([f"c{index}", f"e{subject}", draw(st.sampled_from(RELATIONS)), f"e{obj}", "", "", "", "", "",
                       draw(st.sampled_from(["s1", "s2"])), draw(TEXT), "paraphrase",
                       draw(st.sampled_from(["en", "id", "ja"])), "", start[1] if start else "", "", "", ""])
    sources = [["s1", "news", "civil-society", draw(LABEL), "", "2020-01-02", "https://example.org/a", "", "id", "", "", "",
                "", ""],
               ["s2", "official-document", "government", draw(LABEL), "", "", "https://example.org/b?x=1",
                "", "ja", "", "", "", "", ""]]
    return {"entities": entities, "claims": claims, "sources": sources}


HEADERS = {
    "entities": "id,class,label_en,label_id,label_ja,aliases,country,valid_from,valid_to,description,source_ids,note",
    "claims": "id,subject,relation,object,value,value_lang,stage,role,polarity,source_id,evidence,evidence_kind,"
              "evidence_lang,locator,valid_from,valid_to,confidence,note",
    "sources": "id,type,perspective,title,publisher,date,url,document,language,reliability,register_ref,"
               "interviewee_role,consent,note",
}


def write_tables(root: Path, data: dict[str, list[list[str]]]) -> None:
    curated = root / "graph" / "curated"
    curated.mkdir(parents=True, exist_ok=True)
    for kind, rows in data.items():
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(HEADERS[kind].split(","))
        writer.writerows(rows)
        (curated / f"{kind}.csv").write_text(out.getvalue(), encoding="utf-8")


@pytest.fixture(scope="module")
def empty_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_project(tmp_path_factory.mktemp("property") / "p", curated=None)


def _canonical(quads: list[ox.Quad]) -> set[ox.Quad]:
    dataset = ox.Dataset(quads)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return set(dataset)


def _triples(quads: list[ox.Quad]) -> set[ox.Triple]:
    return {quad.triple for quad in quads}


@pytest.mark.slow(12)
@settings(settings.get_profile(PROFILE))
@given(data=tables())
def test_every_rdf_export_reads_back_to_the_built_data(empty_project: Path, data: dict[str, list[list[str]]]) -> None:
    write_tables(empty_project, data)
    compiled = compile_project(Project(empty_project), shacl=False)
    assert compiled.report.ok
    built = list(ox.parse(compiled.nquads, format=ox.RdfFormat.N_QUADS))
    store = ox.Store()
    store.extend(built)
    outputs = {o.path: o.data for o in render(Inputs(store), ["ttl", "trig", "nq", "nt", "jsonld", "rdfxml", "c14n"])}
    formats = {"tokutei.trig": ox.RdfFormat.TRIG, "tokutei.nq": ox.RdfFormat.N_QUADS,
               "tokutei.jsonld": ox.RdfFormat.JSON_LD, "tokutei.c14n.nq": ox.RdfFormat.N_QUADS}
    for name, fmt in formats.items():
        assert _canonical(list(ox.parse(outputs[name], format=fmt))) == _canonical(built), name
    for name, fmt in {"tokutei.ttl": ox.RdfFormat.TURTLE, "tokutei.nt": ox.RdfFormat.N_TRIPLES}.items():
        assert {q.triple for q in ox.parse(outputs[name], format=fmt)} == _triples(built), name
    _rdflib_agrees(outputs, built)
    labels = {(q.object.value, q.object.language) for q in built
              if isinstance(q.object, ox.Literal) and q.object.language}
    for row in data["entities"][2:]:
        assert {(row[2], "en"), (row[3], "id"), (row[4], "ja")} <= labels


def _rdflib_agrees(outputs: dict[str, bytes], built: list[ox.Quad]) -> None:
    """rdflib reads the same triples back: each read is isomorphic to the union of the built quads, by
    rdflib's own test — the same size and the same RGDA1 digest, what ``rdflib.compare.isomorphic``
    computes for each side — with the union's digest computed once, and no copy of each graph (which
    ``to_isomorphic`` makes) to compute it."""
    from rdflib import Dataset, Graph
    from rdflib.compare import _TripleCanonicalizer

    def digest(graph: Graph) -> tuple[int, int]:
        return len(graph), _TripleCanonicalizer(graph).to_hash()

    union = Graph()
    union.parse(data=ox.serialize(list(_triples(built)), format=ox.RdfFormat.N_TRIPLES).decode(), format="nt")
    expected = digest(union)
    for name, fmt in (("tokutei.ttl", "turtle"), ("tokutei.nt", "nt")):
        assert digest(Graph().parse(data=outputs[name].decode(), format=fmt)) == expected, name
    for name, fmt in (("tokutei.trig", "trig"), ("tokutei.nq", "nquads")):
        dataset = Dataset()
        dataset.parse(data=outputs[name].decode(), format=fmt)
        merged = Graph()
        for s, p, o, _g in dataset.quads((None, None, None, None)):
            merged.add((s, p, o))
        assert digest(merged) == expected, name
