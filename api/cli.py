"""The ``safetykg`` command line: the same functions the HTTP API calls."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from safetykg.reasoner.check_batcher import BatchSettings

from .cli_bulk import register as register_bulk
from .cli_checklist import checklist
from .cli_common import AsOfOption, Lang, PolicyOption, check_files, parse_date
from .cli_plan import register as register_planning
from .cli_rules import RulesOption, load_checker, rules_app
from .cli_tokens import token_app

app = typer.Typer(
    help="SafetyKG: knowledge graph and rule reasoning for work-safety supervision.",
    no_args_is_help=True,
    add_completion=False,
)


BATCHING = BatchSettings()


class OutputFormat(StrEnum):
    text = "text"
    json = "json"
    turtle = "turtle"


@app.command()
def check(
    files: Annotated[
        list[Path], typer.Argument(help="Profile JSON, JSON Lines, JSON-LD or Turtle files")
    ],
    format: Annotated[OutputFormat, typer.Option("--format", "-f")] = OutputFormat.text,
    lang: Annotated[Lang, typer.Option(help="Language of text output")] = Lang.zh,
    policy: PolicyOption = None,
    as_of: AsOfOption = None,
    rules: RulesOption = None,
) -> None:
    """Check enterprises against the rules and grade their risk.

    Exit code 0: every enterprise conforms; 1: at least one violation; 2: input could not be read.
    """
    checker = load_checker(rules)
    results = check_files(checker, files, parse_date(as_of, "--as-of"), policy)
    if format is OutputFormat.json:
        payload = [r.report for r in results]
        typer.echo(
            json.dumps(payload[0] if len(payload) == 1 else payload, ensure_ascii=False, indent=2)
        )
    elif format is OutputFormat.turtle:
        typer.echo(checker.turtle(results))
    else:
        typer.echo("\n\n".join(checker.text(r, lang.value) for r in results))
    raise typer.Exit(0 if all(r.report["conforms"] for r in results) else 1)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8000,
    data: Annotated[
        Path | None,
        typer.Option(help="Data directory: persistent store, tokens, audit log (created if new)"),
    ] = None,
    demo: Annotated[
        bool | None,
        typer.Option(help="Load the synthetic demo enterprises (default: only without --data)"),
    ] = None,
    query_timeout: Annotated[float, typer.Option(help="SPARQL time limit, seconds")] = 10.0,
    row_limit: Annotated[int, typer.Option(help="Most SPARQL result rows returned")] = 10_000,
    query_workers: Annotated[int, typer.Option(help="SPARQL worker processes")] = 2,
    max_body: Annotated[int, typer.Option(help="Largest request body, bytes")] = 5 * 1024 * 1024,
    public_read: Annotated[
        bool | None,
        typer.Option(help="Allow reads without a token (default: only without --data)"),
    ] = None,
    batch_window: Annotated[
        float,
        typer.Option(
            help="POST /check micro-batching: seconds the oldest waiting check may wait for "
            "others to be assessed with it (0 to 0.1; 0: take what is waiting)"
        ),
    ] = BATCHING.window,
    batch_size: Annotated[
        int,
        typer.Option(
            help="POST /check micro-batching: most profiles assessed in one batch "
            "(a larger request is still assessed whole)"
        ),
    ] = BATCHING.max_profiles,
    check_process: Annotated[
        bool,
        typer.Option(
            help="POST /check: assess the batches in a second process, so that the service "
            "uses two cores (checks run in the service until it is ready, or if it fails)"
        ),
    ] = True,
    rules: RulesOption = None,
) -> None:
    """Run the HTTP API (OpenAPI docs at /docs) on the embedded store with the reference KB."""
    try:
        batching = BatchSettings(window=batch_window, max_profiles=batch_size)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    import uvicorn

    from safetykg.api.app import create_app
    from safetykg.api.state import ServiceConfig

    config = ServiceConfig(
        data_dir=data,
        load_demo=data is None if demo is None else demo,
        max_body_bytes=max_body,
        query_timeout=query_timeout,
        row_limit=row_limit,
        query_workers=query_workers,
        public_read=public_read,
        batching=batching,
        check_process=check_process,
    )
    api = create_app(config=config, checker=load_checker(rules) if rules else None)
    token = api.state.services.demo_token
    if token:
        typer.echo(f"demo mode: reads are open; write with this admin token: {token}", err=True)
    uvicorn.run(api, host=host, port=port, log_level="info")


app.command("checklist")(checklist)
register_planning(app)
register_bulk(app)
app.add_typer(rules_app, name="rules")
app.add_typer(token_app, name="token")


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
