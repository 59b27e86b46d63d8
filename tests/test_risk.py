"""Risk level, inspection class and frequency under the policy profiles (kb/policy)."""

import re

import pytest
from rdflib.plugins.sparql import prepareQuery

from safetykg.reasoner.risk import PolicyError, required_terms


def risk(checker, profile, **kw):
    return checker.check(profile, **kw).report["risk"]


def minimal(**extra):
    return {
        "credit_code": "91330106MA2B3C4D11",
        "region": "330106",
        "industry": "3311",
        "as_of": "2026-11-01",
        **extra,
    }


def test_contract_example_is_red_with_reasons(checker, example_profile):
    r = risk(checker, example_profile)
    assert r["level"] == "red" and r["level_zh"] == "重大风险" and r["inspection_class"] == "key"
    rules = {x["rule"]: x for x in r["reasons"]}
    assert rules["RISK-OVERDUE-MAJOR-HAZARD"]["because"] == [
        "hidden_hazards[0].deadline = 2026-05-01, not rectified"
    ]
    assert rules["RISK-MHS-GRADE34"]["because"] == ["major_hazard_sources[0].grade = 3"]
    assert rules["RISK-FATAL-ACCIDENT-12M"]["because"] == ["accidents[0].deaths = 1 (2026-01-05)"]
    assert r["inspections_per_year"] == {"min": 1.0, "max": 4.0}
    assert r["policy"] == "guangdong-2021"


def test_plain_enterprise_is_blue_general(checker):
    r = risk(checker, minimal())
    assert (r["level"], r["inspection_class"], r["reasons"]) == ("blue", "general", [])
    assert r["inspections_per_year"]["min"] == pytest.approx(1 / 3, abs=0.001)


def test_special_operation_is_yellow(checker):
    r = risk(
        checker,
        minimal(
            confined_spaces={
                "count": 1,
                "identified_and_registered": True,
                "warning_signs": True,
                "entry_permit_system": True,
                "ventilate_test_then_enter": True,
                "attendant_assigned": True,
            }
        ),
    )
    assert r["level"] == "yellow" and r["inspection_class"] == "general"
    assert r["reasons"][0]["because"] == ["special operation: confined_spaces"]


def test_overdue_depends_on_as_of(checker):
    p = minimal(
        hidden_hazards=[{"level": "major", "found_on": "2026-01-01", "deadline": "2026-06-01"}]
    )
    assert risk(checker, p)["level"] == "red"
    assert risk(checker, p, as_of=__import__("datetime").date(2026, 5, 31))["level"] == "blue"
    p["hidden_hazards"][0]["rectified_on"] = "2026-07-01"
    assert risk(checker, p)["level"] == "blue"


def test_accident_older_than_12_months_does_not_count(checker):
    p = minimal(accidents=[{"date": "2025-10-31", "deaths": 5}])
    assert risk(checker, p)["level"] == "blue"
    p["accidents"][0]["date"] = "2025-11-02"
    r = risk(checker, p)
    assert r["level"] == "red" and {x["rule"] for x in r["reasons"]} == {
        "RISK-ACCIDENT-LARGER-12M",
        "RISK-FATAL-ACCIDENT-12M",
    }


def test_credit_listing_term_and_removal(checker):
    p = minimal(credit_listing={"listed_on": "2023-11-02"})
    assert risk(checker, p)["level"] == "red"  # within 3 years
    p["credit_listing"]["listed_on"] = "2023-11-01"
    assert risk(checker, p)["level"] == "blue"  # 3 years ended on 2026-11-01
    p["credit_listing"] = {"listed_on": "2025-01-01", "removed_on": "2026-01-01"}
    assert risk(checker, p)["level"] == "blue"


def test_shanxi_caps_by_standardization_grade_and_sector(checker):
    p = minimal(standardization={"grade": 1, "valid_until": "2030-01-01"})
    assert risk(checker, p, policy="shanxi-2025")["inspections_per_year"]["max"] == 1
    p["standardization"]["valid_until"] = "2026-01-01"  # expired: not graded
    assert risk(checker, p, policy="shanxi-2025")["inspections_per_year"]["max"] == 6
    p["industry"] = "3110"  # iron smelting: metal smelting caps
    assert risk(checker, p, policy="shanxi-2025")["inspections_per_year"]["max"] == 12


def test_unknown_policy(checker):
    with pytest.raises(PolicyError, match="guangdong-2021"):
        checker.check(minimal(), policy="nowhere")


def test_risk_facts_are_in_the_inferred_graph_with_provenance(checker, example_profile):
    a = checker.check(example_profile).assessment
    text = a.inferred.serialize(format="turtle")
    assert "sk:riskLevel skc:risk-red" in text
    assert "prov:wasGeneratedBy" in text and "prov:wasDerivedFrom" in text
    assert set(a.asserted).isdisjoint(set(a.inferred))


@pytest.mark.parametrize(
    ("query", "why"),
    [
        ("SELECT ?fact ?because WHERE { ?enterprise sk:x ?fact FILTER ( }", "does not parse"),
        ("SELECT ?x WHERE { ?enterprise sk:x ?x }", "SELECT ?fact ?because"),
    ],
)
def test_a_risk_rule_whose_query_is_broken_is_refused_by_name(tmp_path, query, why):
    from safetykg.reasoner.kb import KnowledgeBase
    from safetykg.reasoner.risk import load_policies

    extra = tmp_path / "broken-rule.ttl"
    extra.write_text(
        "@prefix sk: <https://w3id.org/safetykg/def#> .\n"
        "@prefix kb: <https://w3id.org/safetykg/kb/> .\n"
        "@prefix skc: <https://w3id.org/safetykg/concept/> .\n"
        "@prefix dcterms: <http://purl.org/dc/terms/> .\n"
        'kb:RISK-BROKEN a sk:RiskRule ; dcterms:identifier "RISK-BROKEN" ;\n'
        "    sk:inPolicy kb:risk-default ; sk:raisesTo skc:risk-red ;\n"
        f'    sk:query """{query}""" .\n',
        encoding="utf-8",
    )
    with pytest.raises(PolicyError, match=f"risk rule RISK-BROKEN: .*{re.escape(why)}"):
        load_policies(KnowledgeBase.load([extra]))


def test_a_single_check_still_refuses_an_invalid_profile(checker):
    """check_many trusts profiles validated by the service; check validates its own."""
    from safetykg.reasoner.ingest import InputError

    with pytest.raises(InputError, match="credit_code"):
        checker.check(minimal(credit_code="not a code"))


@pytest.mark.parametrize(
    ("where", "required"),
    [
        ("?e ex:a ?x . ?x a ex:C", {"a", "C", "type"}),
        ("?e ex:a ?x OPTIONAL { ?x ex:b ?y }", {"a"}),
        ("{ ?e ex:a ?x } UNION { ?e ex:a ?x . ?x ex:b ?y }", {"a"}),
        ("?e ex:a ?x MINUS { ?x ex:b ?y } FILTER NOT EXISTS { ?x ex:c ?z }", {"a"}),
        ("?e ex:a/ex:b ?x . ?e ?p ?o", set()),
        ("{ SELECT (COUNT(?x) AS ?n) WHERE { ?e ex:a ?x } }", set()),
    ],
)
def test_what_a_risk_rule_requires(where, required):
    """What every match needs: not what is optional, absent, or in only one alternative, and
    nothing under an aggregate (it has a row without any match)."""
    query = prepareQuery(f"PREFIX ex: <http://example.org/> SELECT * WHERE {{ {where} }}")
    names = {term.rsplit("/", 1)[-1].rsplit("#", 1)[-1] for term in required_terms(query.algebra)}
    assert names == required
