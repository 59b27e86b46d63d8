"""The assessment pipeline: ingest → derive → OWL RL → validate → risk, for one enterprise.

``Engine`` holds what is loaded once (knowledge base, compiled ontology, shapes, policies);
``Engine.assess`` runs the pipeline and returns an ``Assessment`` that the report module turns
into the public report, and the store keeps as asserted and inferred named graphs.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from itertools import chain
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import PROV, SH, SKOS, XSD

from safetykg import __version__

from .derive import Derivation, as_of_date, derive
from .ingest import InputError, ProfileContext, ProfileMapper, ProfileValidator, key_path
from .instance_rules import InstanceRules, closed_tbox
from .kb import KnowledgeBase
from .query_terms import NamedTerms, union
from .resources import context_path, ontology_dir, profile_schema_path, turtle_files
from .risk import (
    LEVEL_BY_NAME,
    Policy,
    PolicyError,
    RiskResult,
    conclude,
    load_policies,
    reasons_in_store,
)
from .rule_packs import RuleBase, assemble
from .terms import RDF_TYPE, iri_value, nq_lines, nt, nt_iri, nt_lines, nt_literal, nt_triple
from .validate import Finding, RuleSet
from .vocab import ENT, SK, SKC, SOFTWARE, bind_prefixes, enterprise_iri, inferred_graph_iri

DEFAULT_POLICY = "guangdong-2021"


Triple = tuple[str, str, str]
KEY_PATH, RULE_ID = nt(SK.keyPath), nt(SK.ruleId)
SH_RESULT, SH_FOCUS = nt(SH.ValidationResult), nt(SH.focusNode)
SH_SEVERITY, SH_SOURCE = nt(SH.resultSeverity), nt(SH.sourceShape)
XSD_DATE = str(XSD.date)
SOFTWARE_NT, VERSION_NT = nt(SOFTWARE), nt_literal(__version__)
T = {  # the terms describe_risk writes, in N-Triples form
    **{
        name: nt(SK[name])
        for name in [
            "riskAssessment",
            "RiskAssessment",
            "riskLevel",
            "inspectionClass",
            "policyProfile",
            "asOf",
            "minInspectionsPerYear",
            "maxInspectionsPerYear",
            "reason",
            "Reason",
            "rule",
            "because",
            "softwareVersion",
        ]
    },
    **{
        name: nt(PROV[name])
        for name in [
            "wasGeneratedBy",
            "wasDerivedFrom",
            "Activity",
            "used",
            "wasAssociatedWith",
            "SoftwareAgent",
        ]
    },
}


@dataclass
class EnterpriseFacts:
    """One enterprise before validation: its asserted triples, what inference adds to them
    (derivation and OWL RL), and the reference triples its validation needs; N-Triples terms."""

    profile: dict[str, Any]
    day: dt.date
    asserted: list[Triple]
    inferred: list[Triple]
    derivation: Derivation
    reference: set[Triple]

    @property
    def credit_code(self) -> str:
        return self.profile["credit_code"]

    def data(self) -> Iterable[Triple]:
        """What its validation and risk rules read."""
        return chain(self.asserted, self.inferred, self.reference)


@dataclass
class Assessment:
    profile: dict[str, Any]
    as_of: dt.date
    asserted_triples: list[Triple]
    inferred_triples: list[Triple]
    derivation: Derivation
    findings: list[Finding]
    risk: RiskResult
    types: frozenset[str]  # the enterprise's classes, asserted and inferred

    @property
    def credit_code(self) -> str:
        return self.profile["credit_code"]

    @property
    def conforms(self) -> bool:
        return not any(f.severity == "Violation" and not f.rule.is_gap for f in self.findings)

    @cached_property
    def asserted(self) -> Graph:
        return _graph(self.asserted_triples)

    @cached_property
    def inferred(self) -> Graph:
        return _graph(self.inferred_triples)


def _graph(triples: list[Triple]) -> Graph:
    graph = Graph()
    bind_prefixes(graph)
    return graph.parse(data=nt_lines(triples), format="nt")


class Engine:
    """Everything loaded once; ``assess`` is cheap and may be called from many threads."""

    def __init__(self, extra_rule_dirs: Iterable[Path] = ()) -> None:
        """``extra_rule_dirs``: rule packs (reasoner/rule_packs.py); a pack that fails lint is
        refused, listed in ``self.rule_base.refused``, and the other rules still run."""
        self.kb = KnowledgeBase.load()
        schema = json.loads(profile_schema_path().read_text(encoding="utf-8"))
        self.context = ProfileContext(context_path())
        self.mapper = ProfileMapper(self.context, schema)
        self.validator = ProfileValidator(
            schema, self.kb.is_known_region, self.kb.is_known_industry, self.kb.is_known_item
        )
        self.instance_rules = InstanceRules(closed_tbox(turtle_files(ontology_dir())))
        self.extra_rule_dirs = list(extra_rule_dirs)
        self.policies = load_policies(self.kb)
        self.grade_labels = {
            nt_triple(t)
            for g in self.kb.accident_grades
            for t in (
                (URIRef(g.iri), SK.rank, Literal(g.rank)),
                (URIRef(g.iri), SKOS.altLabel, Literal(g.zh, lang="zh")),
            )
        }

    @cached_property
    def rule_base(self) -> RuleBase:
        """The rule shapes and packs (assembled on first use: an engine that a rule store
        extends with its own pack never needs its own, and parsing them takes a second)."""
        return assemble(self.extra_rule_dirs, self.kb)

    @cached_property
    def rules(self) -> RuleSet:
        return RuleSet(self.rule_base.files, self.rule_base.disabled, self.rule_base.pack_of)

    def policy(self, name: str | None) -> Policy:
        name = name or DEFAULT_POLICY
        if name not in self.policies:
            known = ", ".join(sorted(self.policies))
            raise PolicyError(f"unknown policy {name!r}; known policies: {known}")
        return self.policies[name]

    def prepare(self, policy: str | None = None) -> None:
        """Compile now what assessments under ``policy`` compile on first use (the rule shapes'
        queries, what they and the risk rules read, the risk rules' requirements): a bulk
        assessment calls it before forking its workers, which would each compile them again
        (~1 s of CPU each). Raises ``PolicyError`` for an unknown policy."""
        chosen = self.policy(policy)
        self.rules.named_terms  # noqa: B018 (cached properties: computed on first access)
        chosen.named_terms  # noqa: B018
        for rule in chosen.rules:
            rule.requires  # noqa: B018

    def parse_profile(self, document: Any, source: str = "") -> dict[str, Any]:
        problems = self.validator.problems(document)
        if problems:
            raise InputError(problems, source)
        return document

    def assess(
        self,
        profile: dict[str, Any],
        as_of: dt.date | None = None,
        policy: str | None = None,
        with_pyshacl: bool = False,
    ) -> Assessment:
        """Assess one enterprise (``assess_many`` with one profile)."""
        return self.assess_many([profile], as_of, policy, with_pyshacl)[0]

    def assess_many(
        self,
        profiles: Sequence[dict[str, Any]],
        as_of: dt.date | None = None,
        policy: str | None = None,
        with_pyshacl: bool = False,
        checked: bool = False,
    ) -> list[Assessment]:
        """Assess enterprises set-at-a-time: each one's facts are built in Python, then all of
        them go into one Oxigraph store, one graph per enterprise, where every compiled SHACL
        query and every risk rule runs once for the whole batch. ``with_pyshacl=True``
        validates each enterprise with pySHACL (the reference engine) instead: slower, and the
        yardstick the compiled path is tested against. Raises ``InputError`` for the first
        invalid profile; ``checked=True`` skips validation (documents the store accepted).
        Two versions of one enterprise (a credit code given twice) go to separate batches."""
        chosen = self.policy(policy)
        facts = [
            self.infer(p if checked else self.parse_profile(p), as_of_date(p, as_of))
            for p in profiles
        ]
        out: list[Assessment | None] = [None] * len(facts)
        for batch in batches([f.credit_code for f in facts]):
            assessed = self._assess_batch([facts[i] for i in batch], chosen, with_pyshacl)
            for i, a in zip(batch, assessed, strict=True):
                out[i] = a
        return [a for a in out if a is not None]

    def _assess_batch(
        self, facts: list[EnterpriseFacts], chosen: Policy, with_pyshacl: bool
    ) -> list[Assessment]:
        """``assess_many`` of enterprises with distinct credit codes (a graph each)."""
        store = ox.Store()
        read = union([self.rules.named_terms, chosen.named_terms])
        store.load(
            "".join(nq_lines(_read(f.data(), read), enterprise_iri(f.credit_code)) for f in facts),
            format=ox.RdfFormat.N_QUADS,
            lenient=True,  # IRIs minted from validated input; skipping their checks saves 30 %
        )
        present = mentioned(t for f in facts for t in f.data())
        findings = (
            {f.credit_code: self.rules.validate_reference(_graph(list(f.data()))) for f in facts}
            if with_pyshacl
            else self.rules.validate_batch(store, present)
        )
        results = {
            f.credit_code: list(result_triples(findings.get(f.credit_code, []))) for f in facts
        }
        store.load(
            "".join(
                nq_lines(_read(results[f.credit_code], read), enterprise_iri(f.credit_code))
                for f in facts
            ),
            format=ox.RdfFormat.N_QUADS,
            lenient=True,
        )
        present |= mentioned(t for triples in results.values() for t in triples)
        reasons = {
            day: reasons_in_store(chosen, store, day, present) for day in {f.day for f in facts}
        }
        out = []
        for f in facts:
            enterprise = str(enterprise_iri(f.credit_code))
            node = nt_iri(enterprise)
            types = frozenset(
                iri_value(o)
                for s, p, o in chain(f.asserted, f.inferred)
                if s == node and p == RDF_TYPE
            )
            risk = conclude(
                chosen,
                reasons[f.day].get(enterprise, []),
                standardization_grade(f.profile, f.day),
                types,
            )
            inferred = [*f.inferred, *describe_risk(f.credit_code, risk, f.day)]
            out.append(
                Assessment(
                    f.profile,
                    f.day,
                    f.asserted,
                    inferred,
                    f.derivation,
                    findings.get(f.credit_code, []),
                    risk,
                    types,
                )
            )
        return out

    def infer(self, profile: dict[str, Any], day: dt.date) -> EnterpriseFacts:
        """The facts of a checked profile before validation (bench/ uses it alone)."""
        code = profile["credit_code"]
        prefix = nt_iri(enterprise_iri(code))[:-1]
        asserted = self.mapper.triples(profile)
        derivation = derive(profile, self.kb, day)
        derived = {nt_triple(t) for t in derivation.triples}
        reference = {nt_triple(t) for t in derivation.reference_triples}
        if any(a.grade for a in derivation.accidents):  # only a graded accident links to them
            reference |= self.grade_labels
        nodes = {s for s, _, _ in asserted}
        key_paths = {(s, KEY_PATH, nt_literal(path_of(s[1:-1], code))) for s in nodes}
        owl = {
            t
            for t in self.instance_rules.inferred(chain(asserted, derived, reference))
            if t[0].startswith(prefix)
        }
        inferred = list(derived | owl | key_paths)
        return EnterpriseFacts(profile, day, asserted, inferred, derivation, reference)


def _read(triples: Iterable[Triple], read: NamedTerms | None) -> Iterable[Triple]:
    """The triples some query can read (all of them when ``read`` is None)."""
    if read is None:
        return triples
    return (t for t in triples if read.keeps(t[1], t[2]))


def batches(codes: Sequence[str], size: int | None = None) -> list[list[int]]:
    """Indices of ``codes`` in batches of at most ``size`` (None: any size) holding no code
    twice, in order: a code given again goes to a later batch than its first."""
    out: list[list[int]] = []
    seen: list[set[str]] = []
    for i, code in enumerate(codes):
        for batch, codes_in in zip(out, seen, strict=True):
            if (size is None or len(batch) < size) and code not in codes_in:
                batch.append(i)
                codes_in.add(code)
                break
        else:
            out.append([i])
            seen.append({code})
    return out


def mentioned(triples: Iterable[Triple]) -> set[str]:
    """The classes and predicates the triples mention (``shacl_sparql.run`` and
    ``reasons_in_store`` skip what needs others)."""
    out: set[str] = set()
    for _, p, o in triples:
        out.add(p)
        if p == RDF_TYPE:
            out.add(o)
    return {iri_value(t) for t in out}


def result_triples(findings: Iterable[Finding]) -> Iterator[Triple]:
    """Validation results as the risk rules read them (W3C SHACL report vocabulary)."""
    for i, f in enumerate(findings):
        r = f"_:result{i}"
        yield (r, RDF_TYPE, SH_RESULT)
        yield (r, SH_FOCUS, nt(f.focus))
        yield (r, SH_SEVERITY, nt(SH[f.severity]))
        yield (r, SH_SOURCE, nt(f.rule.shape))
        yield (r, RULE_ID, nt_literal(f.rule.rule_id))


def describe_risk(credit_code: str, risk: RiskResult, day: dt.date) -> list[Triple]:
    """The risk conclusion with its reasons and provenance, for the inferred graph (built from
    strings: it runs once per enterprise, and rdflib terms made it a tenth of a worker's time)."""
    base = enterprise_iri(credit_code)
    enterprise, node = nt_iri(base), nt_iri(f"{base}/risk")
    graph = inferred_graph_iri(credit_code)
    activity = nt_iri(f"{graph}#activity")
    date = nt_literal(day.isoformat(), XSD_DATE)
    policy = nt_iri(risk.policy.iri)
    g = [
        (enterprise, T["riskAssessment"], node),
        (node, RDF_TYPE, T["RiskAssessment"]),
        (node, T["riskLevel"], _concept(f"risk-{risk.level}")),
        (node, T["inspectionClass"], _concept(f"class-{risk.inspection_class}")),
        (node, T["policyProfile"], policy),
        (node, T["asOf"], date),
        (node, T["wasGeneratedBy"], activity),
    ]
    if risk.min_per_year is not None:
        g.append((node, T["minInspectionsPerYear"], _double(risk.min_per_year)))
    if risk.max_per_year is not None:
        g.append((node, T["maxInspectionsPerYear"], _double(risk.max_per_year)))
    for i, reason in enumerate(risk.reasons):
        rnode = nt_iri(f"{base}/risk/reasons/{i}")
        g += [
            (node, T["reason"], rnode),
            (rnode, RDF_TYPE, T["Reason"]),
            (rnode, T["rule"], nt_literal(reason.rule_id)),
            (rnode, T["riskLevel"], _concept(f"risk-{reason.level}")),
        ]
        g += [(rnode, T["because"], nt_literal(b)) for b in reason.because]
        g += [(rnode, T["wasDerivedFrom"], nt_iri(fact)) for fact in reason.facts]
    g += [
        (activity, RDF_TYPE, T["Activity"]),
        (activity, T["used"], enterprise),
        (activity, T["used"], policy),
        (activity, T["wasAssociatedWith"], SOFTWARE_NT),
        (activity, T["asOf"], date),
        (SOFTWARE_NT, RDF_TYPE, T["SoftwareAgent"]),
        (SOFTWARE_NT, T["softwareVersion"], VERSION_NT),
        (nt_iri(graph), T["wasGeneratedBy"], activity),
    ]
    return g


def _concept(name: str) -> str:
    return nt_iri(f"{SKC}{name}")


@lru_cache(maxsize=256)
def _double(value: float) -> str:
    """An inspection frequency as rdflib writes a float (a policy has a handful of them)."""
    return nt(Literal(value))


def path_of(node: str, credit_code: str) -> str:
    """The key path in the submitted document of a node IRI minted by the ingest."""
    rest = node[len(ENT) + len(credit_code) :].strip("/")
    parts: list[str | int] = [int(p) if p.isdigit() else p for p in rest.split("/") if p]
    return key_path(parts)


def standardization_grade(profile: dict[str, Any], day: dt.date) -> int:
    """The 标准化 grade in force on ``day``; 0 when not graded or the certificate has expired."""
    std = profile.get("standardization") or {}
    grade, until = std.get("grade"), std.get("valid_until")
    if grade is None or (until and dt.date.fromisoformat(until) < day):
        return 0
    return int(grade)


def level_rank(level: str) -> int:
    return LEVEL_BY_NAME[level][2]
