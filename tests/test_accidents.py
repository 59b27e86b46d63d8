"""Accident grades of 国务院令第493号 第三条: the highest grade any criterion reaches."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from safetykg.reasoner.derive import accident_grade


@pytest.mark.parametrize(
    ("deaths", "injuries", "loss", "grade"),
    [
        (0, 0, 0, "一般"),
        (2, 9, 999, "一般"),
        (3, 0, 0, "较大"),
        (0, 10, 0, "较大"),
        (0, 0, 1000, "较大"),
        (9, 49, Decimal("4999.99"), "较大"),
        (10, 0, 0, "重大"),
        (0, 50, 0, "重大"),
        (0, 0, 5000, "重大"),
        (29, 99, Decimal("9999.99"), "重大"),
        (30, 0, 0, "特别重大"),
        (0, 100, 0, "特别重大"),
        (0, 0, 10000, "特别重大"),
        (1, 0, 20000, "特别重大"),
    ],
)
def test_boundaries(engine, deaths, injuries, loss, grade):
    assert accident_grade(engine.kb, deaths, injuries, Decimal(loss)).zh == grade


def test_missing_criteria_use_what_was_reported(engine):
    assert accident_grade(engine.kb, 3, None, None).zh == "较大"
    assert accident_grade(engine.kb, None, None, None) is None


@given(st.integers(0, 200), st.integers(0, 300), st.integers(0, 30000))
def test_grade_is_the_maximum_of_the_single_criteria(engine, d, i, loss):
    kb = engine.kb
    single = [
        accident_grade(kb, d, None, None),
        accident_grade(kb, None, i, None),
        accident_grade(kb, None, None, Decimal(loss)),
    ]
    assert accident_grade(kb, d, i, Decimal(loss)).rank == max(g.rank for g in single)


def test_report_lists_grades_in_input_order(checker, example_profile):
    example_profile["accidents"].append({"date": "2026-02-01", "deaths": 0, "serious_injuries": 12})
    report = checker.check(example_profile).report
    assert report["accidents"] == [
        {"date": "2026-01-05", "grade": "一般", "grade_en": "ordinary"},
        {"date": "2026-02-01", "grade": "较大", "grade_en": "larger"},
    ]
