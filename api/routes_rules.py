"""Rule management: list and read rules, put new versions (linted and tested first), preview
their effect on the stored enterprises, switch them on and off, history and rollback."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from safetykg.reasoner.rule_preview import preview
from safetykg.reasoner.rule_store import RuleRefused, UnknownRule
from safetykg.reasoner.tokens import Principal

from .auth import require
from .problems import Problem, accepts, read_body
from .state import Services, services

router = APIRouter(prefix="/rules", tags=["rules"])
RuleId = Annotated[str, Path(description="Rule id (sk:ruleId), e.g. MEM10-11-3")]
MAX_RULE_BYTES = 256 * 1024
TURTLE = ("text/turtle", "application/x-turtle")


class Expectation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rule: str = Field(max_length=64)
    kind: Literal["violation", "data_gap"] = "violation"
    focus: str | None = Field(None, max_length=300)
    missing: str | None = Field(None, max_length=300)


class Fixture(BaseModel):
    """A profile and the results the rule's file must give for it (reasoner/rule_tests.py)."""

    model_config = ConfigDict(extra="forbid")

    description: str = Field("", max_length=2000)
    profile: dict[str, Any]
    expect: list[Expectation] = Field(max_length=100)


class RuleVersion(BaseModel):
    """A rule's Turtle with its fixtures; without ``fixtures`` the previous version's are kept."""

    model_config = ConfigDict(extra="forbid")

    turtle: str
    fixtures: dict[str, Fixture] | None = None


@contextmanager
def _rule_errors() -> Iterator[None]:
    try:
        yield
    except UnknownRule as exc:
        raise Problem(404, "Not found", f"no rule {exc.args[0]!r}") from None
    except RuleRefused as exc:
        raise Problem(
            422,
            "Rule refused",
            f"{exc.rule_id}: {exc}; the rules in force are unchanged",
            exc.problems,
        ) from None


@router.get("", summary="Every rule: clause, severity, confidence, enabled, pack, version")
def list_rules(
    svc: Annotated[Services, Depends(services)],
    _: Annotated[Principal, Depends(require("read"))],
) -> dict[str, Any]:
    refused = svc.rules.engine.rule_base.refused
    return {
        "rules": svc.rules.entries(),
        "refused_packs": {k: [str(p) for p in v] for k, v in refused.items()},
    }


@router.get(
    "/{rule_id}",
    summary="One rule: its metadata, the Turtle of its shapes and its fixtures",
    description="With `Accept: text/turtle`, the Turtle alone.",
    responses={200: {"content": {"application/json": {}, "text/turtle": {}}}},
)
def get_rule(
    request: Request,
    rule_id: RuleId,
    svc: Annotated[Services, Depends(services)],
    _: Annotated[Principal, Depends(require("read"))],
) -> Response:
    with _rule_errors():
        described = svc.rules.describe(rule_id)
    if accepts(request)[:1] and accepts(request)[0] in TURTLE:
        return Response(described["turtle"], media_type="text/turtle")
    return Response(json.dumps(described, ensure_ascii=False), media_type="application/json")


def _version(body: bytes, media: str) -> RuleVersion:
    if media in TURTLE:
        try:
            return RuleVersion(turtle=body.decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise Problem(400, "Unreadable request body", f"Turtle is not UTF-8: {exc}") from None
    if media != "application/json":
        raise Problem(
            415, "Unsupported media type", f"Content-Type {media!r}: use text/turtle or JSON"
        )
    try:
        return RuleVersion.model_validate(json.loads(body))
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
        raise Problem(400, "Unreadable request body", f"not JSON: {exc}") from None
    except ValidationError as exc:
        errors = [
            {"path": ".".join(str(x) for x in e["loc"]), "message": e["msg"]} for e in exc.errors()
        ]
        detail = "; ".join(f"{e['path'] or '(body)'}: {e['message']}" for e in errors[:5])
        raise Problem(422, "Invalid rule document", detail, errors) from None


@router.put(
    "/{rule_id}",
    summary="A new version of a rule, accepted only when it lints clean and its fixtures pass",
    description="Body: the rule's Turtle (`text/turtle`; the fixtures of the previous version are "
    'kept) or JSON `{"turtle": …, "fixtures": {name: {description, profile, expect}}}`. '
    "A new rule starts disabled; a new version of an enabled rule is in force at once. "
    "A refused rule (422, naming file, line and rule) leaves the rules in force unchanged.",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "text/turtle": {"schema": {"type": "string"}},
                "application/json": {"schema": RuleVersion.model_json_schema()},
            },
        }
    },
)
async def put_rule(
    request: Request,
    rule_id: RuleId,
    svc: Annotated[Services, Depends(services)],
    who: Annotated[Principal, Depends(require("rule.write"))],
) -> dict[str, Any]:
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    version = _version(
        await read_body(request, min(MAX_RULE_BYTES, svc.config.max_body_bytes)), media
    )
    fixtures = (
        None
        if version.fixtures is None
        else {k: f.model_dump(exclude_none=True) for k, f in version.fixtures.items()}
    )
    with _rule_errors():
        result = await run_in_threadpool(svc.rules.put, who, rule_id, version.turtle, fixtures)
    svc.use_engine(svc.rules.engine)
    return result


@router.post(
    "/{rule_id}/preview",
    summary="Which stored enterprises would newly fail or pass if the rule's latest version were "
    "enabled, against their stored reports",
)
def preview_rule(
    rule_id: RuleId,
    svc: Annotated[Services, Depends(services)],
    _: Annotated[Principal, Depends(require("rule.write"))],
) -> dict[str, Any]:
    with _rule_errors(), svc.rules.preview_engine(rule_id) as engine:
        return preview(svc.repository, engine, rule_id)


def _switch(enabled: bool) -> Callable[..., dict[str, Any]]:
    """The handler of ``/enable`` (``enabled``) or ``/disable``."""

    def handler(
        rule_id: RuleId,
        svc: Annotated[Services, Depends(services)],
        who: Annotated[Principal, Depends(require("rule.write"))],
    ) -> dict[str, Any]:
        with _rule_errors():
            result = svc.rules.set_enabled(who, rule_id, enabled)
        svc.use_engine(svc.rules.engine)
        return result

    return handler


for _action, _enabled, _summary in (
    ("enable", True, "Put the rule in force for later checks and writes"),
    ("disable", False, "Take the rule out of force (it stays listed)"),
):
    router.add_api_route(
        f"/{{rule_id}}/{_action}", _switch(_enabled), methods=["POST"], summary=_summary,
        name=f"{_action}_rule",
    )  # fmt: skip


@router.get("/{rule_id}/history", summary="The rule's versions and changes: who, when, what")
def rule_history(
    rule_id: RuleId,
    svc: Annotated[Services, Depends(services)],
    _: Annotated[Principal, Depends(require("read"))],
) -> dict[str, Any]:
    with _rule_errors():
        return svc.rules.history(rule_id)


@router.post(
    "/{rule_id}/rollback",
    summary="Restore an earlier version: a new version with its Turtle and fixtures, tested again",
)
def rollback_rule(
    rule_id: RuleId,
    svc: Annotated[Services, Depends(services)],
    who: Annotated[Principal, Depends(require("rule.write"))],
    version: Annotated[int, Query(ge=1, le=1_000_000, description="The version to restore")],
) -> dict[str, Any]:
    with _rule_errors():
        result = svc.rules.rollback(who, rule_id, version)
    svc.use_engine(svc.rules.engine)
    return result
