"""Conversion of RDF terms between Oxigraph (store, fast parsing) and rdflib (SHACL, SPARQL rules)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import XSD


def to_rdflib(term):
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    datatype = URIRef(term.datatype.value)
    # Oxigraph types plain literals xsd:string; rdflib parses them untyped. Keep rdflib's form so
    # that data and shapes parsed by rdflib compare equal (see docs: mixed-parser trap).
    return Literal(term.value) if datatype == XSD.string else Literal(term.value, datatype=datatype)


def triples_to_rdflib(quads: Iterable) -> Iterator[tuple]:
    for q in quads:
        yield (to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object))
