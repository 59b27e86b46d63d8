"""The rule shapes and their results as other SHACL engines can share them (bench/compare.py).

Blank-node labels belong to one file or one store. Two things cross that line here:

- the list-valued parameters of shapes/components.ttl (``sk:requiresOneOf``, ``sk:whenIn``,
  ``sk:unlessIn``): the SPARQL validators walk them in the data graph, so their cells are added
  to the data (as ``RuleSet.validate_reference`` does) and must be the same nodes as the shapes'
  parameter values. pySHACL keeps rdflib's nodes, so they are; an engine that reads the data
  from a file or a store gets fresh nodes and finds no list (pyshacl-turbo's missing results);
- the source shape of a result, which must be found in ``RuleSet.owner`` to name the rule;
  nested property shapes are blank nodes, relabelled by an engine that writes its own report.

``named_shapes`` gives those nodes IRIs (``SKOLEM`` + their rdflib label) in a copy of the
shapes graph, and ``named_cells`` the same cells for the data. Paths, ``sh:in`` and the other
lists stay blank nodes, so the shapes mean exactly what they meant; only names change.
"""

from __future__ import annotations

from collections.abc import Iterable

from rdflib import BNode, Graph, URIRef
from rdflib.namespace import SH

from safetykg.reasoner.validate import Finding, RuleSet

SKOLEM = "urn:x-safetykg-bench:bnode:"
Key = tuple[str, str, str]


def _named(rules: RuleSet) -> dict[BNode, URIRef]:
    nodes = {s for s in rules.owner if isinstance(s, BNode)}
    nodes |= {s for s, _, _ in rules.parameter_lists if isinstance(s, BNode)}
    return {n: URIRef(SKOLEM + str(n)) for n in nodes}


def _rename(triples: Iterable[tuple], names: dict[BNode, URIRef]) -> Iterable[tuple]:
    for s, p, o in triples:
        yield (names.get(s, s), p, names.get(o, o))


def named_shapes(rules: RuleSet) -> Graph:
    """A copy of the shapes graph whose shapes and parameter-list cells are IRIs."""
    out = Graph()
    for t in _rename(rules.graph, _named(rules)):
        out.add(t)
    return out


def named_cells(rules: RuleSet, named: bool) -> list[tuple]:
    """The parameter-list cells to add to the data graph: as IRIs (``named``, to go with
    ``named_shapes``) or as the shapes graph's own blank nodes."""
    cells = list(rules.parameter_lists)
    return list(_rename(cells, _named(rules))) if named else cells


def report_violations(rules: RuleSet, report: Graph) -> set[Key]:
    """(rule id, focus IRI, severity) of every non-gap Violation in a W3C SHACL report."""
    out: set[Key] = set()
    for result in report.subjects(SH.resultSeverity, SH.Violation):
        source = report.value(result, SH.sourceShape)
        if isinstance(source, URIRef) and str(source).startswith(SKOLEM):
            source = BNode(str(source)[len(SKOLEM) :])
        rule = rules.owner.get(source)
        if rule is not None and not rule.is_gap:
            out.add((rule.rule_id, str(report.value(result, SH.focusNode)), "Violation"))
    return out


def finding_violations(findings: Iterable[Finding]) -> set[Key]:
    """The same key for SafetyKG's findings."""
    return {
        (f.rule.rule_id, str(f.focus), f.severity)
        for f in findings
        if f.severity == "Violation" and not f.rule.is_gap
    }
