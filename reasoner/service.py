"""The operations that the CLI and the HTTP API both offer, over one shared engine."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rdflib import Graph

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

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.reporter = Reporter(engine)

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
        self.engine.policy(policy)
        errors = self._validation_errors(documents)
        if errors:
            raise DocumentProblem(errors)
        return [self.check(doc.profile, as_of, policy) for doc in documents]

    def check(
        self, profile: dict[str, Any], as_of: dt.date | None = None, policy: str | None = None
    ) -> CheckResult:
        assessment = self.engine.assess(profile, as_of=as_of, policy=policy)
        return CheckResult(assessment, self.reporter.to_json(assessment))

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
