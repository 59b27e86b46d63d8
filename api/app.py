"""The HTTP API: a thin FastAPI layer over ``safetykg.reasoner``, one router per resource.

Errors are RFC 9457 problem documents (``application/problem+json``) naming what is wrong and
where; no stack trace leaves the process.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace

from fastapi import FastAPI

from safetykg import __version__
from safetykg.reasoner.inputs import MAX_DOCUMENT_BYTES
from safetykg.reasoner.service import Checker

from . import (
    routes_audit,
    routes_check,
    routes_enterprises,
    routes_plans,
    routes_regions,
    routes_rules,
    routes_sparql,
)
from .problems import install_handlers
from .state import ServiceConfig, Services


def create_app(
    load_demo_data: bool = True,
    max_body_bytes: int = MAX_DOCUMENT_BYTES,
    checker: Checker | None = None,
    config: ServiceConfig | None = None,
) -> FastAPI:
    """The application over a store in ``config.data_dir`` (or the throwaway demo)."""
    config = config or replace(
        ServiceConfig(), load_demo=load_demo_data, max_body_bytes=max_body_bytes
    )
    svc = Services.start(config, checker)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            svc.stop()

    app = FastAPI(
        title="SafetyKG",
        version=__version__,
        description="Compliance checks, risk grading, enterprise records and SPARQL over the "
        "work-safety knowledge graph. Send an API token as `Authorization: Bearer <token>`.",
        lifespan=lifespan,
    )
    app.state.services = svc
    install_handlers(app)
    for module in (
        routes_check,
        routes_sparql,
        routes_enterprises,
        routes_regions,
        routes_plans,
        routes_rules,
        routes_audit,
    ):
        app.include_router(module.router)
    return app
