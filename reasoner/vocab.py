"""Namespaces and fixed IRIs shared by every part of SafetyKG (see docs/architecture.md)."""

from functools import lru_cache

from rdflib import Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SH, SKOS, XSD


class Vocabulary(Namespace):
    """A namespace whose terms are built once: rdflib's builds and validates a new URIRef at
    every ``SK.name`` or ``REGION[code]``, which the derivation of every assessed enterprise
    asks for dozens of times (~2 % of a bulk assessment's workers). ``SK.name`` is kept as an
    attribute (2.2 → 0.1 µs), ``SK[name]`` in a cache (0.4 µs)."""

    def __getattr__(self, name: str) -> URIRef:
        term = super().__getattr__(name)  # dunder names are refused there
        self.__dict__[name] = term
        return term

    @lru_cache(maxsize=16384)  # noqa: B019 (the namespaces live as long as the process)
    def term(self, name: str) -> URIRef:
        return super().term(name)


SK = Vocabulary("https://w3id.org/safetykg/def#")
SKC = Vocabulary("https://w3id.org/safetykg/concept/")
KB = Vocabulary("https://w3id.org/safetykg/kb/")
REGION = Vocabulary("https://w3id.org/safetykg/region/")
SHP = Vocabulary("https://w3id.org/safetykg/shapes/")
ENT = Namespace("https://w3id.org/safetykg/id/enterprise/")
GEO = Namespace("http://www.w3.org/2003/01/geo/wgs84_pos#")

GRAPH_ONTOLOGY = URIRef("https://w3id.org/safetykg/graph/ontology")
GRAPH_KB = URIRef("https://w3id.org/safetykg/graph/kb")
GRAPH_KB_INFERRED = URIRef("https://w3id.org/safetykg/graph/kb-inferred")
GRAPH_SHAPES = URIRef("https://w3id.org/safetykg/graph/shapes")
SOFTWARE = URIRef("https://w3id.org/safetykg/software")

PREFIXES = {
    "sk": SK,
    "skc": SKC,
    "kb": KB,
    "region": REGION,
    "shp": SHP,
    "ent": ENT,
    "geo": GEO,
    "rdf": RDF,
    "rdfs": RDFS,
    "owl": OWL,
    "xsd": XSD,
    "skos": SKOS,
    "dcterms": DCTERMS,
    "prov": PROV,
    "sh": SH,
}


@lru_cache(maxsize=4096)
def enterprise_iri(credit_code: str) -> URIRef:
    """Cached: a check or a bulk chunk asks for the IRI of one enterprise many times, and
    building a URIRef validates the IRI."""
    return ENT[credit_code]


def inferred_graph_iri(credit_code: str) -> URIRef:
    return URIRef(f"{enterprise_iri(credit_code)}/inferred")


def source_graph_iri(credit_code: str) -> URIRef:
    """The graph holding the enterprise's submitted document (``sk:sourceDocument``)."""
    return URIRef(f"{enterprise_iri(credit_code)}/source")


def bind_prefixes(graph) -> None:
    for prefix, ns in PREFIXES.items():
        graph.bind(prefix, ns, override=True)
