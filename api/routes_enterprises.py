"""Enterprise records: submit a profile (stored and re-assessed), read its report, list, delete."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from safetykg.reasoner.checklist import checklist
from safetykg.reasoner.codes import credit_code_problem
from safetykg.reasoner.explain import explain
from safetykg.reasoner.ingest import InputError
from safetykg.reasoner.repository import MAX_PAGE_SIZE, FilterError
from safetykg.reasoner.risk import PolicyError
from safetykg.reasoner.tokens import Principal

from .auth import require, require_own
from .problems import Problem, input_problem, parse_date, read_documents
from .state import Services, services

router = APIRouter(prefix="/enterprises", tags=["enterprises"])
CreditCode = Annotated[str, Path(description="Unified social credit code (GB 32100-2015)")]


def checked_code(credit_code: str) -> str:
    problem = credit_code_problem(credit_code)
    if problem:
        raise Problem(
            400, "Invalid credit code", f"credit_code in the address {credit_code!r}: {problem}"
        )
    return credit_code


def stored(svc: Services, who: Principal, credit_code: str) -> str:
    """The credit code, once the caller may see it and it is stored."""
    checked_code(credit_code)
    require_own(who, credit_code)
    if not svc.store.has_enterprise(credit_code):
        raise Problem(404, "Not found", f"no enterprise {credit_code} is stored")
    return credit_code


@router.put(
    "/{credit_code}",
    summary="Submit an enterprise profile: validated, stored, re-assessed; returns its report",
    description="Body: one profile as JSON, JSON-LD or Turtle; its credit_code must be the one "
    "in the address. The previous data of the enterprise is replaced in one transaction.",
)
async def put_enterprise(
    request: Request,
    credit_code: CreditCode,
    svc: Annotated[Services, Depends(services)],
    who: Annotated[Principal, Depends(require("enterprise.write"))],
    as_of: Annotated[str | None, Query(description="Assess as of this date (YYYY-MM-DD)")] = None,
    policy: Annotated[str | None, Query(description="Policy profile name")] = None,
) -> dict[str, Any]:
    checked_code(credit_code)
    require_own(who, credit_code)
    day = parse_date(as_of)
    docs, _ = await read_documents(request, svc.checker, svc.config.max_body_bytes)
    if len(docs) != 1:
        raise Problem(422, "One enterprise per request", f"the body holds {len(docs)} profiles")
    try:
        return await run_in_threadpool(
            svc.repository.put, who, credit_code, docs[0].profile, day, policy
        )
    except InputError as exc:
        raise input_problem(exc) from None
    except PolicyError as exc:
        raise Problem(400, "Unknown policy", str(exc)) from None


@router.get("/{credit_code}", summary="The report made when the enterprise was last stored")
def get_enterprise(
    credit_code: CreditCode,
    svc: Annotated[Services, Depends(services)],
    who: Annotated[Principal, Depends(require("enterprise.read"))],
) -> dict[str, Any]:
    report = svc.repository.report(stored(svc, who, credit_code))
    if report is None:
        raise Problem(404, "Not found", f"enterprise {credit_code} has no stored report")
    return report


@router.delete("/{credit_code}", status_code=204, summary="Remove an enterprise and its facts")
def delete_enterprise(
    credit_code: CreditCode,
    svc: Annotated[Services, Depends(services)],
    who: Annotated[Principal, Depends(require("enterprise.delete"))],
) -> Response:
    svc.repository.delete(who, stored(svc, who, credit_code))
    return Response(status_code=204)


@router.get("", summary="Stored enterprises, filtered and paged, ordered by credit code")
def list_enterprises(
    svc: Annotated[Services, Depends(services)],
    _: Annotated[Principal, Depends(require("read"))],
    region: Annotated[
        str | None, Query(description="GB/T 2260 code of the region or any enclosing region")
    ] = None,
    level: Annotated[str | None, Query(description="red, orange, yellow or blue")] = None,
    inspection_class: Annotated[
        str | None, Query(alias="class", description="key or general")
    ] = None,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
) -> dict[str, Any]:
    try:
        result = svc.repository.list(region, level, inspection_class, page, size)
    except FilterError as exc:
        raise Problem(400, "Invalid parameter", str(exc)) from None
    return {"items": result.items, "page": result.page, "size": result.size, "total": result.total}


def _stored_profile(svc: Services, who: Principal, credit_code: str) -> dict[str, Any]:
    profile = svc.repository.profile(stored(svc, who, credit_code))
    if profile is None:
        raise Problem(404, "Not found", f"enterprise {credit_code} has no stored profile")
    return profile


@router.get(
    "/{credit_code}/explanation",
    summary="Why the enterprise has its risk level and inspection class, down to its facts",
)
def get_explanation(
    credit_code: CreditCode,
    svc: Annotated[Services, Depends(services)],
    who: Annotated[Principal, Depends(require("enterprise.read"))],
) -> dict[str, Any]:
    profile = _stored_profile(svc, who, credit_code)
    report = svc.repository.report(credit_code) or {}
    day = parse_date(report.get("as_of"))
    policy = (report.get("risk") or {}).get("policy")
    result = svc.checker.check(profile, day, policy)
    return explain(result.assessment, svc.checker.engine.context.key_of).to_json()


@router.get(
    "/{credit_code}/checklist",
    summary="The rules that apply to the enterprise (一企一清单), with the state its data shows",
)
def get_checklist(
    credit_code: CreditCode,
    svc: Annotated[Services, Depends(services)],
    who: Annotated[Principal, Depends(require("enterprise.read"))],
    lang: Annotated[Literal["zh", "en"], Query(description="Language of the hints")] = "zh",
) -> dict[str, Any]:
    profile = _stored_profile(svc, who, credit_code)
    items = checklist(svc.checker.engine, profile, lang)
    return {"enterprise": credit_code, "items": [asdict(i) for i in items]}
