"""The fast path gives the reference path's results (issue 6, "Equality with the reference").

The reference (reasoner/reference.py) closes each enterprise with owlrl and validates it with
pySHACL, one enterprise at a time; the fast path runs the compiled OWL RL rules, the compiled
shapes and the risk rules over one Oxigraph store for the whole province. On a generated
province and on hypothesis-drawn small ones, both must give the same findings (gaps included),
GB 18218 unit grades, accident grades, risk level, inspection class, reasons and inferred facts.
"""

import datetime as dt
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import Literal, URIRef
from rdflib.namespace import OWL, RDF, SKOS

from safetykg.reasoner.engine import Assessment, Engine, batches
from safetykg.reasoner.generate import generate
from safetykg.reasoner.ingest import InputError
from safetykg.reasoner.reference import (
    IsolationError,
    reasoner_for,
    reference_assess,
    reference_assess_many,
)
from safetykg.reasoner.vocab import ENT, REGION, SK

from .profiles import profiles

EXAMPLE = Path(__file__).parent / "data" / "contract-example.json"
SEED = 20261128
PROVINCE = 300


def fast_assess(
    engine: Engine, batch: list[dict], as_of: dt.date | None = None, policy: str | None = None
) -> list[Assessment]:
    """The fast path under test: the whole batch set-at-a-time."""
    return engine.assess_many(batch, as_of, policy)


def outcome(a: Assessment) -> dict[str, Any]:
    """What the two paths must agree on, each part as a set or a value."""
    return {
        "findings": {
            (f.rule.rule_id, str(f.focus), f.severity, str(f.path) if f.path else None)
            for f in a.findings
        },
        "hazard units (unit, S, R, grade)": {
            (u.unit, str(u.s), str(u.r), u.grade) for u in a.derivation.units
        },
        "accident grades": {
            (x.index, x.grade.iri if x.grade else None) for x in a.derivation.accidents
        },
        "risk level": a.risk.level,
        "inspection class": a.risk.inspection_class,
        "reason rule ids": sorted(r.rule_id for r in a.risk.reasons),
        "inferred facts": set(a.inferred_triples),
    }


def differences(fast: list[Assessment], reference: list[Assessment]) -> list[str]:
    """One line per enterprise and part that differ, with what each path alone gave."""
    assert [a.credit_code for a in fast] == [a.credit_code for a in reference]
    out = []
    for f, r in zip(fast, reference, strict=True):
        mine, theirs = outcome(f), outcome(r)
        for part in mine:
            if mine[part] == theirs[part]:
                continue
            if isinstance(mine[part], set):
                only_fast = sorted(mine[part] - theirs[part], key=str)
                only_reference = sorted(theirs[part] - mine[part], key=str)
                out.append(
                    f"{f.credit_code} {part}: only fast {only_fast}, "
                    f"only reference {only_reference}"
                )
            else:
                out.append(f"{f.credit_code} {part}: fast {mine[part]}, reference {theirs[part]}")
    return out


def assert_same(fast: list[Assessment], reference: list[Assessment]) -> None:
    diff = differences(fast, reference)
    shown = "\n".join(diff[:20])
    assert not diff, f"{len(diff)} differences between the fast and the reference path:\n{shown}"


@pytest.fixture(scope="module")
def province(engine) -> tuple[list[Assessment], list[Assessment]]:
    example = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    batch = [*generate(engine.kb, PROVINCE, SEED), example]
    return fast_assess(engine, batch), reference_assess_many(engine, batch)


def test_generated_province_equal(province):
    assert_same(*province)


@pytest.mark.parametrize("size", [1, 5])
def test_generated_province_in_small_batches_equal(engine, province, size):
    """Small batches mention few classes and predicates, so the compiled queries and risk
    rules that need others are skipped (``ShapeQuery.requires``, ``RiskRule.requires``); the
    results must not change."""
    _, reference = province
    profiles = [a.profile for a in reference]
    fast = [
        a for i in range(0, len(profiles), size) for a in engine.assess_many(profiles[i : i + size])
    ]
    assert_same(fast, reference)


def test_generated_province_exercises_every_compared_part(province):
    """The equality above is not vacuous: the province has findings of many rules, data
    gaps, major hazard sources, graded accidents, every risk level and both classes."""
    fast, _ = province
    rules = {f.rule.rule_id for a in fast for f in a.findings}
    assert len(rules) >= 20
    assert any(f.rule.is_gap for a in fast for f in a.findings)
    assert any(u.is_major and u.grade for a in fast for u in a.derivation.units)
    assert any(x.grade for a in fast for x in a.derivation.accidents)
    assert {a.risk.level for a in fast} == {"blue", "yellow", "orange", "red"}
    assert {a.risk.inspection_class for a in fast} == {"key", "general"}


def test_contract_example_gets_owlrl_classes(province):
    """The contract example (last in the province) has the classes owlrl derives for it, in
    the reference's inferred graph."""
    _, reference = province
    example = reference[-1]
    types = set(example.inferred.objects(ENT[example.credit_code], RDF.type))
    assert {SK.DustExplosionEnterprise, SK.HazardousChemicalEnterprise} <= types


def test_a_difference_names_the_enterprise_and_what_differs(province):
    fast, reference = province
    code = next(a.credit_code for a in fast if a.findings)
    index = [a.credit_code for a in fast].index(code)
    dropped = fast[index].findings[0]
    changed = replace(fast[index], findings=fast[index].findings[1:])
    lines = differences([changed], reference[index : index + 1])
    assert len(lines) == 1
    assert lines[0].startswith(f"{code} findings: only fast [], only reference [")
    assert dropped.rule.rule_id in lines[0] and str(dropped.focus) in lines[0]


@settings(
    max_examples=3,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    seed=st.integers(0, 2**32 - 1),
    count=st.integers(1, 3),
    drawn=st.lists(profiles, max_size=1),
    as_of=st.none() | st.dates(dt.date(2018, 1, 1), dt.date(2030, 12, 31)),
    data=st.data(),
)
def test_small_drawn_provinces_equal(engine, seed, count, drawn, as_of, data):
    policy = data.draw(st.sampled_from(sorted(engine.policies)), label="policy")
    batch = generate(engine.kb, count, seed)
    codes = {p["credit_code"] for p in batch}
    batch += [
        p for p in drawn if not engine.validator.problems(p) and p["credit_code"] not in codes
    ]
    assert_same(
        fast_assess(engine, batch, as_of, policy),
        reference_assess_many(engine, batch, as_of, policy),
    )


def test_isolation_refuses_a_fact_naming_two_enterprises_or_an_equality(engine, example_profile):
    reasoner = reasoner_for(engine)
    facts = reasoner.facts(example_profile, None)
    other = "91330106MA2B00001X"
    with pytest.raises(IsolationError, match=f"{other}, {facts.code}|{facts.code}, {other}"):
        reasoner.conclusions([(ENT[facts.code], SK.region, ENT[other])], [facts])
    with pytest.raises(IsolationError, match="equality"):
        reasoner.conclusions([(REGION["330106"], OWL.sameAs, REGION["330108"])], [facts])


def test_isolation_refuses_a_shared_fact_an_enterprise_was_not_given(engine, example_profile):
    """A class of a reference individual that a someValuesFrom restriction reads, or a link
    of a transitive property between shared terms, reaches every enterprise that names the
    individual (or either end of the link): it must be among the reference triples each of
    them was given."""
    reasoner = reasoner_for(engine)
    facts = reasoner.facts(example_profile, None)
    enterprise, region = ENT[facts.code], REGION["440306"]
    cases = [
        ((enterprise, SK.withinRegion, region), (region, RDF.type, SK.MetalSmeltingIndustry)),
        ((enterprise, SK.withinRegion, region), (region, SK.withinRegion, REGION["440000"])),
        ((region, SK.withinRegion, enterprise), (REGION["440300"], SK.withinRegion, region)),
    ]
    for own, fact in cases:
        with pytest.raises(IsolationError, match=f"may reach enterprises {facts.code}"):
            reasoner.conclusions([own, fact], [facts])
        assert reasoner.conclusions([fact], [facts]) == {facts.code: set()}
        facts.reference.add(fact)
        assert facts.code in reasoner.conclusions([own, fact], [facts])


def test_isolation_keeps_the_new_facts_of_the_enterprise_own_nodes(engine, example_profile):
    reasoner = reasoner_for(engine)
    facts = reasoner.facts(example_profile, None)
    enterprise = ENT[facts.code]
    new = (URIRef(f"{enterprise}/accidents/99"), RDF.type, SK.Accident)
    closure = [
        next(iter(facts.asserted)),
        new,
        (REGION["330106"], RDF.type, SKOS.Concept),
        (Literal(3), RDF.type, Literal(3).datatype),
        (enterprise, OWL.sameAs, enterprise),
        (enterprise, RDF.type, OWL.Thing),
    ]
    assert reasoner.conclusions(closure, [facts]) == {facts.code: {new}}


def test_reference_refuses_an_invalid_profile_naming_it(engine, example_profile):
    example_profile["credit_code"] = "not a code"
    with pytest.raises(InputError, match="credit_code"):
        reference_assess(engine, example_profile)


def test_one_enterprise_twice_goes_to_two_batches(engine, example_profile):
    assert batches(["a", "b", "a", "a", "c", "d"], 2) == [[0, 1], [2, 4], [3, 5]]
    facts = reasoner_for(engine).facts(example_profile, None)
    with pytest.raises(ValueError, match=example_profile["credit_code"]):
        reasoner_for(engine).close([facts, facts])
