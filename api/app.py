"""The HTTP API: a thin FastAPI layer over ``safetykg.reasoner``.

Errors are RFC 9457 problem documents (``application/problem+json``) naming what is wrong and
where; no stack trace leaves the process.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from importlib.resources import files
from typing import Annotated, Any

from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from safetykg import __version__
from safetykg.reasoner.ingest import InputError
from safetykg.reasoner.inputs import MAX_DOCUMENT_BYTES, MEDIA_TYPES
from safetykg.reasoner.risk import PolicyError
from safetykg.reasoner.service import Checker, DocumentProblem
from safetykg.reasoner.store import QueryError, Store

from .sparql_page import SPARQL_PAGE

log = logging.getLogger("safetykg.api")
PROBLEM = "application/problem+json"
MAX_QUERY_BYTES = 100_000


class Problem(Exception):
    def __init__(
        self, status: int, title: str, detail: str, errors: list[dict] | None = None
    ) -> None:
        super().__init__(detail)
        self.status, self.title, self.detail, self.errors = status, title, detail, errors or []


def problem_response(
    status: int, title: str, detail: str, errors: list[dict] | None = None
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=PROBLEM)


def _input_problem(
    exc: InputError | DocumentProblem, status: int = 422, title: str = "Invalid enterprise document"
) -> Problem:
    errors = exc.errors if isinstance(exc, DocumentProblem) else [exc]
    items = [
        {"source": e.source, "path": p.path, "message": p.message}
        for e in errors
        for p in e.problems
    ]
    detail = "; ".join(f"{i['path'] or '(document)'}: {i['message']}" for i in items[:5])
    return Problem(status, title, detail, items)


def _accepts(request: Request) -> list[str]:
    header = request.headers.get("accept", "")
    ranked = []
    for i, part in enumerate(header.split(",")):
        media, _, params = part.strip().partition(";")
        q = 1.0
        for p in params.split(";"):
            k, _, v = p.strip().partition("=")
            if k == "q":
                try:
                    q = float(v)
                except ValueError:
                    q = 0.0
        if media:
            ranked.append((-q, i, media.strip().lower()))
    return [m for _, _, m in sorted(ranked)]


def _body_format(request: Request) -> str:
    media = request.headers.get("content-type", "application/json").split(";")[0].strip().lower()
    if media not in MEDIA_TYPES:
        known = ", ".join(sorted(MEDIA_TYPES))
        raise Problem(
            415,
            "Unsupported media type",
            f"Content-Type {media!r} is not accepted; use one of {known}",
        )
    return MEDIA_TYPES[media]


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise Problem(
            413,
            "Request body too large",
            f"body of {declared} bytes exceeds the limit of {limit} bytes",
        )
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise Problem(413, "Request body too large", f"body exceeds the limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _as_of(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise Problem(
            400, "Invalid parameter", f"as_of: {value!r} is not a date of the form YYYY-MM-DD"
        ) from None


def load_demo(checker: Checker, store: Store) -> int:
    data = files("safetykg").joinpath("demo/enterprises.json").read_text(encoding="utf-8")
    profiles = json.loads(data)
    for profile in profiles:
        result = checker.check(profile)
        store.put_enterprise(
            profile["credit_code"], result.assessment.asserted, result.assessment.inferred
        )
    return len(profiles)


def create_app(
    load_demo_data: bool = True,
    max_body_bytes: int = MAX_DOCUMENT_BYTES,
    checker: Checker | None = None,
) -> FastAPI:
    checker = checker or Checker.default()
    store = Store(checker.engine.kb, checker.engine.instance_rules)
    if load_demo_data:
        load_demo(checker, store)

    app = FastAPI(
        title="SafetyKG",
        version=__version__,
        description="Compliance checks, risk grading and SPARQL over the work-safety knowledge graph.",
    )
    app.state.checker, app.state.store = checker, store

    @app.exception_handler(Problem)
    async def _problem(_: Request, exc: Problem) -> JSONResponse:
        return problem_response(exc.status, exc.title, exc.detail, exc.errors)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {
                "path": ".".join(str(x) for x in e.get("loc", ()) if x != "body"),
                "message": e.get("msg", ""),
            }
            for e in exc.errors()
        ]
        return problem_response(
            422,
            "Invalid request",
            "; ".join(f"{e['path']}: {e['message']}" for e in errors),
            errors,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return problem_response(exc.status_code, str(exc.detail), str(exc.detail))

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error")
        return problem_response(
            500, "Internal error", "the server could not complete the request; it has been logged"
        )

    @app.get("/health", summary="Liveness and what is loaded")
    def health() -> dict[str, Any]:
        return {
            "status": "ok",
            "version": __version__,
            "enterprises": len(store.enterprise_codes()),
            "rules": len(checker.engine.rules.rules),
            "policies": sorted(checker.engine.policies),
        }

    @app.post(
        "/check",
        summary="Check enterprise documents; nothing is stored",
        description="Body: one profile (JSON), a JSON array of profiles, JSON-LD, or Turtle in the "
        "ontology's terms. Returns the check report (docs/check-report.md); with `Accept: text/turtle`, "
        "the SHACL validation report and inferred facts as RDF.",
        responses={200: {"content": {"application/json": {}, "text/turtle": {}}}},
    )
    async def check(
        request: Request,
        as_of: Annotated[
            str | None, Query(description="Assess as of this date (YYYY-MM-DD)")
        ] = None,
        policy: Annotated[str | None, Query(description="Policy profile name")] = None,
    ) -> Response:
        day = _as_of(as_of)
        fmt = _body_format(request)
        body = await _read_body(request, max_body_bytes)
        try:
            docs = checker.read_bytes(body, fmt)
        except InputError as exc:
            raise _input_problem(exc, 400, "Unreadable request body") from None
        try:
            results = await run_in_threadpool(checker.check_documents, docs, day, policy)
        except (InputError, DocumentProblem) as exc:
            raise _input_problem(exc) from None
        except PolicyError as exc:
            raise Problem(400, "Unknown policy", str(exc)) from None
        accept = _accepts(request)
        turtle_first = accept and accept[0] in ("text/turtle", "application/x-turtle")
        if turtle_first:
            return Response(checker.turtle(results), media_type="text/turtle")
        payload = [r.report for r in results]
        single = len(payload) == 1 and not body.lstrip().startswith(b"[")
        return JSONResponse(payload[0] if single else payload)

    async def _sparql(
        request: Request, query: str | None, default_graphs: list[str], named_graphs: list[str]
    ) -> Response:
        if not query:
            raise Problem(
                400,
                "Missing query",
                "give the SPARQL query as the 'query' parameter or the request body",
            )
        if len(query.encode()) > MAX_QUERY_BYTES:
            raise Problem(413, "Query too large", f"queries are limited to {MAX_QUERY_BYTES} bytes")
        try:
            out = await run_in_threadpool(
                store.query, query, _accepts(request), default_graphs, named_graphs
            )
        except QueryError as exc:
            raise Problem(400, "Malformed or unsupported query", str(exc)) from None
        return Response(out.body, media_type=out.media_type)

    @app.get("/sparql", summary="SPARQL 1.1 query (read-only)", response_model=None)
    async def sparql_get(
        request: Request,
        query: Annotated[str | None, Query()] = None,
        default_graph_uri: Annotated[list[str], Query(alias="default-graph-uri")] = [],  # noqa: B006
        named_graph_uri: Annotated[list[str], Query(alias="named-graph-uri")] = [],  # noqa: B006
    ) -> Response:
        if query is None and "text/html" in request.headers.get("accept", ""):
            return Response(SPARQL_PAGE, media_type="text/html")
        return await _sparql(request, query, default_graph_uri, named_graph_uri)

    @app.post(
        "/sparql", summary="SPARQL 1.1 query (read-only), form-encoded or application/sparql-query"
    )
    async def sparql_post(request: Request) -> Response:
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        body = await _read_body(request, MAX_QUERY_BYTES)
        defaults = request.query_params.getlist("default-graph-uri")
        named = request.query_params.getlist("named-graph-uri")
        if media == "application/sparql-query":
            query = body.decode("utf-8", errors="replace")
        elif media == "application/x-www-form-urlencoded":
            from urllib.parse import parse_qs

            form = parse_qs(body.decode("utf-8", errors="replace"))
            if "update" in form:
                raise Problem(
                    403,
                    "Updates not allowed",
                    "this endpoint is read-only; SPARQL Update is not accepted",
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
        return await _sparql(request, query, defaults, named)

    return app
