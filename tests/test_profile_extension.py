"""The sector sections and duty keys added to the profile for the rule library (issue 3).

The sample profiles are the conforming rule fixtures kept beside the shapes, so the documents
tested here are the ones the rules are proven against.
"""

import copy
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from safetykg.reasoner.resources import shapes_dir

FIXTURES = shapes_dir() / "mem10" / "fixtures"
SECTOR_SAMPLES = {
    "metallurgy": "MEM10-4-1",
    "nonferrous": "MEM10-5-6",
    "building_materials": "MEM10-6-1",
    "machinery": "MEM10-7-1",
    "light_industry": "MEM10-8-1",
    "textile": "MEM10-9-1",
    "tobacco": "MEM10-10-1",
}
DEVICE_STATUSES = ["in_service", "failed", "bypassed", "not_installed"]


def sample(rule: str, name: str = "conforming") -> dict:
    return json.loads((FIXTURES / rule / f"{name}.json").read_text(encoding="utf-8"))["profile"]


def round_trip(engine, profile: dict) -> dict:
    (back,) = engine.mapper.from_graph(engine.mapper.to_graph(profile))
    return back


def with_duties(profile: dict) -> dict:
    profile = copy.deepcopy(profile)
    profile["management"].update(
        safety_management_body=False,
        part_time_safety_officers=2,
        special_operation_certificates_expired=0,
    )
    profile["hazard_list_per_post"] = True
    profile["warning_signs_for_major_factors"] = False
    profile["construction_projects"] = [{"id": "P-1", "three_simultaneities": True}]
    return profile


@pytest.mark.parametrize("section", sorted(SECTOR_SAMPLES))
def test_sector_section_round_trips(engine, section):
    profile = with_duties(sample(SECTOR_SAMPLES[section]))
    assert section in profile
    assert engine.validator.problems(profile) == []
    assert round_trip(engine, profile) == profile


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    status=st.sampled_from(DEVICE_STATUSES),
    pressure=st.one_of(
        st.integers(0, 500), st.floats(0, 500, allow_nan=False).map(lambda f: f + 0.5)
    ),
    rooms=st.integers(0, 3),
)
def test_devices_numbers_and_empty_arrays_round_trip(engine, status, pressure, rooms):
    profile = sample("MEM10-4-1")
    met = profile["metallurgy"]
    met["water_cooled_units"][0]["cooling_interlock"] = status
    met["water_seal_drains"][0]["max_seal_pressure_kpa"] = pressure
    met["crane_bays"][0]["rooms"] = [
        {"id": f"R-{i}", "room_kind": "rest_room", "on_bay_floor": False} for i in range(rooms)
    ]
    assert round_trip(engine, profile) == profile


@pytest.mark.parametrize(
    ("change", "path"),
    [
        (
            ("metallurgy", "water_cooled_units", 0, "cooling_interlock", "broken"),
            "metallurgy.water_cooled_units[0].cooling_interlock",
        ),
        (
            ("metallurgy", "water_seal_drains", 0, "max_seal_pressure_kpa", -1),
            "metallurgy.water_seal_drains[0].max_seal_pressure_kpa",
        ),
        (
            ("metallurgy", "crane_bays", 0, "rooms", 0, "room_kind", "office"),
            "metallurgy.crane_bays[0].rooms[0].room_kind",
        ),
        (
            ("metallurgy", "standing_water_in_splash_zones", "yes"),
            "metallurgy.standing_water_in_splash_zones",
        ),
        (("metallurgy", "crane_bays", {"id": "B"}), "metallurgy.crane_bays"),
        (("management", "part_time_safety_officers", -2), "management.part_time_safety_officers"),
        (
            ("construction_projects", 0, "three_simultaneities", "no"),
            "construction_projects[0].three_simultaneities",
        ),
    ],
)
def test_bad_values_in_new_keys_are_rejected_with_their_path(engine, change, path):
    profile = with_duties(sample("MEM10-4-1"))
    *where, key, value = change
    node = profile
    for part in where:
        node = node[part]
    node[key] = value
    found = {p.path for p in engine.validator.problems(profile)}
    assert path in found


@pytest.mark.parametrize(
    ("rule", "violation", "other_industry"),
    [
        ("MEM10-4-1", "violation-room-on-bay-floor", "3252"),
        ("MEM10-5-5", "violation-closed-loop-flow-alarm", "3120"),
        ("MEM10-6-7", "violation-cooling-failed", "3311"),
        ("MEM10-7-7", "violation-no-ventilation", "1361"),
        ("MEM10-8-3", "violation-direct-steam", "3110"),
        ("MEM10-9-2", "violation-mixed-storage", "1610"),
        ("MEM10-10-1", "violation-phosphine-detector-failed", "1711"),
    ],
)
def test_sector_rule_fires_only_for_its_sector_group(engine, rule, violation, other_industry):
    profile = sample(rule, violation)

    def results(p: dict) -> set[str]:
        return {f.rule.rule_id for f in engine.assess(p).findings}

    assert rule in results(profile)
    profile["industry"] = other_industry
    article = rule.rsplit("-", 1)[0] + "-"
    assert not {r for r in results(profile) if r.startswith(article)}
