"""The audit log: every write, who made it, when, and what changed, in ``audit.sqlite3``.

A write is recorded before it is made (outcome ``started``) and its outcome after, so that a
write interrupted by a crash still leaves a trace.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path
from typing import Any

from .tokens import Principal

PAGE_SIZE = 100


class AuditLog:
    def __init__(self, data_dir: Path) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        self.path = data_dir / "audit.sqlite3"
        with self._connect() as db:
            db.execute(
                """CREATE TABLE IF NOT EXISTS audit (
                    id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, actor TEXT NOT NULL,
                    role TEXT NOT NULL, token_id TEXT, action TEXT NOT NULL, target TEXT NOT NULL,
                    outcome TEXT NOT NULL, detail TEXT NOT NULL)"""
            )

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=10)
        db.execute("PRAGMA journal_mode=WAL")
        return db

    def start(self, who: Principal, action: str, target: str, detail: dict[str, Any]) -> int:
        now = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")
        with self._connect() as db:
            cur = db.execute(
                "INSERT INTO audit (at, actor, role, token_id, action, target, outcome, detail) "
                "VALUES (?, ?, ?, ?, ?, ?, 'started', ?)",
                (now, who.name, who.role, who.token_id, action, target, _dump(detail)),
            )
        return int(cur.lastrowid or 0)

    def finish(self, entry: int, outcome: str, detail: dict[str, Any] | None = None) -> None:
        with self._connect() as db:
            if detail is None:
                db.execute("UPDATE audit SET outcome = ? WHERE id = ?", (outcome, entry))
            else:
                db.execute(
                    "UPDATE audit SET outcome = ?, detail = ? WHERE id = ?",
                    (outcome, _dump(detail), entry),
                )

    def entries(
        self,
        actor: str | None = None,
        action: str | None = None,
        target: str | None = None,
        since: str | None = None,
        page: int = 1,
    ) -> list[dict[str, Any]]:
        """Newest first, filtered by exact actor, action and target and by time (ISO 8601)."""
        clauses, values = [], []
        for column, value in (("actor", actor), ("action", action), ("target", target)):
            if value is not None:
                clauses.append(f"{column} = ?")
                values.append(value)
        if since is not None:
            clauses.append("at >= ?")
            values.append(since)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        with self._connect() as db:
            rows = db.execute(
                "SELECT id, at, actor, role, token_id, action, target, outcome, detail "
                f"FROM audit {where} ORDER BY id DESC LIMIT ? OFFSET ?",
                (*values, PAGE_SIZE, (page - 1) * PAGE_SIZE),
            ).fetchall()
        keys = ("id", "at", "actor", "role", "token_id", "action", "target", "outcome", "detail")
        out = [dict(zip(keys, r, strict=True)) for r in rows]
        for entry in out:
            entry["detail"] = json.loads(entry["detail"])
        return out


def _dump(detail: dict[str, Any]) -> str:
    return json.dumps(detail, ensure_ascii=False, sort_keys=True)
