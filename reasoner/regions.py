"""Accidents and deaths rolled up the region hierarchy, the campaign target, accident-prone regions.

Every accident counts once in its enterprise's county and once in each enclosing region (city,
province), so a city's figure is the sum of its counties' and the province's the sum of its
cities'. The campaign target (accidents and deaths down by ``target_reduction`` against
``baseline_year``) is judged by a straight-line projection: the year-to-date count scaled to the
whole year (count × days in year / days elapsed). A year between the baseline and the target year
must reach the share of the reduction that a straight line from the baseline gives.

Every figure is read from ``RegionCounts``: counters per region and day that one enterprise can
be added to or taken out of, so that a service holding a province keeps them current per change.
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

    def add(self, deaths: int, times: int = 1) -> None:
        """Count ``times`` accidents of ``deaths`` deaths each (a negative ``times`` removes)."""
        self.accidents += times
        self.deaths += times * deaths


@dataclass
class RollUp:
    """Per region code: enterprises, and accidents and deaths per year."""

    enterprises: dict[str, int] = field(default_factory=dict)
    years: dict[str, dict[int, Tally]] = field(default_factory=dict)

    def tally(self, code: str, year: int) -> Tally:
        return self.years.get(code, {}).get(year, Tally())


@dataclass
class RegionCounts:
    """The counters every summary is read from, kept per day so that any ``as_of`` can be asked.

    An enterprise counts once in each enclosing region and its dated accidents once per region
    and day; apart from that, each county (an enterprise's own region) keeps its population and
    accidents per day for the accident-prone criterion. ``add`` and ``remove`` change the counts
    by one enterprise, so a store of 10^5 enterprises is kept current at the cost of the change.
    """

    enterprises: dict[str, int] = field(default_factory=dict)
    days: dict[str, dict[dt.date, Tally]] = field(default_factory=dict)
    county_enterprises: dict[str, int] = field(default_factory=dict)
    county_days: dict[str, dict[dt.date, int]] = field(default_factory=dict)
    county_regions: dict[str, tuple[str, ...]] = field(default_factory=dict)
    as_of: dict[dt.date, int] = field(default_factory=dict)

    @classmethod
    def of(cls, enterprises: Iterable[AssessedEnterprise]) -> RegionCounts:
        counts = cls()
        for e in enterprises:
            counts.add(e)
        return counts

    def add(self, e: AssessedEnterprise, times: int = 1) -> None:
        """Count ``e`` in (``times`` = -1: take it out of) every counter it belongs to."""
        _bump(self.as_of, e.as_of, times)
        for code in e.regions:
            _bump(self.enterprises, code, times)
        if e.county is not None:
            _bump(self.county_enterprises, e.county, times)
            if self.county_enterprises.get(e.county):
                self.county_regions[e.county] = e.regions
            else:
                self.county_regions.pop(e.county, None)
        for acc in e.accidents:
            if acc.date is None:
                continue
            for code in e.regions:
                days = self.days.setdefault(code, {})
                tally = days.setdefault(acc.date, Tally())
                tally.add(acc.deaths, times)
                if tally.accidents == 0:
                    del days[acc.date]
                    if not days:
                        del self.days[code]
            if e.county is not None:
                county = self.county_days.setdefault(e.county, {})
                _bump(county, acc.date, times)
                if not county:
                    del self.county_days[e.county]

    def remove(self, e: AssessedEnterprise) -> None:
        self.add(e, -1)

    def latest_as_of(self) -> dt.date | None:
        return max(self.as_of, default=None)

    def years(
        self, code: str, until: dt.date | None = None, year: int | None = None
    ) -> dict[int, Tally]:
        """Accidents and deaths per year in ``code``, up to ``until``, of ``year`` only if given."""
        out: dict[int, Tally] = {}
        for day, t in self.days.get(code, {}).items():
            if (until is None or day <= until) and (year is None or day.year == year):
                total = out.setdefault(day.year, Tally())
                total.accidents += t.accidents
                total.deaths += t.deaths
        return out

    def tally(self, code: str, year: int, until: dt.date | None = None) -> Tally:
        return self.years(code, until, year).get(year, Tally())

    def roll_up(self, until: dt.date | None = None) -> RollUp:
        return RollUp(
            dict(self.enterprises),
            {code: y for code in self.days if (y := self.years(code, until))},
        )

    def accident_prone(
        self, as_of: dt.date, criterion: AccidentProneCriterion, within: str | None = None
    ) -> dict[str, dict[str, Any]]:
        """Counties (in region ``within``, if given) whose accidents in the window reach both the
        count and the rate per 1,000."""
        since = add_months(as_of, -criterion.window_months)
        prone = {}
        for county, population in sorted(self.county_enterprises.items()):
            if within is not None and within not in self.county_regions[county]:
                continue
            days = self.county_days.get(county, {})
            n = sum(k for day, k in days.items() if since < day <= as_of)
            rate = round(1000 * n / population, 1)
            if n >= criterion.min_accidents and rate >= criterion.rate_per_1000:
                prone[county] = {
                    "code": county,
                    "enterprises": population,
                    "accidents": n,
                    "rate_per_1000": rate,
                    "since": since.isoformat(),
                    "until": as_of.isoformat(),
                }
        return prone


def _bump(counter: dict[Any, int], key: Any, times: int) -> None:
    n = counter.get(key, 0) + times
    if n:
        counter[key] = n
    else:
        counter.pop(key, None)


def roll_up(enterprises: Iterable[AssessedEnterprise], until: dt.date | None = None) -> RollUp:
    """Count each enterprise and each dated accident (up to ``until``) in every enclosing region."""
    return RegionCounts.of(enterprises).roll_up(until)


def _same_period(day: dt.date, year: int) -> dt.date:
    return dt.date(year, day.month, min(day.day, calendar.monthrange(year, day.month)[1]))


def progress(
    enterprises: Iterable[AssessedEnterprise], code: str, as_of: dt.date, target: CampaignTarget
) -> dict[str, Any]:
    """Baseline, year to date, reduction so far and the projection for one region."""
    return _progress(RegionCounts.of(enterprises), code, as_of, target)


def _progress(
    counts: RegionCounts, code: str, as_of: dt.date, target: CampaignTarget
) -> dict[str, Any]:
    year = as_of.year
    elapsed = (as_of - dt.date(year, 1, 1)).days + 1
    days_in_year = 366 if calendar.isleap(year) else 365
    ytd = counts.tally(code, year, as_of)
    baseline = counts.tally(code, target.baseline_year)
    base_period = counts.tally(
        code, target.baseline_year, _same_period(as_of, target.baseline_year)
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
    enterprises: Iterable[AssessedEnterprise], as_of: dt.date, criterion: AccidentProneCriterion
) -> dict[str, dict[str, Any]]:
    """Counties whose accidents in the window reach both the count and the rate per 1,000."""
    return RegionCounts.of(enterprises).accident_prone(as_of, criterion)


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
    enterprises: Iterable[AssessedEnterprise],
    kb: KnowledgeBase,
    code: str,
    as_of: dt.date,
    target: CampaignTarget | None = None,
    criterion: AccidentProneCriterion | None = None,
) -> dict[str, Any]:
    """One region: its accidents and deaths per year, its children's, progress, accident-prone."""
    return summarise(RegionCounts.of(enterprises), kb, code, as_of, target, criterion)


def summarise(
    counts: RegionCounts,
    kb: KnowledgeBase,
    code: str,
    as_of: dt.date,
    target: CampaignTarget | None = None,
    criterion: AccidentProneCriterion | None = None,
) -> dict[str, Any]:
    """``region_summary`` read from counters (kept current by the caller)."""
    region = kb.regions.get(code)
    if region is None:
        raise KeyError(f"unknown region code {code!r}")
    target = target or CampaignTarget.from_kb(kb)
    criterion = criterion or AccidentProneCriterion.from_kb(kb)
    children = sorted(
        (r for r in kb.regions.values() if r.parent == code and counts.enterprises.get(r.code)),
        key=lambda r: r.code,
    )
    return {
        "region": _describe(region),
        "as_of": as_of.isoformat(),
        "enterprises": counts.enterprises.get(code, 0),
        "years": _years(counts, code, as_of),
        "children": [
            {
                **_describe(r),
                "enterprises": counts.enterprises[r.code],
                "years": _years(counts, r.code, as_of),
            }
            for r in children
        ],
        "target": _progress(counts, code, as_of, target),
        "accident_prone": list(counts.accident_prone(as_of, criterion, code).values()),
    }


def _describe(region: Region) -> dict[str, Any]:
    return {"code": region.code, "name": region.name, "level": region.level}


def _years(counts: RegionCounts, code: str, until: dt.date) -> dict[str, dict[str, int]]:
    return {
        str(y): {"accidents": t.accidents, "deaths": t.deaths}
        for y, t in sorted(counts.years(code, until).items())
    }
