"""``safetykg rules``: the policy staff's commands for rule shapes, and ``--rules DIR`` loading."""

from __future__ import annotations

import csv
import io
import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from safetykg.reasoner.service import Checker

rules_app = typer.Typer(
    help="Rule shapes: test, lint and list them.", no_args_is_help=True, add_completion=False
)

RulesOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--rules",
        help="A rule pack folder (with pack.ttl) to load besides the shipped rules; repeatable",
    ),
]


class ListFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


def load_checker(packs: list[Path] | None) -> Checker:
    """A checker with the shipped rules and every pack that lints clean.

    A refused pack's errors go to stderr; the rules in force are then the others.
    """
    checker = Checker.default(extra_rule_dirs=packs or [])
    for folder, problems in checker.engine.rule_base.refused.items():
        typer.echo(f"error: rule pack {folder} refused, its rules are not in force:", err=True)
        for p in problems:
            typer.echo(f"  {p}", err=True)
    return checker


def _is_pack(path: Path) -> bool:
    return path.is_dir() and (path / "pack.ttl").is_file()


@rules_app.command("test")
def rules_test(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Rule folders, packs or fixture files (default: shipped rules)"),
    ] = None,
    rules: RulesOption = None,
) -> None:
    """Run every rule's fixtures; exit 1 when any fixture fails, showing what differed."""
    from safetykg.reasoner.rule_tests import discover, run_cases

    packs = list(rules or []) + [p for p in paths or [] if _is_pack(p) and p not in (rules or [])]
    checker = load_checker(packs)
    if checker.engine.rule_base.refused:
        raise typer.Exit(1)
    cases = discover(paths or None) if paths else discover(None) + discover(list(rules or []))
    if not cases:
        typer.echo("no fixtures found", err=True)
        raise typer.Exit(1)
    outcomes = run_cases(checker.engine, checker.reporter, cases)
    failed = [o for o in outcomes if not o.passed]
    for o in outcomes:
        typer.echo(f"{'PASS' if o.passed else 'FAIL'} {o.case.name}")
        if not o.passed:
            typer.echo(f"    fixture: {o.case.path}")
            typer.echo(o.diff())
    typer.echo(f"{len(outcomes) - len(failed)} passed, {len(failed)} failed")
    raise typer.Exit(1 if failed else 0)


@rules_app.command("lint")
def rules_lint(
    paths: Annotated[list[Path], typer.Argument(help="Rule files, folders or packs")],
    rules: RulesOption = None,
) -> None:
    """Check rule files before they run; exit 1 on any error (file:line: [rule] message)."""
    from safetykg.reasoner.resources import turtle_files
    from safetykg.reasoner.rule_lint import Linter
    from safetykg.reasoner.rule_packs import read_pack

    checker = load_checker(rules)
    engine = checker.engine
    problems, files = [], []
    for path in paths:
        if not path.exists():
            problems.append(f"{path}: no such file or folder")
            continue
        own = {str(f) for f in (turtle_files(path) if path.is_dir() else [path])}
        linter = Linter(engine.kb, [f for f in engine.rule_base.files if str(f) not in own])
        if _is_pack(path):
            pack, found = read_pack(path)
            found = found if pack is None else linter.lint_pack(pack)
            files += [] if pack is None else pack.rule_files
        else:
            targets = (
                [f for f in turtle_files(path) if f.name != "pack.ttl"] if path.is_dir() else [path]
            )
            found = linter.lint(targets)
            files += targets
        problems += [str(p) for p in found]
    for p in problems:
        typer.echo(f"error: {p}", err=True)
    if problems:
        typer.echo(f"{len(problems)} error(s)", err=True)
        raise typer.Exit(1)
    typer.echo(f"ok: {len(files)} file(s), no errors")


@rules_app.command("list")
def rules_list(
    format: Annotated[ListFormat, typer.Option("--format", "-f")] = ListFormat.table,
    rules: RulesOption = None,
) -> None:
    """The rules in force: id, clause, severity, confidence, applies-to, enabled, pack and
    applies-when (the scope its checklist lines need)."""
    from safetykg.reasoner.rule_catalog import catalog

    entries = catalog(load_checker(rules).engine)
    rows = [e.as_dict() for e in entries]
    if format is ListFormat.json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    columns = list(rows[0]) if rows else []
    if format is ListFormat.csv:
        out = io.StringIO()
        writer = csv.DictWriter(out, columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        typer.echo(out.getvalue(), nl=False)
        return
    widths = {c: max(len(c), *(len(str(r[c])) for r in rows)) for c in columns}
    typer.echo("  ".join(c.ljust(widths[c]) for c in columns).rstrip())
    for r in rows:
        typer.echo("  ".join(str(r[c]).ljust(widths[c]) for c in columns).rstrip())
