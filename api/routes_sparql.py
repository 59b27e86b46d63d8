"""The SPARQL 1.1 Protocol endpoint (read-only, run by the worker pool with a time limit and a
row cap), its service description and query page, and SPARQL Update for administrators.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF
from starlette.concurrency import run_in_threadpool

from safetykg.reasoner.query_pool import QueryBusy, QueryTimeout
from safetykg.reasoner.sparql_query import GRAPH_FORMATS, RESULT_FORMATS, QueryError, QueryJob
from safetykg.reasoner.tokens import Principal
from safetykg.reasoner.vocab import (
    GRAPH_KB,
    GRAPH_KB_INFERRED,
    GRAPH_ONTOLOGY,
    GRAPH_SHAPES,
    enterprise_iri,
    inferred_graph_iri,
)

from .auth import require
from .problems import Problem, accepts, read_body
from .sparql_page import SPARQL_PAGE
from .state import Services, services

router = APIRouter(tags=["sparql"])
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")
RDF_MEDIA = {"text/turtle", "application/n-triples", "application/ld+json", "application/rdf+xml"}
REFERENCE_GRAPHS = tuple(
    str(g) for g in (GRAPH_ONTOLOGY, GRAPH_KB, GRAPH_KB_INFERRED, GRAPH_SHAPES)
)
TRUNCATED = "SafetyKG-Results-Truncated"


def service_description(endpoint: str) -> Graph:
    """A SPARQL 1.1 Service Description of this endpoint."""
    g = Graph()
    g.bind("sd", SD)
    service = URIRef(endpoint)
    g.add((service, RDF.type, SD.Service))
    g.add((service, SD.endpoint, service))
    g.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    g.add((service, SD.feature, SD.UnionDefaultGraph))
    for name in ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV",
                 "SPARQL_Results_TSV", "Turtle", "N-Triples", "JSON-LD", "RDF_XML"):  # fmt: skip
        g.add((service, SD.resultFormat, FORMATS[name]))
    dataset = BNode()
    g.add((service, SD.defaultDataset, dataset))
    g.add((dataset, RDF.type, SD.Dataset))
    default = BNode()
    g.add((dataset, SD.defaultGraph, default))
    g.add((default, RDF.type, SD.Graph))
    for name in REFERENCE_GRAPHS:
        named = BNode()
        g.add((dataset, SD.namedGraph, named))
        g.add((named, SD.name, URIRef(name)))
    g.add((service, URIRef("http://purl.org/dc/terms/description"), Literal(
        "Read-only SPARQL 1.1 endpoint of SafetyKG; the default graph is the union of all graphs. "
        "SPARQL Update: POST /sparql/update (administrators).", lang="en")))  # fmt: skip
    return g


def _dataset(
    who: Principal, default_graphs: list[str], named_graphs: list[str]
) -> tuple[list[str], list[str] | None]:
    """The graphs a query may see: an enterprise token sees its own and the reference graphs."""
    if who.role != "enterprise":
        return default_graphs, named_graphs or None
    code = who.credit_code or ""
    allowed = [*REFERENCE_GRAPHS, str(enterprise_iri(code)), str(inferred_graph_iri(code))]
    outside = [g for g in default_graphs + named_graphs if g not in allowed]
    if outside:
        raise Problem(403, "Forbidden", f"an enterprise token may not query graph {outside[0]}")
    return default_graphs or allowed, named_graphs or allowed


async def _answer(
    request: Request,
    svc: Services,
    who: Principal,
    query: str | None,
    default_graphs: list[str],
    named_graphs: list[str],
) -> Response:
    if not query:
        raise Problem(
            400,
            "Missing query",
            "give the SPARQL query as the 'query' parameter or the request body",
        )
    limit = svc.config.max_query_bytes
    if len(query.encode()) > limit:
        raise Problem(413, "Query too large", f"queries are limited to {limit} bytes")
    defaults, named = _dataset(who, default_graphs, named_graphs)
    job = QueryJob(query, tuple(accepts(request)), tuple(defaults), named, svc.config.row_limit)
    try:
        out = await run_in_threadpool(svc.pool.run, job)
    except QueryTimeout as exc:
        raise Problem(503, "Query time limit exceeded", str(exc)) from None
    except QueryBusy as exc:
        raise Problem(503, "Query workers busy", str(exc), headers={"Retry-After": "5"}) from None
    except QueryError as exc:
        raise Problem(400, "Malformed or unsupported query", str(exc)) from None
    headers = {TRUNCATED: str(svc.config.row_limit)} if out.truncated else {}
    return Response(out.body, media_type=out.media_type, headers=headers)


RESULT_MEDIA = {m: {} for _, m in (*RESULT_FORMATS.values(), *GRAPH_FORMATS.values())}


@router.get(
    "/sparql",
    summary="SPARQL 1.1 query (read-only); without a query: the query page or service description",
    response_model=None,
    responses={200: {"content": {"text/html": {}, **RESULT_MEDIA}}},
)
async def sparql_get(
    request: Request,
    svc: Annotated[Services, Depends(services)],
    who: Annotated[Principal, Depends(require("sparql.query"))],
    query: Annotated[str | None, Query()] = None,
    default_graph_uri: Annotated[list[str], Query(alias="default-graph-uri")] = [],  # noqa: B006
    named_graph_uri: Annotated[list[str], Query(alias="named-graph-uri")] = [],  # noqa: B006
) -> Response:
    if query is None:
        media = accepts(request)
        if "text/html" in media:
            return Response(SPARQL_PAGE, media_type="text/html")
        rdf = next((m for m in media if m in RDF_MEDIA), None)
        if rdf:
            fmt = {"text/turtle": "turtle", "application/n-triples": "nt",
                   "application/ld+json": "json-ld", "application/rdf+xml": "xml"}[rdf]  # fmt: skip
            description = service_description(str(request.url_for("sparql_get")))
            return Response(description.serialize(format=fmt), media_type=rdf)
    return await _answer(request, svc, who, query, default_graph_uri, named_graph_uri)


@router.post(
    "/sparql",
    summary="SPARQL 1.1 query (read-only), form-encoded or application/sparql-query",
    responses={200: {"content": RESULT_MEDIA}},
)
async def sparql_post(
    request: Request,
    svc: Annotated[Services, Depends(services)],
    who: Annotated[Principal, Depends(require("sparql.query"))],
) -> Response:
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body = await read_body(request, svc.config.max_query_bytes)
    defaults = request.query_params.getlist("default-graph-uri")
    named = request.query_params.getlist("named-graph-uri")
    if media == "application/sparql-query":
        query = _text(body)
    elif media == "application/x-www-form-urlencoded":
        form = parse_qs(_text(body))
        if "update" in form:
            raise Problem(
                403,
                "Updates not allowed",
                "this endpoint is read-only; administrators send SPARQL Update to /sparql/update",
            )
        query = (form.get("query") or [None])[0]
        defaults += form.get("default-graph-uri", [])
        named += form.get("named-graph-uri", [])
    else:
        raise Problem(
            415,
            "Unsupported media type",
            "POST a query as application/sparql-query or application/x-www-form-urlencoded",
        )
    return await _answer(request, svc, who, query, defaults, named)


@router.post(
    "/sparql/update",
    summary="SPARQL 1.1 Update (administrators); writes bypass validation and inference",
    status_code=204,
)
async def sparql_update(
    request: Request,
    svc: Annotated[Services, Depends(services)],
    who: Annotated[Principal, Depends(require("sparql.update"))],
) -> Response:
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body = await read_body(request, svc.config.max_body_bytes)
    if media == "application/sparql-update":
        update = _text(body)
    elif media == "application/x-www-form-urlencoded":
        update = (parse_qs(_text(body)).get("update") or [""])[0]
    else:
        raise Problem(
            415,
            "Unsupported media type",
            "POST an update as application/sparql-update or application/x-www-form-urlencoded",
        )
    if not update.strip():
        raise Problem(400, "Missing update", "give the SPARQL Update as the body or 'update'")
    entry = svc.audit.start(who, "sparql.update", "store", {"update": update[:2000]})
    try:
        await run_in_threadpool(svc.store.update, update)
    except QueryError as exc:
        svc.audit.finish(entry, "rejected")
        raise Problem(400, "Malformed update", str(exc)) from None
    svc.audit.finish(entry, "ok")
    return Response(status_code=204)


def _text(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Problem(400, "Unreadable request body", f"not UTF-8 at byte {exc.start}") from None
