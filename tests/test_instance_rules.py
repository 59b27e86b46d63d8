"""The compiled OWL RL rules agree with owlrl (the reference) on enterprise data."""

import json
from importlib.resources import files
from pathlib import Path

import owlrl
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF

from safetykg.reasoner.derive import derive
from safetykg.reasoner.engine import as_of_date
from safetykg.reasoner.instance_rules import InstanceRules
from safetykg.reasoner.resources import ontology_dir, turtle_files
from safetykg.reasoner.terms import iri_value, nt, nt_lines, nt_triple
from safetykg.reasoner.vocab import ENT, SK

from .profiles import profiles

DEMO = Path(str(files("safetykg"))) / "demo" / "enterprises.json"


def base_triples(engine, profile):
    """Asserted and derived triples as the pipeline gives them to the rules (N-Triples terms)."""
    derivation = derive(profile, engine.kb, as_of_date(profile, None))
    derived = derivation.triples | derivation.reference_triples
    return set(engine.mapper.triples(profile)) | {nt_triple(t) for t in derived}


def about_enterprise(triples):
    """Types and sk: properties of the enterprise's own nodes: what the pipeline keeps."""
    return {
        t
        for t in triples
        if t[0].startswith(nt(ENT)[:-1])
        and (
            (t[1] == nt(RDF.type) and t[2].startswith(nt(SK)[:-1]))
            or (t[1] != nt(RDF.type) and t[1].startswith(nt(SK)[:-1]))
        )
    }


def reference_closure(triples):
    g = Graph()
    for f in turtle_files(ontology_dir()):
        g.parse(f, format="turtle")
    g.parse(data=nt_lines(triples), format="nt")
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(g)
    return {nt_triple(t) for t in g if not isinstance(t[0], Literal)}


def assert_same(engine, profile):
    base = base_triples(engine, profile)
    fast = about_enterprise(engine.instance_rules.closure(base))
    reference = about_enterprise(reference_closure(base))
    assert fast == reference, {"only fast": fast - reference, "only owlrl": reference - fast}


def test_demo_enterprises_agree_with_owlrl(engine):
    for profile in json.loads(DEMO.read_text(encoding="utf-8")):
        assert_same(engine, profile)


@settings(
    max_examples=5,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(profiles)
def test_generated_enterprises_agree_with_owlrl(engine, profile):
    if engine.validator.problems(profile):
        return
    assert_same(engine, profile)


def test_derived_classes(engine, example_profile):
    types = {
        URIRef(iri_value(t[2]))
        for t in engine.instance_rules.closure(base_triples(engine, example_profile))
        if t[0] == nt(ENT[example_profile["credit_code"]]) and t[1] == nt(RDF.type)
    }
    assert {
        SK.DustExplosionEnterprise,
        SK.AmmoniaRefrigerationEnterprise,
        SK.ConfinedSpaceEnterprise,
        SK.HazardousChemicalEnterprise,
        SK.SpecialOperationEnterprise,
        SK.NonferrousEnterprise,
    } <= types
    assert SK.MetalSmeltingEnterprise not in types


TINY_TBOX = """
@prefix : <http://example.org/> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
:A rdfs:subClassOf :B . :B rdfs:subClassOf :C .
:p rdfs:subPropertyOf :q . :q rdfs:domain :D ; rdfs:range :E .
:inv owl:inverseOf :q .
:t a owl:TransitiveProperty .
:HV a owl:Restriction ; owl:onProperty :p ; owl:hasValue :v .
:SV a owl:Restriction ; owl:onProperty :q ; owl:someValuesFrom :A .
:ANY a owl:Restriction ; owl:onProperty :t ; owl:someValuesFrom owl:Thing .
:X owl:intersectionOf ( :B :E ) .
"""
EX = "http://example.org/"
NODES = [URIRef(f"{EX}{n}") for n in ("s0", "s1", "s2", "v")]
CLASSES = [URIRef(f"{EX}{c}") for c in ("A", "B", "C", "D", "E", "HV", "SV", "ANY", "X")]
PREDICATES = [URIRef(f"{EX}{p}") for p in ("p", "q", "inv", "t", "other")]
instance_triples = st.lists(
    st.one_of(
        st.tuples(st.sampled_from(NODES), st.sampled_from(PREDICATES), st.sampled_from(NODES)),
        st.tuples(st.sampled_from(NODES), st.just(RDF.type), st.sampled_from(CLASSES)),
    ),
    max_size=8,
)


def about_nodes(triples):
    """The instance triples of ``triples`` in the tiny vocabulary (owlrl adds its own)."""
    nodes, vocabulary = {nt(n) for n in NODES}, {nt(t) for t in [*CLASSES, *PREDICATES]}
    return {
        t
        for t in triples
        if t[0] in nodes and (t[1] in vocabulary or (t[1] == nt(RDF.type) and t[2] in vocabulary))
    }


@pytest.fixture(scope="module")
def tiny_rules():
    tbox = Graph().parse(data=TINY_TBOX, format="turtle")
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(tbox)
    return InstanceRules(tbox)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(instance_triples)
@example([(NODES[1], RDF.type, CLASSES[0]), (NODES[0], PREDICATES[1], NODES[1])])
def test_every_compiled_rule_agrees_with_owlrl_on_a_tiny_ontology(tiny_rules, triples):
    """Each rule the ontology may use (subclass, subproperty, domain, range, inverse,
    transitive, hasValue both ways, someValuesFrom with the type before or after the edge,
    intersection), in any order of arrival (the last triple given arrives first: the example
    has the edge wait for the type of its object)."""
    graph = Graph().parse(data=TINY_TBOX, format="turtle")
    for t in triples:
        graph.add(t)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(graph)
    reference = about_nodes({nt_triple(t) for t in graph if not isinstance(t[0], Literal)})
    fast = about_nodes(tiny_rules.closure([nt_triple(t) for t in triples]))
    assert fast == reference, {"only fast": fast - reference, "only owlrl": reference - fast}
