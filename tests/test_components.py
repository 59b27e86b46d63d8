"""The project's SHACL constraint components (shapes/components.ttl), run by the real validator.

Components (a), (c) and (e) also carry Art. 3/11/12/13 and are covered by their fixtures; these
tests pin the behaviour of each component on small graphs, including (b) and (d).
"""

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rdflib import Graph, Literal, Namespace
from rdflib.namespace import RDF

from safetykg.reasoner.resources import shapes_dir
from safetykg.reasoner.validate import RuleSet

EX = Namespace("http://example.org/")
PREFIXES = """@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix sk: <https://w3id.org/safetykg/def#> .
@prefix ex: <http://example.org/> . @prefix kb: <https://w3id.org/safetykg/kb/> .
"""


def ruleset(tmp_path: Path, body: str) -> RuleSet:
    f = tmp_path / "rule.ttl"
    f.write_text(
        PREFIXES
        + f"""ex:R a sh:NodeShape ; sk:ruleId "T-1" ; sk:clause kb:MEM10 ; sh:severity sh:Violation ;
        sh:message "m"@zh , "m"@en ; {body} .""",
        encoding="utf-8",
    )
    return RuleSet([shapes_dir() / "components.ttl", f])


def both(rules: RuleSet, g: Graph) -> set[tuple]:
    """Findings of the compiled shapes, which must equal pySHACL's (the reference)."""
    compiled = {(f.focus, f.path) for f in rules.validate(g)}
    reference = {(f.focus, f.path) for f in rules.validate_reference(g)}
    assert compiled == reference
    return compiled


def results(rules: RuleSet, data: str) -> set[tuple]:
    return both(rules, Graph().parse(data=PREFIXES + data, format="turtle"))


def test_requires_in_service_counts_failed_and_bypassed_as_absent(tmp_path):
    rules = ruleset(
        tmp_path,
        "sh:targetClass ex:Furnace ; sh:property [ sh:path ( ex:alarm ex:status ) ; "
        "sk:requiresInService ex:in_service ]",
    )
    found = results(
        rules,
        """ex:ok a ex:Furnace ; ex:alarm [ ex:status ex:failed ] , [ ex:status ex:in_service ] .
        ex:failed a ex:Furnace ; ex:alarm [ ex:status ex:failed ] .
        ex:bypassed a ex:Furnace ; ex:alarm [ ex:status ex:bypassed ] .
        ex:unreported a ex:Furnace .""",
    )
    assert {focus for focus, _ in found} == {EX.failed, EX.bypassed}


def test_not_shared_reports_each_sharer_once(tmp_path):
    rules = ruleset(
        tmp_path,
        "sh:targetClass ex:GasLine ; sh:property [ sh:path ex:drain ; sk:notSharedBetween ex:GasLine ]",
    )
    found = results(
        rules,
        """ex:a a ex:GasLine ; ex:drain ex:d1 . ex:b a ex:GasLine ; ex:drain ex:d1 .
        ex:c a ex:GasLine ; ex:drain ex:d2 . ex:other ex:drain ex:d2 .""",
    )
    assert found == {(EX.a, EX.drain), (EX.b, EX.drain)}


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.integers(min_value=-5, max_value=30), min_size=0, max_size=3), st.integers(0, 20)
)
def test_at_most(tmp_path_factory, counts, limit):
    rules = ruleset(
        tmp_path_factory.mktemp("c"),
        f"sh:targetClass ex:Room ; sh:property [ sh:path ex:workers ; sk:atMost {limit} ]",
    )
    g = Graph()
    g.add((EX.room, RDF.type, EX.Room))
    for c in counts:
        g.add((EX.room, EX.workers, Literal(c)))
    assert bool(both(rules, g)) == any(c > limit for c in counts)


@pytest.mark.parametrize(
    ("data", "missing"),
    [
        ("ex:n a ex:Node ; ex:kind ex:dry .", True),
        ("ex:n a ex:Node ; ex:kind ex:dry ; ex:protection ex:venting .", False),
        ("ex:n a ex:Node ; ex:kind ex:wet .", False),
        ("ex:n a ex:Node ; ex:kind ex:k . ex:k a ex:DryKind .", True),
        ("ex:n a ex:Node .", False),
    ],
)
def test_required_when_names_the_missing_key(tmp_path, data, missing):
    rules = ruleset(
        tmp_path,
        "sh:targetClass ex:Node ; sh:property [ sh:path ex:kind ; sk:whenIn ( ex:dry ex:DryKind ) ; "
        "sk:requires ex:protection ; sh:severity sh:Warning ]",
    )
    assert results(rules, data) == ({(EX.n, EX.protection)} if missing else set())


@pytest.mark.parametrize(
    ("data", "missing"),
    [
        ("ex:n a ex:Node .", True),
        ("ex:n a ex:Node ; ex:workers 0 .", False),
        ("ex:n a ex:Node ; ex:workers 3 .", True),
        ("ex:n a ex:Node ; ex:workers 3 ; ex:uncertified 0 .", False),
    ],
)
def test_required_unless(tmp_path, data, missing):
    rules = ruleset(
        tmp_path,
        "sh:targetClass ex:Node ; sk:requires ex:uncertified ; sk:unlessPath ex:workers ; "
        "sk:unlessIn ( 0 )",
    )
    assert results(rules, data) == ({(EX.n, EX.uncertified)} if missing else set())
