"""Serious-untrustworthy listing: term, early removal, restrictions on a date, from the graph."""

import datetime as dt
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from safetykg.api.cli import app
from safetykg.reasoner.credit import CreditError, CreditTerms, restrictions

CODE = "91330106MA2B3C4D11"


@pytest.fixture(scope="module")
def terms(engine):
    return CreditTerms.from_kb(engine.kb)


def _graph(checker, listing):
    profile = {"credit_code": CODE, "region": "330106", "as_of": "2026-11-01"}
    if listing is not None:
        profile["credit_listing"] = listing
    a = checker.check(profile).assessment
    return a.asserted + a.inferred


def test_term_and_early_removal(checker, terms):
    g = _graph(checker, {"listed_on": "2025-03-01", "removed_on": None})
    during = restrictions(g, CODE, dt.date(2026, 1, 1), terms)
    assert during["restricted"] and {m["area"] for m in during["areas"]} >= {
        "government_procurement",
        "bidding",
        "land_transfer",
        "honours",
        "financing",
        "licensing",
    }
    assert all(m["confidence"] == "unverified" for m in during["areas"])
    assert during["listing"]["term_ends"] == "2028-03-01"
    assert during["listing"]["early_removal_possible_from"] == "2026-03-01"
    assert "credit_listing.listed_on = 2025-03-01" in during["reason"]["because"][0]
    assert not restrictions(g, CODE, dt.date(2028, 3, 1), terms)["restricted"]
    assert not restrictions(g, CODE, dt.date(2025, 2, 28), terms)["restricted"]


def test_removal_ends_the_restrictions(checker, terms):
    g = _graph(checker, {"listed_on": "2025-03-01", "removed_on": "2025-09-01"})
    assert restrictions(g, CODE, dt.date(2025, 8, 31), terms)["restricted"]
    after = restrictions(g, CODE, dt.date(2025, 9, 1), terms)
    assert not after["restricted"] and after["listing"]["removed_before_early_removal_date"]


def test_never_listed_and_unknown_area(checker, terms):
    g = _graph(checker, None)
    answer = restrictions(g, CODE, dt.date(2026, 1, 1), terms, ["bidding"])
    assert answer == {**answer, "restricted": False, "listing": None, "reason": None}
    with pytest.raises(CreditError, match="honors"):
        restrictions(g, CODE, dt.date(2026, 1, 1), terms, ["honors"])


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(listed=st.dates(dt.date(2020, 1, 1), dt.date(2026, 1, 1)), offset=st.integers(-400, 1500))
def test_restricted_exactly_within_the_three_years(checker, terms, listed, offset):
    g = _graph(checker, {"listed_on": listed.isoformat()})
    day = listed + dt.timedelta(days=offset)
    ends = (
        listed.replace(year=listed.year + 3)
        if not (listed.month == 2 and listed.day == 29)
        else dt.date(listed.year + 3, 2, 28)
    )
    assert restrictions(g, CODE, day, terms)["restricted"] == (listed <= day < ends)


def test_cli_credit(tmp_path):
    path = tmp_path / "e.json"
    path.write_text(
        json.dumps(
            {"credit_code": CODE, "region": "330106", "credit_listing": {"listed_on": "2025-03-01"}}
        ),
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        app, ["credit", str(path), "--date", "2026-01-01", "--area", "bidding"]
    )
    assert result.exit_code == 0 and "RESTRICTED" in result.output and "unverified" in result.output
    bad = CliRunner().invoke(app, ["credit", str(path), "--date", "2026-13-01"])
    assert bad.exit_code == 2 and "2026-13-01" in bad.output
