"""The annual inspection plan: available days, obligations, a reproducible draw, and months.

Days follow the annual-plan method (安监总政法〔2017〕150号): inspection days = statutory working
days − other enforcement days − non-enforcement days, split into 重点 and 一般 days. Each enterprise
in the region gets its planning risk (the check's risk plus the accident-prone and cluster
uplifts); the whole part of its yearly minimum is an obligation, the fractional part (e.g. 1 per
3 years = 0.333) is its weight in the 双随机 draw: a weighted random sample without replacement
(Efraimidis–Spirakis) of round(Σ weights) enterprises with the plan's seed, recorded in the plan.
No enterprise is planned above its yearly cap. One combined visit covers all of an enterprise's
checks. Visits are charged to their class's days, the rest to the other class's days; the
mandatory visits come first, in order of risk (first visits before repeat visits), then the
drawn ones. What does not fit is listed as unmet, in the same order, with the days short. Days
left are not spent on extra visits: the method keeps them in reserve (留有余地).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import math
import random
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .cluster_index import find_clusters
from .clusters import ClusterPolicy, cluster_uplifts
from .kb import KnowledgeBase
from .province import AssessedEnterprise, PlanningRisk, Uplift, level_rank, planning_risk
from .regions import AccidentProneCriterion, accident_prone_regions, accident_prone_uplifts
from .settings import Settings

MONTHS = 12
CSV_COLUMNS = (
    "month",
    "credit_code",
    "name",
    "county",
    "inspection_class",
    "level",
    "visit",
    "of",
    "person_days",
    "drawn",
    "checks",
    "reasons",
)


class PlanError(ValueError):
    """The plan cannot be made as asked (unknown region, no inspectors, bad days)."""


@dataclass(frozen=True)
class PlanParameters:
    workdays_per_inspector: float
    other_enforcement_share: float
    non_enforcement_share: float
    key_share: float
    key_visit_days: float
    general_visit_days: float

    @classmethod
    def from_kb(cls, kb: KnowledgeBase) -> PlanParameters:
        s = Settings.load(kb, "default")
        return cls(
            s.number("workdays_per_inspector"),
            s.number("other_enforcement_share"),
            s.number("non_enforcement_share"),
            s.number("key_share_of_inspection_days"),
            s.number("person_days_per_key_visit"),
            s.number("person_days_per_general_visit"),
        )

    def visit_days(self, inspection_class: str) -> float:
        return self.key_visit_days if inspection_class == "key" else self.general_visit_days


@dataclass(frozen=True)
class Days:
    inspectors: int
    statutory: float
    other_enforcement: float
    non_enforcement: float
    inspection: float
    key: float
    general: float
    given: bool  # True when --days replaced the formula

    @classmethod
    def compute(cls, p: PlanParameters, inspectors: int, days: float | None = None) -> Days:
        if inspectors < 1:
            raise PlanError(f"inspectors must be at least 1, got {inspectors}")
        statutory = inspectors * p.workdays_per_inspector
        other = round(statutory * p.other_enforcement_share, 1)
        non = round(statutory * p.non_enforcement_share, 1)
        if days is not None and days < 0:
            raise PlanError(f"days must not be negative, got {days}")
        inspection = round(days if days is not None else statutory - other - non, 1)
        key = round(inspection * p.key_share, 1)
        return cls(
            inspectors,
            statutory,
            other,
            non,
            inspection,
            key,
            round(inspection - key, 1),
            days is not None,
        )


@dataclass
class Visit:
    credit_code: str
    name: str
    county: str | None
    month: int
    visit: int
    of: int
    inspection_class: str
    level: str
    person_days: float
    drawn: bool
    checks: list[str]
    reasons: list[str]


@dataclass
class Unmet:
    credit_code: str
    name: str
    inspection_class: str
    level: str
    visit: int
    person_days: float
    obligation: str  # "minimum" or "drawn"


@dataclass
class Target:
    """One enterprise's obligation in the plan."""

    enterprise: AssessedEnterprise
    risk: PlanningRisk
    mandatory: int
    weight: float
    cap: int | None
    planned: int = 0
    drawn: bool = False

    @property
    def required(self) -> int:
        """The visits the minimum asks for, never above the cap."""
        return self.mandatory if self.cap is None else min(self.mandatory, self.cap)

    @property
    def priority(self) -> tuple:
        e = self.enterprise
        grade = e.worst_grade if e.worst_grade is not None else 9
        return (-level_rank(self.risk.level), grade, -e.combined_r, -len(e.reasons), e.credit_code)


@dataclass
class Plan:
    region: dict[str, Any]
    year: int
    seed: int
    policy: str
    as_of: str
    days: Days
    parameters: list[dict[str, str]]
    targets: list[Target]
    visits: list[Visit] = field(default_factory=list)
    unmet: list[Unmet] = field(default_factory=list)
    draw: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def id(self) -> str:
        """Same inputs, same id: region, year, seed, days, policy and every target's obligation."""
        key = json.dumps(
            [
                self.region["code"],
                self.year,
                self.seed,
                self.policy,
                asdict(self.days),
                [
                    (t.enterprise.credit_code, t.risk.level, t.mandatory, t.weight, t.cap)
                    for t in self.targets
                ],
            ],
            sort_keys=True,
        )
        return hashlib.sha256(key.encode()).hexdigest()[:16]

    def days_used(self) -> float:
        return round(sum(v.person_days for v in self.visits), 1)

    def summary(self) -> dict[str, Any]:
        used = self.days_used()
        short = round(sum(u.person_days for u in self.unmet), 1)
        return {
            "enterprises": len(self.targets),
            "by_class": dict(
                sorted(Counter(t.risk.inspection_class for t in self.targets).items())
            ),
            "by_level": dict(
                sorted(
                    Counter(t.risk.level for t in self.targets).items(),
                    key=lambda kv: -level_rank(kv[0]),
                )
            ),
            "visits": len(self.visits),
            "visits_by_class": dict(
                sorted(Counter(v.inspection_class for v in self.visits).items())
            ),
            "drawn": sum(t.drawn for t in self.targets),
            "days_available": self.days.inspection,
            "days_used": used,
            "days_left": round(self.days.inspection - used, 1),
            "days_short": short,
            "unmet_obligations": len(self.unmet),
            "key_enterprises_unplanned": sorted(
                {u.credit_code for u in self.unmet if u.inspection_class == "key"}
                - {v.credit_code for v in self.visits}
            ),
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "region": self.region,
            "year": self.year,
            "seed": self.seed,
            "policy": self.policy,
            "as_of": self.as_of,
            "days": asdict(self.days),
            "parameters": self.parameters,
            "summary": self.summary(),
            "draw": self.draw,
            "visits": [asdict(v) for v in self.visits],
            "unmet": [asdict(u) for u in self.unmet],
            "enterprises": [
                {
                    "credit_code": t.enterprise.credit_code,
                    "name": t.enterprise.name,
                    "planned": t.planned,
                    "mandatory": t.mandatory,
                    "draw_weight": t.weight,
                    "cap": t.cap,
                    "drawn": t.drawn,
                    "check_risk": {
                        "level": t.enterprise.level,
                        "inspection_class": t.enterprise.inspection_class,
                    },
                    "planning_risk": t.risk.to_json(),
                }
                for t in self.targets
            ],
            "notes": self.notes,
        }

    def to_csv(self) -> str:
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\n")
        w.writerow(CSV_COLUMNS)
        for v in self.visits:
            w.writerow(
                [
                    v.month,
                    v.credit_code,
                    v.name,
                    v.county or "",
                    v.inspection_class,
                    v.level,
                    v.visit,
                    v.of,
                    v.person_days,
                    int(v.drawn),
                    " ".join(v.checks),
                    " ".join(v.reasons),
                ]
            )
        return out.getvalue()

    def summary_text(self, lang: str = "zh") -> str:
        s, d = self.summary(), self.days
        zh = lang == "zh"
        cls = {"key": "重点", "general": "一般"} if zh else {"key": "key", "general": "general"}
        lines = [
            (
                f"{self.region['name']}（{self.region['code']}）{self.year} 年度监督检查计划 [{self.policy}]"
                f"  种子 {self.seed}  计划编号 {self.id}"
            )
            if zh
            else (
                f"{self.region['name']} ({self.region['code']}) inspection plan {self.year} "
                f"[{self.policy}]  seed {self.seed}  plan id {self.id}"
            ),
            (
                f"检查工作日 {d.inspection}（重点 {d.key}，一般 {d.general}）= {d.inspectors} 人 × "
                f"法定工作日 − 其他执法 {d.other_enforcement} − 非执法 {d.non_enforcement}"
                if zh
                else f"inspection person-days {d.inspection} (key {d.key}, general {d.general}) = "
                f"{d.inspectors} inspectors' {d.statutory} working days − other enforcement "
                f"{d.other_enforcement} − non-enforcement {d.non_enforcement}"
            )
            if not d.given
            else (
                f"检查工作日 {d.inspection}（给定；重点 {d.key}，一般 {d.general}）"
                if zh
                else f"inspection person-days {d.inspection} (given; key {d.key}, general {d.general})"
            ),
            ("企业 " if zh else "enterprises ")
            + f"{s['enterprises']}: "
            + ", ".join(f"{cls[k]} {n}" for k, n in s["by_class"].items())
            + "; "
            + ", ".join(f"{k} {n}" for k, n in s["by_level"].items()),
            (f"检查 {s['visits']} 次（" if zh else f"visits {s['visits']} (")
            + ", ".join(f"{cls[k]} {n}" for k, n in s["visits_by_class"].items())
            + (f"；双随机抽取 {s['drawn']} 家）" if zh else f"; {s['drawn']} drawn at random)"),
            (
                f"用 {s['days_used']} 日，余 {s['days_left']} 日"
                if zh
                else f"days used {s['days_used']}, left {s['days_left']}"
            ),
        ]
        if self.unmet:
            lines.append(
                f"工作日不足 {s['days_short']} 日：{len(self.unmet)} 项检查义务未能安排（按风险排序）："
                if zh
                else f"{s['days_short']} days short: {len(self.unmet)} obligations unmet (by risk):"
            )
            for u in self.unmet[:20]:
                lines.append(
                    f"  {u.credit_code} {u.name} {cls[u.inspection_class]} {u.level} "
                    f"#{u.visit} {u.obligation} {u.person_days}"
                )
            if len(self.unmet) > 20:
                lines.append(f"  … {len(self.unmet) - 20}")
        lines += [f"! {n}" for n in self.notes]
        return "\n".join(lines)


def planning_uplifts(
    kb: KnowledgeBase, enterprises: list[AssessedEnterprise], as_of: dt.date
) -> dict[str, list[Uplift]]:
    """Accident-prone regions and domino clusters, found over all the enterprises given."""
    criterion = AccidentProneCriterion.from_kb(kb)
    policy = ClusterPolicy.from_kb(kb)
    prone = accident_prone_regions(enterprises, as_of, criterion)
    out: dict[str, list[Uplift]] = {}
    for source in (
        accident_prone_uplifts(enterprises, prone, criterion),
        cluster_uplifts(find_clusters(enterprises, policy), policy),
    ):
        for code, uplift in source.items():
            out.setdefault(code, []).append(uplift)
    return out


def make_plan(
    kb: KnowledgeBase,
    enterprises: list[AssessedEnterprise],
    region: str,
    year: int,
    inspectors: int,
    seed: int = 0,
    days: float | None = None,
    as_of: dt.date | None = None,
    parameters: PlanParameters | None = None,
) -> Plan:
    if region not in kb.regions:
        raise PlanError(f"unknown region code {region!r}")
    if not enterprises:
        raise PlanError("no enterprises to plan for")
    params = parameters or PlanParameters.from_kb(kb)
    as_of = as_of or max(e.as_of for e in enterprises)
    uplifts = planning_uplifts(kb, enterprises, as_of)
    members = sorted((e for e in enterprises if e.in_region(region)), key=lambda e: e.credit_code)
    targets = [_target(e, planning_risk(e, uplifts.get(e.credit_code, ()))) for e in members]
    r = kb.regions[region]
    plan = Plan(
        region={"code": r.code, "name": r.name, "level": r.level},
        year=year,
        seed=seed,
        policy=members[0].policy.name if members else "",
        as_of=as_of.isoformat(),
        days=Days.compute(params, inspectors, days),
        parameters=Settings.load(kb, "default").describe(),
        targets=targets,
    )
    plan.notes += [f"{t.enterprise.credit_code}: {n}" for t in targets for n in t.risk.notes]
    plan.notes += [
        f"{t.enterprise.credit_code}: minimum {t.mandatory} a year is above the cap {t.cap}; "
        f"planned at the cap"
        for t in targets
        if t.cap is not None and t.mandatory > t.cap
    ]
    plan.draw = _draw(targets, seed)
    _allocate(plan, params)
    return plan


def _target(e: AssessedEnterprise, risk: PlanningRisk) -> Target:
    lo = risk.min_per_year or 0.0
    mandatory = math.floor(lo + 1e-9)
    cap = math.floor(risk.max_per_year + 1e-9) if risk.max_per_year is not None else None
    weight = round(lo - mandatory, 3)
    if cap is not None and mandatory >= cap:
        weight = 0.0
    return Target(e, risk, mandatory, weight, cap)


def _draw(targets: list[Target], seed: int) -> dict[str, Any]:
    """Weighted sample without replacement: key u^(1/w) with u uniform, the largest keys win."""
    rng = random.Random(seed)
    pool = [t for t in targets if t.weight > 0]
    keyed = sorted(
        ((rng.random() ** (1 / t.weight), t) for t in pool),
        key=lambda kt: (-kt[0], kt[1].enterprise.credit_code),
    )
    size = round(sum(t.weight for t in pool))
    drawn = [t for _, t in keyed[:size]]
    for t in drawn:
        t.drawn = True
    return {
        "method": "weighted random sample without replacement (Efraimidis–Spirakis); "
        "weight = fractional part of the yearly minimum",
        "seed": seed,
        "pool": len(pool),
        "pool_weight": round(sum(t.weight for t in pool), 3),
        "size": size,
        "order": [t.enterprise.credit_code for t in drawn],
    }


def _allocate(plan: Plan, params: PlanParameters) -> None:
    left = {"key": plan.days.key, "general": plan.days.general}
    ordered = sorted(plan.targets, key=lambda t: t.priority)
    queue: list[tuple[Target, int, str]] = []
    for n in range(1, max((t.required for t in ordered), default=0) + 1):
        queue += [(t, n, "minimum") for t in ordered if n <= t.required]
    queue += [(t, t.required + 1, "drawn") for t in ordered if t.drawn]
    for t, n, why in queue:
        cls = t.risk.inspection_class
        cost = params.visit_days(cls)
        other = "general" if cls == "key" else "key"
        if left[cls] + left[other] + 1e-9 < cost:
            plan.unmet.append(
                Unmet(t.enterprise.credit_code, t.enterprise.name, cls, t.risk.level, n, cost, why)
            )
            continue
        own = min(left[cls], cost)
        left[cls] = round(left[cls] - own, 3)
        left[other] = round(left[other] - (cost - own), 3)
        t.planned += 1
    _schedule(plan, params)


def _schedule(plan: Plan, params: PlanParameters) -> None:
    """Spread each enterprise's visits evenly over the year, filling the lightest months."""
    load = [0.0] * MONTHS
    for t in sorted(plan.targets, key=lambda t: t.priority):
        n = t.planned
        if n == 0:
            continue
        cost = params.visit_days(t.risk.inspection_class)
        step = MONTHS / n
        start = min(
            range(math.ceil(step)),
            key=lambda s: (sum(load[int(s + i * step) % MONTHS] for i in range(n)), s),
        )
        e = t.enterprise
        for i in range(n):
            month = int(start + i * step) % MONTHS
            load[month] += cost
            plan.visits.append(
                Visit(
                    e.credit_code,
                    e.name,
                    e.county,
                    month + 1,
                    i + 1,
                    n,
                    t.risk.inspection_class,
                    t.risk.level,
                    cost,
                    t.drawn and i == n - 1,
                    e.checks,
                    [r["rule"] for r in e.reasons] + [u.rule for u in t.risk.uplifts],
                )
            )
    plan.visits.sort(key=lambda v: (v.month, v.credit_code, v.visit))


def write_outputs(plan: Plan, csv_path: Path | None, json_path: Path | None) -> None:
    if csv_path is not None:
        csv_path.write_text(plan.to_csv(), encoding="utf-8")
    if json_path is not None:
        json_path.write_text(
            json.dumps(plan.to_json(), ensure_ascii=False, indent=2), encoding="utf-8"
        )
