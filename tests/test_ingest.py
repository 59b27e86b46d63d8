"""Enterprise input: validation errors name the key path; the JSON-LD context is the mapping."""

import copy
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import XSD

from safetykg.reasoner.ingest import InputError, json_literal
from safetykg.reasoner.inputs import parse_bytes
from safetykg.reasoner.resources import context_path
from safetykg.reasoner.terms import nt
from safetykg.reasoner.vocab import ENT, SK, SKC

from .profiles import profiles


def problems(engine, doc):
    return {(p.path, p.message) for p in engine.validator.problems(doc)}


def paths(engine, doc):
    return {p for p, _ in problems(engine, doc)}


def test_contract_example_is_valid(engine, example_profile):
    assert problems(engine, example_profile) == set()


@pytest.mark.parametrize(
    ("change", "path", "words"),
    [
        (lambda d: d.update(credit_code="91330106MA2B3C4D12"), "credit_code", "check digit"),
        (lambda d: d.update(region="999999"), "region", "unknown county-level"),
        (lambda d: d.update(region="330100"), "region", "unknown county-level"),
        (lambda d: d.update(industry="9999"), "industry", "unknown GB/T 4754"),
        (lambda d: d.update(industry="32a"), "industry", "unknown GB/T 4754"),
        (lambda d: d.update(employees=-1), "employees", "must not be below 0"),
        (lambda d: d.update(employees="many"), "employees", "expected integer or null, got string"),
        (lambda d: d.update(as_of="2026-02-30"), "as_of", "not a real date"),
        (lambda d: d.update(as_of="20260201"), "as_of", "YYYY-MM-DD"),
        (
            lambda d: d["dust"]["collectors"][0].update(pressure="neg"),
            "dust.collectors[0].pressure",
            'unknown value "neg"',
        ),
        (
            lambda d: d["dust"]["collectors"].append({"type": "cyclone"}),
            "dust.collectors[1].type",
            "unknown value",
        ),
        (
            lambda d: d["hazardous_chemicals"][0].update(max_quantity_t=-5),
            "hazardous_chemicals[0].max_quantity_t",
            "below 0",
        ),
        (
            lambda d: d["hazardous_chemicals"][0].update(hazard_categories=["W99"]),
            "hazardous_chemicals[0].hazard_categories[0]",
            "unknown value",
        ),
        (
            lambda d: d["hidden_hazards"][0].update(criterion="MEM10-99-1"),
            "hidden_hazards[0].criterion",
            "unknown criterion",
        ),
        (
            lambda d: d["hidden_hazards"][0].update(deadline="2026-01-01"),
            "hidden_hazards[0].deadline",
            "before found_on",
        ),
        (
            lambda d: d["confined_spaces"].update(warning_signs="yes"),
            "confined_spaces.warning_signs",
            "expected boolean",
        ),
        (
            lambda d: d["standardization"].update(grade=4),
            "standardization.grade",
            "unknown value 4",
        ),
        (
            lambda d: d["accidents"][0].update(date="2026-13-01"),
            "accidents[0].date",
            "not a real date",
        ),
        (lambda d: d.pop("credit_code"), "", "'credit_code' is a required property"),
    ],
)
def test_invalid_input_names_the_key_path(engine, example_profile, change, path, words):
    change(example_profile)
    found = problems(engine, example_profile)
    assert any(p == path and words in m for p, m in found), found


def test_region_without_counties_is_accepted(engine, example_profile):
    example_profile["region"] = "441900"  # 东莞市 has no county-level divisions
    assert problems(engine, example_profile) == set()


def test_not_an_object_and_too_deep(engine):
    assert problems(engine, [1, 2]) == {("", "expected a JSON object, got array")}
    deep: dict = {"credit_code": "91330106MA2B3C4D11"}
    node = deep
    for _ in range(20):
        node["x"] = {}
        node = node["x"]
    assert any("nested deeper" in m for _, m in problems(engine, deep))


json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 5), st.floats(allow_nan=False), st.text(max_size=5)
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    key=st.sampled_from(
        [
            "employees",
            "region",
            "industry",
            "as_of",
            "above_designated_size",
            "population_within_500m",
            "metal_smelting",
            "name",
        ]
    ),
    value=json_scalars,
)
def test_any_scalar_is_accepted_or_rejected_with_its_path(engine, example_profile, key, value):
    doc = copy.deepcopy(example_profile)
    doc[key] = value
    found = problems(engine, doc)
    assert all(p == key for p, _ in found), found
    if not found:
        engine.assess(doc)  # an accepted document must also assess without error


def test_absent_key_is_not_false(checker, example_profile):
    del example_profile["dust"]["cleaning_procedure"]
    report = checker.check(example_profile).report
    assert not any(v["rule"] == "MEM10-11-10" for v in report["violations"])
    assert {"rule": "MEM10-11-10", "missing": "dust.cleaning_procedure"}.items() <= next(
        g for g in report["data_gaps"] if g["missing"] == "dust.cleaning_procedure"
    ).items()


def test_graph_uses_key_path_iris_and_concepts(engine, example_profile):
    g = engine.mapper.to_graph(example_profile)
    base = ENT["91330106MA2B3C4D11"]
    collector = URIRef(f"{base}/dust/collectors/0")
    assert (URIRef(f"{base}/dust"), SK.collector, collector) in g
    assert (collector, SK.pressureMode, SKC["pressure-negative"]) in g


def test_empty_arrays_are_reported_none(engine, example_profile):
    example_profile["dust"]["collectors"][0]["explosion_protection"] = []
    example_profile["dust"]["collectors"] = example_profile["dust"]["collectors"]
    example_profile["ammonia_refrigeration"]["quick_freezers"] = []
    g = engine.mapper.to_graph(example_profile)
    base = ENT["91330106MA2B3C4D11"]
    assert (URIRef(f"{base}/dust/collectors/0"), SK.explosionProtection, SKC.none) in g
    assert (URIRef(f"{base}/ammonia_refrigeration"), SK.noneReported, SK.quickFreezer) in g


def _as_blank(graph: Graph) -> Graph:
    """Nested nodes as blank nodes, the way a JSON-LD processor produces them."""
    mapping: dict = {}

    def term(t):
        if isinstance(t, URIRef) and str(t).startswith(str(ENT)) and "/" in str(t)[len(str(ENT)) :]:
            return mapping.setdefault(t, BNode())
        return t

    out = Graph()
    for s, p, o in graph:
        out.add((term(s), p, term(o)))
    return out


def test_the_shipped_context_makes_the_profile_json_ld(engine, example_profile):
    """rdflib's JSON-LD processor and SafetyKG's ingest read the same context to the same graph."""
    del example_profile["credit_listing"]  # only nulls inside: no node in either reading
    doc = {
        "@context": json.loads(context_path().read_text())["@context"],
        "@id": str(ENT[example_profile["credit_code"]]),
        "@type": str(SK.Enterprise),
        **example_profile,
    }
    jsonld = Graph().parse(data=json.dumps(doc), format="json-ld")
    ours = _as_blank(engine.mapper.to_graph(example_profile))
    # the one documented addition: empty arrays recorded as "reported: none"
    extra = {t for t in ours if t[2] == SKC.none or t[1] == SK.noneReported}
    assert extra == {t for t in ours if t[1] == SK.hazardCategory}
    ours -= extra
    assert isomorphic(jsonld, ours), set(jsonld) ^ set(ours)


def test_turtle_and_json_ld_inputs_give_the_same_profile(checker, example_profile):
    turtle = checker.engine.mapper.to_graph(example_profile).serialize(format="turtle").encode()
    (doc,) = parse_bytes(turtle, "turtle", checker.engine.mapper, "t.ttl")
    expected = {k: v for k, v in example_profile.items() if v is not None}
    expected.pop("credit_listing")
    assert checker.check(doc.profile).report == checker.check(expected).report
    jsonld = json.dumps(
        {"@context": "https://w3id.org/safetykg/context.jsonld", **example_profile}
    ).encode()
    (doc2,) = parse_bytes(jsonld, "json", checker.engine.mapper, "x.jsonld")
    assert (
        checker.check(doc2.profile).report["risk"] == checker.check(example_profile).report["risk"]
    )


@pytest.mark.parametrize(
    ("data", "fmt", "words"),
    [
        (b"{not json", "json", "malformed JSON at line 1"),
        (b"@prefix sk: <x> . sk:a sk:b", "turtle", "malformed turtle"),
        (b"\xff\xfe", "json", "not UTF-8"),
        (
            b'{"@context": "http://evil.example/ctx.jsonld", "credit_code": "x"}',
            "json",
            "remote JSON-LD context",
        ),
        (
            b'@prefix sk: <https://w3id.org/safetykg/def#> . <a> sk:name "x" .',
            "turtle",
            "no enterprise",
        ),
    ],
)
def test_unreadable_input(engine, data, fmt, words):
    with pytest.raises(InputError) as err:
        parse_bytes(data, fmt, engine.mapper, "input")
    assert words in str(err.value)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-5, 10**6)
    | st.floats(allow_nan=False)
    | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)


def _paths(value, prefix=()):
    yield prefix
    children = (
        value.items()
        if isinstance(value, dict)
        else enumerate(value)
        if isinstance(value, list)
        else ()
    )
    for key, child in children:
        yield from _paths(child, (*prefix, key))


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(profile=profiles, data=st.data())
def test_the_compiled_schema_check_agrees_with_jsonschema(engine, profile, data):
    """The fast gate (fastjsonschema) and jsonschema agree on valid and on broken profiles:
    one value anywhere in a generated profile is replaced by an arbitrary JSON value."""
    doc = copy.deepcopy(profile)
    path = data.draw(st.sampled_from([p for p in _paths(doc) if p]))
    parent = doc
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = data.draw(json_values)
    for document in (profile, doc):
        validator = engine.validator
        expected = not any(True for _ in validator._validator.iter_errors(document))
        assert validator._valid_by_schema(document) == expected, document


@given(st.floats(allow_nan=False, allow_infinity=False).filter(lambda x: not x.is_integer()))
def test_a_json_number_with_a_fraction_is_the_double_rdflib_writes(value):
    """The fast path writes the lexical form itself; it must be the one rdflib's JSON-LD
    mapping (the reference path) gives, or the two would store different literals."""
    assert json_literal(value, None) == nt(Literal(value, datatype=XSD.double))
