"""The assessment pipeline: ingest → derive → OWL RL → validate → risk, for one enterprise.

``Engine`` holds what is loaded once (knowledge base, compiled ontology, shapes, policies);
``Engine.assess`` runs the pipeline and returns an ``Assessment`` that the report module turns
into the public report, and the store keeps as asserted and inferred named graphs.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import PROV, RDF, SH, SKOS, XSD

from safetykg import __version__

from .derive import Derivation, as_of_date, derive
from .ingest import InputError, ProfileContext, ProfileMapper, ProfileValidator, key_path
from .instance_rules import InstanceRules, closed_tbox
from .kb import KnowledgeBase
from .resources import context_path, ontology_dir, profile_schema_path, turtle_files
from .risk import LEVEL_BY_NAME, Policy, PolicyError, RiskResult, assess_risk, load_policies
from .rule_packs import assemble
from .validate import Finding, RuleSet
from .vocab import ENT, SK, SKC, SOFTWARE, bind_prefixes, enterprise_iri, inferred_graph_iri

DEFAULT_POLICY = "guangdong-2021"


@dataclass
class Assessment:
    profile: dict[str, Any]
    as_of: dt.date
    asserted: Graph
    inferred: Graph
    derivation: Derivation
    findings: list[Finding]
    risk: RiskResult

    @property
    def credit_code(self) -> str:
        return self.profile["credit_code"]

    @property
    def conforms(self) -> bool:
        return not any(f.severity == "Violation" and not f.rule.is_gap for f in self.findings)

    def types(self) -> set[str]:
        node = enterprise_iri(self.credit_code)
        return {str(o) for o in self.inferred.objects(node, RDF.type)} | {
            str(o) for o in self.asserted.objects(node, RDF.type)
        }


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
        self.rule_base = assemble(extra_rule_dirs, self.kb)
        self.rules = RuleSet(self.rule_base.files, self.rule_base.disabled, self.rule_base.pack_of)
        self.policies = load_policies(self.kb)

    def policy(self, name: str | None) -> Policy:
        name = name or DEFAULT_POLICY
        if name not in self.policies:
            known = ", ".join(sorted(self.policies))
            raise PolicyError(f"unknown policy {name!r}; known policies: {known}")
        return self.policies[name]

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
        """Assess one enterprise. ``with_pyshacl=True`` validates with pySHACL (the reference
        engine) instead of the compiled SPARQL shapes: slower, and the yardstick the compiled
        path is tested against."""
        profile = self.parse_profile(profile)
        chosen = self.policy(policy)
        day = as_of_date(profile, as_of)
        enterprise = enterprise_iri(profile["credit_code"])
        asserted, inferred, derivation, reference = self.infer(profile, day)

        data = Graph()
        for t in set(asserted) | set(inferred) | reference:
            data.add(t)
        validate = self.rules.validate_reference if with_pyshacl else self.rules.validate
        findings = validate(data)
        for triple in self._result_triples(findings):
            data.add(triple)

        std_grade = standardization_grade(profile, day)
        types = {str(o) for o in data.objects(enterprise, RDF.type)}
        risk = assess_risk(chosen, data, enterprise, day, std_grade, types)
        self._describe_risk(inferred, enterprise, risk, day)
        return Assessment(profile, day, asserted, inferred, derivation, findings, risk)

    def infer(
        self, profile: dict[str, Any], day: dt.date
    ) -> tuple[Graph, Graph, Derivation, set[tuple]]:
        """The asserted and inferred graphs of a checked profile, its derivation, and the
        reference triples its validation needs; what ``assess`` validates (bench/ uses it
        alone, to build a province's graphs without pySHACL)."""
        code = profile["credit_code"]
        enterprise = enterprise_iri(code)
        asserted = self.mapper.to_graph(profile)
        derivation = derive(profile, self.kb, day)
        key_paths = {
            (node, SK.keyPath, Literal(path_of(node, code)))
            for node in set(asserted.subjects())
            if isinstance(node, URIRef)
        }
        reference = derivation.reference_triples | self._accident_grade_labels()
        base = set(asserted) | derivation.triples | reference
        owl = {
            t for t in self.instance_rules.inferred(base) if str(t[0]).startswith(str(enterprise))
        }
        inferred = Graph()
        bind_prefixes(inferred)
        for t in derivation.triples | owl | key_paths:
            inferred.add(t)
        return asserted, inferred, derivation, reference

    def _accident_grade_labels(self) -> set[tuple]:
        out = set()
        for g in self.kb.accident_grades:
            iri = URIRef(g.iri)
            out.add((iri, SK.rank, Literal(g.rank)))
            out.add((iri, SKOS.altLabel, Literal(g.zh, lang="zh")))
        return out

    def _result_triples(self, findings: list[Finding]) -> Iterable[tuple]:
        for f in findings:
            r = BNode()
            yield (r, RDF.type, SH.ValidationResult)
            yield (r, SH.focusNode, f.focus)
            yield (r, SH.resultSeverity, SH[f.severity])
            yield (r, SH.sourceShape, f.rule.shape)
            yield (r, SK.ruleId, Literal(f.rule.rule_id))

    def _describe_risk(self, g: Graph, enterprise: URIRef, risk: RiskResult, day: dt.date) -> None:
        code = str(enterprise)[len(str(ENT)) :]
        node = URIRef(f"{enterprise}/risk")
        activity = URIRef(f"{inferred_graph_iri(code)}#activity")
        g.add((enterprise, SK.riskAssessment, node))
        g.add((node, RDF.type, SK.RiskAssessment))
        g.add((node, SK.riskLevel, SKC[f"risk-{risk.level}"]))
        g.add((node, SK.inspectionClass, SKC[f"class-{risk.inspection_class}"]))
        if risk.min_per_year is not None:
            g.add((node, SK.minInspectionsPerYear, Literal(risk.min_per_year)))
        if risk.max_per_year is not None:
            g.add((node, SK.maxInspectionsPerYear, Literal(risk.max_per_year)))
        g.add((node, SK.policyProfile, URIRef(risk.policy.iri)))
        g.add((node, SK.asOf, Literal(day.isoformat(), datatype=XSD.date)))
        g.add((node, PROV.wasGeneratedBy, activity))
        for i, reason in enumerate(risk.reasons):
            rnode = URIRef(f"{node}/reasons/{i}")
            g.add((node, SK.reason, rnode))
            g.add((rnode, RDF.type, SK.Reason))
            g.add((rnode, SK.rule, Literal(reason.rule_id)))
            g.add((rnode, SK.riskLevel, SKC[f"risk-{reason.level}"]))
            for b in reason.because:
                g.add((rnode, SK.because, Literal(b)))
            for fact in reason.facts:
                g.add((rnode, PROV.wasDerivedFrom, fact))
        g.add((activity, RDF.type, PROV.Activity))
        g.add((activity, PROV.used, enterprise))
        g.add((activity, PROV.used, URIRef(risk.policy.iri)))
        g.add((activity, PROV.wasAssociatedWith, SOFTWARE))
        g.add((activity, SK.asOf, Literal(day.isoformat(), datatype=XSD.date)))
        g.add((SOFTWARE, RDF.type, PROV.SoftwareAgent))
        g.add((SOFTWARE, SK.softwareVersion, Literal(__version__)))
        g.add((URIRef(inferred_graph_iri(code)), PROV.wasGeneratedBy, activity))


def path_of(node: URIRef, credit_code: str) -> str:
    """The key path in the submitted document of a node IRI minted by the ingest."""
    base = str(ENT[credit_code])
    rest = str(node)[len(base) :].strip("/")
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
