"""The rules in force as a table (``safetykg rules list``), and which nodes a rule targets."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass

from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SH

from .engine import Engine
from .report import _natural as natural_order
from .validate import Rule
from .vocab import SK, bind_prefixes


@dataclass(frozen=True)
class RuleEntry:
    id: str
    clause: str
    severity: str
    confidence: str
    applies_to: str
    enabled: bool
    pack: str
    applies_when: str  # the scopes (sk:appliesWhen) its shapes name, for the checklist

    def as_dict(self) -> dict:
        return asdict(self)


TARGET_KINDS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)


def targets(shapes: Graph, shape: URIRef) -> list[tuple[URIRef, URIRef]]:
    """The shape's target declarations as (kind, value) pairs: sh:targetClass etc."""
    return [(k, v) for k in TARGET_KINDS for v in shapes.objects(shape, k)]


def targeted_nodes(shapes: Graph, shape: URIRef, data: Graph) -> set:
    """The focus nodes the shape's targets select in ``data`` (classes as asserted or inferred)."""
    out: set = set()
    for kind, value in targets(shapes, shape):
        if kind == SH.targetClass:
            out |= set(data.subjects(RDF.type, value))
        elif kind == SH.targetNode:
            out.add(value)
        elif kind == SH.targetSubjectsOf:
            out |= set(data.subjects(value, None))
        else:
            out |= set(data.objects(None, value))
    return out


def principal(rules: list[Rule]) -> Rule:
    """The rule shape that speaks for an id: its non-gap shape if there is one."""
    return next((r for r in rules if not r.is_gap), rules[0])


def _shown(names: Graph, nodes: Iterable) -> str:
    """Distinct nodes as prefixed names, sorted, separated by spaces."""
    return " ".join(sorted({names.namespace_manager.normalizeUri(v) for v in nodes}))


def catalog(engine: Engine) -> list[RuleEntry]:
    shapes = engine.rules.graph
    names = Graph()
    bind_prefixes(names)
    entries = []
    for rule_id, rules in sorted(engine.rules.by_id().items(), key=lambda kv: natural_order(kv[0])):
        main = principal(rules)
        entries.append(
            RuleEntry(
                id=rule_id,
                clause=engine.kb.clause_label(main.clause),
                severity="DataGap" if main.is_gap else main.severity,
                confidence=main.confidence,
                applies_to=_shown(names, (v for r in rules for _, v in targets(shapes, r.shape))),
                enabled=main.enabled,
                pack=main.pack,
                applies_when=_shown(
                    names, (v for r in rules for v in shapes.objects(r.shape, SK.appliesWhen))
                ),
            )
        )
    return entries
