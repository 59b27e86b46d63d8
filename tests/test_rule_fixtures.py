"""Every rule's fixtures, discovered beside the rules (the same runner as `safetykg rules test`)."""

import json

import pytest

from safetykg.reasoner.rule_tests import discover, expectation, run_case

CASES = discover()


def test_fixtures_exist_for_every_rule(engine):
    with_fixtures = {c.rule_id for c in CASES}
    missing = sorted({r.rule_id for r in engine.rules.rules.values()} - with_fixtures)
    assert not missing, f"rules without fixtures: {missing}"


def test_every_violation_rule_has_a_conforming_and_a_violating_fixture(checker):
    by_rule: dict[str, set[str]] = {}
    for case in CASES:
        expected = json.loads(case.path.read_text(encoding="utf-8")).get("expect", [])
        kinds = by_rule.setdefault(case.rule_id, set())
        own = {t for t in map(expectation, expected) if t[0] == case.rule_id}
        kinds.add(
            "violating"
            if any(t[1] == "violation" for t in own)
            else "conforming"
            if not own
            else "gap"
        )
    for rule in checker.engine.rules.rules.values():
        if rule.is_gap:
            continue
        kinds = by_rule.get(rule.rule_id, set())
        assert {"violating", "conforming"} <= kinds, (
            f"{rule.rule_id} has fixtures of kinds {sorted(kinds)}"
        )


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_fixture(checker, case):
    outcome = run_case(checker.engine, checker.reporter, case)
    assert outcome.passed, f"{case.path}\n{outcome.diff()}"


def test_sparql_constraints_are_parsed_once_by_the_reference_engine(engine, example_profile):
    from safetykg.reasoner.sparql_cache import _translated

    engine.assess(example_profile, with_pyshacl=True)
    before = _translated.cache_info()
    engine.assess(example_profile, with_pyshacl=True)
    after = _translated.cache_info()
    assert after.misses == before.misses and after.hits > before.hits
