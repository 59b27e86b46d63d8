"""Accidents and deaths rolled up the region hierarchy, the campaign target, accident-prone regions.

Every accident counts once in its enterprise's county and once in each enclosing region (city,
province), so a city's figure is the sum of its counties' and the province's the sum of its
cities'. The campaign target (accidents and deaths down by ``target_reduction`` against
``baseline_year``) is judged by a straight-line projection: the year-to-date count scaled to the
whole year (count × days in year / days elapsed). A year between the baseline and the target year
must reach the share of the reduction that a straight line from the baseline gives.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .kb import KnowledgeBase, Region
from .province import AssessedEnterprise, Uplift, add_months
from .settings import Settings

ACCIDENT_PRONE_RULE = "PLAN-ACCIDENT-PRONE-REGION"


@dataclass(frozen=True)
class CampaignTarget:
    baseline_year: int
    target_year: int
    reduction: float

    @classmethod
    def from_kb(cls, kb: KnowledgeBase) -> CampaignTarget:
        s = Settings.load(kb, "default")
        return cls(
            s.integer("baseline_year"), s.integer("target_year"), s.number("target_reduction")
        )

    def required_reduction(self, year: int) -> float:
        """The reduction due in ``year``: a straight line from 0 at the baseline to the target."""
        if year <= self.baseline_year:
            return 0.0
        span = max(self.target_year - self.baseline_year, 1)
        return round(self.reduction * min(1.0, (year - self.baseline_year) / span), 4)


@dataclass(frozen=True)
class AccidentProneCriterion:
    window_months: int
    rate_per_1000: float
    min_accidents: int
    min_factor: float

    @classmethod
    def from_kb(cls, kb: KnowledgeBase) -> AccidentProneCriterion:
        s = Settings.load(kb, "accident-prone")
        return cls(
            s.integer("window_months"),
            s.number("rate_per_1000"),
            s.integer("min_accidents"),
            s.number("min_uplift_factor"),
        )


@dataclass
class Tally:
    accidents: int = 0
    deaths: int = 0

    def add(self, deaths: int) -> None:
        self.accidents += 1
        self.deaths += deaths


@dataclass
class RollUp:
    """Per region code: enterprises, and accidents and deaths per year."""

    enterprises: dict[str, int] = field(default_factory=dict)
    years: dict[str, dict[int, Tally]] = field(default_factory=dict)

    def tally(self, code: str, year: int) -> Tally:
        return self.years.get(code, {}).get(year, Tally())


def roll_up(enterprises: Iterable[AssessedEnterprise], until: dt.date | None = None) -> RollUp:
    """Count each enterprise and each dated accident (up to ``until``) in every enclosing region."""
    out = RollUp()
    for e in enterprises:
        for code in e.regions:
            out.enterprises[code] = out.enterprises.get(code, 0) + 1
        for acc in e.accidents:
            if acc.date is None or (until is not None and acc.date > until):
                continue
            for code in e.regions:
                out.years.setdefault(code, {}).setdefault(acc.date.year, Tally()).add(acc.deaths)
    return out


def _same_period(day: dt.date, year: int) -> dt.date:
    return dt.date(year, day.month, min(day.day, calendar.monthrange(year, day.month)[1]))


def progress(
    enterprises: list[AssessedEnterprise], code: str, as_of: dt.date, target: CampaignTarget
) -> dict[str, Any]:
    """Baseline, year to date, reduction so far and the projection for one region."""
    year = as_of.year
    elapsed = (as_of - dt.date(year, 1, 1)).days + 1
    days_in_year = 366 if calendar.isleap(year) else 365
    ytd = roll_up(enterprises, as_of).tally(code, year)
    baseline = roll_up(enterprises).tally(code, target.baseline_year)
    base_period = roll_up(enterprises, _same_period(as_of, target.baseline_year)).tally(
        code, target.baseline_year
    )
    required = target.required_reduction(year)
    out: dict[str, Any] = {
        "baseline_year": target.baseline_year,
        "year": year,
        "as_of": as_of.isoformat(),
        "required_reduction": required,
    }
    for measure in ("accidents", "deaths"):
        base, now = getattr(baseline, measure), getattr(ytd, measure)
        same = getattr(base_period, measure)
        projected = round(now * days_in_year / elapsed, 1)
        allowed = base * (1 - required)
        out[measure] = {
            "baseline": base,
            "baseline_same_period": same,
            "year_to_date": now,
            "reduction_so_far": _reduction(same, now),
            "projected_full_year": projected,
            "projected_reduction": _reduction(base, projected),
            "allowed_full_year": round(allowed, 1),
            "on_track": projected <= allowed,
        }
    return out


def _reduction(before: float, after: float) -> float | None:
    return None if before == 0 else round(1 - after / before, 4)


def accident_prone_regions(
    enterprises: list[AssessedEnterprise], as_of: dt.date, criterion: AccidentProneCriterion
) -> dict[str, dict[str, Any]]:
    """Counties whose accidents in the window reach both the count and the rate per 1,000."""
    since = add_months(as_of, -criterion.window_months)
    counts: dict[str, int] = {}
    population: dict[str, int] = {}
    for e in enterprises:
        if e.county is None:
            continue
        population[e.county] = population.get(e.county, 0) + 1
        n = sum(1 for a in e.accidents if a.date is not None and since < a.date <= as_of)
        counts[e.county] = counts.get(e.county, 0) + n
    prone = {}
    for county, n in sorted(counts.items()):
        rate = round(1000 * n / population[county], 1)
        if n >= criterion.min_accidents and rate >= criterion.rate_per_1000:
            prone[county] = {
                "code": county,
                "enterprises": population[county],
                "accidents": n,
                "rate_per_1000": rate,
                "since": since.isoformat(),
                "until": as_of.isoformat(),
            }
    return prone


def accident_prone_uplifts(
    enterprises: Iterable[AssessedEnterprise],
    prone: dict[str, dict[str, Any]],
    criterion: AccidentProneCriterion,
) -> dict[str, Uplift]:
    out = {}
    for e in enterprises:
        region = prone.get(e.county or "")
        if region is None:
            continue
        out[e.credit_code] = Uplift(
            rule=ACCIDENT_PRONE_RULE,
            because=(
                f"region {region['code']}: {region['accidents']} accidents among "
                f"{region['enterprises']} enterprises from {region['since']} to {region['until']} "
                f"= {region['rate_per_1000']} per 1,000 (criterion ≥ {criterion.rate_per_1000} "
                f"and ≥ {criterion.min_accidents} accidents)"
            ),
            message={
                "zh": "所在区域为事故易发多发区域，加大检查频次",
                "en": "In an accident-prone region: more frequent inspections",
            },
            min_factor=criterion.min_factor,
        )
    return out


def region_summary(
    enterprises: list[AssessedEnterprise],
    kb: KnowledgeBase,
    code: str,
    as_of: dt.date,
    target: CampaignTarget | None = None,
    criterion: AccidentProneCriterion | None = None,
) -> dict[str, Any]:
    """One region: its accidents and deaths per year, its children's, progress, accident-prone."""
    region = kb.regions.get(code)
    if region is None:
        raise KeyError(f"unknown region code {code!r}")
    target = target or CampaignTarget.from_kb(kb)
    criterion = criterion or AccidentProneCriterion.from_kb(kb)
    members = [e for e in enterprises if e.in_region(code)]
    totals = roll_up(members, as_of)
    children = sorted(
        (r for r in kb.regions.values() if r.parent == code and totals.enterprises.get(r.code)),
        key=lambda r: r.code,
    )
    prone = accident_prone_regions(members, as_of, criterion)
    return {
        "region": _describe(region),
        "as_of": as_of.isoformat(),
        "enterprises": totals.enterprises.get(code, 0),
        "years": _years(totals, code),
        "children": [
            {
                **_describe(r),
                "enterprises": totals.enterprises[r.code],
                "years": _years(totals, r.code),
            }
            for r in children
        ],
        "target": progress(members, code, as_of, target),
        "accident_prone": list(prone.values()),
    }


def _describe(region: Region) -> dict[str, Any]:
    return {"code": region.code, "name": region.name, "level": region.level}


def _years(totals: RollUp, code: str) -> dict[str, dict[str, int]]:
    return {
        str(y): {"accidents": t.accidents, "deaths": t.deaths}
        for y, t in sorted(totals.years.get(code, {}).items())
    }
