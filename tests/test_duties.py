"""The general duties (shapes/duties/) through the real pipeline: Warnings that never break
conformance, the staffing duty of Work Safety Law Art. 24 against a plain reading of the article,
no duty repeating a major-hazard item, and data gaps only where a duty applies."""

import copy

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from safetykg.reasoner.resources import shapes_dir

DUTY_PREFIXES = ("WSL-", "MEM13-", "MEM6-", "PLAN-")
HAZMAT = {
    "unit": "液氨储罐区",
    "unit_kind": "storage",
    "substance": "氨",
    "cas": "7664-41-7",
    "max_quantity_t": 30,
    "hazard_categories": [],
}
SECTORS = {
    "trade": {"industry": "52"},
    "smelter": {"industry": "3120", "metal_smelting": True},
    "construction": {"industry": "4710"},
    "chemicals": {"industry": "26"},
    "trade-with-major-hazard": {
        "industry": "52",
        "hazardous_chemicals": [HAZMAT],
        "population_within_500m": 10,
    },
}


def profile(sector: str = "trade", employees: int | None = 20, **management) -> dict:
    """A profile that meets every 部令第10号 Art. 3 item, so only the facts under test vary."""
    doc = {
        "credit_code": "91330106MA2B3C4D24",
        "name": "示例企业有限公司",
        "region": "330106",
        "as_of": "2026-11-01",
        "warning_signs_for_major_factors": True,
        "hazard_list_per_post": True,
        "management": {
            "principal_assessed": True,
            "safety_managers_assessed": True,
            "special_operation_workers": 0,
            "contractors_on_site": False,
            **management,
        },
        **copy.deepcopy(SECTORS[sector]),
    }
    if employees is not None:
        doc["employees"] = employees
    return doc


def results(report: dict, prefixes: tuple[str, ...] = DUTY_PREFIXES) -> list[dict]:
    return [r for r in report["violations"] + report["data_gaps"] if r["rule"].startswith(prefixes)]


def test_smelter_without_body_or_full_time_staff_is_warned_and_still_conforms(checker):
    report = checker.check(
        profile(
            "smelter",
            employees=60,
            safety_management_body=False,
            full_time_safety_officers=0,
            part_time_safety_officers=2,
        )
    ).report
    (warning,) = results(report)
    assert warning["rule"] == "WSL-24-1"
    assert warning["severity"] == "Warning"
    assert warning["focus"] == "management"
    assert warning["confidence"] == "verified"
    assert warning["clause"] == "安全生产法 第二十四条"
    assert report["conforms"] is True


def test_small_trade_enterprise_with_a_part_time_officer_gets_nothing(checker):
    report = checker.check(
        profile(
            employees=20,
            safety_management_body=False,
            full_time_safety_officers=0,
            part_time_safety_officers=1,
        )
    ).report
    assert results(report) == []
    assert report["conforms"] is True


def art24_rule(sector: str, employees: int, body: bool, full_time: int, part_time: int):
    """第二十四条 read directly: which rule reports the enterprise, or None."""
    if sector in ("smelter", "construction"):
        return None if body or full_time else "WSL-24-1"
    if sector in ("chemicals", "trade-with-major-hazard"):
        return None if body or full_time else "WSL-24-1-DG"
    if employees > 100:
        return None if body or full_time else "WSL-24-2"
    return None if full_time or part_time else "WSL-24-3"


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    sector=st.sampled_from(sorted(SECTORS)),
    employees=st.integers(0, 400) | st.sampled_from([100, 101]),
    body=st.booleans(),
    full_time=st.integers(0, 2),
    part_time=st.integers(0, 2),
)
def test_art24_warning_matches_the_article(checker, sector, employees, body, full_time, part_time):
    report = checker.check(
        profile(
            sector,
            employees=employees,
            safety_management_body=body,
            full_time_safety_officers=full_time,
            part_time_safety_officers=part_time,
        )
    ).report
    found = [(r["rule"], r.get("focus")) for r in results(report, ("WSL-24",))]
    expected = art24_rule(sector, employees, body, full_time, part_time)
    assert found == ([(expected, "management")] if expected else [])
    assert all(r["severity"] == "Warning" for r in report["violations"] if r["rule"] == expected)


def test_unverified_duty_is_marked_in_the_report(checker):
    report = checker.check(
        profile("chemicals", safety_management_body=False, full_time_safety_officers=0)
    ).report
    (warning,) = results(report, ("WSL-24-1",))
    assert (warning["rule"], warning["confidence"]) == ("WSL-24-1-DG", "unverified")


def test_missing_employees_is_a_gap_only_when_the_line_of_100_matters(checker):
    without_staff = profile(
        employees=None,
        safety_management_body=False,
        full_time_safety_officers=0,
        part_time_safety_officers=1,
    )
    with_staff = profile(employees=None, full_time_safety_officers=1)
    gaps = [g["missing"] for g in checker.check(without_staff).report["data_gaps"]]
    assert "employees" in gaps
    assert results(checker.check(with_staff).report, ("WSL-24",)) == []


def test_every_duty_rule_is_a_warning_with_a_kb_clause(engine):
    duties = shapes_dir() / "duties"
    rules = [r for r in engine.rules.rules.values() if r.source_file.startswith(str(duties))]
    assert {r.rule_id for r in rules if not r.is_gap} == {
        "WSL-24-1",
        "WSL-24-1-DG",
        "WSL-24-2",
        "WSL-24-3",
        "WSL-30-1",
        "MEM13-6",
        "MEM13-SIGNS",
        "MEM13-TRAINING",
        "MEM13-RESCUE",
        "MEM6-11",
        "MEM6-8",
        "MEM6-CLEANING",
        "PLAN-5-1-1",
        "PLAN-5-1-2",
        "PLAN-5-2-1",
    }
    for rule in rules:
        assert rule.severity == "Warning", rule.rule_id
        assert str(rule.clause) in engine.kb.clause_labels, rule.rule_id
        assert {"zh", "en"} <= set(rule.message), rule.rule_id


CONFINED = {
    "count": 2,
    "entry_permit_system": True,
    "ventilate_test_then_enter": True,
    "attendant_assigned": True,
    "training": True,
    "rescue_equipment": True,
}


@settings(
    max_examples=9, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(registered=st.booleans(), signs=st.booleans())
def test_confined_space_duties_do_not_repeat_mem10_13_1(checker, registered, signs):
    doc = profile(full_time_safety_officers=1)
    doc["confined_spaces"] = {
        **CONFINED,
        "identified_and_registered": registered,
        "warning_signs": signs,
    }
    rules = {r["rule"] for r in checker.check(doc).report["violations"]}
    register_rules = rules & {"MEM10-13-1", "MEM13-6", "MEM13-SIGNS"}
    if not registered and not signs:
        assert register_rules == {"MEM10-13-1"}
    else:
        expected = {"MEM13-6"} if not registered else set()
        assert register_rules == expected | ({"MEM13-SIGNS"} if not signs else set())


def test_hazard_list_and_warning_sign_gaps_only_for_special_operations(checker):
    trade = profile(full_time_safety_officers=1)
    smelter = profile("smelter", employees=60, full_time_safety_officers=1)
    for doc in (trade, smelter):
        del doc["warning_signs_for_major_factors"], doc["hazard_list_per_post"]

    def plan_gaps(doc: dict) -> list[str]:
        gaps = checker.check(doc).report["data_gaps"]
        return sorted(g["missing"] for g in gaps if g["rule"].startswith("PLAN"))

    assert plan_gaps(trade) == []
    assert plan_gaps(smelter) == ["hazard_list_per_post", "warning_signs_for_major_factors"]


def test_three_simultaneities_per_project(checker):
    doc = profile(full_time_safety_officers=1)
    doc["construction_projects"] = [
        {"id": "P-1", "three_simultaneities": False},
        {"id": "P-2"},
        {"id": "P-3", "three_simultaneities": True},
    ]
    report = checker.check(doc).report
    assert [(r["rule"], r["focus"]) for r in report["violations"] if r["rule"] == "PLAN-5-2-1"] == [
        ("PLAN-5-2-1", "construction_projects[0]")
    ]
    assert [g["missing"] for g in report["data_gaps"] if g["rule"] == "PLAN-5-2-1"] == [
        "construction_projects[1].three_simultaneities"
    ]
    assert report["conforms"] is True
