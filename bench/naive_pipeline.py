"""The naive way to run the rules (bench/compare.py): one rdflib graph, owlrl, pySHACL.

The graph holds every enterprise's asserted triples, the facts our Python derivation adds
(GB 18218 units and grades, accident grades, region and industry links) with the reference
triples they point to, and the ontology's Turtle files (the TBox), but not our compiled OWL RL
output: owlrl's ``DeductiveClosure(OWLRL_Semantics)`` closes it instead. pySHACL then validates
the closed graph with the rule shapes as ``RuleSet.validate_reference`` runs them (advanced,
no inference, the list-valued parameters' cells added to the data). rdflib's SPARQL parser cache
(reasoner/sparql_cache.py, installed by importing the validator) helps pySHACL here too.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import owlrl
from pyshacl import validate as pyshacl_validate
from rdflib import Graph
from shacl_exchange import Key, named_cells, report_violations

from safetykg.reasoner.engine import EnterpriseFacts
from safetykg.reasoner.resources import ontology_dir, turtle_files
from safetykg.reasoner.terms import nt_lines
from safetykg.reasoner.validate import RuleSet


@dataclass
class NaiveRun:
    load_s: float
    closure_s: float
    validate_s: float
    triples: int
    closed_triples: int
    violations: set[Key]

    @property
    def seconds(self) -> float:
        return self.load_s + self.closure_s + self.validate_s


def run(rules: RuleSet, facts: Sequence[EnterpriseFacts]) -> NaiveRun:
    start = time.perf_counter()
    graph = Graph()
    for path in turtle_files(ontology_dir()):
        graph.parse(path, format="turtle")
    reference = set().union(*(f.reference for f in facts))
    graph.parse(
        data=nt_lines([t for f in facts for t in f.asserted] + list(reference)), format="nt"
    )
    for f in facts:
        for t in f.derivation.triples:
            graph.add(t)
    triples = len(graph)
    loaded = time.perf_counter()

    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(graph)
    closed_triples = len(graph)
    closed = time.perf_counter()

    for cell in named_cells(rules, named=False):
        graph.add(cell)
    _, report, _ = pyshacl_validate(
        graph,
        shacl_graph=rules.graph,
        inference="none",
        advanced=True,
        allow_warnings=True,
        allow_infos=True,
        inplace=True,
    )
    done = time.perf_counter()
    return NaiveRun(
        load_s=loaded - start,
        closure_s=closed - loaded,
        validate_s=done - closed,
        triples=triples,
        closed_triples=closed_triples,
        violations=report_violations(rules, report),
    )
