"""The embedded RDF store (Oxigraph): reference graphs, and per enterprise an asserted and an
inferred named graph. Queries are read-only here; results are serialised for SPARQL 1.1
content negotiation.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import Graph

from .instance_rules import InstanceRules
from .kb import KnowledgeBase
from .resources import shapes_dir, turtle_files
from .terms import triples_to_rdflib
from .vocab import GRAPH_KB, GRAPH_KB_INFERRED, GRAPH_SHAPES, enterprise_iri, inferred_graph_iri

RESULT_FORMATS = {
    "json": (ox.QueryResultsFormat.JSON, "application/sparql-results+json"),
    "xml": (ox.QueryResultsFormat.XML, "application/sparql-results+xml"),
    "csv": (ox.QueryResultsFormat.CSV, "text/csv"),
    "tsv": (ox.QueryResultsFormat.TSV, "text/tab-separated-values"),
}
GRAPH_FORMATS = {
    "turtle": (ox.RdfFormat.TURTLE, "text/turtle"),
    "ntriples": (ox.RdfFormat.N_TRIPLES, "application/n-triples"),
    "jsonld": (ox.RdfFormat.JSON_LD, "application/ld+json"),
    "rdfxml": (ox.RdfFormat.RDF_XML, "application/rdf+xml"),
}


class QueryError(ValueError):
    """A SPARQL query that cannot be run: syntax error, an update, an unknown graph."""


@dataclass(frozen=True)
class QueryOutput:
    body: bytes
    media_type: str


class Store:
    """An Oxigraph store holding the reference graphs and enterprise graphs."""

    def __init__(self, kb: KnowledgeBase, rules: InstanceRules, path: str | None = None) -> None:
        self.oxigraph = ox.Store(path) if path else ox.Store()
        self._write_lock = threading.Lock()
        self.oxigraph.extend(kb.store.quads_for_pattern(None, None, None, None))
        for f in turtle_files(shapes_dir()):
            self.oxigraph.bulk_load(
                path=str(f), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(GRAPH_SHAPES)
            )
        self._load_kb_closure(kb, rules)

    def _load_kb_closure(self, kb: KnowledgeBase, rules: InstanceRules) -> None:
        """The reference data closed under the ontology (region chains, types), kept apart."""
        quads = kb.store.quads_for_pattern(None, None, None, ox.NamedNode(GRAPH_KB))
        inferred = Graph()
        for t in rules.inferred(triples_to_rdflib(quads)):
            inferred.add(t)
        name = f"<{GRAPH_KB_INFERRED}>"
        self.oxigraph.update(f"INSERT DATA {{ GRAPH {name} {{ {inferred.serialize(format='nt')} }} }}")

    def put_enterprise(self, credit_code: str, asserted: Graph, inferred: Graph) -> None:
        """Replace one enterprise's asserted and inferred graphs in one atomic update."""
        graphs = (
            (f"<{enterprise_iri(credit_code)}>", asserted),
            (f"<{inferred_graph_iri(credit_code)}>", inferred),
        )
        drops = " ".join(f"DROP SILENT GRAPH {name} ;" for name, _ in graphs)
        inserts = " ".join(
            f"GRAPH {name} {{ {graph.serialize(format='nt')} }}" for name, graph in graphs
        )
        with self._write_lock:
            self.oxigraph.update(f"{drops} INSERT DATA {{ {inserts} }}")

    def enterprise_codes(self) -> list[str]:
        prefix = str(enterprise_iri(""))
        return sorted(
            g.value[len(prefix) :]
            for g in self.oxigraph.named_graphs()
            if isinstance(g, ox.NamedNode)
            and g.value.startswith(prefix)
            and not g.value.endswith("/inferred")
        )

    def query(
        self,
        sparql: str,
        accept: Sequence[str] = (),
        default_graph_uris: Iterable[str] = (),
        named_graph_uris: Iterable[str] = (),
    ) -> QueryOutput:
        """Run a read-only query. Without a dataset, the default graph is the union of all graphs.

        ``accept`` lists acceptable media types, best first; the first one that fits the kind
        of result (solutions or triples) is used, else SPARQL JSON or Turtle.
        """
        defaults = [ox.NamedNode(u) for u in default_graph_uris]
        named = [ox.NamedNode(u) for u in named_graph_uris]
        try:
            results = self.oxigraph.query(
                sparql,
                use_default_graph_as_union=not defaults,
                default_graph=defaults or None,
                named_graphs=named or None,
            )
        except SyntaxError as exc:
            raise QueryError(f"SPARQL syntax error: {exc}") from None
        except (ValueError, OSError) as exc:
            raise QueryError(str(exc)) from None
        table = GRAPH_FORMATS if isinstance(results, ox.QueryTriples) else RESULT_FORMATS
        by_media = {media: fmt for fmt, media in table.values()}
        chosen = next((m for m in accept if m in by_media), None)
        if chosen is None:
            fmt, chosen = next(iter(table.values()))
        else:
            fmt = by_media[chosen]
        if isinstance(results, ox.QueryBoolean) and fmt in (
            ox.QueryResultsFormat.CSV,
            ox.QueryResultsFormat.TSV,
        ):
            fmt, chosen = RESULT_FORMATS["json"]
        return QueryOutput(results.serialize(format=fmt), chosen)
