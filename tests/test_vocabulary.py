"""Every sk: term used anywhere (kb, shapes, policies, reasoner code) is declared in the ontology."""

import re
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from safetykg.reasoner.resources import kb_dir, ontology_dir, shapes_dir
from safetykg.reasoner.vocab import SK

ROOT = Path(__file__).parents[1]
DECLARATIONS = {
    OWL.Class,
    OWL.ObjectProperty,
    OWL.DatatypeProperty,
    OWL.AnnotationProperty,
    RDFS.Class,
    RDF.Property,
    OWL.TransitiveProperty,
    OWL.FunctionalProperty,
    OWL.NamedIndividual,
}


def declared() -> set[URIRef]:
    g = Graph()
    for f in ontology_dir().glob("*.ttl"):
        g.parse(f, format="turtle")
    return {
        s
        for s, t in g.subject_objects(RDF.type)
        if t in DECLARATIONS and str(s).startswith(str(SK))
    }


def used_in_turtle() -> dict[URIRef, str]:
    used = {}
    for root in (kb_dir(), shapes_dir()):
        for f in root.rglob("*.ttl"):
            g = Graph().parse(f, format="turtle")
            for t in g:
                for term in (t[1], t[2]) if t[1] == RDF.type else t:
                    if isinstance(term, URIRef) and str(term).startswith(str(SK)):
                        used.setdefault(term, f.name)
    return used


def used_in_code() -> dict[URIRef, str]:
    used = {}
    for f in (ROOT / "reasoner").glob("*.py"):
        for name in re.findall(r"\bSK\.([A-Za-z0-9_]+)", f.read_text(encoding="utf-8")):
            used.setdefault(SK[name], f.name)
        for name in re.findall(r"\bsk:([A-Za-z][A-Za-z0-9_]*)", f.read_text(encoding="utf-8")):
            used.setdefault(SK[name], f.name)
    for f in (ROOT / "kb" / "policy").glob("*.ttl"):
        for name in re.findall(r"\bsk:([A-Za-z][A-Za-z0-9_]*)", f.read_text(encoding="utf-8")):
            used.setdefault(SK[name], f.name)
    return used


def test_every_used_term_is_declared():
    known = declared()
    undeclared = {
        term: where
        for term, where in {**used_in_turtle(), **used_in_code()}.items()
        if term not in known
    }
    assert not undeclared, "\n".join(f"{t} (used in {w})" for t, w in sorted(undeclared.items()))
