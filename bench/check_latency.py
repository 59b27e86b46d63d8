"""Benchmark: engine start-up, per-enterprise check latency, compiled OWL RL versus owlrl.

Prints its figures; never part of the unit tests. Run: python bench/check_latency.py
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import statistics
import time
from importlib.resources import files

import owlrl
from rdflib import Graph

from safetykg.reasoner.codes import credit_code_check_char
from safetykg.reasoner.derive import derive
from safetykg.reasoner.engine import as_of_date
from safetykg.reasoner.resources import ontology_dir, turtle_files
from safetykg.reasoner.service import Checker
from safetykg.reasoner.terms import nt_triple


def profiles(n: int) -> list[dict]:
    """The demo enterprises, repeated under fresh credit codes to reach n."""
    demo = json.loads(
        files("safetykg").joinpath("demo/enterprises.json").read_text(encoding="utf-8")
    )
    out = []
    for i in range(n):
        base = f"91330106MB{i:07d}"
        out.append({**demo[i % len(demo)], "credit_code": base + credit_code_check_char(base)})
    return out


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--enterprises", type=int, default=200)
    parser.add_argument("--owlrl-samples", type=int, default=3)
    args = parser.parse_args()

    t0 = time.perf_counter()
    checker = Checker.default()
    startup = time.perf_counter() - t0
    engine = checker.engine
    docs = profiles(args.enterprises)
    checker.check(docs[0])  # warm caches (prepared queries, shape parsing)

    latencies = []
    for doc in docs:
        t = time.perf_counter()
        checker.check(doc)
        latencies.append((time.perf_counter() - t) * 1000)

    compiled, reference = [], []
    ontology = Graph()
    for f in turtle_files(ontology_dir()):
        ontology.parse(f, format="turtle")
    for doc in docs[: args.owlrl_samples]:
        d = derive(doc, engine.kb, as_of_date(doc, None))
        base = set(engine.mapper.to_graph(doc)) | d.triples | d.reference_triples
        terms = [nt_triple(triple) for triple in base]  # the compiled rules work on N-Triples
        t = time.perf_counter()
        engine.instance_rules.closure(terms)
        compiled.append((time.perf_counter() - t) * 1000)
        g = Graph()
        g += ontology
        for triple in base:
            g.add(triple)
        t = time.perf_counter()
        owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(g)
        reference.append((time.perf_counter() - t) * 1000)

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"machine: {platform.machine()}, {platform.python_implementation()} {platform.python_version()}"
    )
    print(
        f"engine start-up (KB, compiled ontology, {len(engine.rules.rules)} rule shapes): {startup:.2f} s"
    )
    print(
        f"check, {len(docs)} enterprises, one thread: median {statistics.median(latencies):.1f} ms, "
        f"p95 {percentile(latencies, 0.95):.1f} ms, max {max(latencies):.1f} ms"
    )
    print(
        f"OWL RL per enterprise: compiled rules median {statistics.median(compiled):.2f} ms, "
        f"owlrl median {statistics.median(reference):.0f} ms "
        f"(×{statistics.median(reference) / statistics.median(compiled):.0f})"
    )
    print(f"peak memory: {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
