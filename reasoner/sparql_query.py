"""Running one read-only SPARQL query on an Oxigraph store and serialising its capped results.

Kept free of rdflib and the rest of the engine so that query worker processes start quickly.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

import pyoxigraph as ox

from .sparql_guard import refusal

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
class QueryJob:
    """A query and its dataset; without default graphs the default graph is the union of all."""

    sparql: str
    accept: Sequence[str] = ()
    default_graphs: Sequence[str] = ()
    named_graphs: Sequence[str] | None = None
    row_limit: int | None = None


@dataclass(frozen=True)
class QueryOutput:
    body: bytes
    media_type: str
    truncated: bool = field(default=False)


def run_query(store: ox.Store, job: QueryJob) -> QueryOutput:
    """Run ``job`` and serialise at most ``job.row_limit`` solutions or triples.

    ``job.accept`` lists acceptable media types, best first; the first one that fits the kind
    of result (solutions or triples) is used, else SPARQL JSON or Turtle.
    """
    refused = refusal(job.sparql)
    if refused:
        raise QueryError(refused)
    defaults = [ox.NamedNode(u) for u in job.default_graphs]
    named = None if job.named_graphs is None else [ox.NamedNode(u) for u in job.named_graphs]
    try:
        results = store.query(
            job.sparql,
            use_default_graph_as_union=not defaults,
            default_graph=defaults or None,
            named_graphs=named,
        )
        return _serialise(results, job)
    except SyntaxError as exc:
        raise QueryError(f"SPARQL syntax error: {exc}") from None
    except (ValueError, OSError) as exc:
        raise QueryError(str(exc)) from None


def _serialise(results: Any, job: QueryJob) -> QueryOutput:
    table = GRAPH_FORMATS if isinstance(results, ox.QueryTriples) else RESULT_FORMATS
    by_media = {media: fmt for fmt, media in table.values()}
    chosen = next((m for m in job.accept if m in by_media), None)
    fmt, chosen = (by_media[chosen], chosen) if chosen else next(iter(table.values()))
    if isinstance(results, ox.QueryBoolean):
        if fmt in (ox.QueryResultsFormat.CSV, ox.QueryResultsFormat.TSV):
            fmt, chosen = RESULT_FORMATS["json"]
        return QueryOutput(results.serialize(format=fmt), chosen)
    limit = job.row_limit
    items = list(islice(results, None if limit is None else limit + 1))
    truncated = limit is not None and len(items) > limit
    items = items[:limit] if truncated else items
    if isinstance(results, ox.QueryTriples):
        return QueryOutput(ox.serialize(items, format=fmt), chosen, truncated)
    variables = [v.value for v in results.variables]
    document = {
        "head": {"vars": variables},
        "results": {
            "bindings": [
                {v: _term_json(s[v]) for v in variables if s[v] is not None} for s in items
            ]
        },
    }
    capped = ox.parse_query_results(json.dumps(document), format=ox.QueryResultsFormat.JSON)
    return QueryOutput(capped.serialize(format=fmt), chosen, truncated)


def _term_json(term: Any) -> dict[str, Any]:
    """A term as a SPARQL 1.1 JSON results binding."""
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out: dict[str, Any] = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            out["datatype"] = term.datatype.value
        return out
    return {
        "type": "triple",
        "value": {k: _term_json(getattr(term, k)) for k in ("subject", "predicate", "object")},
    }
