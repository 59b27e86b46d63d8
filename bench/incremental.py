"""Benchmark: region summaries and domino clusters kept current after one enterprise changes, in
a store of N enterprises (issue 6, "Incremental": PUT and aggregates up to date, median ≤ 100 ms
at 100,000).

Builds the store under ``--data DIR`` as an operator would (``safetykg generate``, then
``safetykg import --assess``), or reuses the store found there; reads it once into the province
index, as the
service does on its first summary; then, ``--changes`` times, moves one enterprise to the
county and location of another through the repository (what ``PUT /enterprises/{code}`` does)
and asks for its province's summary, which first brings the index up to date. Prints median and
p95 of each step, and checks at the end that the kept summary and clusters equal those computed
from scratch over every stored enterprise (timed too: what each change cost before).

Run: python bench/incremental.py [--enterprises 100000] [--data DIR] [--changes 50]
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from safetykg.reasoner.audit import AuditLog
from safetykg.reasoner.cluster_index import find_clusters
from safetykg.reasoner.clusters import ClusterPolicy
from safetykg.reasoner.regions import region_summary
from safetykg.reasoner.repository import EnterpriseRepository
from safetykg.reasoner.service import Checker
from safetykg.reasoner.store import Store
from safetykg.reasoner.stored_province import StoredProvince
from safetykg.reasoner.tokens import Principal

WHO = Principal("bench", "admin")


def build(data: Path, count: int, seed: int) -> None:
    """A generated province, imported and assessed by the command line."""
    data.mkdir(parents=True, exist_ok=True)
    profiles = data / "province.jsonl"
    for args in (
        ["generate", "--enterprises", str(count), "--seed", str(seed), "--out", str(profiles)],
        ["import", str(profiles), "--data", str(data), "--assess"],
    ):
        _, seconds = timed(
            lambda a=args: subprocess.run([sys.executable, "-m", "safetykg", *a], check=True)
        )
        print(f"safetykg {args[0]}: {seconds:.0f} s", flush=True)


def timed(step: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    result = step()
    return result, time.perf_counter() - started


def rss_mb() -> float:
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * resource.getpagesize() / 2**20


def figures(name: str, seconds: list[float]) -> None:
    ms = sorted(s * 1000 for s in seconds)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    print(f"{name}: median {statistics.median(ms):.1f} ms, p95 {p95:.1f} ms, max {ms[-1]:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--enterprises", type=int, default=100_000)
    parser.add_argument("--data", type=Path, help="Keep (or reuse) the store in this directory")
    parser.add_argument("--changes", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run(args, args.data or Path(tmp))


def run(args: argparse.Namespace, data: Path) -> None:
    if (data / "store").exists():
        print(f"reusing the store in {data}")
    else:
        build(data, args.enterprises, args.seed)
    checker = Checker.default()
    kb = checker.engine.kb
    store = Store(kb, checker.engine.instance_rules, data / "store")
    codes = store.enterprise_codes()
    print(f"{len(codes)} enterprises stored")
    repository = EnterpriseRepository(checker, store, AuditLog(data))
    province = StoredProvince(repository)
    before = rss_mb()
    top = kb.regions[repository.profile(codes[0])["region"]].ancestors[-1]
    _, first = timed(lambda: province.summary(top))
    print(
        f"first summary (every stored report and profile read into the index): {first:.1f} s, "
        f"+{rss_mb() - before:.0f} MB"
    )
    rng = random.Random(args.seed)
    puts, refreshes, summaries, clusters = [], [], [], []
    for _ in range(args.changes):
        code, other = rng.sample(codes, 2)
        profile, there = repository.profile(code), repository.profile(other)
        assert profile is not None and there is not None
        moved = {**profile, "region": there["region"], "location": there.get("location")}
        region = kb.regions[moved["region"]].ancestors[-1]
        puts.append(timed(lambda c=code, m=moved: repository.put(WHO, c, m))[1])
        refreshes.append(timed(lambda r=region: province.summary(r))[1])
        summaries.append(timed(lambda r=region: province.summary(r))[1])
        clusters.append(timed(province.clusters)[1])
    print(f"{len(codes)} enterprises, {args.changes} changes (an enterprise moved to another "
          "county and location):")  # fmt: skip
    figures("  PUT through the repository (check, store, audit)", puts)
    figures("  province summary right after, index brought up to date", refreshes)
    figures("  PUT + summary up to date", [p + r for p, r in zip(puts, refreshes, strict=True)])
    figures("  province summary, index current", summaries)
    figures("  clusters (renumbered after the change)", clusters)
    enterprises = province.enterprises()
    day = max(e.as_of for e in enterprises)
    scratch, seconds = timed(lambda: region_summary(enterprises, kb, top, day))
    assert scratch == province.summary(top, day), "kept summary differs from scratch"
    print(f"  from scratch instead: province summary {seconds * 1000:.0f} ms", end="")
    policy = ClusterPolicy.from_kb(kb)
    found, seconds = timed(lambda: find_clusters(enterprises, policy))
    assert [c.to_json() for c in found] == province.clusters(), "kept clusters differ"
    print(f", clusters {seconds * 1000:.0f} ms ({len(found)} clusters); both equal the kept ones")
    print(f"peak memory {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    store.close()


if __name__ == "__main__":
    main()
