"""Validation of a whole generated province: pySHACL per enterprise (the reference) against the
compiled SPARQL validator over one Oxigraph store (reasoner/shacl_sparql.py), and pyshacl-turbo
when it is installed.

    python bench/validate_scale.py [--enterprises 1000 10000] [--seed 7] [--sample 100]
                                   [--turbo-at 1000] [--work DIR]

For each size: generate the profiles, build each enterprise's asserted and inferred graphs with
the engine minus pySHACL (``Engine.infer``: map, derive, compiled OWL RL), write them as
N-Quads and bulk-load them into Oxigraph; then time (a) pySHACL on a sample of enterprises,
extrapolated to all of them, (b) the compiled queries over the whole store, (c) pyshacl-turbo
over the same store (at ``--turbo-at`` enterprises only). The compiled results are compared
with pySHACL's on the sample and with pyshacl-turbo's. Peak memory is the process's maximum
resident set size so far (it only grows).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import resource
import statistics
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph

from safetykg.reasoner.derive import as_of_date
from safetykg.reasoner.generate import generate
from safetykg.reasoner.service import Checker
from safetykg.reasoner.validate import Finding, RuleSet
from safetykg.reasoner.vocab import enterprise_iri, inferred_graph_iri

REFERENCE_GRAPH = "https://w3id.org/safetykg/graph/bench-reference"


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def key(f: Finding) -> tuple[str, str, str, str]:
    return (f.rule.rule_id, str(f.focus), str(f.path or ""), f.severity)


def nquads(graph: Graph, name: str) -> str:
    """N-Triples lines of ``graph`` put in the named graph ``name``."""
    lines = graph.serialize(format="nt").splitlines()
    return "".join(f"{line[:-1]}<{name}> .\n" for line in lines if line.strip())


def build(checker: Checker, profiles: list[dict], out: Path) -> dict[str, Graph]:
    """Write every enterprise's graphs to ``out`` (N-Quads); return each one's validation data
    graph (asserted + inferred + reference), as ``Engine.assess`` would validate it."""
    engine = checker.engine
    reference = Graph()
    data: dict[str, Graph] = {}
    with out.open("w", encoding="utf-8") as f:
        for p in profiles:
            profile = engine.parse_profile(p)
            asserted, inferred, _, refs = engine.infer(profile, as_of_date(profile, None))
            code = profile["credit_code"]
            f.write(nquads(asserted, str(enterprise_iri(code))))
            f.write(nquads(inferred, str(inferred_graph_iri(code))))
            graph = asserted + inferred
            for t in refs:
                graph.add(t)
                reference.add(t)
            data[code] = graph
        f.write(nquads(reference, REFERENCE_GRAPH))
    return data


def pyshacl_sample(rules: RuleSet, data: dict[str, Graph], codes: list[str]) -> tuple:
    times, found = [], set()
    for code in codes:
        graph = Graph() + data[code]
        start = time.perf_counter()
        findings = rules.validate(graph)
        times.append(time.perf_counter() - start)
        found |= {key(f) for f in findings}
    return times, found


def in_sample(found: set, codes: list[str]) -> set:
    """The results whose focus node belongs to one of the enterprises ``codes``."""
    base, wanted = len(str(enterprise_iri(""))), set(codes)
    return {k for k in found if k[1][base:].split("/", 1)[0] in wanted}


def turbo(rules: RuleSet, path: Path) -> tuple[float | None, set | str]:
    """pyshacl-turbo over a store holding the same quads in its default graph."""
    try:
        from pyshacl_turbo import validate as turbo_validate
    except ImportError as exc:
        return None, f"not installed ({exc}); pip install pyshacl-turbo"
    store = ox.Store()
    store.bulk_load(path=str(path), format=ox.RdfFormat.N_QUADS, to_graph=ox.DefaultGraph())
    params = Graph()
    for cell in rules.parameter_lists:
        params.add(cell)
    store.load(params.serialize(format="nt"), ox.RdfFormat.N_TRIPLES)
    try:
        start = time.perf_counter()
        _, report, _ = turbo_validate(
            store,
            shacl_graph=rules.graph,
            inference="none",
            advanced=True,
            allow_warnings=True,
            allow_infos=True,
        )
        seconds = time.perf_counter() - start
    except Exception as exc:  # a third-party engine: report why it failed, go on
        return None, f"failed: {type(exc).__name__}: {exc}"
    return seconds, {key(f) for f in rules.findings(report)}


def run(checker: Checker, n: int, seed: int, sample: int, with_turbo: bool, work: Path) -> None:
    rules = checker.engine.rules
    print(f"\n== {n:,} enterprises (seed {seed}) ==")
    start = time.perf_counter()
    profiles = generate(checker.engine.kb, n, seed)
    print(f"generate: {time.perf_counter() - start:.1f} s")

    path = work / f"province-{n}-{seed}.nq"
    start = time.perf_counter()
    data = build(checker, profiles, path)
    built = time.perf_counter() - start
    print(f"map + derive + OWL RL, write N-Quads: {built:.1f} s ({built / n * 1000:.1f} ms each)")

    store = ox.Store()
    start = time.perf_counter()
    store.bulk_load(path=str(path), format=ox.RdfFormat.N_QUADS)
    print(f"bulk load into Oxigraph: {time.perf_counter() - start:.2f} s, {len(store):,} quads")

    start = time.perf_counter()
    print(f"compile shapes: {len(rules.compiled)} queries, {time.perf_counter() - start:.2f} s")
    start = time.perf_counter()
    fast = {key(f) for f in rules.validate_store(store)}
    fast_s = time.perf_counter() - start
    print(f"(b) compiled SPARQL, whole store: {fast_s:.1f} s, {len(fast):,} results")
    print(f"    peak memory so far: {peak_mb():,.0f} MB")

    codes = random.Random(seed).sample(sorted(data), min(sample, n))
    times, slow = pyshacl_sample(rules, data, codes)
    per = statistics.mean(times)
    print(
        f"(a) pySHACL per enterprise, sample of {len(codes)}: mean {per * 1000:.0f} ms, "
        f"median {statistics.median(times) * 1000:.0f} ms; "
        f"EXTRAPOLATED to {n:,}: {per * n:.0f} s"
    )
    print(f"    ratio (a)/(b): {per * n / fast_s:.0f}x")
    same = in_sample(fast, codes) == slow
    print(f"    compiled equals pySHACL on the sample: {'yes' if same else 'NO'}")
    if not same:
        for k in sorted(in_sample(fast, codes) ^ slow)[:20]:
            print(f"      {'pySHACL only' if k in slow else 'compiled only'}: {k}")

    if with_turbo:
        seconds, found = turbo(rules, path)
        if seconds is None:
            print(f"(c) pyshacl-turbo: {found}")
        else:
            print(
                f"(c) pyshacl-turbo, whole store: {seconds:.1f} s, {len(found):,} results; "
                f"ratio (c)/(b): {seconds / fast_s:.1f}x; "
                f"equal to compiled: {'yes' if found == fast else 'NO'}"
            )
            if found != fast:
                print(f"    turbo only: {len(found - fast)}, compiled only: {len(fast - found)}")
                for k in sorted(found ^ fast)[:10]:
                    print(f"      {'turbo only' if k in found else 'compiled only'}: {k}")
    print(f"peak memory: {peak_mb():,.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--enterprises", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--sample", type=int, default=100, help="pySHACL sample size")
    parser.add_argument("--turbo-at", type=int, default=1000, help="run pyshacl-turbo at this size")
    parser.add_argument("--work", type=Path, help="folder for the N-Quads files (default: temp)")
    args = parser.parse_args()
    print(f"{dt.date.today()}  validate_scale  sizes {args.enterprises}")
    checker = Checker.default()
    with tempfile.TemporaryDirectory() as tmp:
        work = args.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        for n in args.enterprises:
            run(checker, n, args.seed, args.sample, n == args.turbo_at, work)


if __name__ == "__main__":
    main()
