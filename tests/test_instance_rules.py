"""The compiled OWL RL rules agree with owlrl (the reference) on enterprise data."""

import json
from importlib.resources import files
from pathlib import Path

import owlrl
from hypothesis import HealthCheck, given, settings
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF

from safetykg.reasoner.derive import derive
from safetykg.reasoner.engine import as_of_date
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
