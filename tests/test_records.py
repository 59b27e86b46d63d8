"""The inferred graph as the store keeps it: its digest names its content, in any order."""

import dataclasses
import datetime as dt

import pyoxigraph as ox
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from safetykg.reasoner.engine import Engine
from safetykg.reasoner.generate import generate
from safetykg.reasoner.records import inferred_graph
from safetykg.reasoner.report import Reporter
from safetykg.reasoner.terms import nt_literal
from safetykg.reasoner.vocab import SK, inferred_graph_iri

DAY = dt.date(2026, 6, 30)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(0, 10_000), order=st.randoms(use_true_random=False))
def test_the_digest_depends_on_the_content_not_its_order(engine: Engine, seed, order):
    profile = generate(engine.kb, 1, seed=seed)[0]
    assessment = engine.assess(profile, DAY)
    report = Reporter(engine).to_json(assessment)
    graph = inferred_graph(assessment, report)
    shuffled = list(assessment.inferred_triples)
    order.shuffle(shuffled)
    same = inferred_graph(dataclasses.replace(assessment, inferred_triples=shuffled), report)
    assert same.digest == graph.digest
    assert f"<{SK.contentDigest}> {nt_literal(graph.digest)} .\n" in graph.text
    changed = [*shuffled[1:], (shuffled[0][0], shuffled[0][1], nt_literal("other"))]
    other = inferred_graph(dataclasses.replace(assessment, inferred_triples=changed), report)
    assert other.digest != graph.digest
    assert inferred_graph(assessment, {**report, "as_of": "2027-01-01"}).digest != graph.digest
    facts = graph.text.splitlines(keepends=True)[:-2]  # the report and the digest come last
    assert facts == sorted(facts)  # the order (and so the digest) of sorting whole lines


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(0, 10_000))
def test_the_nquads_are_the_ntriples_in_the_graph(engine: Engine, seed):
    assessment = engine.assess(generate(engine.kb, 1, seed=seed)[0], DAY)
    graph = inferred_graph(assessment, Reporter(engine).to_json(assessment))
    name = ox.NamedNode(str(inferred_graph_iri(assessment.credit_code)))
    triples = {q.triple for q in ox.parse(graph.text, ox.RdfFormat.N_TRIPLES)}
    quads = list(ox.parse(graph.nquads, ox.RdfFormat.N_QUADS))
    assert {q.graph_name for q in quads} == {name}
    assert {q.triple for q in quads} == triples and len(quads) == len(triples)
