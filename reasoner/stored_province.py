"""The stored enterprises as the province-wide modules (regions, clusters, plan) see them.

Assessing an enterprise costs about 0.15 s, so nothing here re-assesses: the store holds what
``AssessedEnterprise`` needs, the profile and the report made when it was stored. They are read
into a ``ProvinceIndex`` (region counters, clusters) once, with one scan of the stored reports;
after that, each call first asks the store's change log which enterprises were written since the
index was current and reads, re-counts and re-clusters those only. A write the log cannot name
(a SPARQL Update, or more writes than it keeps) makes the next call read everything again.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator
from typing import Any

from .engine import Engine
from .province import AssessedEnterprise
from .province_index import ProvinceIndex
from .repository import EnterpriseRepository


def frequency_classes(engine: Engine) -> frozenset[str]:
    """The classes the policies' frequency rules apply to: the only classes of an enterprise
    that the province-wide modules look at (``planning_risk``)."""
    return frozenset(c for policy in engine.policies.values() for c in policy.frequency_classes)


def from_stored(
    engine: Engine, profile: dict[str, Any], report: dict[str, Any], types: frozenset[str]
) -> AssessedEnterprise:
    """What ``AssessedEnterprise.from_result`` gives, from a stored profile and report."""
    region = engine.kb.regions.get(profile.get("region") or "")
    policy = engine.policy(report["risk"]["policy"])
    return AssessedEnterprise.from_report(region, profile, report, policy, types)


class StoredProvince:
    """The stored enterprises in a ``ProvinceIndex`` kept current with the store."""

    def __init__(self, repository: EnterpriseRepository) -> None:
        self.repository = repository
        self._lock = threading.Lock()
        self._generation = -1
        self._index = ProvinceIndex(repository.checker.engine.kb)

    def enterprises(self) -> list[AssessedEnterprise]:
        with self._lock:
            return self._current().enterprises()

    def summary(self, code: str, as_of: dt.date | None = None) -> dict[str, Any]:
        """``region_summary`` of the stored enterprises; KeyError for an unknown region."""
        with self._lock:
            return self._current().summary(code, as_of)

    def clusters(self) -> list[dict[str, Any]]:
        """The domino clusters of the stored enterprises, as ``find_clusters`` numbers them."""
        with self._lock:
            return [c.to_json() for c in self._current().clusters()]

    def _current(self) -> ProvinceIndex:
        """The index brought up to date with the store (the lock held)."""
        store = self.repository.store
        if self._generation == store.generation:
            return self._index
        latest, codes = store.changes.since(self._generation)
        if codes is None:
            latest = store.generation
            self._index = ProvinceIndex(self.repository.checker.engine.kb)
            self._index.put_all(self._read_all())
        else:
            for code in sorted(codes):
                e = self._read(code)
                if e is None:
                    self._index.remove(code)
                else:
                    self._index.put(e)
        self._generation = latest
        return self._index

    def _read_all(self) -> Iterator[AssessedEnterprise]:
        """Every stored enterprise, from scans of the reports and submitted documents and a
        query per class of ``frequency_classes`` (look-ups per enterprise open RocksDB
        iterators, ~1 ms each in a store of 100,000)."""
        store = self.repository.store
        documents = dict(store.source_documents())
        types = store.enterprises_of(frequency_classes(self.repository.checker.engine))
        for text in store.check_reports():
            report = json.loads(text)
            code = report["enterprise"]
            document = documents.pop(code, None)
            profile = self.repository.profile(code) if document is None else json.loads(document)
            if profile is not None:
                yield self._assessed(report, profile, types.get(code, frozenset()))

    def _read(self, credit_code: str) -> AssessedEnterprise | None:
        report = self.repository.report(credit_code)
        profile = self.repository.profile(credit_code) if report is not None else None
        if report is None or profile is None:
            return None
        return self._assessed(report, profile, self.repository.store.types_of(credit_code))

    def _assessed(
        self, report: dict[str, Any], profile: dict[str, Any], types: frozenset[str]
    ) -> AssessedEnterprise:
        return from_stored(self.repository.checker.engine, profile, report, types)
