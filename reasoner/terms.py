"""Conversion of RDF terms between Oxigraph (store, fast parsing) and rdflib (SHACL, SPARQL rules)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import RDF, XSD


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


XSD_STRING = str(XSD.string)


def nt_iri(iri: str) -> str:
    """An IRI in N-Triples form: the term representation of the fast path (reasoner/batch.py),
    where a triple is three such strings and a graph is their lines."""
    return f"<{iri}>"


RDF_TYPE = nt_iri(RDF.type)


def nt_literal(lexical: str, datatype: str | None = None, lang: str | None = None) -> str:
    if "\\" in lexical or '"' in lexical or "\n" in lexical or "\r" in lexical:
        # chained replace: ten times faster than str.translate on JSON documents
        lexical = (
            lexical.replace("\\", "\\\\")
            .replace('"', '\\"')
            .replace("\n", "\\n")
            .replace("\r", "\\r")
        )
    quoted = f'"{lexical}"'
    if lang:
        return f"{quoted}@{lang}"
    if datatype and datatype != XSD_STRING:
        return f"{quoted}^^<{datatype}>"
    return quoted


def nt(term) -> str:
    """An rdflib term in N-Triples form."""
    if isinstance(term, URIRef):
        return "".join(("<", term, ">"))  # an f-string formats the subclass in Python: 2x slower
    if isinstance(term, BNode):
        return f"_:{term}"
    return nt_literal(str(term), term.datatype, term.language)


def nt_triple(triple: tuple) -> tuple[str, str, str]:
    return (nt(triple[0]), nt(triple[1]), nt(triple[2]))


def nt_lines(triples: Iterable[tuple[str, str, str]]) -> str:
    return "".join(f"{s} {p} {o} .\n" for s, p, o in triples)


def nq_lines(triples: Iterable[tuple[str, str, str]], graph: str) -> str:
    """N-Quads text of ``triples`` in the graph named ``graph`` (an IRI)."""
    g = f"<{graph}>"
    return "".join(f"{s} {p} {o} {g} .\n" for s, p, o in triples)


def iri_value(term: str) -> str:
    """The IRI of an N-Triples IRI term."""
    return term[1:-1]
