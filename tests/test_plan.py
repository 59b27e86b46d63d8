"""The annual plan: days by the plan method, obligations, the recorded draw, caps, shortfalls."""

import csv
import io
import json

import pytest
from typer.testing import CliRunner

from safetykg.api.cli import app
from safetykg.reasoner.generate import generate, to_jsonl
from safetykg.reasoner.plan import Days, PlanError, PlanParameters, make_plan

from .province_helpers import AS_OF, demo_province, enterprise  # noqa: F401


@pytest.fixture()
def params(engine):
    return PlanParameters.from_kb(engine.kb)


def test_days_follow_the_kuancheng_example(params):
    d = Days.compute(params, 8)
    assert d.statutory == 1984
    assert abs(d.other_enforcement - 1035) <= 1 and abs(d.non_enforcement - 535) <= 1
    assert abs(d.inspection - 414) <= 1 and d.key + d.general == pytest.approx(d.inspection)
    assert Days.compute(params, 8, days=100).inspection == 100
    with pytest.raises(PlanError):
        Days.compute(params, 0)


@pytest.fixture()
def small(engine):
    keys = [
        enterprise(engine, f"K{i}", level=lvl) for i, lvl in enumerate(["red", "orange", "orange"])
    ]
    general = [enterprise(engine, f"G{i}", level="blue") for i in range(6)]
    elsewhere = enterprise(engine, "X", county="330203", level="red")
    return [*keys, *general, elsewhere]


def test_hand_built_plan_with_enough_days(engine, small):
    plan = make_plan(engine.kb, small, "330106", 2027, inspectors=1, seed=7, days=50, as_of=AS_OF)
    planned = {t.enterprise.credit_code: t.planned for t in plan.targets}
    assert "X" not in planned  # another county
    assert [planned[f"K{i}"] for i in range(3)] == [1, 1, 1]
    assert plan.draw["pool"] == 6 and plan.draw["size"] == 2 and len(plan.draw["order"]) == 2
    assert sorted(c for c, n in planned.items() if c.startswith("G") and n) == sorted(
        plan.draw["order"]
    )
    assert plan.unmet == [] and plan.summary()["days_used"] == 3 * 2.0 + 2 * 1.0
    assert plan.summary()["days_left"] == 50 - 8
    again = make_plan(engine.kb, small, "330106", 2027, inspectors=1, seed=7, days=50, as_of=AS_OF)
    assert again.to_json() == plan.to_json() and again.id == plan.id


def test_too_few_days_name_the_shortfall_ranked_by_risk(engine, small):
    plan = make_plan(engine.kb, small, "330106", 2027, inspectors=1, seed=7, days=3, as_of=AS_OF)
    s = plan.summary()
    assert [v.credit_code for v in plan.visits if v.inspection_class == "key"] == ["K0"]
    assert [(u.credit_code, u.obligation) for u in plan.unmet][:2] == [
        ("K1", "minimum"),
        ("K2", "minimum"),
    ]
    assert s["days_short"] == sum(u.person_days for u in plan.unmet)
    assert s["key_enterprises_unplanned"] == ["K1", "K2"]
    text = plan.summary_text("en")
    assert f"{s['days_short']} days short" in text and "K1" in text


def test_two_visits_are_six_months_apart(engine):
    e = enterprise(engine, "TWO", level="red")
    e.min_per_year = 2.0
    plan = make_plan(engine.kb, [e], "330106", 2027, inspectors=1, days=10, as_of=AS_OF)
    months = [v.month for v in plan.visits]
    assert len(months) == 2 and abs(months[1] - months[0]) == 6


def test_unknown_region_is_refused(engine, small):
    with pytest.raises(PlanError, match="999999"):
        make_plan(engine.kb, small, "999999", 2027, inspectors=1)


def test_demo_province_plan(engine, demo_province):  # noqa: F811
    plan = make_plan(engine.kb, demo_province, "330000", 2027, inspectors=20, seed=11)
    assert plan.unmet == []  # enough days: every minimum is met
    for t in plan.targets:
        assert t.cap is None or t.planned <= t.cap
        assert t.planned >= t.required
        if t.risk.inspection_class == "key":
            assert t.planned >= 1
    assert (
        plan.to_json() == make_plan(engine.kb, demo_province, "330000", 2027, 20, seed=11).to_json()
    )
    other = make_plan(engine.kb, demo_province, "330000", 2027, 20, seed=12)
    assert other.draw["order"] != plan.draw["order"]
    rows = list(csv.DictReader(io.StringIO(plan.to_csv())))
    assert len(rows) == len(plan.visits) and {int(r["month"]) for r in rows} == set(range(1, 13))
    short = make_plan(engine.kb, demo_province, "330000", 2027, inspectors=1, seed=11)
    assert short.unmet and short.summary()["days_short"] > 0
    planned_or_unmet = {v.credit_code for v in short.visits} | {u.credit_code for u in short.unmet}
    assert {
        t.enterprise.credit_code for t in short.targets if t.risk.inspection_class == "key"
    } <= planned_or_unmet
    for t in short.targets:
        assert t.cap is None or t.planned <= t.cap


def test_cli_plan_writes_csv_and_json(engine, tmp_path):
    data = tmp_path / "p.jsonl"
    data.write_text(to_jsonl(generate(engine.kb, 12, 4)), encoding="utf-8")
    out_csv, out_json = tmp_path / "plan.csv", tmp_path / "plan.json"
    args = [
        "plan",
        "--region",
        "330000",
        "--year",
        "2027",
        "--inspectors",
        "3",
        "--seed",
        "2",
        "--input",
        str(data),
        "--out-csv",
        str(out_csv),
        "--out-json",
        str(out_json),
        "--lang",
        "en",
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "days used" in result.output
    doc = json.loads(out_json.read_text(encoding="utf-8"))
    assert doc["seed"] == 2 and len(doc["enterprises"]) == 12
    assert out_csv.read_text(encoding="utf-8").startswith("month,credit_code")
    bad = CliRunner().invoke(app, [*args[:2], "999999", *args[3:]])
    assert bad.exit_code == 2 and "999999" in bad.output and "Traceback" not in bad.output
