"""Shared fixtures: one engine for the whole test session (loading it takes a second or two)."""

import json
from pathlib import Path

import pytest

from safetykg.reasoner.service import Checker

EXAMPLES = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def checker() -> Checker:
    return Checker.default()


@pytest.fixture(scope="session")
def engine(checker):
    return checker.engine


@pytest.fixture()
def example_profile() -> dict:
    """The example of docs/enterprise-profile.md (the public contract), loaded fresh per test."""
    return json.loads((EXAMPLES / "contract-example.json").read_text(encoding="utf-8"))
