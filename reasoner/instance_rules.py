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

import owlrl
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS

Triple = tuple
IGNORED_TYPES = {OWL.Thing, RDFS.Resource, OWL.NamedIndividual}


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


class InstanceRules:
    """TBox tables compiled from a closed ontology, and the fixpoint over instance triples."""

    def __init__(self, tbox: Graph) -> None:
        self.superclasses: dict[URIRef, set] = defaultdict(set)
        for c, d in tbox.subject_objects(RDFS.subClassOf):
            if c != d and d not in IGNORED_TYPES:
                self.superclasses[c].add(d)
        self.superproperties: dict[URIRef, set] = defaultdict(set)
        for p, q in tbox.subject_objects(RDFS.subPropertyOf):
            if p != q:
                self.superproperties[p].add(q)
        self.inverse: dict[URIRef, set] = defaultdict(set)
        for p, q in tbox.subject_objects(OWL.inverseOf):
            self.inverse[p].add(q)
            self.inverse[q].add(p)
        self.domain: dict[URIRef, set] = defaultdict(set)
        for p, c in tbox.subject_objects(RDFS.domain):
            if c not in IGNORED_TYPES:
                self.domain[p].add(c)
        self.range: dict[URIRef, set] = defaultdict(set)
        for p, c in tbox.subject_objects(RDFS.range):
            if c not in IGNORED_TYPES and (c, RDF.type, RDFS.Datatype) not in tbox:
                self.range[p].add(c)
        self.transitive = set(tbox.subjects(RDF.type, OWL.TransitiveProperty))
        self.has_value: dict[tuple, set] = defaultdict(set)  # (p, v) -> restriction classes
        self.value_of: dict[URIRef, list] = defaultdict(list)  # restriction -> [(p, v)]
        self.some_values: dict[URIRef, list] = defaultdict(list)  # p -> [(filler, restriction)]
        for r in tbox.subjects(RDF.type, OWL.Restriction):
            p = tbox.value(r, OWL.onProperty)
            v = tbox.value(r, OWL.hasValue)
            if p is not None and v is not None:
                self.has_value[(p, v)].add(r)
                self.value_of[r].append((p, v))
            filler = tbox.value(r, OWL.someValuesFrom)
            if p is not None and filler is not None:
                self.some_values[p].append((filler, r))
        self.intersections: list[tuple[URIRef, tuple]] = []
        for c, head in tbox.subject_objects(OWL.intersectionOf):
            self.intersections.append((c, tuple(Collection(tbox, head))))

    def closure(self, triples: Iterable[Triple]) -> set[Triple]:
        """Every triple OWL RL entails from ``triples`` under the compiled TBox (input included)."""
        facts: set[Triple] = set(triples)
        agenda = list(facts)
        types: dict = defaultdict(set)
        out_edges: dict = defaultdict(set)
        successors: dict = defaultdict(set)  # (p, s) -> {o} for transitive p
        predecessors: dict = defaultdict(set)  # (p, o) -> {s}
        for s, p, o in facts:
            if p == RDF.type:
                types[s].add(o)

        def add(t: Triple) -> None:
            if t not in facts:
                facts.add(t)
                agenda.append(t)

        while True:
            while agenda:
                s, p, o = agenda.pop()
                if p == RDF.type:
                    types[s].add(o)
                    for sup in self.superclasses.get(o, ()):
                        add((s, RDF.type, sup))
                    for q, v in self.value_of.get(o, ()):
                        add((s, q, v))
                    continue
                out_edges[s].add((p, o))
                for q in self.superproperties.get(p, ()):
                    add((s, q, o))
                if not isinstance(o, Literal):
                    for q in self.inverse.get(p, ()):
                        add((o, q, s))
                    for c in self.range.get(p, ()):
                        add((o, RDF.type, c))
                for c in self.domain.get(p, ()):
                    add((s, RDF.type, c))
                for r in self.has_value.get((p, o), ()):
                    add((s, RDF.type, r))
                if p in self.transitive:
                    successors[(p, s)].add(o)
                    predecessors[(p, o)].add(s)
                    for before in list(predecessors[(p, s)]):
                        add((before, p, o))
                    for after in list(successors[(p, o)]):
                        add((s, p, after))
            # rules that join several facts: svf and intersections, then re-run the agenda
            for s, edges in list(out_edges.items()):
                for p, o in list(edges):
                    for filler, r in self.some_values.get(p, ()):
                        if filler == OWL.Thing or filler in types.get(o, ()):
                            add((s, RDF.type, r))
            for c, parts in self.intersections:
                for s, ts in list(types.items()):
                    if c not in ts and all(part in ts for part in parts):
                        add((s, RDF.type, c))
            if not agenda:
                return facts

    def inferred(self, triples: Iterable[Triple]) -> set[Triple]:
        """Only the new triples, without types that say nothing (owl:Thing) or blank restrictions."""
        given = set(triples)
        return {
            t
            for t in self.closure(given) - given
            if not (t[1] == RDF.type and (t[2] in IGNORED_TYPES or isinstance(t[2], BNode)))
        }
