"""Inspection plans kept as JSON under the data directory (``plans/<id>.json``).

A plan's id is a hash of its inputs (``reasoner.plan.Plan.id``), so storing the same plan again
replaces the file with the same content.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from .atomic_files import write_text_atomic

PLAN_ID = re.compile(r"[0-9a-f]{16}")


class PlanStore:
    def __init__(self, data_dir: Path) -> None:
        self.folder = data_dir / "plans"

    def save(self, plan: dict[str, Any]) -> None:
        if not PLAN_ID.fullmatch(plan["id"]):
            raise ValueError(f"not a plan id: {plan['id']!r}")
        text = json.dumps(plan, ensure_ascii=False, indent=1)
        write_text_atomic(self.folder / f"{plan['id']}.json", text)

    def get(self, plan_id: str) -> dict[str, Any] | None:
        """The stored plan; None for an unknown id or a string that is not a plan id."""
        if not PLAN_ID.fullmatch(plan_id):
            return None
        path = self.folder / f"{plan_id}.json"
        if not path.is_file():
            return None
        return json.loads(path.read_text(encoding="utf-8"))
