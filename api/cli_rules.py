"""``safetykg rules``: the policy staff's commands for rule shapes."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from safetykg.reasoner.service import Checker

rules_app = typer.Typer(help="Rule shapes: run their fixtures.", no_args_is_help=True)


@rules_app.command("test")
def rules_test(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Rule folders or files (default: shipped rules)")
    ] = None,
) -> None:
    """Run every rule's fixtures; exit 1 when any fixture fails, showing what differed."""
    from safetykg.reasoner.rule_tests import discover, run_cases

    checker = Checker.default(extra_rule_dirs=[p for p in (paths or []) if p.is_dir()])
    cases = discover(paths or None)
    if not cases:
        typer.echo("no fixtures found", err=True)
        raise typer.Exit(1)
    outcomes = run_cases(checker.engine, checker.reporter, cases)
    failed = [o for o in outcomes if not o.passed]
    for o in outcomes:
        typer.echo(f"{'PASS' if o.passed else 'FAIL'} {o.case.name}")
        if not o.passed:
            typer.echo(o.diff())
    typer.echo(f"{len(outcomes) - len(failed)} passed, {len(failed)} failed")
    raise typer.Exit(1 if failed else 0)
