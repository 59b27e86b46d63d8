"""Derived keys of the check report (docs/check-report.md)."""

from __future__ import annotations

import copy

import pytest

ALL = ["ammonia_refrigeration", "confined_spaces", "dust", "hazardous_chemicals"]


@pytest.mark.parametrize("section", ["ammonia_refrigeration", "confined_spaces", "dust"])
def test_special_operations_follow_the_sections_submitted(checker, example_profile, section):
    assert checker.check(example_profile).report["special_operations"] == ALL
    without = copy.deepcopy(example_profile)
    del without[section]
    assert checker.check(without).report["special_operations"] == [
        op for op in ALL if op != section
    ]
