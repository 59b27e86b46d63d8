"""``safetykg token``: create, list and revoke the service's API tokens."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from safetykg.reasoner.tokens import ROLES, TokenError, TokenStore

token_app = typer.Typer(help="API tokens of a data directory.", no_args_is_help=True)
DataDir = Annotated[Path, typer.Option("--data", help="The service's data directory")]


@token_app.command("create")
def create(
    data: DataDir,
    role: Annotated[str, typer.Option(help=f"One of: {', '.join(ROLES)}")],
    credit_code: Annotated[
        str | None, typer.Option(help="The enterprise's credit code (enterprise role only)")
    ] = None,
    name: Annotated[str | None, typer.Option(help="Who holds the token (for the audit)")] = None,
) -> None:
    """Create a token and print it once; only its hash is kept."""
    try:
        token_id, token = TokenStore(data).create(role, name or role, credit_code)
    except TokenError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(token)
    typer.echo(f"token {token_id} ({role}) created; it is not shown again", err=True)


@token_app.command("list")
def list_tokens(data: DataDir) -> None:
    """The tokens of the data directory (without secrets), as JSON."""
    typer.echo(json.dumps(TokenStore(data).list(), ensure_ascii=False, indent=2))


@token_app.command("revoke")
def revoke(data: DataDir, token_id: Annotated[str, typer.Argument(help="The token's id")]) -> None:
    """Revoke a token; requests with it are refused from then on."""
    if not TokenStore(data).revoke(token_id):
        typer.echo(f"error: no active token {token_id}", err=True)
        raise typer.Exit(1)
    typer.echo(f"token {token_id} revoked", err=True)
