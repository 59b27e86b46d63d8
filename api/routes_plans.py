"""Annual inspection plans over the stored enterprises, kept under the data directory."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from safetykg.reasoner.plan import PlanError, make_plan
from safetykg.reasoner.province import AssessedEnterprise
from safetykg.reasoner.risk import PolicyError
from safetykg.reasoner.tokens import Principal

from .auth import require
from .problems import Problem, read_body
from .state import Services, services

router = APIRouter(prefix="/plans", tags=["plans"])


class PlanRequest(BaseModel):
    """The options of ``safetykg plan``."""

    model_config = ConfigDict(extra="forbid")

    region: str = Field(max_length=12, description="GB/T 2260 code of the region to plan for")
    year: int = Field(ge=2000, le=2100)
    inspectors: int = Field(ge=1, le=100_000)
    days: float | None = Field(
        None, ge=0, le=10_000_000, description="Inspection person-days (replaces the formula)"
    )
    policy: str | None = Field(None, max_length=100, description="Policy profile name")
    seed: int = Field(0, ge=0, le=2**63 - 1, description="Seed of the 双随机 draw")
    as_of: dt.date | None = Field(None, description="Plan as of this date (default: latest report)")


def _request(body: bytes) -> PlanRequest:
    try:
        return PlanRequest.model_validate(json.loads(body or b"null"))
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
        raise Problem(400, "Unreadable request body", f"not JSON: {exc}") from None
    except ValidationError as exc:
        errors = [
            {"path": ".".join(str(x) for x in e["loc"]), "message": e["msg"]} for e in exc.errors()
        ]
        detail = "; ".join(f"{e['path'] or '(body)'}: {e['message']}" for e in errors)
        raise Problem(422, "Invalid plan request", detail, errors) from None


def _enterprises(svc: Services, req: PlanRequest) -> list[AssessedEnterprise]:
    """The stored enterprises; those of the region re-assessed when another policy is asked."""
    stored = svc.province.enterprises()
    if req.policy is None:
        return stored
    svc.checker.engine.policy(req.policy)
    out = []
    for e in stored:
        if e.in_region(req.region) and e.policy.name != req.policy:
            profile = svc.repository.profile(e.credit_code)
            if profile is not None:
                e = AssessedEnterprise.from_result(svc.checker.check(profile, e.as_of, req.policy))
        out.append(e)
    return out


def _plan(svc: Services, who: Principal, req: PlanRequest) -> dict[str, Any]:
    kb = svc.checker.engine.kb
    enterprises = _enterprises(svc, req)
    if not any(e.in_region(req.region) for e in enterprises):
        raise PlanError(f"no stored enterprise lies in region {req.region}")
    plan = make_plan(
        kb, enterprises, req.region, req.year, req.inspectors, req.seed, req.days,
        req.as_of,
    )  # fmt: skip
    payload = plan.to_json()
    detail = {"region": req.region, "year": req.year, "seed": req.seed, "id": payload["id"]}
    entry = svc.audit.start(who, "plan.create", payload["id"], detail)
    try:
        svc.plans.save(payload)
    except BaseException:
        svc.audit.finish(entry, "failed")
        raise
    svc.audit.finish(entry, "ok")
    return payload


@router.post(
    "",
    status_code=201,
    summary="Make the annual inspection plan of a region from its stored enterprises, and keep it",
    description="Body: JSON with the options of `safetykg plan`. The plan id is a hash of the "
    "inputs: the same inputs and seed give the same plan and id.",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": PlanRequest.model_json_schema()}},
        }
    },
)
async def post_plan(
    request: Request,
    svc: Annotated[Services, Depends(services)],
    who: Annotated[Principal, Depends(require("plan.write"))],
) -> JSONResponse:
    req = _request(await read_body(request, svc.config.max_body_bytes))
    if req.region not in svc.checker.engine.kb.regions:
        raise Problem(422, "Invalid plan request", f"region: {req.region!r} is not a region code")
    try:
        payload = await run_in_threadpool(_plan, svc, who, req)
    except PlanError as exc:
        raise Problem(422, "Plan cannot be made", str(exc)) from None
    except PolicyError as exc:
        raise Problem(400, "Unknown policy", str(exc)) from None
    return JSONResponse(payload, status_code=201, headers={"Location": f"/plans/{payload['id']}"})


@router.get("/{plan_id}", summary="A stored plan")
def get_plan(
    plan_id: Annotated[str, Path(description="The plan id (16 hex digits)")],
    svc: Annotated[Services, Depends(services)],
    _: Annotated[Principal, Depends(require("plan.read"))],
) -> dict[str, Any]:
    plan = svc.plans.get(plan_id)
    if plan is None:
        raise Problem(404, "Not found", f"no plan {plan_id!r} is stored")
    return plan
