"""API tokens: random secrets handed out once, kept only as SHA-256 hashes, each with a role.

A token reads ``skt_<id>_<secret>``: the id finds the row, the secret's hash is compared in
constant time. The secret is 32 random bytes, so a plain SHA-256 cannot be brute-forced and a
slow password hash would only slow every request.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from .codes import credit_code_problem

ROLES = ("viewer", "enterprise", "inspector", "policy", "admin")
PREFIX = "skt_"


class TokenError(ValueError):
    """A token request that cannot be honoured (unknown role, missing credit code ...)."""


@dataclass(frozen=True)
class Principal:
    """Who a request acts as."""

    name: str
    role: str
    credit_code: str | None = None
    token_id: str | None = None


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class TokenStore:
    """Tokens in ``tokens.sqlite3`` under the data directory; safe for several processes."""

    def __init__(self, data_dir: Path) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        self.path = data_dir / "tokens.sqlite3"
        with self._connect() as db:
            db.execute(
                """CREATE TABLE IF NOT EXISTS tokens (
                    id TEXT PRIMARY KEY, hash TEXT NOT NULL, name TEXT NOT NULL,
                    role TEXT NOT NULL, credit_code TEXT, created TEXT NOT NULL,
                    revoked TEXT)"""
            )

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=10)
        db.execute("PRAGMA journal_mode=WAL")
        return db

    def create(self, role: str, name: str, credit_code: str | None = None) -> tuple[str, str]:
        """A new token; returns (id, token). The token is not stored and cannot be shown again."""
        if role not in ROLES:
            raise TokenError(f"unknown role {role!r}; roles: {', '.join(ROLES)}")
        if role == "enterprise":
            problem = credit_code_problem(credit_code or "") if credit_code else "is required"
            if problem:
                raise TokenError(f"--credit-code {problem} for the enterprise role")
        elif credit_code:
            raise TokenError("only enterprise tokens are bound to a credit code")
        token_id, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        with self._connect() as db:
            db.execute(
                "INSERT INTO tokens (id, hash, name, role, credit_code, created) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (token_id, _hash(secret), name, role, credit_code, now),
            )
        return token_id, f"{PREFIX}{token_id}_{secret}"

    def authenticate(self, token: str) -> Principal | None:
        """The principal of a valid, unrevoked token, else None."""
        if not token.startswith(PREFIX):
            return None
        token_id, _, secret = token[len(PREFIX) :].partition("_")
        with self._connect() as db:
            row = db.execute(
                "SELECT hash, name, role, credit_code FROM tokens WHERE id = ? AND revoked IS NULL",
                (token_id,),
            ).fetchone()
        if row is None or not hmac.compare_digest(row[0], _hash(secret)):
            return None
        return Principal(row[1], row[2], row[3], token_id)

    def list(self) -> list[dict[str, str | None]]:
        with self._connect() as db:
            rows = db.execute(
                "SELECT id, name, role, credit_code, created, revoked FROM tokens ORDER BY created"
            ).fetchall()
        keys = ("id", "name", "role", "credit_code", "created", "revoked")
        return [dict(zip(keys, r, strict=True)) for r in rows]

    def revoke(self, token_id: str) -> bool:
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        with self._connect() as db:
            cur = db.execute(
                "UPDATE tokens SET revoked = ? WHERE id = ? AND revoked IS NULL", (now, token_id)
            )
        return cur.rowcount == 1
