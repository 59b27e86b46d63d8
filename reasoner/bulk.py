"""Bulk import and assessment of a province in a data directory (``safetykg import``/``assess``).

Lines and enterprises are cut into chunks; worker processes (forked, so each inherits the loaded
engine) turn a chunk into N-Quads text, which this process spools to disk and then bulk-loads
into the store, guarded by a journal (``BulkWriter``), in file order, so a later line for the
same credit code wins. Import stores the asserted graph and the submitted document and drops the
enterprise's previous inferred graph (its report no longer describes its data); assessment
replaces inferred graphs and reports without touching what was submitted.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import multiprocessing
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .bulk_writer import BulkWriter, Counted, ignore, spooled
from .engine import Engine
from .ingest import InputProblem
from .records import inferred_graph
from .report import Reporter
from .store import BulkChunk, Store, StoredEnterprise
from .terms import nt_lines

CHUNK = 500


@dataclass(frozen=True)
class BulkProgress:
    """Counts of enterprises for a progress display: prepared by the workers (or found bad),
    then about to be loaded into the store, and loaded."""

    prepared: Counted = ignore
    loading: Counted = ignore
    loaded: Counted = ignore


@dataclass(frozen=True)
class LineProblem:
    """An input line that was not imported, with every problem found in it."""

    line: int
    problems: list[InputProblem]

    def describe(self, source: str) -> list[str]:
        return [f"{source}:{self.line}: {p}" for p in self.problems]


@dataclass
class ImportResult:
    imported: int = 0
    skipped: list[LineProblem] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)


@dataclass
class AssessSummary:
    """What ``safetykg assess`` prints: counts by risk level, inspection class and rule."""

    assessed: int = 0
    by_level: Counter = field(default_factory=Counter)
    by_class: Counter = field(default_factory=Counter)
    by_rule: Counter = field(default_factory=Counter)  # rule id -> enterprises violating it
    conforming: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)  # (credit code, why)
    unchanged: int = 0  # assessed, and their stored graph already said the same: not rewritten

    def add(self, other: AssessSummary) -> None:
        self.assessed += other.assessed
        self.by_level.update(other.by_level)
        self.by_class.update(other.by_class)
        self.by_rule.update(other.by_rule)
        self.conforming += other.conforming
        self.failed += other.failed
        self.unchanged += other.unchanged


_engine: Engine | None = None  # the engine forked workers inherit


def _pool(engine: Engine, workers: int):
    """Forked workers, with everything this process holds frozen for their garbage collector:
    collections that walk the inherited engine copy its pages into each worker (a worker
    assessing the same chunks took 6 % less CPU, interleaved runs)."""
    global _engine
    _engine = engine
    gc.freeze()
    try:
        return multiprocessing.get_context("fork").Pool(workers)
    finally:
        gc.unfreeze()  # the workers are forked; this process collects as before


def _map_chunks(engine: Engine, work: Callable, chunks: Iterable, workers: int) -> Iterator:
    """``work`` over ``chunks`` in order, in ``workers`` forked processes (0: in this one)."""
    if workers <= 0:
        global _engine
        _engine = engine
        yield from map(work, chunks)
        return
    with _pool(engine, workers) as pool:
        yield from pool.imap(work, chunks)


def _chunks(items: Iterable, size: int = CHUNK) -> Iterator[list]:
    chunk: list = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _numbered_lines(path: Path) -> Iterator[tuple[int, str]]:
    with path.open(encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            if line.strip():
                yield number, line


def _import_chunk(
    job: tuple[list[tuple[int, str]], Path],
) -> tuple[BulkChunk, list[LineProblem], int]:
    """The chunk's enterprises, its bad lines, and how many lines it read (a credit code given
    twice in one chunk is one enterprise)."""
    assert _engine is not None
    lines, store = job
    records: dict[str, StoredEnterprise] = {}
    problems = []
    for number, line in lines:
        try:
            document = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(
                LineProblem(
                    number, [InputProblem("", f"not JSON: {exc.msg} at column {exc.colno}")]
                )
            )
            continue
        found = _engine.validator.problems(document)
        if found:
            problems.append(LineProblem(number, found))
            continue
        code = document["credit_code"]
        records.pop(code, None)  # the later line wins, and keeps file order
        records[code] = StoredEnterprise(
            code, nt_lines(_engine.mapper.triples(document)), None, line.strip()
        )
    return spooled(BulkChunk.of(list(records.values())), store), problems, len(lines)


def import_jsonl(
    path: Path,
    store: Store,
    engine: Engine,
    strict: bool = False,
    workers: int = 2,
    progress: BulkProgress | None = None,
) -> ImportResult:
    """Import a JSON Lines file of profiles. A bad line is skipped and reported (line number,
    key path, message); with ``strict`` any bad line means nothing is imported."""
    result = ImportResult()
    progress = progress or BulkProgress()
    with BulkWriter(store, progress.loading, progress.loaded) as writer:
        jobs = ((chunk, writer.path) for chunk in _chunks(_numbered_lines(path)))
        work = _map_chunks(engine, _import_chunk, jobs, workers)
        for chunk, problems, lines in work:
            result.skipped += problems
            result.imported += len(chunk.codes)
            result.codes += chunk.codes
            writer.add(chunk)
            progress.prepared(lines)
        if strict and result.skipped:
            writer.discard()
            result.imported, result.codes = 0, []
    return result


def _assess_chunk(
    job: tuple[list[tuple[str, str, str | None]], dt.date | None, str | None, Path],
) -> tuple[BulkChunk, AssessSummary]:
    """``documents``: (credit code, submitted document, digest of its stored inferred graph)."""
    assert _engine is not None
    documents, as_of, policy, store = job
    summary = AssessSummary()
    profiles = [json.loads(text) for _, text, _ in documents]
    stored = {code: digest for code, _, digest in documents}
    try:  # stored documents were validated when they were stored
        assessments = _engine.assess_many(profiles, as_of, policy, checked=True)
    except Exception:  # one bad document must not stop a province: find it
        assessments = []
        for profile in profiles:
            try:
                assessments += _engine.assess_many([profile], as_of, policy)
            except Exception as exc:
                summary.failed.append((profile.get("credit_code", "?"), str(exc)))
    reporter = Reporter(_engine)
    codes, nquads = [], []
    for assessment in assessments:
        report = reporter.to_json(assessment)
        code = assessment.credit_code
        graph = inferred_graph(assessment, report)
        if graph.digest == stored.get(code):
            summary.unchanged += 1
        else:
            codes.append(code)
            nquads.append(graph.nquads)
        summary.assessed += 1
        summary.by_level[report["risk"]["level"]] += 1
        summary.by_class[report["risk"]["inspection_class"]] += 1
        summary.by_rule.update({v["rule"] for v in report["violations"]})
        summary.conforming += bool(report["conforms"])
    return spooled(BulkChunk(codes, "".join(nquads), keep_asserted=True), store), summary


def assess_store(
    store: Store,
    engine: Engine,
    as_of: dt.date | None = None,
    policy: str | None = None,
    codes: Sequence[str] | None = None,
    workers: int = 2,
    progress: BulkProgress | None = None,
) -> AssessSummary:
    """Re-reason, validate and grade every stored enterprise (or those of ``codes``) from its
    submitted document, replacing its inferred graph and report where they change: a graph
    whose digest is the one stored is left as it is (removing an old graph costs ~1.3 ms, and
    assessing unchanged data and rules again would otherwise rewrite every one)."""
    engine.prepare(policy)  # an unknown policy fails before any work
    summary = AssessSummary()
    progress = progress or BulkProgress()
    digests = store.inferred_digests(codes)
    with BulkWriter(store, progress.loading, progress.loaded) as writer:
        documents = _chunks(
            (code, text, digests.get(code)) for code, text in store.source_documents(codes)
        )
        jobs = ((chunk, as_of, policy, writer.path) for chunk in documents)
        for inferred, part in _map_chunks(engine, _assess_chunk, jobs, workers):
            writer.add(inferred)
            summary.add(part)
            progress.prepared(part.assessed + len(part.failed))
    return summary


def count_lines(path: Path) -> int:
    with path.open("rb") as f:
        return sum(1 for line in f if line.strip())


def describe_levels(summary: AssessSummary) -> dict[str, Any]:
    """The summary as JSON-ready data (``safetykg assess --format json``)."""
    return {
        "assessed": summary.assessed,
        "conforming": summary.conforming,
        "unchanged": summary.unchanged,
        "by_level": dict(summary.by_level),
        "by_class": dict(summary.by_class),
        "by_rule": dict(summary.by_rule.most_common()),
        "failed": [{"enterprise": c, "why": why} for c, why in summary.failed],
    }
