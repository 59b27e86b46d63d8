"""Graphs over the assessed province (networkx): domino clusters and rule impact.

Domino clusters: enterprises with a major hazard source (GB 18218-2018) are nodes; two are linked
when their locations are closer than the policy's distance (haversine). Each connected component
of two or more is a cluster with its members and combined R (found by
``cluster_index.find_clusters``). Members of a cluster that holds a
source of the trigger grade or worse are raised to the policy's level (a stated reason).

Rule impact: a dependency graph from regulation items through rule shapes, the findings of
each enterprise and the risk rules they fed, to each enterprise's risk level and inspection class,
so that a policy officer sees what a change to one item or rule would touch.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from .kb import KnowledgeBase
from .province import AssessedEnterprise, Uplift, level_rank
from .proximity_grid import haversine_km
from .settings import Settings
from .validate import RuleSet

__all__ = [
    "Cluster",
    "ClusterPolicy",
    "cluster_uplifts",
    "haversine_km",
    "impact_graph",
    "is_hazard_point",
    "make_cluster",
    "numbered",
    "rule_impact",
]

CLUSTER_RULE = "PLAN-DOMINO-CLUSTER"


@dataclass(frozen=True)
class ClusterPolicy:
    distance_km: float
    trigger_grade: int
    uplift_level: str

    @classmethod
    def from_kb(cls, kb: KnowledgeBase) -> ClusterPolicy:
        s = Settings.load(kb, "clusters")
        level = s.text("uplift_level")
        level_rank(level)  # raises KeyError for an unknown colour
        return cls(s.number("distance_km"), s.integer("trigger_grade"), level)


@dataclass
class Cluster:
    id: str
    members: list[str]
    combined_r: float
    worst_grade: int | None
    sources: list[dict[str, Any]] = field(default_factory=list)
    triggers_uplift: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "members": self.members,
            "combined_R": round(self.combined_r, 2),
            "worst_grade": self.worst_grade,
            "sources": self.sources,
            "triggers_uplift": self.triggers_uplift,
        }


def is_hazard_point(e: AssessedEnterprise) -> bool:
    """Whether ``e`` can be in a cluster: it has a major hazard source and a location."""
    return bool(e.hazard_sources) and e.location is not None


def make_cluster(members: list[AssessedEnterprise], policy: ClusterPolicy) -> Cluster:
    """One connected component (members in credit-code order), not yet numbered."""
    grades = [s.grade for e in members for s in e.hazard_sources if s.grade is not None]
    worst = min(grades) if grades else None
    return Cluster(
        id="",
        members=[e.credit_code for e in members],
        combined_r=sum(e.combined_r for e in members),
        worst_grade=worst,
        sources=[
            {
                "enterprise": e.credit_code,
                "source": s.key_path,
                "unit": s.unit,
                "R": s.r,
                "grade": s.grade,
            }
            for e in members
            for s in e.hazard_sources
        ],
        triggers_uplift=worst is not None and worst <= policy.trigger_grade,
    )


def numbered(clusters: Iterable[Cluster]) -> list[Cluster]:
    """Copies numbered C001, C002, ... from the largest combined R down."""
    ranked = sorted(clusters, key=lambda c: (-c.combined_r, c.members[0]))
    return [dataclasses.replace(c, id=f"C{i:03d}") for i, c in enumerate(ranked, 1)]


def cluster_uplifts(clusters: Iterable[Cluster], policy: ClusterPolicy) -> dict[str, Uplift]:
    out = {}
    for c in clusters:
        if not c.triggers_uplift:
            continue
        worst = next(s for s in c.sources if s["grade"] == c.worst_grade)
        for code in c.members:
            out[code] = Uplift(
                rule=CLUSTER_RULE,
                because=(
                    f"cluster {c.id}: {len(c.members)} enterprises with major hazard sources "
                    f"within {policy.distance_km} km; {worst['enterprise']} "
                    f"{worst['source']} is grade {c.worst_grade}"
                ),
                message={
                    "zh": "位于含一级或二级重大危险源的多米诺效应集群内",
                    "en": "In a domino cluster with a grade 1 or 2 major hazard source",
                },
                level=policy.uplift_level,
            )
    return out


# -- rule impact ------------------------------------------------------------------------------


def _mentions(text: str, rule_id: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(rule_id)}(?!\d)", text) is not None


def impact_graph(
    kb: KnowledgeBase, rules: RuleSet, enterprises: Iterable[AssessedEnterprise]
) -> nx.DiGraph:
    """item → shape → finding → risk reason → level → inspection class, per enterprise."""
    g = nx.DiGraph()
    by_id = rules.by_id()
    item_of_iri = {item.iri: item.rule_id for item in kb.items.values()}
    for rule_id, shapes in by_id.items():
        g.add_node(("rule", rule_id), kind="rule")
        for r in shapes:
            shape = ("shape", str(r.shape))
            g.add_node(shape, kind="shape", rule=rule_id, gap=r.is_gap, file=r.source_file)
            g.add_edge(("rule", rule_id), shape)
            item = item_of_iri.get(str(r.clause)) if r.clause is not None else None
            if item:
                g.add_edge(("item", item), ("rule", rule_id))
    for e in enterprises:
        level = ("level", e.credit_code)
        g.add_node(level, kind="level", level=e.level)
        g.add_edge(level, ("class", e.credit_code))
        g.nodes[("class", e.credit_code)].update(kind="class", value=e.inspection_class)
        for kind, rule_id, where in e.findings:
            finding = ("finding", e.credit_code, rule_id, where)
            g.add_node(finding, kind=kind, enterprise=e.credit_code, where=where)
            for r in by_id.get(rule_id, ()):
                if r.is_gap == (kind == "data_gap"):
                    g.add_edge(("shape", str(r.shape)), finding)
            for reason in e.reasons:
                if any(_mentions(b, rule_id) and where in b for b in reason["because"]):
                    g.add_edge(finding, ("reason", e.credit_code, reason["rule"]))
        for reason in e.reasons:
            node = ("reason", e.credit_code, reason["rule"])
            g.add_node(node, kind="reason", level=reason["level"])
            g.add_edge(("risk-rule", reason["rule"]), node)
            g.add_edge(node, level)
    return g


def rule_impact(
    kb: KnowledgeBase,
    rules: RuleSet,
    enterprises: list[AssessedEnterprise],
    target: str,
) -> dict[str, Any]:
    """What depends on a regulation item (``MEM10-11-3``), a rule id, or a risk rule id."""
    g = impact_graph(kb, rules, enterprises)
    starts = [n for n in (("item", target), ("rule", target), ("risk-rule", target)) if n in g]
    if not starts:
        raise KeyError(f"no regulation item, rule or risk rule {target!r}")
    reached = set().union(*(nx.descendants(g, s) | {s} for s in starts))
    by_code = {e.credit_code: e for e in enterprises}
    touched = sorted({n[1] for n in reached if n[0] in ("finding", "reason")})
    rows, classes = [], {"key": 0, "general": 0, "would_change": 0}
    for code in touched:
        e = by_code[code]
        own = [
            r
            for r in e.reasons
            if ("reason", code, r["rule"]) in reached and _only_from(g, reached, code, r["rule"])
        ]
        level_without = max(
            (r["level"] for r in e.reasons if r not in own), key=level_rank, default="blue"
        )
        class_without = "key" if level_without in e.policy.key_levels else "general"
        classes[e.inspection_class] += 1
        classes["would_change"] += class_without != e.inspection_class
        rows.append(
            {
                "enterprise": code,
                "name": e.name,
                "findings": [
                    {"kind": g.nodes[n]["kind"], "rule": n[2], "where": n[3]}
                    for n in sorted(reached)
                    if n[0] == "finding" and n[1] == code
                ],
                "reasons": sorted(
                    r["rule"] for r in e.reasons if ("reason", code, r["rule"]) in reached
                ),
                "level": e.level,
                "inspection_class": e.inspection_class,
                "level_without": level_without,
                "inspection_class_without": class_without,
            }
        )
    shapes = sorted(
        (
            {
                "shape": n[1],
                "rule": g.nodes[n]["rule"],
                "data_gap": g.nodes[n]["gap"],
                "file": g.nodes[n]["file"],
            }
            for n in reached
            if n[0] == "shape"
        ),
        key=lambda s: (s["rule"], s["shape"]),
    )
    paths = []
    for s in starts:
        for code in touched[:20]:
            cls = ("class", code)
            if nx.has_path(g, s, cls):
                paths.append([_label(n) for n in nx.shortest_path(g, s, cls)])
    return {
        "target": target,
        "label": kb.items[target].label_zh if target in kb.items else None,
        "shapes": shapes,
        "enterprises": rows,
        "inspection_classes": classes,
        "paths": paths,
    }


def _only_from(g: nx.DiGraph, reached: set, code: str, risk_rule: str) -> bool:
    """Whether a reason rests on reached findings only (removing the target removes it)."""
    node = ("reason", code, risk_rule)
    preds = [p for p in g.predecessors(node) if p[0] == "finding"]
    return ("risk-rule", risk_rule) in reached or (bool(preds) and all(p in reached for p in preds))


def _label(node: tuple) -> str:
    kind, *rest = node
    return f"{kind}:{'/'.join(str(x) for x in rest)}"
