"""OWL 2 RL for instance data, compiled from the closed ontology.

owlrl over the ontology and reference data is run once (and cached on disk, keyed by the
content of the files); its TBox conclusions are compiled into look-up tables, and the instance
rules of OWL 2 RL that the ontology uses (cax-sco, prp-spo1, prp-inv, prp-dom, prp-rng, prp-trp,
cls-hv1/2, cls-svf1/2, cls-int1, cls-uni via scm-uni) are applied to one enterprise's small graph
in a fixpoint loop. This costs milliseconds where owlrl over the whole data costs seconds to
minutes; ``tests/test_instance_rules.py`` proves the two agree on generated enterprises.
"""

from __future__ import annotations

import hashlib
import os
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

import owlrl
from rdflib import Graph, Literal
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS

from .terms import RDF_TYPE, nt

Triple = tuple
IGNORED_TYPES = {OWL.Thing, RDFS.Resource, OWL.NamedIndividual}
IGNORED_NT = {nt(t) for t in IGNORED_TYPES}
THING = nt(OWL.Thing)


def cache_dir() -> Path:
    base = os.environ.get("SAFETYKG_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "safetykg"
    )
    return Path(base)


def closed_tbox(files: Iterable[Path]) -> Graph:
    """The OWL RL closure of the given Turtle files, computed once per distinct content."""
    files = sorted(files)
    digest = hashlib.sha256()
    for f in files:
        digest.update(f.name.encode())
        digest.update(f.read_bytes())
    digest.update(owlrl.__version__.encode() if hasattr(owlrl, "__version__") else b"owlrl")
    cached = cache_dir() / f"tbox-{digest.hexdigest()[:24]}.nt"
    if cached.exists():
        try:
            return Graph().parse(cached, format="nt")
        except Exception:  # a damaged cache file is recomputed, never trusted
            cached.unlink(missing_ok=True)
    closure = Graph()
    for f in files:
        closure.parse(f, format="turtle")
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(closure)
    graph = Graph()
    for s, p, o in closure:
        if not isinstance(s, Literal):  # owlrl's generalised triples (literal subjects)
            graph.add((s, p, o))
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_suffix(f".{os.getpid()}.tmp")
        graph.serialize(tmp, format="nt", encoding="utf-8")
        tmp.replace(cached)
    except OSError:
        pass  # a read-only home only costs the closure again next time
    return graph


class _ClassRules(NamedTuple):
    """What a type (s rdf:type C) entails, for one class C."""

    superclasses: tuple[str, ...]
    value_of: tuple[tuple[str, str], ...]  # C is a hasValue restriction: (p, v)
    some_values_of: tuple[tuple[str, str], ...]  # C fills someValuesFrom: (p, restriction)
    intersections: tuple[tuple[str, frozenset[str]], ...]  # C is a part: (class, parts)


class _PredicateRules(NamedTuple):
    """What an edge (s p o) entails, for one predicate p."""

    superproperties: tuple[str, ...]
    inverse: tuple[str, ...]
    range: tuple[str, ...]
    domain: tuple[str, ...]
    has_value: dict[str, tuple[str, ...]]  # o -> hasValue restrictions on (p, o)
    some_values: tuple[tuple[str, str], ...]  # (filler, restriction)
    transitive: bool


class InstanceRules:
    """Rules compiled from a closed ontology, by class and by predicate, and the fixpoint over
    instance triples.

    Terms are N-Triples strings (reasoner/terms.py): the fast path never builds rdflib terms.
    Every rule is driven by the triple that arrives on the agenda, joins included (a type
    arriving for an object re-checks the someValuesFrom restrictions of its incoming edges), so
    one pass over the agenda reaches the fixpoint.
    """

    def __init__(self, tbox: Graph) -> None:
        def table(pairs) -> dict[str, set[str]]:
            out: dict[str, set[str]] = defaultdict(set)
            for k, v in pairs:
                out[nt(k)].add(nt(v))
            return dict(out)

        ignored = IGNORED_TYPES
        superclasses = table(
            (c, d) for c, d in tbox.subject_objects(RDFS.subClassOf) if c != d and d not in ignored
        )
        superproperties = table(
            (p, q) for p, q in tbox.subject_objects(RDFS.subPropertyOf) if p != q
        )
        inverse_pairs = list(tbox.subject_objects(OWL.inverseOf))
        inverse = table([*inverse_pairs, *((q, p) for p, q in inverse_pairs)])
        domain = table((p, c) for p, c in tbox.subject_objects(RDFS.domain) if c not in ignored)
        range_ = table(
            (p, c)
            for p, c in tbox.subject_objects(RDFS.range)
            if c not in ignored and (c, RDF.type, RDFS.Datatype) not in tbox
        )
        transitive = {nt(p) for p in tbox.subjects(RDF.type, OWL.TransitiveProperty)}
        has_value: dict = defaultdict(lambda: defaultdict(set))  # p -> v -> restrictions
        value_of: dict[str, list] = defaultdict(list)  # restriction -> [(p, v)]
        some_values: dict[str, list] = defaultdict(list)  # p -> [(filler, restriction)]
        svf_by_filler: dict[str, list] = defaultdict(list)  # filler -> [(p, restriction)]
        for r in tbox.subjects(RDF.type, OWL.Restriction):
            p = tbox.value(r, OWL.onProperty)
            v = tbox.value(r, OWL.hasValue)
            if p is not None and v is not None:
                has_value[nt(p)][nt(v)].add(nt(r))
                value_of[nt(r)].append((nt(p), nt(v)))
            filler = tbox.value(r, OWL.someValuesFrom)
            if p is not None and filler is not None:
                some_values[nt(p)].append((nt(filler), nt(r)))
                svf_by_filler[nt(filler)].append((nt(p), nt(r)))
        intersections_with: dict[str, list] = defaultdict(list)  # part -> [(class, parts)]
        for c, head in tbox.subject_objects(OWL.intersectionOf):
            parts = frozenset(nt(x) for x in Collection(tbox, head))
            for part in parts:
                intersections_with[part].append((nt(c), parts))
        self.by_class = {
            c: _ClassRules(
                tuple(superclasses.get(c, ())),
                tuple(value_of.get(c, ())),
                tuple(svf_by_filler.get(c, ())),
                tuple(intersections_with.get(c, ())),
            )
            for c in {*superclasses, *value_of, *svf_by_filler, *intersections_with}
        }
        predicates = {
            *superproperties, *inverse, *domain, *range_, *transitive, *some_values, *has_value
        }  # fmt: skip
        self.by_predicate = {
            q: _PredicateRules(
                tuple(superproperties.get(q, ())),
                tuple(inverse.get(q, ())),
                tuple(range_.get(q, ())),
                tuple(domain.get(q, ())),
                {v: tuple(r) for v, r in has_value.get(q, {}).items()},
                tuple(some_values.get(q, ())),
                q in transitive,
            )
            for q in predicates
        }

    def closure(self, triples: Iterable[Triple]) -> set[Triple]:
        """Every triple OWL RL entails from ``triples`` under the compiled TBox (input included).

        A triple looks up the rules of its class or predicate once (``by_class``,
        ``by_predicate``); most predicates have none. Edges are indexed by object only for the
        predicates of someValuesFrom restrictions, the one join that waits for a later type."""
        facts: set[Triple] = set()
        agenda = list(triples)
        types: dict = defaultdict(set)
        in_edges: dict = defaultdict(set)  # o -> {(s, p)}, p with someValuesFrom restrictions
        successors: dict = defaultdict(set)  # (p, s) -> {o} for transitive p
        predecessors: dict = defaultdict(set)  # (p, o) -> {s}
        by_class, by_predicate = self.by_class.get, self.by_predicate.get
        while agenda:
            t = agenda.pop()
            if t in facts:
                continue
            facts.add(t)
            s, p, o = t
            if p == RDF_TYPE:
                types[s].add(o)
                c = by_class(o)
                if c is None:
                    continue
                for sup in c.superclasses:
                    agenda.append((s, RDF_TYPE, sup))
                for q, v in c.value_of:
                    agenda.append((s, q, v))
                for q, r in c.some_values_of:
                    for subject, edge in in_edges.get(s, ()):
                        if edge == q:
                            agenda.append((subject, RDF_TYPE, r))
                for whole, parts in c.intersections:
                    if parts <= types[s]:
                        agenda.append((s, RDF_TYPE, whole))
                continue
            r = by_predicate(p)
            if r is None:
                continue
            for q in r.superproperties:
                agenda.append((s, q, o))
            if o[0] != '"':
                for q in r.inverse:
                    agenda.append((o, q, s))
                for c in r.range:
                    agenda.append((o, RDF_TYPE, c))
            for c in r.domain:
                agenda.append((s, RDF_TYPE, c))
            for c in r.has_value.get(o, ()):
                agenda.append((s, RDF_TYPE, c))
            if r.some_values:
                in_edges[o].add((s, p))
                for filler, c in r.some_values:
                    if filler == THING or filler in types.get(o, ()):
                        agenda.append((s, RDF_TYPE, c))
            if r.transitive:
                successors[(p, s)].add(o)
                predecessors[(p, o)].add(s)
                for before in list(predecessors[(p, s)]):
                    agenda.append((before, p, o))
                for after in list(successors[(p, o)]):
                    agenda.append((s, p, after))
        return facts

    def inferred(self, triples: Iterable[Triple]) -> set[Triple]:
        """Only the new triples, without types that say nothing (owl:Thing) or blank restrictions."""
        given = set(triples)
        return {
            t
            for t in self.closure(given) - given
            if not (t[1] == RDF_TYPE and (t[2] in IGNORED_NT or t[2].startswith("_:")))
        }
