"""Benchmark: a region summary over the stored demo province, read from the stored reports.

Imports the 300-enterprise demo province through the enterprise repository (assessed and stored
as ``PUT /enterprises`` does), then times the summary the service gives for ``GET
/regions/{code}/summary``: the first call after a write (every stored profile and report read
back), a call with nothing written since (cached), and, for comparison, re-assessing the
province as ``safetykg regions`` does. Run: python bench/region_summary.py [--enterprises 300]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from safetykg.reasoner.audit import AuditLog
from safetykg.reasoner.province import AssessedEnterprise, demo_province_path
from safetykg.reasoner.regions import region_summary
from safetykg.reasoner.repository import EnterpriseRepository
from safetykg.reasoner.service import Checker
from safetykg.reasoner.store import Store
from safetykg.reasoner.stored_province import StoredProvince
from safetykg.reasoner.tokens import Principal


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--enterprises", type=int, default=300)
    parser.add_argument("--region", default="330000")
    args = parser.parse_args()
    lines = demo_province_path().read_text(encoding="utf-8").splitlines()[: args.enterprises]
    profiles = [json.loads(line) for line in lines]
    checker = Checker.default()
    kb = checker.engine.kb
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(kb, checker.engine.instance_rules, Path(tmp) / "store")
        repository = EnterpriseRepository(checker, store, AuditLog(Path(tmp)))
        started = time.perf_counter()
        repository.load(Principal("bench", "admin"), profiles)
        imported = time.perf_counter() - started
        province = StoredProvince(repository)

        def summary() -> float:
            t = time.perf_counter()
            enterprises = province.enterprises()
            region_summary(enterprises, kb, args.region, max(e.as_of for e in enterprises))
            return time.perf_counter() - t

        cold = summary()
        warm = [summary() for _ in range(5)]
        t = time.perf_counter()
        fresh = [AssessedEnterprise.from_result(checker.check(p)) for p in profiles]
        region_summary(fresh, kb, args.region, max(e.as_of for e in fresh))
        reassessed = time.perf_counter() - t
        store.close()
    print(f"{len(profiles)} enterprises imported through the repository in {imported:.1f} s")
    print(f"summary of {args.region} after a write (read back from the store): {cold:.2f} s")
    print(
        f"summary of {args.region}, nothing written since: {statistics.median(warm) * 1000:.0f} ms"
    )
    print(f"summary of {args.region} by re-assessing every enterprise: {reassessed:.1f} s")


if __name__ == "__main__":
    main()
