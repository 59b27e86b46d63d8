"""Shared by the province-wide tests: hand-built assessed enterprises, and the demo province
assessed once per test session (assessing 300 enterprises takes a while)."""

from __future__ import annotations

import datetime as dt

import pytest

from safetykg.reasoner.province import (
    AccidentRecord,
    AssessedEnterprise,
    HazardSourceRecord,
    assess_all,
    demo_province_path,
)
from safetykg.reasoner.service import Checker

AS_OF = dt.date(2026, 11, 1)
FREQUENCY = {"red": (1.0, 4.0), "orange": (1.0, 4.0), "yellow": (0.333, 2.0), "blue": (0.333, 2.0)}


def enterprise(
    engine,
    code: str,
    county: str = "330106",
    level: str = "blue",
    location: tuple[float, float] | None = None,
    sources: list[tuple[float | None, int | None]] = (),
    accidents: list[tuple[str, int]] = (),
    reasons: list[dict] = (),
    findings: list[tuple[str, str, str]] = (),
) -> AssessedEnterprise:
    """An enterprise as the guangdong-2021 profile grades it, without running a check."""
    region = engine.kb.regions[county]
    lo, hi = FREQUENCY[level]
    return AssessedEnterprise(
        credit_code=code,
        name=f"测试企业{code}",
        county=county,
        regions=(county, *region.ancestors),
        location=location,
        level=level,
        inspection_class="key" if level in ("red", "orange") else "general",
        min_per_year=lo,
        max_per_year=hi,
        reasons=list(reasons),
        hazard_sources=[
            HazardSourceRecord(f"major_hazard_sources[{i}]", f"U{i}", r, g)
            for i, (r, g) in enumerate(sources)
        ],
        accidents=[
            AccidentRecord(f"accidents[{i}]", dt.date.fromisoformat(d), deaths, "一般")
            for i, (d, deaths) in enumerate(accidents)
        ],
        findings=list(findings),
        policy=engine.policy("guangdong-2021"),
        as_of=AS_OF,
    )


@pytest.fixture(scope="session")
def demo_province(checker: Checker) -> list[AssessedEnterprise]:
    documents = checker.read_files([demo_province_path()])
    return assess_all(checker, [d.profile for d in documents])
