"""What the command-line modules share: options, the date parser and the way a command fails."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from enum import StrEnum
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from safetykg.reasoner.ingest import InputError
from safetykg.reasoner.risk import PolicyError
from safetykg.reasoner.service import Checker, CheckResult, DocumentProblem


class Lang(StrEnum):
    zh = "zh"
    en = "en"


PolicyOption = Annotated[
    str | None, typer.Option(help="Policy profile, e.g. guangdong-2021 or shanxi-2025")
]
AsOfOption = Annotated[str | None, typer.Option("--as-of", help="Assess as of YYYY-MM-DD")]


def fail(message: str) -> NoReturn:
    """Print ``message`` to stderr and end the command with exit code 2 (bad input)."""
    typer.echo(message, err=True)
    raise typer.Exit(2)


def parse_date(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        fail(f"error: {option}: {value!r} is not a date of the form YYYY-MM-DD")


def input_error_text(exc: InputError | DocumentProblem) -> str:
    """Every problem of every document, one line each, naming the document and key path."""
    errors = exc.errors if isinstance(exc, DocumentProblem) else [exc]
    lines = [f"error: {err.source}: {p}" for err in errors for p in err.problems]
    return "\n".join(lines) or f"error: {exc}"


def check_files(
    checker: Checker, paths: Sequence[Path], as_of: dt.date | None, policy: str | None
) -> list[CheckResult]:
    """Read, validate and check profile files; a bad file or policy ends the command."""
    try:
        documents = checker.read_files(paths)
        return checker.check_documents(documents, as_of=as_of, policy=policy)
    except (InputError, DocumentProblem) as exc:
        fail(input_error_text(exc))
    except PolicyError as exc:
        fail(f"error: {exc}")
