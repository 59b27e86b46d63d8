"""The reference path: the slow, obviously-correct assessment the fast path is proven against.

Per enterprise: the profile mapped to RDF by the ingest, the Python derivation (``derive``: the
same code as the fast path, so the GB 18218 and accident grades are not re-proven here, only
carried), then the real owlrl (``OWLRL_Semantics``) over the asserted, derived and reference
triples and the ontology, pySHACL for validation and the risk policy's SPARQL evaluated by
rdflib (``assess_risk``). Nothing of the fast path's own machinery is used: not the compiled
OWL RL rules, the compiled shapes, nor Oxigraph.

owlrl costs ~5 s for one enterprise, almost all of it spent on the ontology: it runs every rule
over every triple of the graph in each cycle, and the ~6,000 triples of the closed ontology
outnumber an enterprise's ~70 a hundredfold. So enterprises are closed many at a time in one
graph (~30 s of CPU for 300). That gives each one what closing it alone gives, because
enterprises share no node but reference individuals, ontology terms and literals:
``ReferenceReasoner.conclusions`` checks on every batch the conditions under which this holds
(proof in docs/architecture.md, "Reference path") and raises ``IsolationError`` otherwise.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import owlrl
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF

from .derive import Derivation, as_of_date, derive
from .engine import (
    Assessment,
    Engine,
    batches,
    describe_risk,
    path_of,
    result_triples,
    standardization_grade,
)
from .instance_rules import IGNORED_TYPES, closed_tbox
from .resources import ontology_dir, turtle_files
from .risk import Policy, assess_risk
from .terms import nt_lines, nt_triple
from .vocab import ENT, SK, enterprise_iri

# Enterprises per owlrl run: one run costs ~5 s of ontology plus ~0.1 s per enterprise (100 in
# ~17 s, 300 in ~30 s on the 2-core machine); larger batches were not measured.
BATCH = 300
ENT_BASE = str(ENT)
# OWL RL constructs whose rules join facts through a term the conclusion does not name, beyond
# someValuesFrom and transitivity (which ``ReferenceReasoner.inert`` covers), or that conclude
# equalities: the isolation proof assumes the ontology has none of them.
JOINING_CONSTRUCTS = {
    OWL.allValuesFrom,
    OWL.propertyChainAxiom,
    OWL.hasKey,
    OWL.maxCardinality,
    OWL.maxQualifiedCardinality,
    OWL.cardinality,
    OWL.qualifiedCardinality,
    OWL.FunctionalProperty,
    OWL.InverseFunctionalProperty,
}

Triple = tuple


class IsolationError(RuntimeError):
    """A batch closure in which enterprises may have influenced each other."""


def owner(term: Any) -> str | None:
    """The credit code of the enterprise whose node ``term`` is; None for a shared term."""
    if isinstance(term, URIRef) and term.startswith(ENT_BASE):
        return term[len(ENT_BASE) :].split("/", 1)[0]
    return None


def uninformative(t: Triple) -> bool:
    """Conclusions ``Engine.infer`` leaves out too: a term owl:sameAs itself (owlrl's eq-ref),
    types that say nothing (owl:Thing and the like) and blank restriction classes."""
    s, p, o = t
    return (p == OWL.sameAs and s == o) or (
        p == RDF.type and (o in IGNORED_TYPES or isinstance(o, BNode))
    )


@dataclass
class Facts:
    """One enterprise before owlrl: what the ingest and the derivation give."""

    profile: dict[str, Any]
    day: dt.date
    asserted: Graph
    derivation: Derivation
    reference: set[Triple]
    key_paths: set[Triple]

    @property
    def code(self) -> str:
        return self.profile["credit_code"]

    def base(self) -> set[Triple]:
        """What owlrl closes for this enterprise, with the ontology."""
        return set(self.asserted) | self.derivation.triples | self.reference


class ReferenceReasoner:
    """owlrl over batches of enterprises, each closed with the ontology (the closure cached on
    disk, reasoner/instance_rules.py) and its own reference triples."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.tbox = closed_tbox(turtle_files(ontology_dir()))
        used = {p for p in JOINING_CONSTRUCTS if (None, p, None) in self.tbox}
        used |= {c for c in JOINING_CONSTRUCTS if (None, RDF.type, c) in self.tbox}
        if used:
            names = ", ".join(sorted(str(u) for u in used))
            raise IsolationError(f"the ontology uses {names}: batch closure is not isolated")
        self.fillers = set(self.tbox.objects(None, OWL.someValuesFrom)) - {OWL.Thing}
        self.transitive = set(self.tbox.subjects(RDF.type, OWL.TransitiveProperty))
        self.grade_labels = set(Graph().parse(data=nt_lines(engine.grade_labels), format="nt"))

    def inert(self, t: Triple) -> bool:
        """Whether a fact about shared terms only can enter no rule together with a fact of an
        enterprise: under the ontology's constructs only someValuesFrom (cls-svf1) and
        transitive properties (prp-trp) join two facts through a term."""
        if t[1] == RDF.type:
            return t[2] not in self.fillers
        return t[1] not in self.transitive

    @staticmethod
    def joined_terms(t: Triple) -> tuple:
        """The terms through which a rule can join ``t`` with another fact: the subject of a
        type (cls-svf1), both ends of a link (prp-trp)."""
        return (t[0],) if t[1] == RDF.type else (t[0], t[2])

    def facts(self, profile: dict[str, Any], as_of: dt.date | None) -> Facts:
        profile = self.engine.parse_profile(profile)
        day = as_of_date(profile, as_of)
        code = profile["credit_code"]
        asserted = self.engine.mapper.to_graph(profile)
        derivation = derive(profile, self.engine.kb, day)
        key_paths = {
            (node, SK.keyPath, Literal(path_of(node, code)))
            for node in set(asserted.subjects())
            if isinstance(node, URIRef)
        }
        reference = derivation.reference_triples | self.grade_labels
        return Facts(profile, day, asserted, derivation, reference, key_paths)

    def close(self, batch: Sequence[Facts]) -> dict[str, set[Triple]]:
        """owlrl over the batch at once: by credit code, the new triples about each
        enterprise's own nodes (what ``Engine.infer`` keeps), after checking isolation."""
        codes = [f.code for f in batch]
        twice = sorted({c for c in codes if codes.count(c) > 1})
        if twice:
            raise ValueError(f"credit codes given more than once: {', '.join(twice)}")
        graph = Graph()
        for t in self.tbox:
            graph.add(t)
        for f in batch:
            for t in f.base():
                graph.add(t)
        owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(graph)
        return self.conclusions(graph, batch)

    def conclusions(self, closure: Iterable[Triple], batch: Sequence[Facts]) -> dict[str, set]:
        """What ``close`` keeps of the closure of a batch, by credit code. Raises
        ``IsolationError`` unless (1) no triple names nodes of two enterprises nor equates two
        terms and (2) every new triple about shared terms only is inert or a reference triple
        given to every enterprise whose facts name a term it can be joined through."""
        given: set[Triple] = set()
        for f in batch:
            given |= f.base()
        reference = {f.code: f.reference for f in batch}
        kept: dict[str, set[Triple]] = {f.code: set() for f in batch}
        named_by: dict[Any, set[str]] = defaultdict(set)  # shared term -> enterprises
        shared = []
        for t in closure:
            if t[1] == OWL.sameAs and t[0] != t[2]:
                raise IsolationError(f"owlrl concluded an equality: {t}")
            owners = {owner(term) for term in t} - {None}
            if len(owners) > 1:
                names = ", ".join(sorted(owners))
                raise IsolationError(f"owlrl concluded {t} about enterprises {names}")
            if owners:
                (code,) = owners
                for term in t:
                    if owner(term) is None:
                        named_by[term].add(code)
                if owner(t[0]) == code and t not in given and not uninformative(t):
                    kept[code].add(t)
            elif t not in self.tbox and not self.inert(t):
                shared.append(t)
        for t in shared:
            naming = set().union(*(named_by.get(term, ()) for term in self.joined_terms(t)))
            lacking = sorted(c for c in naming if t not in reference[c])
            if lacking:
                names = ", ".join(lacking)
                raise IsolationError(f"{t} may reach enterprises {names}, not given it")
        return kept

    def assess(
        self,
        profiles: Sequence[dict[str, Any]],
        as_of: dt.date | None = None,
        policy: str | None = None,
    ) -> list[Assessment]:
        chosen = self.engine.policy(policy)
        facts = [self.facts(p, as_of) for p in profiles]
        out: list[Assessment | None] = [None] * len(facts)
        for indices in batches([f.code for f in facts], BATCH):
            owl = self.close([facts[i] for i in indices])
            for i in indices:
                out[i] = self.judge(facts[i], owl[facts[i].code], chosen)
        return [a for a in out if a is not None]

    def judge(self, f: Facts, owl: set[Triple], policy: Policy) -> Assessment:
        """Validation by pySHACL and risk by rdflib SPARQL, as ``Engine.assess`` did before
        its batch path: over the enterprise's asserted, inferred and reference triples."""
        inferred = f.derivation.triples | owl | f.key_paths
        data = Graph()
        for t in set(f.asserted) | inferred | f.reference:
            data.add(t)
        findings = self.engine.rules.validate_reference(data)
        enterprise = enterprise_iri(f.code)
        types = {str(o) for o in data.objects(enterprise, RDF.type)}
        data.parse(data=nt_lines(result_triples(findings)), format="nt")
        grade = standardization_grade(f.profile, f.day)
        risk = assess_risk(policy, data, enterprise, f.day, grade, types)
        return Assessment(
            f.profile,
            f.day,
            [nt_triple(t) for t in f.asserted],
            [*map(nt_triple, inferred), *describe_risk(f.code, risk, f.day)],
            f.derivation,
            findings,
            risk,
            frozenset(types),
        )


@lru_cache(maxsize=1)
def reasoner_for(engine: Engine) -> ReferenceReasoner:
    """The reference reasoner of ``engine``, built once (it reads the closed ontology)."""
    return ReferenceReasoner(engine)


def reference_assess_many(
    engine: Engine,
    profiles: Sequence[dict[str, Any]],
    as_of: dt.date | None = None,
    policy: str | None = None,
) -> list[Assessment]:
    """The reference assessment of many enterprises (owlrl in batches of ``BATCH``)."""
    return reasoner_for(engine).assess(profiles, as_of, policy)


def reference_assess(
    engine: Engine,
    profile: dict[str, Any],
    as_of: dt.date | None = None,
    policy: str | None = None,
) -> Assessment:
    """The reference assessment of one enterprise: owlrl + pySHACL + rdflib SPARQL."""
    return reference_assess_many(engine, [profile], as_of, policy)[0]
