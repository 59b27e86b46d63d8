"""What the HTTP service holds while it runs, built once from its configuration."""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path

from fastapi import Request

from safetykg.reasoner.audit import AuditLog
from safetykg.reasoner.check_batcher import BatchSettings
from safetykg.reasoner.engine import Engine
from safetykg.reasoner.inputs import MAX_DOCUMENT_BYTES
from safetykg.reasoner.plan_store import PlanStore
from safetykg.reasoner.query_pool import QueryPool
from safetykg.reasoner.repository import EnterpriseRepository
from safetykg.reasoner.rule_store import RuleStore
from safetykg.reasoner.service import Checker
from safetykg.reasoner.store import Store
from safetykg.reasoner.stored_province import StoredProvince
from safetykg.reasoner.tokens import Principal, TokenStore

log = logging.getLogger("safetykg.api")
DEMO = Principal("demo loader", "admin")


@dataclass(frozen=True)
class ServiceConfig:
    """``data_dir`` None: the demo, on a throwaway directory removed at shutdown.

    ``public_read`` None means: open for reads in the demo, closed with a data directory.
    ``batching``: how concurrent ``POST /check`` requests are assessed together
    (reasoner/check_batcher.py); ``check_process``: whether they are assessed in a second
    process (reasoner/check_process.py; ``safetykg serve`` turns it on).
    """

    data_dir: Path | None = None
    load_demo: bool = True
    max_body_bytes: int = MAX_DOCUMENT_BYTES
    max_query_bytes: int = 100_000
    query_timeout: float = 10.0
    row_limit: int = 10_000
    query_workers: int = 2
    public_read: bool | None = None
    batching: BatchSettings = field(default_factory=BatchSettings)
    check_process: bool = False

    @property
    def reads_are_public(self) -> bool:
        return self.data_dir is None if self.public_read is None else self.public_read


@dataclass
class Services:
    config: ServiceConfig
    checker: Checker
    store: Store
    repository: EnterpriseRepository
    tokens: TokenStore
    audit: AuditLog
    pool: QueryPool
    data_dir: Path
    rules: RuleStore
    plans: PlanStore
    province: StoredProvince
    demo_token: str | None = None
    _throwaway: bool = field(default=False, repr=False)

    @classmethod
    def start(cls, config: ServiceConfig, checker: Checker | None = None) -> Services:
        checker = checker or Checker.default()
        throwaway = config.data_dir is None
        data_dir = Path(tempfile.mkdtemp(prefix="safetykg-demo-")) if throwaway else config.data_dir
        assert data_dir is not None
        audit, tokens = AuditLog(data_dir), TokenStore(data_dir)
        rules = RuleStore(data_dir, checker.engine, audit)
        checker = Checker(rules.engine, config.batching, config.check_process)
        store = Store(checker.engine.kb, checker.engine.instance_rules, data_dir / "store")
        if store.interrupted is not None:
            log.warning("%s", store.interrupted.describe())
        repository = EnterpriseRepository(checker, store, audit)
        if config.load_demo and not store.enterprise_count():
            text = files("safetykg").joinpath("demo/enterprises.json").read_text(encoding="utf-8")
            repository.load(DEMO, json.loads(text))
        demo_token = None
        if throwaway:
            _, demo_token = tokens.create("admin", "demo administrator")
        pool = QueryPool(store.snapshot, config.query_workers, config.query_timeout)
        return cls(
            config,
            checker,
            store,
            repository,
            tokens,
            audit,
            pool,
            data_dir,
            rules,
            PlanStore(data_dir),
            StoredProvince(repository),
            demo_token,
            throwaway,
        )

    def use_engine(self, engine: Engine) -> None:
        """After a rule change: later checks and stored enterprises use the new rules."""
        replaced = self.checker
        self.checker = Checker(engine, self.config.batching, self.config.check_process)
        self.repository.checker = self.checker
        replaced.close()

    def stop(self) -> None:
        self.checker.close()
        self.pool.close()
        self.store.close()
        if self._throwaway:
            shutil.rmtree(self.data_dir, ignore_errors=True)


async def services(request: Request) -> Services:
    """The route dependency. A coroutine: FastAPI runs a plain function dependency in its
    thread pool, and each such hand-off cost ~0.1 ms of a check's ~2.3 ms."""
    return request.app.state.services
