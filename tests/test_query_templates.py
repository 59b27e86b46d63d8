"""Compiled shape queries of one template run as one (reasoner/query_templates.py): which
constants become variables, which queries run alone, and that a merged query answers exactly
what its queries answer one by one."""

from __future__ import annotations

import datetime as dt

import pyoxigraph as ox
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from safetykg.reasoner.engine import mentioned
from safetykg.reasoner.generate import generate
from safetykg.reasoner.query_templates import merged, template
from safetykg.reasoner.shacl_sparql import ShapeResult, run
from safetykg.reasoner.terms import nq_lines, to_rdflib
from safetykg.reasoner.vocab import enterprise_iri

SK = "https://w3id.org/safetykg/def#"
BOOL = "<http://www.w3.org/2001/XMLSchema#boolean>"


def lacking(cls: str, prop: str, n: int) -> str:
    return (
        f"SELECT DISTINCT ?this WHERE {{\n  ?this a <{SK}{cls}> .\n"
        f"  FILTER (!EXISTS {{ ?this <{SK}{prop}> ?c{n} . }})\n}}"
    )


def test_queries_differing_in_constants_and_variable_numbers_share_a_template():
    a = template(lacking("DustCollector", "dustType", 16))
    b = template(lacking("Accident", "deaths", 227))
    assert a is not None and b is not None
    assert a.text == b.text
    assert a.constants == (f"<{SK}DustCollector>", f"<{SK}dustType>")
    assert b.constants == (f"<{SK}Accident>", f"<{SK}deaths>")
    assert "?__k0" in a.text and "?v0" in a.text and "?c16" not in a.text


def test_literals_in_expressions_and_the_projected_path_become_variables():
    query = (
        f"SELECT DISTINCT ?this (<{SK}records> AS ?path) WHERE {{\n  ?this a <{SK}Dust> .\n"
        f'  FILTER (EXISTS {{ ?this <{SK}procedure> "false"^^{BOOL} }} && ?x > "9"^^{BOOL})\n}}'
    )
    t = template(query)
    assert t is not None
    iris = [f"<{SK}{name}>" for name in ("records", "Dust", "procedure")]
    assert t.constants == (*iris, f'"false"^^{BOOL}', f'"9"^^{BOOL}')


@pytest.mark.parametrize(
    ("pattern", "kept"),
    [
        (f"?this (<{SK}management>/<{SK}officers>) ?c .", ["management", "officers"]),
        (f"?this ^<{SK}management> ?c .", ["management"]),
        (f"?this (<{SK}collector>|<{SK}noneReported>) ?c .", ["collector", "noneReported"]),
        (f"?this <{SK}part>* ?c .", ["part"]),
        (f"?this <{SK}p> ?c . VALUES ?c {{ <{SK}x> <{SK}y> }}", ["x", "y"]),
    ],
    ids=["sequence", "inverse", "alternative", "star", "values"],
)
def test_constants_in_property_paths_and_values_data_stay(pattern, kept):
    t = template(f"SELECT DISTINCT ?this WHERE {{\n  ?this a <{SK}C> .\n  {pattern}\n}}")
    assert t is not None
    for name in kept:
        assert f"<{SK}{name}>" in t.text and f"<{SK}{name}>" not in t.constants
    assert t.constants[0] == f"<{SK}C>"


@pytest.mark.parametrize(
    "where",
    [
        f"?this a <{SK}C> . OPTIONAL {{ ?this <{SK}p> ?v }}",
        f"{{ ?this a <{SK}C> . }} UNION {{ ?this a <{SK}D> . }}",
        f"?this a <{SK}C> . {{ ?this <{SK}p> ?v . FILTER (?v > 3) }}",
        f"?this a <{SK}C> . MINUS {{ ?this <{SK}p> ?v }}",
        f'?this <{SK}p> ?v . FILTER (regex(?v, "^a"))',
        f"?this a <{SK}C> . # a comment {{",
        f"{{ SELECT ?this WHERE {{ ?this a <{SK}C> }} }}",
    ],
    ids=["optional", "union", "nested-group", "minus", "regex", "comment", "subquery"],
)
def test_queries_whose_groups_would_not_see_the_variables_run_alone(where):
    assert template(f"SELECT DISTINCT ?this WHERE {{\n  {where}\n}}") is None


def test_every_compiled_query_but_one_has_a_template(engine):
    compiled = engine.rules.compiled
    with_template = [q for q in compiled if q.template is not None]
    assert len(compiled) - len(with_template) <= 1  # the one with a UNION of targets
    assert len({q.template.text for q in with_template}) < len(compiled) / 2


@pytest.fixture(scope="module")
def batch_store(engine) -> tuple[ox.Store, set[str]]:
    day = dt.date(2026, 6, 1)
    facts = [engine.infer(p, day) for p in generate(engine.kb, 40, 3)]
    store = ox.Store()
    text = "".join(nq_lines(f.data(), enterprise_iri(f.credit_code)) for f in facts)
    store.load(text, format=ox.RdfFormat.N_QUADS)
    return store, mentioned(t for f in facts for t in f.data())


def alone(store: ox.Store, queries) -> set[ShapeResult]:
    out = set()
    for q in queries:
        for row in store.query(q.sparql, use_default_graph_as_union=True):
            value, path = row["value"], row["path"]
            out.add(
                ShapeResult(
                    q.source,
                    to_rdflib(row["this"]),
                    to_rdflib(path) if path is not None else q.path,
                    to_rdflib(value) if value is not None else None,
                )
            )
    return out


@settings(max_examples=25, deadline=None)
@given(st.data())
def test_merged_queries_answer_what_each_query_answers_alone(engine, batch_store, data):
    store, present = batch_store
    compiled = engine.rules.compiled
    chosen = data.draw(st.lists(st.sampled_from(compiled), min_size=1, max_size=80, unique_by=id))
    assert set(run(store, chosen)) == alone(store, chosen)
    assert set(run(store, chosen, present)) == alone(store, chosen)


def test_a_merged_query_names_the_row_of_each_result(batch_store):
    store, _ = batch_store
    first = template(lacking("Enterprise", "management", 1))
    second = template(lacking("Enterprise", "noSuchProperty", 2))
    assert first is not None and second is not None
    query = merged(first.text, [first.constants, second.constants])
    members = {int(r["__m"].value) for r in store.query(query, use_default_graph_as_union=True)}
    assert members == {1}  # every enterprise lacks the made-up property; none lacks management
