"""``safetykg import`` and ``safetykg assess``: a province in a data directory, in bulk."""

from __future__ import annotations

import datetime as dt
import getpass
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TimeElapsedColumn

from safetykg.reasoner.audit import AuditLog
from safetykg.reasoner.bulk import (
    AssessSummary,
    BulkProgress,
    assess_store,
    count_lines,
    describe_levels,
    import_jsonl,
)
from safetykg.reasoner.engine import Engine
from safetykg.reasoner.risk import PolicyError
from safetykg.reasoner.rule_store import RuleStore
from safetykg.reasoner.store import Store
from safetykg.reasoner.tokens import Principal

from .cli_common import AsOfOption, PolicyOption, parse_date

DataDir = Annotated[
    Path, typer.Option("--data", help="The data directory (as for `safetykg serve --data`)")
]
Workers = Annotated[int, typer.Option(help="Worker processes (0: none, work in this one)")]
err = Console(stderr=True, soft_wrap=True)  # paths and key paths stay on one line


@contextmanager
def data_dir(path: Path, rules: bool = True) -> Iterator[tuple[Engine, Store, AuditLog]]:
    """The engine under the data directory's rules (``rules=False``: an engine that maps and
    validates only, which an import needs and which starts a second faster), its store and
    its audit log."""
    audit = AuditLog(path)
    engine = RuleStore(path, Engine(), audit).engine if rules else Engine()
    try:
        store = Store(engine.kb, engine.instance_rules, path / "store")
    except OSError as exc:
        err.print(
            f"error: cannot open the store in {path}: {exc}\n"
            "(is `safetykg serve` running on this data directory? stop it first)"
        )
        raise typer.Exit(2) from None
    if store.interrupted is not None:
        err.print(f"warning: {store.interrupted.describe()}", markup=False)
    try:
        yield engine, store, audit
    finally:
        store.close()


@contextmanager
def progress_bar(what: str, total: int | None) -> Iterator[BulkProgress]:
    """A row for the enterprises the workers prepare, and one for the loads into the store,
    which come after (a load of 100,000 enterprises takes about 40 s)."""
    columns = (*Progress.get_default_columns()[:2], BarColumn(), MofNCompleteColumn())
    with Progress(*columns, TimeElapsedColumn(), console=err, transient=False) as bar:
        task = bar.add_task(what, total=total)
        store: TaskID | None = None
        to_store = 0

        def loading(n: int) -> None:
            nonlocal store, to_store
            to_store += n
            if store is None:
                store = bar.add_task("store", total=to_store)
            else:
                bar.update(store, total=to_store)

        def loaded(n: int) -> None:
            assert store is not None
            bar.advance(store, n)

        yield BulkProgress(lambda n: bar.advance(task, n), loading, loaded)


def _who() -> Principal:
    return Principal(f"command line ({getpass.getuser()})", "admin")


def import_command(
    file: Annotated[Path, typer.Argument(help="Profiles, one JSON object per line")],
    data: DataDir,
    strict: Annotated[
        bool, typer.Option(help="Import nothing if any line is bad (default: skip bad lines)")
    ] = False,
    assess: Annotated[
        bool, typer.Option(help="Assess the imported enterprises right away")
    ] = False,
    workers: Workers = 2,
) -> None:
    """Import enterprise profiles (JSON Lines) into a data directory.

    Each line replaces the stored enterprise with its credit code; its previous assessment is
    dropped until it is assessed again (`--assess`, or `safetykg assess`). Exit code 0: every
    line imported; 1: some lines were bad (with --strict: nothing imported); 2: no input.
    """
    if not file.is_file():
        err.print(f"error: {file}: no such file")
        raise typer.Exit(2)
    with data_dir(data, rules=assess) as (engine, store, audit):
        entry = audit.start(_who(), "bulk.import", str(file), {"strict": strict})
        started = time.perf_counter()
        with progress_bar("import", count_lines(file)) as progress:
            result = import_jsonl(file, store, engine, strict, workers, progress)
        for problem in result.skipped:
            for line in problem.describe(str(file)):
                err.print(line, markup=False, highlight=False)
        seconds = time.perf_counter() - started
        detail = {"imported": result.imported, "bad_lines": len(result.skipped)}
        audit.finish(entry, "ok" if result.imported else "rejected", detail)
        if strict and result.skipped:
            err.print(f"{len(result.skipped)} bad lines: nothing imported (--strict)")
        else:
            err.print(
                f"{result.imported} enterprises imported in {seconds:.1f} s"
                + (f", {len(result.skipped)} bad lines skipped" if result.skipped else "")
            )
        if assess and result.codes:
            _assess(engine, store, audit, None, None, result.codes, workers)
    raise typer.Exit(1 if result.skipped else 0)


def assess_command(
    data: DataDir,
    policy: PolicyOption = None,
    as_of: AsOfOption = None,
    output: Annotated[str, typer.Option("--format", "-f", help="Summary as text or json")] = "text",
    workers: Workers = 2,
) -> None:
    """Re-reason, validate and grade every enterprise of a data directory; store the reports."""
    day = parse_date(as_of, "--as-of")
    if output not in ("text", "json"):
        raise typer.BadParameter("--format must be text or json")
    with data_dir(data) as (engine, store, audit):
        try:
            engine.policy(policy)
        except PolicyError as exc:
            err.print(f"error: {exc}")
            raise typer.Exit(2) from None
        summary = _assess(engine, store, audit, policy, day, None, workers)
    if output == "json":
        typer.echo(json.dumps(describe_levels(summary), ensure_ascii=False, indent=2))
    else:
        typer.echo(summary_text(summary))
    raise typer.Exit(1 if summary.failed else 0)


def _assess(
    engine: Engine,
    store: Store,
    audit: AuditLog,
    policy: str | None,
    day: dt.date | None,
    codes: list[str] | None,
    workers: int,
) -> AssessSummary:
    target = "all" if codes is None else f"{len(codes)} imported"
    entry = audit.start(_who(), "bulk.assess", target, {"policy": policy, "as_of": str(day)})
    started = time.perf_counter()
    total = len(codes) if codes is not None else store.enterprise_count()
    with progress_bar("assess", total) as progress:
        summary = assess_store(store, engine, day, policy, codes, workers, progress)
    for code, why in summary.failed:
        err.print(f"error: {code}: {why}", markup=False, highlight=False)
    audit.finish(
        entry,
        "ok",
        {
            "assessed": summary.assessed,
            "failed": len(summary.failed),
            "unchanged": summary.unchanged,
        },
    )
    kept = f" ({summary.unchanged} unchanged: kept as stored)" if summary.unchanged else ""
    err.print(
        f"{summary.assessed} enterprises assessed in {time.perf_counter() - started:.1f} s{kept}"
    )
    return summary


def summary_text(summary: AssessSummary, top: int = 15) -> str:
    width = max(len(str(summary.assessed)), 1)
    lines = [f"assessed: {summary.assessed}   conforming: {summary.conforming}"]
    lines.append("risk level:")
    for level in ("red", "orange", "yellow", "blue"):
        lines.append(f"  {level:<8}{summary.by_level.get(level, 0):>{width}}")
    lines.append("inspection class:")
    for cls in ("key", "general"):
        lines.append(f"  {cls:<8}{summary.by_class.get(cls, 0):>{width}}")
    lines.append(f"rules violated (enterprises), top {top}:")
    for rule, n in summary.by_rule.most_common(top):
        lines.append(f"  {rule:<24}{n:>{width}}")
    if summary.failed:
        lines.append(f"not assessed: {len(summary.failed)}")
    return "\n".join(lines)


def register(app: typer.Typer) -> None:
    app.command("import")(import_command)
    app.command("assess")(assess_command)
