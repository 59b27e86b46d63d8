"""Assessed enterprises as the province-wide modules (regions, clusters, plan) see them.

``AssessedEnterprise`` is a small, JSON-friendly summary of one ``CheckResult``: what roll-ups,
clusters and plans need, and nothing of the RDF. ``Uplift`` is a planning reason found outside
the single check (an accident-prone region, a domino cluster); ``planning_risk`` applies the
uplifts on top of the check's own risk without changing the check report.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any

from .engine import standardization_grade
from .kb import Region
from .risk import LEVEL_BY_NAME, Policy
from .service import Checker, CheckResult

DEMO_PROVINCE = "demo/province.jsonl"


@dataclass(frozen=True)
class AccidentRecord:
    key_path: str
    date: dt.date | None
    deaths: int
    grade: str | None  # 一般, 较大, ... (国务院令第493号)


@dataclass(frozen=True)
class HazardSourceRecord:
    key_path: str
    unit: str
    r: float | None
    grade: int | None


@dataclass(frozen=True)
class Uplift:
    """A planning reason: raise the level to at least ``level``, or multiply the minimum."""

    rule: str
    because: str
    message: dict[str, str]
    level: str | None = None
    min_factor: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "because": [self.because],
            "message": self.message,
            "level": self.level,
            "min_factor": self.min_factor,
        }


@dataclass
class AssessedEnterprise:
    credit_code: str
    name: str
    county: str | None
    regions: tuple[str, ...]  # the county and every enclosing region, nearest first
    location: tuple[float, float] | None  # (lat, lon)
    level: str
    inspection_class: str
    min_per_year: float | None
    max_per_year: float | None
    reasons: list[dict[str, Any]]
    hazard_sources: list[HazardSourceRecord]
    accidents: list[AccidentRecord]
    findings: list[tuple[str, str, str]]  # ("violation" or "data_gap", rule id, key path)
    policy: Policy = field(repr=False)
    as_of: dt.date = dt.date.min
    standardization_grade: int = 0
    types: frozenset[str] = frozenset()  # those of its classes its policy's frequency rules name

    @classmethod
    def from_result(cls, result: CheckResult) -> AssessedEnterprise:
        a = result.assessment
        return cls.from_report(
            a.derivation.region, a.profile, result.report, a.risk.policy, a.types
        )

    @classmethod
    def from_report(
        cls,
        region: Region | None,
        profile: dict[str, Any],
        report: dict[str, Any],
        policy: Policy,
        types: frozenset[str],
    ) -> AssessedEnterprise:
        """The enterprise as the province-wide modules see it, from its profile and report."""
        as_of = dt.date.fromisoformat(report["as_of"])
        risk = report["risk"]
        loc = profile.get("location")
        return cls(
            credit_code=report["enterprise"],
            name=profile.get("name") or "",
            county=region.code if region else None,
            regions=(region.code, *region.ancestors) if region else (),
            location=(float(loc["lat"]), float(loc["lon"])) if loc else None,
            level=risk["level"],
            inspection_class=risk["inspection_class"],
            min_per_year=risk["inspections_per_year"]["min"],
            max_per_year=risk["inspections_per_year"]["max"],
            reasons=risk["reasons"],
            hazard_sources=[
                HazardSourceRecord(f"major_hazard_sources[{i}]", u["unit"], u["R"], u["grade"])
                for i, u in enumerate(report["major_hazard_sources"])
            ],
            accidents=[
                AccidentRecord(
                    f"accidents[{i}]",
                    dt.date.fromisoformat(acc["date"]) if acc.get("date") else None,
                    acc.get("deaths") or 0,
                    graded["grade"],
                )
                for i, (acc, graded) in enumerate(
                    zip(profile.get("accidents") or [], report["accidents"], strict=True)
                )
            ],
            findings=[("violation", v["rule"], v["focus"]) for v in report["violations"]]
            + [("data_gap", g["rule"], g["missing"]) for g in report["data_gaps"]],
            policy=policy,
            as_of=as_of,
            standardization_grade=standardization_grade(profile, as_of),
            types=types & policy.frequency_classes,
        )

    @property
    def checks(self) -> list[str]:
        """The rules a combined visit verifies: every violation found by the check."""
        return sorted({rule for kind, rule, _ in self.findings if kind == "violation"})

    @property
    def combined_r(self) -> float:
        return sum(s.r or 0.0 for s in self.hazard_sources)

    @property
    def worst_grade(self) -> int | None:
        grades = [s.grade for s in self.hazard_sources if s.grade is not None]
        return min(grades) if grades else None

    def in_region(self, code: str) -> bool:
        return code in self.regions


@dataclass(frozen=True)
class PlanningRisk:
    """The check's risk with the planning uplifts applied (added to, never replacing, the report)."""

    level: str
    inspection_class: str
    min_per_year: float | None
    max_per_year: float | None
    uplifts: tuple[Uplift, ...]
    notes: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "inspection_class": self.inspection_class,
            "inspections_per_year": {"min": self.min_per_year, "max": self.max_per_year},
            "uplifts": [u.to_json() for u in self.uplifts],
            "notes": list(self.notes),
        }


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved by whole months (back when negative), clamped to the month's last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def level_rank(level: str) -> int:
    return LEVEL_BY_NAME[level][2]


def planning_risk(e: AssessedEnterprise, uplifts: Iterable[Uplift]) -> PlanningRisk:
    """Raise the level first (it may change the class and so the bounds), then the minimum."""
    ups = tuple(uplifts)
    level = max([e.level, *(u.level for u in ups if u.level)], key=level_rank)
    cls = "key" if level in e.policy.key_levels else "general"
    lo, hi = e.min_per_year, e.max_per_year
    if cls != e.inspection_class:
        lo_rule, hi_rule = e.policy.frequency(cls, e.standardization_grade, e.types)
        lo = float(lo_rule.min_per_year) if lo_rule else None
        hi = float(hi_rule.max_per_year) if hi_rule else None
    notes = []
    for u in ups:
        if u.min_factor is not None and lo is not None:
            raised = round(lo * u.min_factor, 3)
            if hi is not None and raised > hi:
                notes.append(f"{u.rule}: minimum {raised} capped at the yearly maximum {hi}")
                raised = hi
            lo = raised
    return PlanningRisk(level, cls, lo, hi, ups, tuple(notes))


def assess_all(
    checker: Checker,
    profiles: Iterable[dict[str, Any]],
    as_of: dt.date | None = None,
    policy: str | None = None,
) -> list[AssessedEnterprise]:
    return [AssessedEnterprise.from_result(checker.check(p, as_of, policy)) for p in profiles]


def demo_province_path() -> Path:
    return Path(str(files("safetykg").joinpath(DEMO_PROVINCE)))
