"""What switching a rule on would change for the stored enterprises, before it is switched on.

Each stored enterprise whose data the rule's shapes target is assessed again from its stored
profile, with the candidate rules, as of the date and under the policy of its stored report; the
result is compared with that stored report. Enterprises the rule does not target cannot change and
are not assessed again, unless their stored report has findings of the rule (an older version).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from .engine import Engine
from .repository import EnterpriseRepository
from .rule_catalog import targeted_nodes
from .service import Checker
from .vocab import enterprise_iri, inferred_graph_iri


def _findings(report: dict[str, Any], rule_id: str) -> set[tuple[str, str]]:
    return {("violation", v["focus"]) for v in report["violations"] if v["rule"] == rule_id} | {
        ("data_gap", g["missing"]) for g in report["data_gaps"] if g["rule"] == rule_id
    }


def preview(repository: EnterpriseRepository, engine: Engine, rule_id: str) -> dict[str, Any]:
    """Per affected enterprise: this rule's findings added and removed, conformance and risk
    before and after; ``newly_failing`` gain a violation of the rule, ``newly_passing`` lose one."""
    checker = Checker(engine)
    shapes = [r.shape for r in engine.rules.by_id().get(rule_id, [])]
    store = repository.store
    affected, targeted = [], 0
    codes = store.enterprise_codes()
    for code in codes:
        before = repository.report(code)
        profile = repository.profile(code)
        if before is None or profile is None:
            continue
        data = store.graph(str(enterprise_iri(code))) + store.graph(str(inferred_graph_iri(code)))
        hits = any(targeted_nodes(engine.rules.graph, s, data) for s in shapes)
        if not hits and not _findings(before, rule_id):
            continue
        targeted += 1
        as_of = dt.date.fromisoformat(before["as_of"])
        after = checker.check(profile, as_of, before["risk"]["policy"]).report
        old, new = _findings(before, rule_id), _findings(after, rule_id)
        change = {
            "credit_code": code,
            "name": after.get("name"),
            "added": [{"kind": k, "at": w} for k, w in sorted(new - old)],
            "removed": [{"kind": k, "at": w} for k, w in sorted(old - new)],
            "conforms": {"before": before["conforms"], "after": after["conforms"]},
            "risk_level": {"before": before["risk"]["level"], "after": after["risk"]["level"]},
        }
        if (
            old != new
            or before["conforms"] != after["conforms"]
            or (before["risk"]["level"] != after["risk"]["level"])
        ):
            affected.append(change)

    def gains(e: dict[str, Any], key: str) -> bool:
        return any(f["kind"] == "violation" for f in e[key])

    return {
        "rule": rule_id,
        "enterprises": len(codes),
        "targeted": targeted,
        "newly_failing": [e["credit_code"] for e in affected if gains(e, "added")],
        "newly_passing": [e["credit_code"] for e in affected if gains(e, "removed")],
        "affected": affected,
    }
