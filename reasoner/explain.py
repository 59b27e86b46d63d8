"""The derivation of an enterprise's risk level and inspection class, as a graph.

conclusion (inspection class ← risk level) → rule (each risk rule that fired, and each planning
uplift) → fact (what the rule matched, as the policy states it) → submitted field (key path and
value in the document the enterprise submitted). Exportable as JSON and Graphviz DOT, and as text
in Chinese or English.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from .engine import Assessment, path_of
from .province import PlanningRisk, Uplift
from .risk import LEVEL_BY_NAME

SECTION_OF_OPERATION = {
    "dust": "dust",
    "ammonia_refrigeration": "ammonia_refrigeration",
    "confined_spaces": "confined_spaces",
    "hazardous_chemicals": "hazardous_chemicals",
    "metal_smelting": "metal_smelting",
}
KEY_PATH = re.compile(r"^([a-z_]+(?:\[\d+\])?(?:\.[a-z_0-9]+(?:\[\d+\])?)*)")
TOKEN = re.compile(r"([a-z_0-9]+)|\[(\d+)\]")
CLASS_ZH = {"key": "重点", "general": "一般"}


@dataclass
class Node:
    id: str
    kind: str  # conclusion, rule, fact, field
    label: dict[str, str]
    value: Any = None


@dataclass
class Explanation:
    enterprise: str
    name: str
    nodes: dict[str, Node] = field(default_factory=dict)
    edges: list[tuple[str, str, str]] = field(default_factory=list)

    def add(self, node: Node, parent: str | None = None, relation: str = "because") -> str:
        self.nodes.setdefault(node.id, node)
        if parent is not None and (parent, node.id, relation) not in self.edges:
            self.edges.append((parent, node.id, relation))
        return node.id

    def children(self, node_id: str) -> list[str]:
        return [b for a, b, _ in self.edges if a == node_id]

    def to_json(self) -> dict[str, Any]:
        return {
            "enterprise": self.enterprise,
            "name": self.name,
            "nodes": [asdict(n) for n in self.nodes.values()],
            "edges": [{"from": a, "to": b, "relation": r} for a, b, r in self.edges],
        }

    def to_dot(self, lang: str = "zh") -> str:
        shapes = {"conclusion": "doubleoctagon", "rule": "box", "fact": "ellipse", "field": "note"}
        lines = [f"digraph {_quote('explanation ' + self.enterprise)} {{", "  rankdir=LR;"]
        for n in self.nodes.values():
            text = n.label.get(lang) or n.label.get("en", n.id)
            if n.value is not None:
                text += f" = {json.dumps(n.value, ensure_ascii=False)}"
            lines.append(f"  {_quote(n.id)} [label={_quote(text)}, shape={shapes[n.kind]}];")
        for a, b, r in self.edges:
            lines.append(f"  {_quote(a)} -> {_quote(b)} [label={_quote(r)}];")
        lines.append("}")
        return "\n".join(lines) + "\n"

    def to_text(self, lang: str = "zh") -> str:
        lines = [f"{self.enterprise} {self.name}".rstrip()]
        seen: set[str] = set()

        def walk(node_id: str, depth: int) -> None:
            n = self.nodes[node_id]
            text = n.label.get(lang) or n.label.get("en", n.id)
            if n.value is not None:
                text += f" = {json.dumps(n.value, ensure_ascii=False)}"
            marker = {"conclusion": "", "rule": "← ", "fact": "• ", "field": "↳ "}[n.kind]
            lines.append("  " * depth + marker + text)
            if node_id in seen:
                return
            seen.add(node_id)
            for child in self.children(node_id):
                walk(child, depth + 1)

        walk("class", 0)
        return "\n".join(lines)


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def value_at(profile: dict[str, Any], path: str) -> Any:
    """The submitted value at a key path such as ``dust.collectors[1].pressure`` (None if absent)."""
    cur: Any = profile
    for key, index in TOKEN.findall(path):
        if key and isinstance(cur, dict):
            cur = cur.get(key)
        elif index and isinstance(cur, list) and int(index) < len(cur):
            cur = cur[int(index)]
        else:
            return None
    return cur


def _scalar_fields(profile: dict[str, Any], path: str) -> list[tuple[str, Any]]:
    """The scalar keys of the object at ``path`` (or the path itself when it is a scalar)."""
    value = value_at(profile, path)
    if isinstance(value, dict):
        return [
            (f"{path}.{k}", v)
            for k, v in value.items()
            if not isinstance(v, dict | list)
            or (isinstance(v, list) and all(not isinstance(x, dict | list) for x in v))
        ]
    return [] if value is None else [(path, value)]


def explain(
    assessment: Assessment, key_of: Mapping[Any, str], planning: PlanningRisk | None = None
) -> Explanation:
    """``key_of`` maps ontology properties to profile keys (``engine.context.key_of``)."""
    a, risk = assessment, assessment.risk
    ex = Explanation(a.credit_code, a.profile.get("name") or "")
    level, cls = risk.level, risk.inspection_class
    if planning is not None:
        level, cls = planning.level, planning.inspection_class
    lo = planning.min_per_year if planning else risk.min_per_year
    hi = planning.max_per_year if planning else risk.max_per_year
    ex.add(
        Node(
            "class",
            "conclusion",
            {
                "zh": f"检查类别 {CLASS_ZH[cls]}，每年 {lo}–{hi} 次 [{risk.policy.name}]",
                "en": f"inspection class {cls}, {lo}–{hi} inspections a year [{risk.policy.name}]",
            },
        )
    )
    ex.add(
        Node(
            "level",
            "conclusion",
            {
                "zh": f"风险等级 {LEVEL_BY_NAME[level][1]}（{level}）",
                "en": f"risk level {level}",
            },
        ),
        "class",
        "decided by",
    )
    if not risk.reasons and not (planning and planning.uplifts):
        ex.add(
            Node(
                "rule:default",
                "rule",
                {
                    "zh": "无规则提升等级：默认为低风险",
                    "en": "no rule raised the level: blue by default",
                },
            ),
            "level",
        )
    for reason in risk.reasons:
        rid = ex.add(
            Node(
                f"rule:{reason.rule_id}",
                "rule",
                {
                    "zh": f"{reason.rule_id}：{reason.message.get('zh', '')}（{reason.level}）",
                    "en": f"{reason.rule_id}: {reason.message.get('en', '')} ({reason.level})",
                },
            ),
            "level",
        )
        for i, because in enumerate(reason.because):
            fid = ex.add(
                Node(f"fact:{reason.rule_id}:{i}", "fact", {"zh": because, "en": because}),
                rid,
                "matched",
            )
            for path, value in _fields_of(a, key_of, because):
                ex.add(
                    Node(f"field:{path}", "field", {"zh": path, "en": path}, value),
                    fid,
                    "submitted",
                )
    for uplift in planning.uplifts if planning else ():
        _add_uplift(ex, uplift)
    return ex


def _add_uplift(ex: Explanation, u: Uplift) -> None:
    effect = f"≥ {u.level}" if u.level else f"minimum × {u.min_factor}"
    rid = ex.add(
        Node(
            f"rule:{u.rule}",
            "rule",
            {
                "zh": f"{u.rule}：{u.message.get('zh', '')}（{effect}）",
                "en": f"{u.rule}: {u.message.get('en', '')} ({effect})",
            },
        ),
        "level" if u.level else "class",
    )
    ex.add(Node(f"fact:{u.rule}:0", "fact", {"zh": u.because, "en": u.because}), rid, "matched")


def _fields_of(a: Assessment, key_of: Mapping[Any, str], because: str) -> Iterable[tuple[str, Any]]:
    """The submitted fields a fact statement of the shipped risk policy rests on."""
    profile = a.profile
    if because.startswith("special operation: "):
        section = SECTION_OF_OPERATION.get(because.removeprefix("special operation: "), "")
        value = value_at(profile, section)
        if isinstance(value, dict | list):
            return [(section, "present")] + (
                [("industry", profile.get("industry"))] if section == "metal_smelting" else []
            )
        return [(section, value)] if value is not None else [("industry", profile.get("industry"))]
    if because.startswith("violations: "):
        rule_id, _, focus = because.removeprefix("violations: ").partition(" at ")
        focus = "" if focus == "(enterprise)" else focus
        return _finding_fields(a, key_of, rule_id, focus)
    match = KEY_PATH.match(because)
    if not match:
        return []
    path = match.group(1)
    if path.startswith("major_hazard_sources["):
        return _source_fields(a, int(TOKEN.findall(path)[1][1]))
    obj = path.rsplit(".", 1)[0] if "." in path else path
    return _scalar_fields(profile, obj)


def _finding_fields(
    a: Assessment, key_of: Mapping[Any, str], rule_id: str, focus: str
) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for f in a.findings:
        if f.rule.rule_id != rule_id or f.rule.is_gap or path_of(f.focus, a.credit_code) != focus:
            continue
        key = key_of.get(f.path) if f.path is not None else None
        if key:
            full = f"{focus}.{key}" if focus else key
            if all(full != p for p, _ in out):
                out.append((full, value_at(a.profile, full)))
    return out or (_scalar_fields(a.profile, focus) if focus else [])


def _source_fields(a: Assessment, index: int) -> list[tuple[str, Any]]:
    units = a.derivation.major_units
    if index >= len(units):
        return []
    out = []
    for h in units[index].holdings:
        base = f"hazardous_chemicals[{h.index}]"
        out += [
            (f"{base}.{k}", v)
            for k, v in a.profile["hazardous_chemicals"][h.index].items()
            if k in ("unit", "substance", "cas", "max_quantity_t", "hazard_categories")
        ]
    out.append(("population_within_500m", a.profile.get("population_within_500m")))
    return out
