"""Validation of one enterprise against the rule shapes (SHACL, with pySHACL).

Results are mapped back to rules: a result's source shape may be a nested property shape, so
every shape is indexed by the top-level rule shape that owns it, and the rule's id, clause,
confidence and messages come from there.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pyoxigraph as ox
from pyshacl import validate as pyshacl_validate
from rdflib import Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH

from . import sparql_cache
from .query_terms import NamedTerms, named_terms, union
from .shacl_sparql import ShapeCompiler, ShapeQuery, run
from .vocab import ENT, SK

sparql_cache.install()

NESTING = (SH.property, SH.node, SH["not"], SH.qualifiedValueShape)
LISTS = (SH["or"], SH["and"], SH.xone)
ENT_BASE = str(ENT)
SEVERITY_NAMES = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}


@dataclass(frozen=True)
class Rule:
    rule_id: str
    shape: URIRef
    clause: URIRef | None
    confidence: str
    severity: str
    is_gap: bool
    message: dict[str, str]
    source_file: str
    pack: str = ""
    enabled: bool = True


@dataclass(frozen=True)
class Finding:
    """One SHACL result, attributed to its rule."""

    rule: Rule
    focus: URIRef
    path: URIRef | None
    severity: str
    message: dict[str, str]
    value: str | None = None


def _principal_path(report: Graph, path):
    """The property a result is about: for an alternative path, its first member.

    Gap shapes for arrays of objects use ``[sh:alternativePath (sk:collector sk:noneReported)]``
    so that an empty array counts as reported; the missing key is still ``collectors``.
    """
    if path is None or isinstance(path, URIRef):
        return path
    head = report.value(path, SH.alternativePath)
    members = list(Collection(report, head)) if head is not None else []
    return members[0] if members and isinstance(members[0], URIRef) else None


def messages(graph: Graph, subject, predicate=SH.message) -> dict[str, str]:
    out: dict[str, str] = {}
    for m in graph.objects(subject, predicate):
        if isinstance(m, Literal):
            out.setdefault(m.language or "", str(m))
    return out


class RuleSet:
    """The shapes graph with its rules indexed.

    ``disabled`` rule ids (by a rule pack's ``sk:disables``) stay listed but do not run: their
    shapes are marked ``sh:deactivated true``. ``pack_of`` names the pack of each file.
    """

    def __init__(
        self,
        files: Iterable[Path],
        disabled: Iterable[str] = (),
        pack_of: dict[str, str] | None = None,
    ) -> None:
        self.files = list(files)
        off = set(disabled)
        self.graph = Graph()
        owner_file: dict[URIRef, str] = {}
        for f in self.files:
            part = Graph().parse(f, format="turtle")
            for s in part.subjects(SK.ruleId, None):
                owner_file[s] = str(f)
            self.graph += part
        self.rules: dict[URIRef, Rule] = {}
        for shape, rule_id in self.graph.subject_objects(SK.ruleId):
            severity = self.graph.value(shape, SH.severity, default=SH.Violation)
            self.rules[shape] = Rule(
                rule_id=str(rule_id),
                shape=shape,
                clause=self.graph.value(shape, SK.clause),
                confidence=str(self.graph.value(shape, SK.confidence, default=Literal("verified"))),
                severity=SEVERITY_NAMES.get(severity, "Violation"),
                is_gap=(shape, SK.resultKind, SK.DataGap) in self.graph,
                message=messages(self.graph, shape),
                source_file=owner_file.get(shape, ""),
                pack=(pack_of or {}).get(owner_file.get(shape, ""), ""),
                enabled=str(rule_id) not in off,
            )
            if str(rule_id) in off:
                self.graph.add((shape, SH.deactivated, Literal(True)))
        self.owner: dict = {}
        for shape, rule in self.rules.items():
            for sub in self._descendants(shape):
                self.owner.setdefault(sub, rule)
        self.parameter_lists = self._parameter_lists()
        self._messages: dict = {}
        self._result_terms: dict = {}

    def _parameter_lists(self) -> set[tuple]:
        """The RDF lists given as values of constraint-component parameters (shapes/components.ttl).

        pySHACL binds a parameter's value into the query over the data graph but cannot bind
        ``$shapesGraph``, so a list-valued parameter is only walkable if its cells are in the data
        graph too; ``validate`` adds them there.
        """
        params = {
            path
            for comp in self.graph.subjects(RDF.type, SH.ConstraintComponent)
            for decl in self.graph.objects(comp, SH.parameter)
            for path in self.graph.objects(decl, SH.path)
        }
        cells: set[tuple] = set()
        for param in params:
            for head in self.graph.objects(None, param):
                node = head
                while node != RDF.nil and (node, RDF.first, None) in self.graph:
                    rest = self.graph.value(node, RDF.rest, default=RDF.nil)
                    cells.add((node, RDF.first, self.graph.value(node, RDF.first)))
                    cells.add((node, RDF.rest, rest))
                    node = rest
        return cells

    def _descendants(self, shape) -> Iterator:
        stack, seen = [shape], set()
        while stack:
            s = stack.pop()
            if s in seen:
                continue
            seen.add(s)
            yield s
            for p in NESTING:
                stack.extend(self.graph.objects(s, p))
            for p in LISTS:
                for head in self.graph.objects(s, p):
                    stack.extend(Collection(self.graph, head))

    def by_id(self) -> dict[str, list[Rule]]:
        out: dict[str, list[Rule]] = {}
        for rule in self.rules.values():
            out.setdefault(rule.rule_id, []).append(rule)
        return out

    def validate(self, data: Graph) -> list[Finding]:
        """Validate one enterprise's graph with the compiled shapes (the fast path)."""
        store = ox.Store()
        store.load(data.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES)
        return self.validate_store(store)

    def validate_reference(self, data: Graph) -> list[Finding]:
        """Validate ``data`` with pySHACL, the reference engine. pySHACL cannot read list-valued
        parameters from the shapes graph, so they are added to a copy of ``data``."""
        data = Graph() + data
        for cell in self.parameter_lists:
            data.add(cell)
        _, report, _ = pyshacl_validate(
            data,
            shacl_graph=self.graph,
            inference="none",
            advanced=True,
            allow_warnings=True,
            allow_infos=True,
            inplace=True,
        )
        return self.findings(report)

    def findings(self, report: Graph) -> list[Finding]:
        """The findings of a W3C SHACL validation report (pySHACL's, or a compatible engine's)."""
        findings: dict[tuple, Finding] = {}
        for result in report.subjects(RDF.type, SH.ValidationResult):
            self._keep(
                findings,
                report.value(result, SH.sourceShape),
                report.value(result, SH.focusNode),
                _principal_path(report, report.value(result, SH.resultPath)),
                report.value(result, SH.resultSeverity),
                report.value(result, SH.value),
            )
        return list(findings.values())

    def _keep(self, findings: dict[tuple, Finding], source, focus, path, severity, value) -> None:
        """Add the finding of one result to ``findings``, unless its shape belongs to no rule."""
        rule = self.owner.get(source)
        if rule is None:
            return
        finding = Finding(
            rule=rule,
            focus=focus,
            path=path,
            severity=SEVERITY_NAMES.get(severity, rule.severity),
            message=self._message(source, rule),
            value=str(value) if value is not None else None,
        )
        # A component's property validator runs once per value node (see
        # shapes/components.ttl), so the same result can come more than once.
        key = (source, finding.focus, finding.path, finding.severity, finding.value)
        findings.setdefault(key, finding)

    def _message(self, source, rule: Rule) -> dict[str, str]:
        """The rule's messages, overridden by those of the nested shape that reported."""
        if source not in self._messages:
            own = messages(self.graph, source) if source != rule.shape else {}
            self._messages[source] = {
                **rule.message,
                **{k: v for k, v in own.items() if k in ("zh", "en")},
            }
        return self._messages[source]

    def _severity_and_path(self, source, path) -> tuple:
        """Severity of a reporting shape and the principal path of a result (cached: the
        shapes never change and a province has many results per shape)."""
        key = (source, path)
        if key not in self._result_terms:
            self._result_terms[key] = (
                self.graph.value(source, SH.severity, default=SH.Violation),
                _principal_path(self.graph, path),
            )
        return self._result_terms[key]

    @cached_property
    def compiled(self) -> list[ShapeQuery]:
        """The rule shapes as SPARQL queries (reasoner/shacl_sparql.py), compiled on first use."""
        return ShapeCompiler(self.graph, owned=lambda shape: shape in self.owner).compile()

    @cached_property
    def named_terms(self) -> NamedTerms | None:
        """What the compiled queries can read (reasoner/query_terms.py)."""
        return union(named_terms(q.sparql) for q in self.compiled)

    def validate_store(self, store: ox.Store, present: set[str] | None = None) -> list[Finding]:
        """All findings over every enterprise in ``store`` at once (its union default graph),
        the same as ``validate`` gives enterprise by enterprise. ``present``: see ``run``."""
        findings: dict[tuple, Finding] = {}
        for r in run(store, self.compiled, present):
            severity, path = self._severity_and_path(r.source, r.path)
            self._keep(findings, r.source, r.focus, path, severity, r.value)
        return list(findings.values())

    def validate_batch(
        self, store: ox.Store, present: set[str] | None = None
    ) -> dict[str, list[Finding]]:
        """``validate_store`` by enterprise: credit code → its findings. Every node the ingest
        mints is under its enterprise's IRI, so a focus node says whose it is."""
        out: dict[str, list[Finding]] = {}
        for f in self.validate_store(store, present):
            out.setdefault(credit_code_of(str(f.focus)), []).append(f)
        return out


def credit_code_of(iri: str) -> str:
    """The credit code of the enterprise a node IRI belongs to ("" for other nodes)."""
    if not iri.startswith(ENT_BASE):
        return ""
    return iri[len(ENT_BASE) :].split("/", 1)[0]
