"""``/health`` and the stateless ``POST /check``."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from safetykg import __version__
from safetykg.reasoner.ingest import InputError
from safetykg.reasoner.risk import PolicyError
from safetykg.reasoner.service import DocumentProblem
from safetykg.reasoner.tokens import Principal

from .auth import require
from .problems import Problem, accepts, input_problem, parse_date, read_documents
from .state import Services, services

router = APIRouter()
# Up to this many documents are validated on the event loop (~0.1 ms each): handing them to the
# thread pool cost the service's process more than that (~0.4 ms of a check's ~2.3 ms, measured
# with bench/check_concurrency.py), and under the GIL the pool checks nothing in parallel.
INLINE_DOCUMENTS = 10


@router.get("/health", summary="Liveness and what is loaded", tags=["service"])
def health(svc: Annotated[Services, Depends(services)]) -> dict[str, Any]:
    return {
        "status": "ok",
        "version": __version__,
        "persistent": svc.config.data_dir is not None,
        "enterprises": svc.store.enterprise_count(),
        "rules": len(svc.checker.engine.rules.rules),
        "policies": sorted(svc.checker.engine.policies),
        "check_process": (
            svc.checker.process.describe() if svc.checker.process else {"state": "off"}
        ),
    }


@router.post(
    "/check",
    summary="Check enterprise documents; nothing is stored",
    description="Body: one profile (JSON), a JSON array of profiles, JSON-LD, or Turtle in the "
    "ontology's terms. Returns the check report (docs/check-report.md); with `Accept: text/turtle`, "
    "the SHACL validation report and inferred facts as RDF.",
    responses={200: {"content": {"application/json": {}, "text/turtle": {}}}},
    tags=["check"],
)
async def check(
    request: Request,
    svc: Annotated[Services, Depends(services)],
    _: Annotated[Principal, Depends(require("check"))],
    as_of: Annotated[str | None, Query(description="Assess as of this date (YYYY-MM-DD)")] = None,
    policy: Annotated[str | None, Query(description="Policy profile name")] = None,
) -> Response:
    day = parse_date(as_of)
    docs, body = await read_documents(request, svc.checker, svc.config.max_body_bytes)
    accept = accepts(request)
    checker = svc.checker
    try:
        if accept and accept[0] in ("text/turtle", "application/x-turtle"):
            results = await run_in_threadpool(checker.check_documents, docs, day, policy)
            return Response(checker.turtle(results), media_type="text/turtle")
        if len(docs) <= INLINE_DOCUMENTS:
            submitted = checker.submit_documents(docs, day, policy)
        else:
            submitted = await run_in_threadpool(checker.submit_documents, docs, day, policy)
        payload = await asyncio.wrap_future(submitted)
    except (InputError, DocumentProblem) as exc:
        raise input_problem(exc) from None
    except PolicyError as exc:
        raise Problem(400, "Unknown policy", str(exc)) from None
    single = len(payload) == 1 and not body.lstrip().startswith(b"[")
    return JSONResponse(payload[0] if single else payload)
