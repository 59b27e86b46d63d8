"""GB 18218-2018 identification and grading, against the standard's tables in the KB."""

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from safetykg.reasoner.gb18218 import Holding, alpha_for, assess_unit, grade_for, match_substance


def holding(substance, q, cas=None, categories=(), index=0, unit="U"):
    return Holding(
        index,
        unit,
        "storage",
        substance,
        cas,
        Decimal(str(q)) if q is not None else None,
        tuple(categories),
    )


def test_worked_example_ammonia_cold_store(engine):
    """30 t liquid ammonia, 120 residents within 500 m: S = 3, R = 12, grade 3 (三级)."""
    unit = assess_unit(engine.kb, "液氨储罐区", [holding("氨", 30, "7664-41-7")], 120)
    assert unit.s == 3 and unit.is_major
    assert unit.alpha == 2 and unit.r == 12 and unit.grade == 3
    assert unit.contributions[0].beta == 2 and unit.contributions[0].beta_source == "table3"


def test_worked_example_through_the_report(checker, example_profile):
    report = checker.check(example_profile).report
    (mhs,) = report["major_hazard_sources"]
    assert (mhs["unit"], mhs["S"], mhs["R"], mhs["grade"], mhs["alpha"]) == (
        "液氨储罐区",
        3,
        12,
        3,
        2,
    )
    assert mhs["contributions"] == [
        {
            "substance": "氨",
            "q_t": 30,
            "Q_t": 10,
            "beta": 2,
            "beta_source": "table3",
            "holding": "hazardous_chemicals[0]",
        }
    ]


def test_below_critical_quantity_is_not_a_major_hazard(engine):
    unit = assess_unit(engine.kb, "U", [holding("氨", 9.99)], 120)
    assert not unit.is_major and unit.grade is None


def test_several_substances_sum(engine):
    # 氯 Q = 5, 甲醇 Q = 500: 2/5 + 400/500 = 1.2
    unit = assess_unit(engine.kb, "U", [holding("氯", 2), holding("甲醇", 400, index=1)], 0)
    assert unit.s == Decimal("1.2") and unit.is_major
    assert unit.alpha == Decimal("0.5")


def test_substance_by_cas_alias_and_table2(engine):
    kb = engine.kb
    assert match_substance(kb, None, "7782-50-5").q_critical == 5  # 氯 by CAS
    assert match_substance(kb, "液氨", None).q_critical == 10  # alias
    assert match_substance(kb, "不在表1的物质", None) is None
    unit = assess_unit(kb, "U", [holding("某易燃液体", 20, categories=["W5.3", "W5.1"])], 10)
    c = unit.contributions[0]
    assert c.q_critical_t == 10  # several categories: the lowest Q (W5.1 = 10)
    assert unit.s == 2 and c.beta == Decimal("1.5")


def test_unclassifiable_or_unquantified_substances_are_reported(engine):
    unit = assess_unit(engine.kb, "U", [holding("未知物质", 20), holding("氨", None, index=1)], 10)
    assert [h.index for h in unit.unidentified] == [0]
    assert [h.index for h in unit.missing_quantity] == [1]
    assert unit.s is None


def test_grade_boundaries(engine):
    kb = engine.kb
    assert grade_for(kb, Decimal(100)) == 1
    assert grade_for(kb, Decimal("99.999")) == 2
    assert grade_for(kb, Decimal(50)) == 2
    assert grade_for(kb, Decimal(10)) == 3
    assert grade_for(kb, Decimal("9.99")) == 4


def test_alpha_bands(engine):
    kb = engine.kb
    assert [alpha_for(kb, n) for n in (0, 1, 29, 30, 49, 50, 99, 100, 5000)] == [
        Decimal("0.5"),
        1,
        1,
        Decimal("1.2"),
        Decimal("1.2"),
        Decimal("1.5"),
        Decimal("1.5"),
        2,
        2,
    ]


@given(
    st.lists(st.decimals(min_value=0, max_value=10_000, places=3), min_size=1, max_size=5),
    st.integers(min_value=0, max_value=10_000),
)
def test_r_is_alpha_times_weighted_sum(engine, quantities, population):
    holdings = [holding("氨", q, index=i) for i, q in enumerate(quantities)]
    unit = assess_unit(engine.kb, "U", holdings, population)
    s = sum(quantities) / 10
    assert unit.s == s
    if s >= 1:
        assert unit.r == alpha_for(engine.kb, population) * 2 * s
        assert unit.grade == grade_for(engine.kb, unit.r)
    else:
        assert unit.r is None
