"""Region summaries from the stored enterprises' reports, kept current per change."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query

from safetykg.reasoner.tokens import Principal

from .auth import require
from .problems import Problem, parse_date
from .state import Services, services

router = APIRouter(prefix="/regions", tags=["regions"])


@router.get(
    "/{code}/summary",
    summary="Accidents and deaths per year rolled up, campaign progress, accident-prone counties",
    description="Over the stored enterprises of the region (province, city or county, GB/T "
    "2260), from the reports made when they were stored. `as_of` defaults to the latest as-of "
    "date of the stored reports.",
)
def get_summary(
    code: Annotated[str, Path(description="GB/T 2260 region code")],
    svc: Annotated[Services, Depends(services)],
    _: Annotated[Principal, Depends(require("read"))],
    as_of: Annotated[str | None, Query(description="Summarise as of YYYY-MM-DD")] = None,
) -> dict[str, Any]:
    if code not in svc.checker.engine.kb.regions:
        raise Problem(404, "Not found", f"region code {code!r} is not a GB/T 2260 region")
    summary = svc.province.summary(code, parse_date(as_of))
    summary["is_accident_prone"] = code in {p["code"] for p in summary["accident_prone"]}
    return summary
