"""Roll-ups up the region hierarchy, the campaign target, accident-prone counties."""

import datetime as dt

import pytest

from safetykg.reasoner.province import planning_risk
from safetykg.reasoner.regions import (
    AccidentProneCriterion,
    CampaignTarget,
    accident_prone_regions,
    accident_prone_uplifts,
    progress,
    region_summary,
    roll_up,
)

from .province_helpers import AS_OF, demo_province, enterprise  # noqa: F401

# 杭州 330100: 上城 330102 and 拱墅 330105; 宁波 330200: 海曙 330203


@pytest.fixture()
def small(engine):
    return [
        enterprise(engine, "A", "330102", accidents=[("2024-03-01", 1), ("2026-02-01", 0)]),
        enterprise(engine, "B", "330102", accidents=[("2024-05-01", 0), ("2026-06-01", 2)]),
        enterprise(engine, "C", "330105", accidents=[("2025-01-01", 3)]),
        enterprise(engine, "D", "330203", accidents=[("2024-09-09", 0), ("2026-10-31", 1)]),
        enterprise(engine, "E", "330203"),
    ]


def test_hand_built_roll_up(small):
    r = roll_up(small)
    assert (r.tally("330102", 2024).accidents, r.tally("330102", 2024).deaths) == (2, 1)
    assert (r.tally("330100", 2026).accidents, r.tally("330100", 2026).deaths) == (2, 2)
    assert (r.tally("330100", 2025).accidents, r.tally("330100", 2025).deaths) == (1, 3)
    assert (r.tally("330000", 2024).accidents, r.tally("330000", 2026).deaths) == (3, 3)
    assert r.enterprises == {
        "330102": 2,
        "330105": 1,
        "330203": 2,
        "330100": 3,
        "330200": 2,
        "330000": 5,
    }
    assert roll_up(small, dt.date(2026, 6, 30)).tally("330000", 2026).accidents == 2


def test_target_is_a_straight_line_and_projection_is_linear(small):
    target = CampaignTarget(2024, 2026, 0.40)
    assert [target.required_reduction(y) for y in (2024, 2025, 2026, 2027)] == [0, 0.2, 0.4, 0.4]
    # 330000 in 2024: 3 accidents, 1 death; to 2026-07-02 (day 183): 2 accidents, 2 deaths
    p = progress(small, "330000", dt.date(2026, 7, 2), target)
    assert p["accidents"]["baseline"] == 3 and p["accidents"]["year_to_date"] == 2
    assert p["accidents"]["projected_full_year"] == round(2 * 365 / 183, 1)
    assert p["accidents"]["allowed_full_year"] == 1.8 and p["accidents"]["on_track"] is False
    assert p["accidents"]["baseline_same_period"] == 2  # 2024-03-01 and 2024-05-01
    assert p["accidents"]["reduction_so_far"] == 0.0
    assert p["deaths"]["projected_reduction"] == round(1 - round(2 * 365 / 183, 1) / 1, 4)


def test_accident_prone_county_and_its_uplift(engine, small):
    criterion = AccidentProneCriterion(
        window_months=12, rate_per_1000=50, min_accidents=2, min_factor=2.0
    )
    prone = accident_prone_regions(small, AS_OF, criterion)
    # 330102: 2026-02-01 and 2026-06-01 among 2 enterprises; 330203: only one in the window
    assert list(prone) == ["330102"]
    assert prone["330102"]["rate_per_1000"] == 1000.0
    ups = accident_prone_uplifts(small, prone, criterion)
    assert set(ups) == {"A", "B"}
    risk = planning_risk(small[0], [ups["A"]])
    assert risk.min_per_year == 0.666 and risk.max_per_year == 2.0
    assert "330102" in ups["A"].because and "1000.0 per 1,000" in ups["A"].because


def test_uplift_never_passes_the_cap(engine):
    e = enterprise(engine, "K", level="red")
    criterion = AccidentProneCriterion(12, 1, 1, 10.0)
    ups = accident_prone_uplifts(
        [e],
        {
            "330106": {
                "code": "330106",
                "accidents": 1,
                "enterprises": 1,
                "rate_per_1000": 1000,
                "since": "",
                "until": "",
            }
        },
        criterion,
    )
    risk = planning_risk(e, ups.values())
    assert risk.min_per_year == 4.0 and risk.notes


def test_unknown_region_is_a_clear_error(engine, small):
    with pytest.raises(KeyError, match="999999"):
        region_summary(small, engine.kb, "999999", AS_OF)


def test_demo_province_adds_up(engine, demo_province):  # noqa: F811
    province = region_summary(demo_province, engine.kb, "330000", AS_OF)
    assert province["enterprises"] == len(demo_province)
    for year, total in province["years"].items():
        cities = [c["years"].get(year, {"accidents": 0, "deaths": 0}) for c in province["children"]]
        assert sum(c["accidents"] for c in cities) == total["accidents"]
        assert sum(c["deaths"] for c in cities) == total["deaths"]
    assert sum(c["enterprises"] for c in province["children"]) == province["enterprises"]
    for city in province["children"]:
        summary = region_summary(demo_province, engine.kb, city["code"], AS_OF)
        assert summary["years"] == city["years"]
        for year, total in city["years"].items():
            counties = [c["years"].get(year, {"accidents": 0}) for c in summary["children"]]
            assert sum(c["accidents"] for c in counties) == total["accidents"]
    assert province["target"]["required_reduction"] == 0.4
