"""Who may do what: bearer tokens, roles and the permission table every route declares.

Roles: ``viewer`` reads; ``enterprise`` submits and reads only its own credit code;
``inspector`` also writes enterprises and plans; ``policy`` manages rules; ``admin`` does all,
including SPARQL Update and reading the audit log.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from safetykg.reasoner.tokens import Principal

from .problems import Problem
from .state import Services, services

ANONYMOUS = Principal("anonymous", "viewer")

PERMISSIONS: dict[str, frozenset[str]] = {
    "read": frozenset({"viewer", "inspector", "policy", "admin"}),
    "check": frozenset({"viewer", "enterprise", "inspector", "policy", "admin"}),
    "sparql.query": frozenset({"viewer", "enterprise", "inspector", "policy", "admin"}),
    "enterprise.read": frozenset({"viewer", "enterprise", "inspector", "policy", "admin"}),
    "enterprise.write": frozenset({"enterprise", "inspector", "admin"}),
    "enterprise.delete": frozenset({"inspector", "admin"}),
    "plan.read": frozenset({"inspector", "admin"}),
    "plan.write": frozenset({"inspector", "admin"}),
    "rule.write": frozenset({"policy", "admin"}),
    "sparql.update": frozenset({"admin"}),
    "audit.read": frozenset({"admin"}),
}

_bearer = HTTPBearer(auto_error=False, description="An API token: `safetykg token create`")


async def principal(
    request: Request,
    svc: Services = Depends(services),  # noqa: B008
    credentials: HTTPAuthorizationCredentials | None = Depends(_bearer),  # noqa: B008
) -> Principal:
    """The caller; anonymous callers are viewers only when reads are public. A coroutine (see
    ``services``); only a token's look-up, which reads the token database, goes to the thread
    pool."""
    if credentials is None:
        if request.headers.get("authorization"):
            raise _unauthorised("the Authorization header must read 'Bearer <token>'")
        if svc.config.reads_are_public:
            return ANONYMOUS
        raise _unauthorised("this service needs an API token (Authorization: Bearer <token>)")
    who = await run_in_threadpool(svc.tokens.authenticate, credentials.credentials)
    if who is None:
        raise _unauthorised("the API token is unknown or revoked")
    return who


def _unauthorised(detail: str) -> Problem:
    return Problem(401, "Unauthorised", detail, headers={"WWW-Authenticate": "Bearer"})


def allowed(who: Principal, permission: str) -> bool:
    return who.role in PERMISSIONS[permission]


def require(permission: str) -> Callable[..., Awaitable[Principal]]:
    """A dependency that lets a request through only with ``permission``."""

    async def check(who: Principal = Depends(principal)) -> Principal:  # noqa: B008
        if not allowed(who, permission):
            if who is ANONYMOUS:
                raise _unauthorised(f"{permission} needs an API token with a role that allows it")
            raise Problem(403, "Forbidden", f"the role {who.role!r} may not {permission}")
        return who

    return check


def require_own(who: Principal, credit_code: str) -> None:
    """An enterprise token reaches only its own credit code."""
    if who.role == "enterprise" and who.credit_code != credit_code:
        raise Problem(
            403, "Forbidden", f"this enterprise token is for {who.credit_code}, not {credit_code}"
        )
