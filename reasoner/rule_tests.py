"""Rule fixtures: conforming and violating examples kept beside each rule, run like ``opa test``.

A fixture is ``<family>/fixtures/<RULE-ID>/<name>.json`` holding ``{"description", "profile",
"expect"}``. The results of the rules defined in the same Turtle file as RULE-ID must equal
``expect``: an empty list for a conforming example, the violations and data gaps otherwise.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .engine import Engine
from .ingest import InputError
from .report import Reporter
from .resources import shapes_dir


@dataclass(frozen=True)
class FixtureCase:
    rule_id: str
    path: Path

    @property
    def name(self) -> str:
        return f"{self.rule_id}/{self.path.stem}"


@dataclass
class Outcome:
    case: FixtureCase
    expected: set[tuple] = field(default_factory=set)
    actual: set[tuple] = field(default_factory=set)
    error: str | None = None

    @property
    def passed(self) -> bool:
        return self.error is None and self.expected == self.actual

    def diff(self) -> str:
        if self.error:
            return f"    error: {self.error}"
        lines = [
            f"    - expected, not reported: {_fmt(t)}" for t in sorted(self.expected - self.actual)
        ]
        lines += [
            f"    + reported, not expected: {_fmt(t)}" for t in sorted(self.actual - self.expected)
        ]
        return "\n".join(lines)


def _fmt(t: tuple) -> str:
    rule, kind, where = t
    return f"{rule} {kind} {'at' if kind == 'violation' else 'missing'} {where or '(enterprise)'}"


def discover(paths: list[Path] | None = None) -> list[FixtureCase]:
    roots = paths or [shapes_dir()]
    cases = []
    for root in roots:
        files = (
            [root]
            if root.is_file() and root.suffix == ".json"
            else sorted(root.rglob("fixtures/*/*.json"))
        )
        cases += [FixtureCase(f.parent.name, f) for f in files]
    return cases


def expectation(entry: dict[str, Any]) -> tuple:
    kind = entry.get("kind", "violation")
    where = entry.get("missing") if kind == "data_gap" else entry.get("focus", "")
    return (entry["rule"], kind, where or "")


def run_case(engine: Engine, reporter: Reporter, case: FixtureCase) -> Outcome:
    outcome = Outcome(case)
    try:
        fixture = json.loads(case.path.read_text(encoding="utf-8"))
        outcome.expected = {expectation(e) for e in fixture.get("expect", [])}
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        outcome.error = f"fixture file is malformed: {exc}"
        return outcome
    rules = engine.rules.by_id().get(case.rule_id)
    if not rules:
        outcome.error = f"no rule with id {case.rule_id!r} is loaded"
        return outcome
    files = {r.source_file for r in rules}
    in_scope = {r.rule_id for r in engine.rules.rules.values() if r.source_file in files}
    try:
        report = reporter.to_json(engine.assess(fixture["profile"]))
    except InputError as exc:
        outcome.error = f"profile rejected: {exc}"
        return outcome
    outcome.actual = {
        (v["rule"], "violation", v["focus"]) for v in report["violations"] if v["rule"] in in_scope
    } | {
        (g["rule"], "data_gap", g["missing"]) for g in report["data_gaps"] if g["rule"] in in_scope
    }
    return outcome


def run_cases(engine: Engine, reporter: Reporter, cases: list[FixtureCase]) -> list[Outcome]:
    return [run_case(engine, reporter, c) for c in cases]
