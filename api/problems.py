"""RFC 9457 problem documents for every error, and the request-reading helpers that raise them.

No stack trace leaves the process: unexpected errors are logged and answered with a plain 500.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from safetykg.reasoner.ingest import InputError
from safetykg.reasoner.inputs import MEDIA_TYPES, Document
from safetykg.reasoner.service import Checker, DocumentProblem

log = logging.getLogger("safetykg.api")
PROBLEM = "application/problem+json"


class Problem(Exception):
    def __init__(
        self,
        status: int,
        title: str,
        detail: str,
        errors: list[dict] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status, self.title, self.detail, self.errors = status, title, detail, errors or []
        self.headers = headers or {}


def problem_response(
    status: int,
    title: str,
    detail: str,
    errors: list[dict] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def input_problem(
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


def install_handlers(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def _problem(_: Request, exc: Problem) -> JSONResponse:
        return problem_response(exc.status, exc.title, exc.detail, exc.errors, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {
                "path": ".".join(str(x) for x in e.get("loc", ()) if x != "body"),
                "message": e.get("msg", ""),
            }
            for e in exc.errors()
        ]
        detail = "; ".join(f"{e['path']}: {e['message']}" for e in errors)
        return problem_response(422, "Invalid request", detail, errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return problem_response(exc.status_code, str(exc.detail), str(exc.detail))

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error")
        return problem_response(
            500, "Internal error", "the server could not complete the request; it has been logged"
        )


def accepts(request: Request) -> list[str]:
    """The media types of the Accept header, best first."""
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


def body_format(request: Request) -> str:
    media = request.headers.get("content-type", "application/json").split(";")[0].strip().lower()
    if media not in MEDIA_TYPES:
        known = ", ".join(sorted(MEDIA_TYPES))
        raise Problem(
            415,
            "Unsupported media type",
            f"Content-Type {media!r} is not accepted; use one of {known}",
        )
    return MEDIA_TYPES[media]


async def read_body(request: Request, limit: int) -> bytes:
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


def parse_date(value: str | None, param: str = "as_of") -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise Problem(
            400, "Invalid parameter", f"{param}: {value!r} is not a date of the form YYYY-MM-DD"
        ) from None


async def read_documents(
    request: Request, checker: Checker, limit: int
) -> tuple[list[Document], bytes]:
    """The enterprise documents in the request body, by its Content-Type, and the raw body."""
    fmt = body_format(request)
    body = await read_body(request, limit)
    try:
        return checker.read_bytes(body, fmt), body
    except InputError as exc:
        raise input_problem(exc, 400, "Unreadable request body") from None
