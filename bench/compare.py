"""SafetyKG side by side with the reference engines, on the same generated data and shapes.

    python bench/compare.py [--enterprises 1000 10000] [--seed 7] [--naive-sample 1000]
                            [--skip-naive-at 10000] [--jena-up-to 10000] [--smoke]
                            [--work DIR]

For each size: generate the province (``generate(e.kb, n, seed)``), build every enterprise's
facts (``Engine.infer``: map, derive, compiled OWL RL), then time

(a) the naive pipeline (bench/naive_pipeline.py): one rdflib graph of the asserted triples, our
    derivation's facts, the reference triples and the ontology; owlrl's OWL RL closure; pySHACL.
    At sizes from ``--skip-naive-at`` on it runs on a random sample of ``--naive-sample``
    enterprises and its time is EXTRAPOLATED linearly, a lower bound: it grows faster than the
    data;
(b) native SHACL engines over the closed data SafetyKG validates (asserted + inferred +
    reference triples), from N-Triples files: pyshacl-turbo (if installed) and Apache Jena
    SHACL (bench/jena_shacl.py; if it runs). Their times are the validation alone, from file to
    report: SafetyKG's include mapping, derivation, OWL RL and risk grading as well;
(c) SafetyKG: ``Engine.assess_many`` over all profiles, and the CLI (``safetykg import`` then
    ``safetykg assess --data DIR``, wall time) where it exists.

At every size the sets of (rule id, focus node IRI, severity) of non-gap Violations of every
engine are compared with SafetyKG's (a sampled (a) on its sample); the run exits 1 when one
differs. Engines that read
shapes and data from separate sources get the shapes with IRIs for their blank-node shapes and
parameter-list cells (bench/shacl_exchange.py says why); pyshacl-turbo is also run on the
shapes as they are, to show what that changes. ``--smoke`` (for CI) runs 50 enterprises: (a), (c)
and, instead of pyshacl-turbo and Jena, pySHACL over (b)'s files to check the renaming; not
the CLI (its start-up would be most of the time).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import jena_shacl
import naive_pipeline
import pyoxigraph as ox
from pyshacl import validate as pyshacl_validate
from rdflib import Graph
from shacl_exchange import Key, finding_violations, named_cells, named_shapes, report_violations

from safetykg.reasoner.derive import as_of_date
from safetykg.reasoner.engine import Assessment, Engine, EnterpriseFacts
from safetykg.reasoner.generate import generate
from safetykg.reasoner.terms import nt_lines, nt_triple
from safetykg.reasoner.validate import RuleSet, credit_code_of

TURBO_AS_IS_UP_TO = 1000  # the shapes as they are: only to show the difference, at small sizes
JENA_TIMEOUT_S = 3600.0
CLI_ROW = "(c) SafetyKG CLI import + assess"
SMOKE_SIZE = 50  # the smallest generated province (seed 7) with a few violations to compare


def assess_all(engine: Engine, profiles: Sequence[dict]) -> list[Assessment]:
    """SafetyKG's fast path over a whole province."""
    return engine.assess_many(profiles)


@dataclass
class Row:
    engine: str
    seconds: float | None  # None: did not run
    violations: set[Key] | None = None  # None: not compared
    note: str = ""
    scope: set[str] | None = None  # credit codes the violations cover (None: all)
    must_match: bool = True  # a difference from SafetyKG's violations fails the run


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load_note() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (1 min), {five:.1f} (5 min) on {os.cpu_count()} cores"


def within(violations: set[Key], codes: set[str] | None) -> set[Key]:
    if codes is None:
        return violations
    return {k for k in violations if credit_code_of(k[1]) in codes}


def build_facts(engine: Engine, profiles: Sequence[dict]) -> list[EnterpriseFacts]:
    return [engine.infer(engine.parse_profile(p), as_of_date(p, None)) for p in profiles]


def write_closed_data(facts: Sequence[EnterpriseFacts], cells: list[tuple], path: Path) -> int:
    """What SafetyKG validates, as one N-Triples file, with the parameter-list ``cells``."""
    reference = set().union(*(f.reference for f in facts))
    count = len(reference) + len(cells)
    with path.open("w", encoding="utf-8") as out:
        for f in facts:
            out.write(nt_lines(f.asserted))
            out.write(nt_lines(f.inferred))
            count += len(f.asserted) + len(f.inferred)
        out.write(nt_lines(reference))
        out.write(nt_lines(nt_triple(c) for c in cells))
    return count


def run_safetykg(engine: Engine, profiles: Sequence[dict]) -> Row:
    start = time.perf_counter()
    assessments = assess_all(engine, profiles)
    seconds = time.perf_counter() - start
    found = finding_violations(f for a in assessments for f in a.findings)
    return Row("(c) SafetyKG assess_many", seconds, found)


def safetykg_exe() -> str:
    """The ``safetykg`` of this Python's environment, else the first on PATH."""
    beside = Path(sys.executable).with_name("safetykg")
    return str(beside) if beside.exists() else shutil.which("safetykg") or "safetykg"


def cli_available() -> str | None:
    """Why the import/assess CLI cannot run, or None when it can."""
    exe = safetykg_exe()
    for command in ("import", "assess"):
        done = subprocess.run([exe, command, "--help"], capture_output=True, text=True)
        if done.returncode != 0:
            return f"`safetykg {command}` not available yet"
    return None


def run_cli(profiles: Sequence[dict], work: Path) -> Row:
    name = CLI_ROW
    why = cli_available()
    if why:
        return Row(name, None, note=why)
    exe = safetykg_exe()
    jsonl = work / "province.jsonl"
    jsonl.write_text(
        "".join(f"{json.dumps(p, ensure_ascii=False)}\n" for p in profiles), encoding="utf-8"
    )
    data = work / "cli-data"
    shutil.rmtree(data, ignore_errors=True)
    times = []
    for command in (
        [exe, "import", str(jsonl), "--data", str(data)],
        [exe, "assess", "--data", str(data)],
    ):
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True)
        times.append(time.perf_counter() - start)
        if done.returncode != 0:
            last = (done.stderr or done.stdout).strip().splitlines()[-1:]
            return Row(name, None, note=f"{command[1]} failed: {' '.join(last)}")
    return Row(name, sum(times), note=f"import {times[0]:.1f} s + assess {times[1]:.1f} s")


def run_naive(rules: RuleSet, facts: list[EnterpriseFacts], sample: int | None, seed: int) -> Row:
    n = len(facts)
    chosen = facts if sample is None else random.Random(seed).sample(facts, min(sample, n))
    result = naive_pipeline.run(rules, chosen)
    print(
        f"(a) naive on {len(chosen):,} enterprises: rdflib load {result.load_s:.1f} s "
        f"({result.triples:,} triples), owlrl closure {result.closure_s:.1f} s "
        f"(→ {result.closed_triples:,}), pySHACL {result.validate_s:.1f} s; "
        f"total {result.seconds:.1f} s"
    )
    if sample is None:
        return Row("(a) owlrl + pySHACL, one graph", result.seconds, result.violations)
    scale = n / len(chosen)
    print(f"    EXTRAPOLATED ×{scale:.0f} to {n:,} enterprises: {result.seconds * scale:,.0f} s")
    return Row(
        f"(a) owlrl + pySHACL, sample of {len(chosen)}",
        result.seconds * scale,
        result.violations,
        note="extrapolated linearly from the sample (a lower bound)",
        scope={f.credit_code for f in chosen},
    )


def run_turbo(rules: RuleSet, data: Path, shapes: Graph, label: str) -> Row:
    name = f"(b) pyshacl-turbo{label}"
    try:
        from pyshacl_turbo import validate as turbo_validate
    except ImportError:
        return Row(name, None, note="not installed (pip install pyshacl-turbo)")
    start = time.perf_counter()
    store = ox.Store()
    store.bulk_load(path=str(data), format=ox.RdfFormat.N_TRIPLES)
    try:
        _, report, _ = turbo_validate(
            store,
            shacl_graph=shapes,
            inference="none",
            advanced=True,
            allow_warnings=True,
            allow_infos=True,
        )
    except Exception as exc:  # a third-party engine: say why it failed and go on
        return Row(name, None, note=f"failed: {type(exc).__name__}: {exc}")
    return Row(name, time.perf_counter() - start, report_violations(rules, report))


def run_jena(rules: RuleSet, data: Path, shapes: Path, work: Path) -> Row:
    name = f"(b) Jena SHACL {jena_shacl.version()}"
    try:
        done = jena_shacl.validate(shapes, data, work, JENA_TIMEOUT_S)
    except jena_shacl.JenaUnavailable as exc:
        return Row(name, None, note=f"cannot run: {exc}")
    report = Graph().parse(data=done.report_turtle, format="turtle")
    return Row(name, done.seconds, report_violations(rules, report), note="JVM start included")


def print_differences(rows: list[Row], base: Row) -> tuple[dict[str, str], bool]:
    """Compare every row's violations with ``base``'s (on the row's scope): the verdicts, and
    whether every row that must match does."""
    verdicts = {base.engine: "(reference)"}
    all_match = True
    assert base.violations is not None
    for row in rows:
        if row is base or row.violations is None:
            continue
        mine = within(base.violations, row.scope)
        theirs = within(row.violations, row.scope)
        where = "" if row.scope is None else f" on its {len(row.scope)} enterprises"
        if mine == theirs:
            verdicts[row.engine] = f"yes{where} ({len(theirs):,})"
            continue
        only, missing = theirs - mine, mine - theirs
        verdicts[row.engine] = f"NO{where}: +{len(only)} −{len(missing)}"
        all_match = all_match and not row.must_match
        print(f"  {row.engine}: {len(only)} only there, {len(missing)} only in SafetyKG")
        for k in sorted(only)[:5]:
            print(f"    only {row.engine}: {k}")
        for k in sorted(missing)[:5]:
            print(f"    only SafetyKG: {k}")
        by_rule: dict[str, int] = {}
        for k in only | missing:
            by_rule[k[0]] = by_rule.get(k[0], 0) + 1
        print(f"    by rule: {dict(sorted(by_rule.items(), key=lambda kv: -kv[1]))}")
    return verdicts, all_match


def print_table(n: int, rows: list[Row], base: Row, verdicts: dict[str, str]) -> None:
    assert base.seconds is not None
    print(f"\n{'engine':44} {'time':>12} {'× SafetyKG':>11}  identical violations")
    for row in rows:
        if row.seconds is None:
            print(f"{row.engine:44} {'—':>12} {'—':>11}  {verdicts.get(row.engine, row.note)}")
            continue
        ratio = row.seconds / base.seconds
        note = f"  [{row.note}]" if row.note else ""
        verdict = verdicts.get(row.engine, "not compared")
        print(f"{row.engine:44} {row.seconds:10.1f} s {ratio:10.1f}×  {verdict}{note}")
    print(f"({n:,} enterprises; {load_note()}; peak memory {peak_mb():,.0f} MB)")


def run_pyshacl_renamed(rules: RuleSet, data: Path, shapes: Graph) -> Row:
    """pySHACL over the files the engines of (b) read: proves that renaming blank nodes
    (bench/shacl_exchange.py) changes no result. Not a competitor: its time is not compared."""
    graph = Graph().parse(data, format="nt")
    _, report, _ = pyshacl_validate(
        graph,
        shacl_graph=shapes,
        inference="none",
        advanced=True,
        allow_warnings=True,
        allow_infos=True,
        inplace=True,
    )
    return Row("(b) check: pySHACL over (b)'s files", None, report_violations(rules, report))


def run_native(
    rules: RuleSet, facts: list[EnterpriseFacts], work: Path, args: argparse.Namespace
) -> list[Row]:
    """(b): the engines that read shapes and data from files or stores of their own; with
    ``--smoke`` only pySHACL over the same files, as a check of the renaming."""
    n = len(facts)
    data = work / f"closed-{n}.nt"
    count = write_closed_data(facts, named_cells(rules, named=True), data)
    shapes = named_shapes(rules)
    shapes_path = work / "shapes.nt"
    shapes.serialize(shapes_path, format="nt", encoding="utf-8")
    print(f"closed data for (b): {count:,} triples in {data.name}")
    if args.smoke:
        return [run_pyshacl_renamed(rules, data, shapes)]
    rows = [run_turbo(rules, data, shapes, "")]
    if n <= TURBO_AS_IS_UP_TO:
        as_is = work / f"closed-{n}-as-is.nt"
        write_closed_data(facts, named_cells(rules, named=False), as_is)
        as_they_are = run_turbo(rules, as_is, rules.graph, ", shapes as they are")
        as_they_are.must_match = False  # shows what blank-node parameter lists do to it
        rows.append(as_they_are)
    if n <= args.jena_up_to:
        rows.append(run_jena(rules, data, shapes_path, work))
    else:
        rows.append(
            Row(f"(b) Jena SHACL {jena_shacl.version()}", None, note="not run (--jena-up-to)")
        )
    for row in rows:
        print(f"{row.engine}: " + (f"{row.seconds:.1f} s" if row.seconds else row.note))
    return rows


def run(engine: Engine, n: int, args: argparse.Namespace, work: Path) -> bool:
    """One size; whether every engine that must agree with SafetyKG did."""
    rules = engine.rules
    print(f"\n== {n:,} enterprises (seed {args.seed}) ==  {load_note()}")
    start = time.perf_counter()
    profiles = generate(engine.kb, n, args.seed)
    print(f"generate: {time.perf_counter() - start:.1f} s")

    safetykg = run_safetykg(engine, profiles)
    print(f"(c) SafetyKG assess_many: {safetykg.seconds:.1f} s")
    cli = run_cli(profiles, work) if not args.smoke else Row(CLI_ROW, None, note="not in --smoke")

    start = time.perf_counter()
    facts = build_facts(engine, profiles)
    print(f"facts for (a) and (b) (map, derive, OWL RL): {time.perf_counter() - start:.1f} s")
    sample = args.naive_sample if n >= args.skip_naive_at else None
    naive = run_naive(rules, facts, sample, args.seed)
    native = run_native(rules, facts, work, args)
    del facts

    rows = [naive, *native, safetykg, cli]
    print("\nviolation sets against SafetyKG's:")
    verdicts, all_match = print_differences(rows, safetykg)
    print_table(n, rows, safetykg, verdicts)
    return all_match


def positive(text: str) -> int:
    """An argparse type: a whole number above zero."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not above zero")
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--enterprises", type=positive, nargs="+", default=[1000, 10000])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--naive-sample", type=positive, default=1000, help="(a) sample size")
    parser.add_argument(
        "--skip-naive-at", type=positive, default=10000, help="from this size on, (a) is sampled"
    )
    parser.add_argument(
        "--jena-up-to", type=positive, default=10000, help="run Jena SHACL up to this size"
    )
    parser.add_argument(
        "--smoke",
        action="store_true",
        help=f"{SMOKE_SIZE} enterprises, no pyshacl-turbo, Jena or CLI",
    )
    parser.add_argument("--work", type=Path, help="folder for the data files (default: temp)")
    args = parser.parse_args()
    if args.smoke:
        args.enterprises = [SMOKE_SIZE]
    print(f"{dt.datetime.now():%Y-%m-%d %H:%M}  compare  sizes {args.enterprises}")
    start = time.perf_counter()
    engine = Engine()
    print(f"engine start-up: {time.perf_counter() - start:.1f} s")
    with tempfile.TemporaryDirectory() as tmp:
        work = args.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        agreed = [run(engine, n, args, work) for n in args.enterprises]
    if not all(agreed):
        print("\nFAILED: an engine's violations differ from SafetyKG's (above)")
        sys.exit(1)


if __name__ == "__main__":
    main()
