"""rdflib's SPARQL processor with parsed queries cached.

pySHACL (the reference validator, ``Engine.assess(..., with_pyshacl=True)``) evaluates a
SPARQL-based constraint by passing its query text to rdflib for every focus node, and rdflib
parses the text each time (10-20 ms each: most of a pySHACL check's cost). Parsing depends
only on the text, the base and the namespaces, so the translated query can be kept and reused,
which is what rdflib's own ``prepareQuery`` is for.
This processor is registered as rdflib's ``sparql`` plugin when the validator is loaded.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from rdflib import plugin
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.plugins.sparql.processor import SPARQLProcessor
from rdflib.plugins.sparql.sparql import Query
from rdflib.query import Processor


@lru_cache(maxsize=2048)
def _translated(text: str, base: str | None, namespaces: tuple) -> Query:
    return translateQuery(parseQuery(text), base, dict(namespaces) or None)


class CachingSPARQLProcessor(SPARQLProcessor):
    def query(
        self,
        strOrQuery: str | Query,
        initBindings: Mapping[str, Any] | None = None,
        initNs: Mapping[str, Any] | None = None,
        base: str | None = None,
        DEBUG: bool = False,
    ) -> Mapping[str, Any]:
        if isinstance(strOrQuery, str):
            strOrQuery = _translated(strOrQuery, base, tuple(sorted((initNs or {}).items())))
        return super().query(strOrQuery, initBindings, initNs, base, DEBUG)


def install() -> None:
    plugin.register("sparql", Processor, __name__, "CachingSPARQLProcessor")
