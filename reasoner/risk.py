"""Risk level, inspection class and inspection frequency under a policy profile kept as data.

A policy profile (kb/policy/*.ttl) names its risk-colour rules (each a SPARQL SELECT over the
enterprise's assessment graph), the levels that make an enterprise a key (重点) inspection
target, and its frequency rules. The level is the highest colour any rule raises; every rule that
fired is a reason, with the facts it matched.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Any

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD
from rdflib.plugins.sparql import prepareQuery

from .kb import KnowledgeBase
from .query_terms import NamedTerms, named_terms, union
from .vocab import PREFIXES, SKC

SPARQL_PREFIXES = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())
LEVELS = {
    str(SKC["risk-red"]): ("red", "重大风险", 4),
    str(SKC["risk-orange"]): ("orange", "较大风险", 3),
    str(SKC["risk-yellow"]): ("yellow", "一般风险", 2),
    str(SKC["risk-blue"]): ("blue", "低风险", 1),
}
RULE_QUERY = re.compile(
    r"\s*SELECT\s+\?fact\s+\?because\s+WHERE\s*\{(?P<body>.*)\}\s*", re.IGNORECASE | re.DOTALL
)
TIME_VARIABLE = re.compile(r"[?$](?P<name>asOf|since)\b")
LEVEL_BY_NAME = {name: (iri, zh, rank) for iri, (name, zh, rank) in LEVELS.items()}


class PolicyError(ValueError):
    """A policy profile is missing or malformed."""


@dataclass(frozen=True)
class RiskRule:
    rule_id: str
    iri: str
    level: str
    message: dict[str, str]
    sparql: str  # the rule's query, with the prefixes it may use
    store_query: str  # the same query for Oxigraph, over every enterprise of a batch at once

    @cached_property
    def query(self) -> Any:
        """The query prepared by rdflib, for the reference evaluation (``assess_risk``):
        prepared on first use, since preparing every rule takes over a second at start-up."""
        return prepareQuery(self.sparql)

    @cached_property
    def requires(self) -> frozenset[str]:
        """The classes and predicates every match of the rule is built on: an enterprise
        whose graph lacks one of them cannot match (``reasons_in_store`` skips the rule)."""
        return required_terms(self.query.algebra)


@dataclass(frozen=True)
class FrequencyRule:
    iri: str
    inspection_class: str | None
    standardization_grade: int | None
    applies_to: frozenset[str]
    min_per_year: Decimal | None
    max_per_year: Decimal | None
    min_confidence: str
    max_confidence: str

    def matches(self, inspection_class: str, grade: int, types: AbstractSet[str]) -> bool:
        return (
            (self.inspection_class is None or self.inspection_class == inspection_class)
            and (self.standardization_grade is None or self.standardization_grade == grade)
            and (not self.applies_to or bool(self.applies_to & types))
        )

    @property
    def specificity(self) -> int:
        return sum(
            (
                self.inspection_class is not None,
                self.standardization_grade is not None,
                bool(self.applies_to),
            )
        )


@dataclass
class Policy:
    name: str
    iri: str
    rules: list[RiskRule]
    key_levels: set[str]
    frequency_rules: list[FrequencyRule]

    @cached_property
    def named_terms(self) -> NamedTerms | None:
        """What its rules' queries can read (reasoner/query_terms.py)."""
        return union(named_terms(r.store_query) for r in self.rules)

    @property
    def frequency_classes(self) -> frozenset[str]:
        """The enterprise classes its frequency rules apply to: all that ``frequency`` looks
        at of an enterprise's classes."""
        return frozenset(c for r in self.frequency_rules for c in r.applies_to)

    def frequency(
        self, inspection_class: str, grade: int, types: AbstractSet[str]
    ) -> tuple[FrequencyRule | None, FrequencyRule | None]:
        matching = [r for r in self.frequency_rules if r.matches(inspection_class, grade, types)]
        by_specificity = sorted(matching, key=lambda r: -r.specificity)
        lo = next((r for r in by_specificity if r.min_per_year is not None), None)
        hi = next((r for r in by_specificity if r.max_per_year is not None), None)
        return lo, hi


@dataclass
class Reason:
    rule_id: str
    level: str
    because: list[str]
    facts: list[URIRef]
    message: dict[str, str]


@dataclass
class RiskResult:
    policy: Policy
    level: str
    inspection_class: str
    min_per_year: float | None
    max_per_year: float | None
    reasons: list[Reason] = field(default_factory=list)
    frequency_notes: list[str] = field(default_factory=list)

    @property
    def level_zh(self) -> str:
        return LEVEL_BY_NAME[self.level][1]


def load_policies(kb: KnowledgeBase) -> dict[str, Policy]:
    policies = {}
    for row in kb.select(
        "SELECT ?p ?name ?rp WHERE { ?p a sk:PolicyProfile ; dcterms:identifier ?name ; sk:riskPolicy ?rp }"
    ):
        rules = []
        for r in kb.select(
            f"""SELECT ?r ?id ?level ?q ?zh ?en WHERE {{ ?r a sk:RiskRule ; sk:inPolicy <{row["rp"]}> ;
                  dcterms:identifier ?id ; sk:raisesTo ?level ; sk:query ?q .
                  OPTIONAL {{ ?r sh:message ?zh FILTER(lang(?zh) = "zh") }}
                  OPTIONAL {{ ?r sh:message ?en FILTER(lang(?en) = "en") }} }} ORDER BY ?id"""
        ):
            if r["level"] not in LEVELS:
                raise PolicyError(f"risk rule {r['id']}: unknown level {r['level']}")
            try:
                store_query = per_enterprise_graph(r["q"])
                ox.Store().query(store_query)
            except PolicyError as exc:
                raise PolicyError(f"risk rule {r['id']}: {exc}") from exc
            except SyntaxError as exc:
                raise PolicyError(f"risk rule {r['id']}: SPARQL does not parse: {exc}") from exc
            rules.append(
                RiskRule(
                    r["id"],
                    r["r"],
                    LEVELS[r["level"]][0],
                    {"zh": r.get("zh", ""), "en": r.get("en", "")},
                    SPARQL_PREFIXES + r["q"],
                    store_query,
                )
            )
        key_levels = {
            LEVELS[x["l"]][0]
            for x in kb.select(f"SELECT ?l WHERE {{ <{row['p']}> sk:keyLevel ?l }}")
            if x["l"] in LEVELS
        }
        freq = [
            FrequencyRule(
                iri=f["f"],
                inspection_class=_class_name(f.get("c")),
                standardization_grade=int(f["g"]) if "g" in f else None,
                applies_to=frozenset(
                    x["t"]
                    for x in kb.select(f"SELECT ?t WHERE {{ <{f['f']}> sk:appliesToClass ?t }}")
                ),
                min_per_year=Decimal(f["min"]) if "min" in f else None,
                max_per_year=Decimal(f["max"]) if "max" in f else None,
                min_confidence=f.get("minc", "verified"),
                max_confidence=f.get("maxc", "verified"),
            )
            for f in kb.select(
                f"""SELECT ?f ?c ?g ?min ?max ?minc ?maxc WHERE {{ <{row["p"]}> sk:frequencyRule ?f .
                      OPTIONAL {{ ?f sk:inspectionClass ?c }} OPTIONAL {{ ?f sk:standardizationGrade ?g }}
                      OPTIONAL {{ ?f sk:minInspectionsPerYear ?min }} OPTIONAL {{ ?f sk:maxInspectionsPerYear ?max }}
                      OPTIONAL {{ ?f sk:minConfidence ?minc }} OPTIONAL {{ ?f sk:maxConfidence ?maxc }} }}
                    ORDER BY ?f"""
            )
        ]
        policies[row["name"]] = Policy(row["name"], row["p"], rules, key_levels, freq)
    return policies


def _class_name(iri: str | None) -> str | None:
    if iri is None:
        return None
    return {str(SKC["class-key"]): "key", str(SKC["class-general"]): "general"}[iri]


def twelve_months_before(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def per_enterprise_graph(query: str) -> str:
    """A risk rule (``SELECT ?fact ?because WHERE { ... }`` about ``?enterprise``) rewritten to
    run over a batch store where each enterprise's data is the named graph named by its IRI:
    the pattern is evaluated inside ``GRAPH ?enterprise``, which is exactly the rule evaluated
    on each enterprise's own graph, and the rows say whose they are."""
    match = RULE_QUERY.fullmatch(query)
    if match is None:
        raise PolicyError("a risk rule must be SELECT ?fact ?because WHERE { ... }")
    return (
        f"{SPARQL_PREFIXES}SELECT ?enterprise ?fact ?because WHERE "
        f"{{ GRAPH ?enterprise {{ {match['body']} }} }}"
    )


# Algebra nodes whose solutions are solutions of their pattern ``p`` (an aggregate without GROUP
# BY has a solution even for no match, so Group and AggregateJoin are not among them).
_PASS_THROUGH = {
    "SelectQuery", "Project", "Filter", "Extend", "Distinct", "Reduced", "Slice", "OrderBy",
    "Graph", "ToMultiSet",
}  # fmt: skip


def required_terms(node: Any) -> frozenset[str]:
    """The predicates (and classes of ``a`` patterns) of the triple patterns that every
    solution of an rdflib algebra expression matches; nothing where that is not known."""
    name = getattr(node, "name", None)
    if name == "BGP":
        out = set()
        for _, p, o in node.triples:
            if isinstance(p, URIRef):
                out.add(str(p))
                if p == RDF.type and isinstance(o, URIRef):
                    out.add(str(o))
        return frozenset(out)
    if name == "Join":
        return required_terms(node.p1) | required_terms(node.p2)
    if name in ("LeftJoin", "Minus"):
        return required_terms(node.p1)
    if name == "Union":
        return required_terms(node.p1) & required_terms(node.p2)
    if name in _PASS_THROUGH:
        return required_terms(node.p)
    return frozenset()


def time_bindings(as_of: dt.date) -> dict[str, tuple[str, str]]:
    """The values of ``?asOf`` and ``?since`` (lexical form, datatype) for a rule run."""
    return {
        "asOf": (as_of.isoformat(), str(XSD.date)),
        "since": (twelve_months_before(as_of).isoformat(), str(XSD.date)),
    }


def reasons_in_store(
    policy: Policy, store: ox.Store, as_of: dt.date, present: set[str] | None = None
) -> dict[str, list[Reason]]:
    """Every rule of ``policy`` over every enterprise graph of ``store``: reasons by enterprise
    IRI (the batch path; ``assess_risk`` is the same over one rdflib graph). ``present``: the
    classes and predicates the store mentions, when the caller knows them; a rule that requires
    another is skipped."""
    values = {
        name: str(ox.Literal(value, datatype=ox.NamedNode(datatype)))
        for name, (value, datatype) in time_bindings(as_of).items()
    }
    found: dict[str, dict[str, tuple[set, set]]] = {}
    for rule in policy.rules:
        if present is not None and not rule.requires <= present:
            continue
        query = TIME_VARIABLE.sub(lambda m: values[m["name"]], rule.store_query)
        for row in store.query(query):
            because, fact = row["because"], row["fact"]
            entry = found.setdefault(row["enterprise"].value, {}).setdefault(
                rule.rule_id, (set(), set())
            )
            if because is not None:
                entry[0].add(because.value)
            if isinstance(fact, ox.NamedNode):
                entry[1].add(fact.value)
    by_id = {rule.rule_id: rule for rule in policy.rules}
    return {
        enterprise: [
            Reason(
                rule_id,
                by_id[rule_id].level,
                sorted(because),
                [URIRef(f) for f in sorted(facts)],
                by_id[rule_id].message,
            )
            for rule_id, (because, facts) in rules.items()
        ]
        for enterprise, rules in found.items()
    }


def assess_risk(
    policy: Policy,
    graph: Graph,
    enterprise: URIRef,
    as_of: dt.date,
    standardization_grade: int,
    types: AbstractSet[str],
) -> RiskResult:
    """The risk of one enterprise whose assessment graph is ``graph`` (the reference path)."""
    bindings = {
        "enterprise": enterprise,
        **{
            name: Literal(value, datatype=URIRef(datatype))
            for name, (value, datatype) in time_bindings(as_of).items()
        },
    }
    reasons = []
    for rule in policy.rules:
        rows = list(graph.query(rule.query, initBindings=bindings))
        if rows:
            because = sorted({str(r["because"]) for r in rows if r["because"] is not None})
            facts = sorted({r["fact"] for r in rows if isinstance(r["fact"], URIRef)}, key=str)
            reasons.append(Reason(rule.rule_id, rule.level, because, facts, rule.message))
    return conclude(policy, reasons, standardization_grade, types)


def conclude(
    policy: Policy, reasons: list[Reason], standardization_grade: int, types: AbstractSet[str]
) -> RiskResult:
    """Level, class and frequency from the reasons that fired."""
    level = max((r.level for r in reasons), key=lambda n: LEVEL_BY_NAME[n][2], default="blue")
    inspection_class = "key" if level in policy.key_levels else "general"
    lo, hi = policy.frequency(inspection_class, standardization_grade, types)
    notes = [
        f"{bound} inspections per year is a {rule.min_confidence if bound == 'min' else rule.max_confidence} value"
        for bound, rule in (("min", lo), ("max", hi))
        if rule is not None
        and (rule.min_confidence if bound == "min" else rule.max_confidence) != "verified"
    ]
    return RiskResult(
        policy=policy,
        level=level,
        inspection_class=inspection_class,
        min_per_year=float(lo.min_per_year) if lo else None,
        max_per_year=float(hi.max_per_year) if hi else None,
        reasons=sorted(reasons, key=lambda r: (-LEVEL_BY_NAME[r.level][2], r.rule_id)),
        frequency_notes=notes,
    )
