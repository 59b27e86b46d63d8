"""The assessed enterprises of a province by credit code, with what is aggregated over them:
region counters (``RegionCounts``) and domino clusters (``ClusterIndex``).

``put`` and ``remove`` change one enterprise and, with it, only the counters of its regions and
the clusters it leaves and joins; reading a summary or the clusters then costs milliseconds
whatever the size of the province. Built from scratch or changed step by step, the index gives
the same summaries and clusters as ``region_summary`` and ``find_clusters`` over its enterprises.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from .cluster_index import ClusterIndex
from .clusters import Cluster, ClusterPolicy
from .kb import KnowledgeBase
from .province import AssessedEnterprise
from .regions import RegionCounts, summarise


class ProvinceIndex:
    def __init__(self, kb: KnowledgeBase, policy: ClusterPolicy | None = None) -> None:
        self.kb = kb
        self.counts = RegionCounts()
        self.cluster_index = ClusterIndex(policy or ClusterPolicy.from_kb(kb))
        self._enterprises: dict[str, AssessedEnterprise] = {}

    def __len__(self) -> int:
        return len(self._enterprises)

    def __contains__(self, credit_code: str) -> bool:
        return credit_code in self._enterprises

    def put(self, e: AssessedEnterprise) -> None:
        """Add ``e``, or replace the enterprise of the same credit code."""
        self._count(e)
        self.cluster_index.put(e)

    def _count(self, e: AssessedEnterprise) -> None:
        previous = self._enterprises.pop(e.credit_code, None)
        if previous is not None:
            self.counts.remove(previous)
        self._enterprises[e.credit_code] = e
        self.counts.add(e)

    def put_all(self, enterprises: Iterable[AssessedEnterprise]) -> None:
        """``put`` each, with the clusters they touch found once at the end."""
        enterprises = list(enterprises)
        for e in enterprises:
            self._count(e)
        self.cluster_index.put_all(enterprises)

    def remove(self, credit_code: str) -> None:
        e = self._enterprises.pop(credit_code, None)
        if e is not None:
            self.counts.remove(e)
            self.cluster_index.remove(credit_code)

    def enterprises(self) -> list[AssessedEnterprise]:
        """Every enterprise, in credit-code order."""
        return [self._enterprises[c] for c in sorted(self._enterprises)]

    def summary(self, code: str, as_of: dt.date | None = None) -> dict[str, Any]:
        """``region_summary`` of region ``code``; ``as_of`` defaults to the latest report's date,
        or today when there is none. Raises KeyError for an unknown region code."""
        day = as_of or self.counts.latest_as_of() or dt.date.today()
        return summarise(self.counts, self.kb, code, day)

    def clusters(self) -> list[Cluster]:
        return self.cluster_index.clusters()
