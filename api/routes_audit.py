"""The audit log, for administrators."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from safetykg.reasoner.tokens import Principal

from .auth import require
from .problems import Problem
from .state import Services, services

router = APIRouter(tags=["service"])


@router.get("/audit", summary="Writes, newest first: who, when, what changed (administrators)")
def audit(
    svc: Annotated[Services, Depends(services)],
    _: Annotated[Principal, Depends(require("audit.read"))],
    actor: Annotated[str | None, Query(max_length=200)] = None,
    action: Annotated[str | None, Query(max_length=100)] = None,
    target: Annotated[str | None, Query(max_length=200)] = None,
    since: Annotated[str | None, Query(description="ISO 8601 time", max_length=40)] = None,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
) -> dict[str, Any]:
    if since is not None and not since[:4].isdigit():
        raise Problem(400, "Invalid parameter", f"since: {since!r} is not an ISO 8601 time")
    return {"entries": svc.audit.entries(actor, action, target, since, page), "page": page}
