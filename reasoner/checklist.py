"""一企一清单: the rules that apply to one enterprise, for an on-site inspection.

A rule applies when one of its shapes (rule or data-gap shape) targets a node of the enterprise's
asserted or inferred data and, if the shape names its scope with ``sk:appliesWhen`` (a node
shape), the enterprise conforms to that scope: a rule on every enterprise's safety management
that only metal smelters must meet is not on a machinery maker's list. Each line gives the
clause, what to look at (the rule's ``sk:inspectionHint``, else its message) and the state the
submitted profile shows: violation, data gap or conforming. The same rule base serves
self-checks, standardization reviews and enforcement inspections (三标合一).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

from pyshacl import validate as pyshacl_validate
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import SH

from .engine import Engine
from .report import _natural as natural_order
from .rule_catalog import TARGET_KINDS, principal, targeted_nodes
from .vocab import SK, enterprise_iri

STATES = {
    "violation": {"zh": "不符合", "en": "violation"},
    "data_gap": {"zh": "数据缺失", "en": "data gap"},
    "conforming": {"zh": "符合", "en": "conforming"},
}
HEADERS = {
    "zh": ("序号", "规则", "条款", "检查要点", "当前状态"),
    "en": ("no.", "rule", "clause", "what to look at", "current state"),
}


@dataclass(frozen=True)
class ChecklistItem:
    rule_id: str
    clause: str
    look_at: str
    state: str  # "violation", "data_gap" or "conforming"


def _hint(shapes: Graph, rule, lang: str) -> str:
    hints = {
        o.language: str(o)
        for o in shapes.objects(rule.shape, SK.inspectionHint)
        if isinstance(o, Literal)
    }
    return hints.get(lang) or rule.message.get(lang) or next(iter(hints.values()), "")


def scope_graph(shapes: Graph, scope: URIRef, node: URIRef) -> Graph:
    """The scope shape and every shape and list it reaches, without their targets, with
    ``node`` as the scope's one target."""
    out = Graph()
    seen, todo = {scope}, [scope]
    while todo:
        subject = todo.pop()
        for _, p, o in shapes.triples((subject, None, None)):
            if p in TARGET_KINDS:
                continue
            out.add((subject, p, o))
            if isinstance(o, (BNode, URIRef)) and o not in seen and (o, None, None) in shapes:
                seen.add(o)
                todo.append(o)
    out.add((scope, SH.targetNode, node))
    return out


def in_scope(shapes: Graph, scope: URIRef, data: Graph, node: URIRef) -> bool:
    """Whether ``node`` conforms to the node shape ``scope`` in ``data`` (pySHACL)."""
    conforms, _, _ = pyshacl_validate(
        data, shacl_graph=scope_graph(shapes, scope, node), inference="none"
    )
    return bool(conforms)


def checklist(engine: Engine, profile: dict[str, Any], lang: str = "zh") -> list[ChecklistItem]:
    assessment = engine.assess(profile)
    data = assessment.asserted + assessment.inferred
    shapes = engine.rules.graph
    enterprise = enterprise_iri(assessment.credit_code)
    scopes: dict[URIRef, bool] = {}

    def applies(shape: URIRef) -> bool:
        for scope in shapes.objects(shape, SK.appliesWhen):
            if scope not in scopes:
                scopes[scope] = in_scope(shapes, scope, data, enterprise)
            if not scopes[scope]:
                return False
        return True

    found: dict[str, str] = {}
    for f in assessment.findings:
        state = "data_gap" if f.rule.is_gap else "violation"
        if found.get(f.rule.rule_id) != "violation":
            found[f.rule.rule_id] = state
    items = []
    for rule_id, rules in sorted(engine.rules.by_id().items(), key=lambda kv: natural_order(kv[0])):
        live = [
            r
            for r in rules
            if r.enabled and targeted_nodes(shapes, r.shape, data) and applies(r.shape)
        ]
        if not live:
            continue
        main = principal(rules)
        items.append(
            ChecklistItem(
                rule_id=rule_id,
                clause=engine.kb.clause_label(main.clause, lang),
                look_at=_hint(shapes, main, lang),
                state=found.get(rule_id, "conforming"),
            )
        )
    return items


def _rows(items: list[ChecklistItem], lang: str) -> list[tuple[str, ...]]:
    return [
        (str(i), it.rule_id, it.clause, it.look_at, STATES[it.state][lang])
        for i, it in enumerate(items, 1)
    ]


def to_markdown(items: list[ChecklistItem], title: str, lang: str) -> str:
    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    lines = [f"# {title}", "", "| " + " | ".join(HEADERS[lang]) + " |", "|---|---|---|---|---|"]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in _rows(items, lang)]
    return "\n".join(lines) + "\n"


def to_csv(items: list[ChecklistItem], lang: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADERS[lang])
    writer.writerows(_rows(items, lang))
    return out.getvalue()
