"""The operations that the CLI and the HTTP API both offer, over one shared engine."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rdflib import Graph

from .check_batcher import BatchSettings, CheckBatcher
from .check_process import CheckProcess
from .engine import Assessment, Engine
from .ingest import InputError
from .inputs import Document, parse_bytes, read_path
from .report import Reporter
from .vocab import bind_prefixes


class DocumentProblem(ValueError):
    """Several input documents were rejected; nothing was checked or stored."""

    def __init__(self, errors: Sequence[InputError]) -> None:
        self.errors = list(errors)
        super().__init__("; ".join(str(e) for e in self.errors))


@dataclass
class CheckResult:
    assessment: Assessment
    report: dict[str, Any]


class Checker:
    """Reads, validates, assesses and reports; one instance per process is enough."""

    _default: Checker | None = None
    _lock = threading.Lock()

    def __init__(
        self, engine: Engine, batching: BatchSettings | None = None, check_process: bool = False
    ) -> None:
        """``batching``: how ``submit_documents`` groups concurrent checks
        (reasoner/check_batcher.py); ``check_process``: check those batches in a second
        process (reasoner/check_process.py)."""
        self.engine = engine
        self.reporter = Reporter(engine)
        self.process = CheckProcess(engine) if check_process else None
        self.batcher: CheckBatcher[dict[str, Any]] = CheckBatcher(self.reports, batching)

    @classmethod
    def default(cls, extra_rule_dirs: Iterable[Path] = ()) -> Checker:
        extra = list(extra_rule_dirs)
        if extra:
            return cls(Engine(extra_rule_dirs=extra))
        with cls._lock:
            if cls._default is None:
                cls._default = cls(Engine())
            return cls._default

    def read_files(self, paths: Iterable[Path]) -> list[Document]:
        """Read and validate every file, reporting all problems of all files at once."""
        docs, errors = [], []
        for path in paths:
            try:
                docs.extend(read_path(path, self.engine.mapper))
            except InputError as exc:
                errors.append(exc)
        errors += self._validation_errors(docs)
        if errors:
            raise DocumentProblem(errors)
        return docs

    def _validation_errors(self, documents: Sequence[Document]) -> list[InputError]:
        errors = []
        for doc in documents:
            problems = self.engine.validator.problems(doc.profile)
            if problems:
                errors.append(InputError(problems, doc.source))
        return errors

    def read_bytes(self, data: bytes, fmt: str, source: str = "request body") -> list[Document]:
        return parse_bytes(data, fmt, self.engine.mapper, source)

    def check_documents(
        self, documents: Sequence[Document], as_of: dt.date | None = None, policy: str | None = None
    ) -> list[CheckResult]:
        """Validate every document first; assess only when all are acceptable."""
        self._accept(documents, policy)
        return self.check_many([doc.profile for doc in documents], as_of, policy)

    def submit_documents(
        self, documents: Sequence[Document], as_of: dt.date | None = None, policy: str | None = None
    ) -> Future[list[dict[str, Any]]]:
        """The check reports of the documents, for concurrent callers: the documents are
        validated here (an unknown policy or a bad document raises at once, and never joins a
        batch), then checked in a batch with whatever other checks are waiting."""
        self._accept(documents, policy)
        return self.batcher.submit([doc.profile for doc in documents], as_of, policy)

    def _accept(self, documents: Sequence[Document], policy: str | None) -> None:
        self.engine.policy(policy)
        errors = self._validation_errors(documents)
        if errors:
            raise DocumentProblem(errors)

    def check_many(
        self, profiles: Sequence[dict[str, Any]], as_of: dt.date | None, policy: str | None
    ) -> list[CheckResult]:
        """The results of profiles validated by ``_accept``, assessed together
        (``Engine.assess_many``, which need not validate them again)."""
        assessed = self.engine.assess_many(profiles, as_of, policy, checked=True)
        return [CheckResult(a, self.reporter.to_json(a)) for a in assessed]

    def reports(
        self, profiles: Sequence[dict[str, Any]], as_of: dt.date | None, policy: str | None
    ) -> list[dict[str, Any]]:
        """The check reports of validated profiles: from the check process when it can give
        them, else from this one."""
        if self.process is not None:
            answered = self.process.reports(profiles, as_of, policy)
            if answered is not None:
                return answered
        return [r.report for r in self.check_many(profiles, as_of, policy)]

    def close(self) -> None:
        """End the check process, if any (checks still work, in this process)."""
        if self.process is not None:
            self.process.close()

    def check(
        self, profile: dict[str, Any], as_of: dt.date | None = None, policy: str | None = None
    ) -> CheckResult:
        """One profile, validated (``InputError``) and checked."""
        return self.check_many([self.engine.parse_profile(profile)], as_of, policy)[0]

    def text(self, result: CheckResult, lang: str = "zh") -> str:
        return self.reporter.to_text(result.assessment, lang)

    def graph(self, results: Iterable[CheckResult]) -> Graph:
        g = Graph()
        bind_prefixes(g)
        for r in results:
            g += self.reporter.to_graph(r.assessment)
        return g

    def turtle(self, results: Iterable[CheckResult]) -> str:
        return self.graph(results).serialize(format="turtle")
