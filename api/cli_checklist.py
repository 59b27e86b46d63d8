"""``safetykg checklist``: the rules that apply to one enterprise (一企一清单), for an inspection."""

from __future__ import annotations

import json
from enum import StrEnum
from importlib.resources import files
from pathlib import Path
from typing import Annotated

import typer

from safetykg.reasoner.ingest import InputError

from .cli_rules import RulesOption, load_checker


class ChecklistFormat(StrEnum):
    md = "md"
    csv = "csv"


class ChecklistLang(StrEnum):
    zh = "zh"
    en = "en"


def demo_profile(credit_code: str) -> dict | None:
    """A bundled demo enterprise by credit code (until enterprises are looked up in the store)."""
    demo = json.loads(
        files("safetykg").joinpath("demo/enterprises.json").read_text(encoding="utf-8")
    )
    return next((p for p in demo if p.get("credit_code") == credit_code), None)


def checklist(
    enterprise: Annotated[
        str, typer.Argument(help="A profile file, or the credit code of a demo enterprise")
    ],
    format: Annotated[ChecklistFormat, typer.Option("--format", "-f")] = ChecklistFormat.md,
    lang: Annotated[
        ChecklistLang, typer.Option(help="Language of the checklist")
    ] = ChecklistLang.zh,
    rules: RulesOption = None,
) -> None:
    """The rules that apply to this enterprise, ordered by article and item, with what to look at
    and the state its profile shows. Exit 2 when the enterprise cannot be read or found."""
    from safetykg.reasoner.checklist import checklist as build
    from safetykg.reasoner.checklist import to_csv, to_markdown
    from safetykg.reasoner.service import DocumentProblem

    checker = load_checker(rules)
    path = Path(enterprise)
    if path.is_file():
        try:
            documents = checker.read_files([path])
        except (InputError, DocumentProblem) as exc:
            errors = exc.errors if isinstance(exc, DocumentProblem) else [exc]
            for err in errors:
                for p in err.problems:
                    typer.echo(f"error: {err.source}: {p}", err=True)
            raise typer.Exit(2) from None
        profiles = [d.profile for d in documents]
    else:
        found = demo_profile(enterprise)
        if found is None:
            typer.echo(
                f"error: {enterprise!r} is neither a readable file nor the credit code of a "
                "demo enterprise",
                err=True,
            )
            raise typer.Exit(2)
        profiles = [found]
    out = []
    for profile in profiles:
        items = build(checker.engine, profile, lang.value)
        title = f"{profile['credit_code']} {profile.get('name') or ''}".strip()
        out.append(
            to_csv(items, lang.value)
            if format is ChecklistFormat.csv
            else to_markdown(items, title, lang.value)
        )
    typer.echo("\n".join(out), nl=False)
