"""The compiled SPARQL validator (reasoner/shacl_sparql.py) against the reference, pySHACL.

Every rule fixture profile and the 300 demo enterprises are assessed by the engine (pySHACL per
enterprise); their asserted and inferred graphs go into ONE Oxigraph store, the compiled queries
run once over it, and the two sets of results must be equal.
"""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF

from safetykg.reasoner.codes import credit_code_check_char
from safetykg.reasoner.engine import Assessment
from safetykg.reasoner.province import demo_province_path
from safetykg.reasoner.rule_tests import discover
from safetykg.reasoner.shacl_sparql import CompileError, ShapeCompiler
from safetykg.reasoner.validate import Finding, RuleSet
from safetykg.reasoner.vocab import enterprise_iri, inferred_graph_iri

REFERENCE_GRAPH = "https://w3id.org/safetykg/graph/test-reference"


def fixture_profiles() -> list[dict]:
    """The fixture profiles, each under a credit code of its own (many share the example's)."""
    out = []
    for i, case in enumerate(discover()):
        profile = json.loads(case.path.read_text(encoding="utf-8"))["profile"]
        base = f"91330106MC{i:07d}"
        out.append({**profile, "credit_code": base + credit_code_check_char(base)})
    return out


def demo_profiles() -> list[dict]:
    lines = demo_province_path().read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def load(store: ox.Store, graph: Graph, name: str) -> None:
    """Oxigraph parses the data, as it parses the compiled queries (the mixed-parser trap)."""
    store.load(graph.serialize(format="nt"), ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(name))


@pytest.fixture(scope="module")
def assessed(engine) -> list[Assessment]:
    profiles = fixture_profiles() + demo_profiles()[:100]
    assert len({p["credit_code"] for p in profiles}) == len(profiles)
    return [engine.assess(p, with_pyshacl=True) for p in profiles]


@pytest.fixture(scope="module")
def province_store(assessed) -> ox.Store:
    store = ox.Store()
    reference = Graph()
    for a in assessed:
        load(store, a.asserted, str(enterprise_iri(a.credit_code)))
        load(store, a.inferred, str(inferred_graph_iri(a.credit_code)))
        for t in a.derivation.reference_triples:
            reference.add(t)
    load(store, reference, REFERENCE_GRAPH)
    return store


def key(f: Finding) -> tuple[str, str, str, str]:
    return (f.rule.rule_id, str(f.focus), str(f.path or ""), f.severity)


def diff(expected: set, actual: set) -> str:
    lines = [f"  pySHACL only:  {k}" for k in sorted(expected - actual)[:40]]
    lines += [f"  compiled only: {k}" for k in sorted(actual - expected)[:40]]
    return f"{len(expected - actual)} + {len(actual - expected)} differences\n" + "\n".join(lines)


def test_compiled_queries_equal_pyshacl_on_fixtures_and_demo_province(
    engine, assessed, province_store
):
    expected = {key(f) for a in assessed for f in a.findings}
    actual = {key(f) for f in engine.rules.validate_store(province_store)}
    assert len(expected) > 1000  # the fixtures and the demo province do violate rules
    assert expected == actual, diff(expected, actual)


def test_findings_carry_the_rules_messages_and_values(engine, assessed, province_store):
    def full(f: Finding) -> tuple:
        return (*key(f), f.value, tuple(sorted(f.message.items())))

    expected = {full(f) for a in assessed for f in a.findings}
    actual = {full(f) for f in engine.rules.validate_store(province_store)}
    assert expected == actual, diff(expected, actual)


@pytest.mark.parametrize("size", [1, 7, 60])
def test_skipping_queries_on_terms_a_batch_lacks_loses_no_finding(engine, assessed, size):
    """``Engine.assess_many`` skips the queries whose targets or required classes and
    predicates (``ShapeQuery.requires``) a batch does not mention; every rule has a violating
    fixture, so a wrong requirement would lose its finding here."""
    for start in range(0, len(assessed), size):
        batch = assessed[start : start + size]
        checked = engine.assess_many([a.profile for a in batch], checked=True)
        for reference, fast in zip(batch, checked, strict=True):
            expected = {key(f) for f in reference.findings}
            assert {key(f) for f in fast.findings} == expected, reference.credit_code


def test_every_rule_with_a_fixture_is_compiled_and_fires(engine, province_store):
    fired = {f.rule.rule_id for f in engine.rules.validate_store(province_store)}
    with_fixtures = {case.rule_id for case in discover()}
    assert with_fixtures <= fired, sorted(with_fixtures - fired)


# -- single constructs, against pySHACL on small generated graphs ---------------------------------

EX = "http://example.org/"
SHAPES = f"""
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix sk: <https://w3id.org/safetykg/def#> .
@prefix ex: <{EX}> .
ex:Counts a sh:NodeShape ; sk:ruleId "T-COUNT" ; sh:targetClass ex:Thing ;
    sh:property [ sh:path ex:p ; sh:minCount 2 ; sh:maxCount 3 ] .
ex:Range a sh:NodeShape ; sk:ruleId "T-RANGE" ; sh:targetClass ex:Thing ;
    sh:property [ sh:path ex:p ; sh:minInclusive 2 ; sh:maxExclusive 7 ] .
ex:In a sh:NodeShape ; sk:ruleId "T-IN" ; sh:targetClass ex:Thing ;
    sh:property [ sh:path ex:s ; sh:in ( "a" "b" ) ] .
ex:Logic a sh:NodeShape ; sk:ruleId "T-LOGIC" ; sh:targetClass ex:Thing ; sh:severity sh:Warning ;
    sh:xone ( [ sh:property [ sh:path ex:p ; sh:hasValue 1 ] ]
              [ sh:property [ sh:path ex:s ; sh:minCount 1 ] ] ) .
ex:Inverse a sh:NodeShape ; sk:ruleId "T-INVERSE" ; sh:targetObjectsOf ex:link ;
    sh:property [ sh:path ( [ sh:inversePath ex:link ] ex:p ) ;
                  sh:qualifiedValueShape [ sh:in ( 1 2 ) ] ; sh:qualifiedMinCount 1 ] .
"""

things = st.lists(
    st.tuples(
        st.lists(st.integers(0, 8), max_size=4),
        st.lists(st.sampled_from(["a", "b", "c"]), max_size=2),
        st.booleans(),
    ),
    min_size=1,
    max_size=5,
)


@pytest.fixture(scope="module")
def small_rules(tmp_path_factory) -> RuleSet:
    path = tmp_path_factory.mktemp("shapes") / "small.ttl"
    path.write_text(SHAPES, encoding="utf-8")
    return RuleSet([path])


@settings(max_examples=40, deadline=None)
@given(data=things)
def test_core_constructs_equal_pyshacl(small_rules, data):
    graph = Graph()
    for i, (ints, strings, linked) in enumerate(data):
        node = URIRef(f"{EX}n{i}")
        graph.add((node, RDF.type, URIRef(f"{EX}Thing")))
        for n in ints:
            graph.add((node, URIRef(f"{EX}p"), Literal(n)))
        for s in strings:
            graph.add((node, URIRef(f"{EX}s"), Literal(s)))
        if linked:
            graph.add((node, URIRef(f"{EX}link"), URIRef(f"{EX}n{(i + 1) % len(data)}")))
    store = ox.Store()
    load(store, graph, f"{EX}graph")
    expected = {(*key(f), f.value) for f in small_rules.validate_reference(graph)}
    actual = {(*key(f), f.value) for f in small_rules.validate_store(store)}
    assert expected == actual, diff(expected, actual)
    present = {str(p) for p in graph.predicates()} | {str(c) for c in graph.objects(None, RDF.type)}
    skipping = {(*key(f), f.value) for f in small_rules.validate_store(store, present)}
    assert expected == skipping, diff(expected, skipping)


def test_what_a_path_requires():
    """The predicates every value of a path is reached through: all steps of a sequence, those
    common to all alternatives, none for a path that may be empty."""
    shapes = Graph().parse(
        data=f"""@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <{EX}> .
        ex:s ex:seq ( [ sh:inversePath ex:a ] ex:b ) ;
             ex:alt [ sh:alternativePath ( ( ex:a ex:b ) ( ex:a ex:c ) ) ] ;
             ex:star [ sh:zeroOrMorePath ex:a ] ; ex:plus [ sh:oneOrMorePath ex:c ] .""",
        format="turtle",
    )
    compiler = ShapeCompiler(shapes)

    def path(name: str):
        return shapes.value(URIRef(f"{EX}s"), URIRef(f"{EX}{name}"))

    assert compiler.required(URIRef(f"{EX}a")) == {f"{EX}a"}
    assert compiler.required(path("seq")) == {f"{EX}a", f"{EX}b"}
    assert compiler.required(path("alt")) == {f"{EX}a"}
    assert compiler.required(path("star")) == set()
    assert compiler.required(path("plus")) == {f"{EX}c"}


def test_unsupported_construct_fails_at_compile_time_naming_the_shape():
    graph = Graph().parse(
        data=f"""@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <{EX}> .
        ex:Odd a sh:NodeShape ; sh:targetClass ex:Thing ;
            sh:property [ sh:path ex:p ; sh:pattern "^a" ] .""",
        format="turtle",
    )
    with pytest.raises(CompileError, match="pattern"):
        ShapeCompiler(graph).compile()


def test_sparql_that_cannot_be_spliced_fails_at_compile_time_naming_the_shape():
    graph = Graph().parse(
        data=f"""@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <{EX}> .
        ex:Sub a sh:NodeShape ; sh:targetClass ex:Thing ;
            sh:sparql [ sh:select "SELECT $this WHERE {{ {{ SELECT ?x WHERE {{ ?x ?p ?o }} }} }}" ] .""",
        format="turtle",
    )
    with pytest.raises(CompileError, match=f"{EX}Sub.*SELECT"):
        ShapeCompiler(graph).compile()
