"""A ``Store`` that logs the writes the service makes in a ``ChangeLog``, until ``Store`` does.

The change proposed to the store's owner: ``Store.__init__`` makes ``self.changes = ChangeLog()``
and ``Store._write`` (and every other write) records the generation it made with the credit
codes it wrote. Then this module goes and ``Store`` is used in its place.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from pathlib import Path

from .change_log import ChangeLog
from .instance_rules import InstanceRules
from .kb import KnowledgeBase
from .store import Store, StoredEnterprise


class ChangeLoggingStore(Store):
    """A ``Store`` that logs enterprise puts and deletes and SPARQL Updates in ``changes``."""

    def __init__(
        self, kb: KnowledgeBase, rules: InstanceRules, path: str | Path | None = None
    ) -> None:
        self.changes = ChangeLog()
        self._log_lock = threading.Lock()
        super().__init__(kb, rules, path)

    def put_enterprises(self, items: Iterable[StoredEnterprise]) -> None:
        items = list(items)
        with self._log_lock:
            super().put_enterprises(items)
            self.changes.record(self.generation, [item.credit_code for item in items])

    def delete_enterprise(self, credit_code: str) -> bool:
        with self._log_lock:
            deleted = super().delete_enterprise(credit_code)
            if deleted:
                self.changes.record(self.generation, (credit_code,))
            return deleted

    def update(self, sparql: str) -> None:
        with self._log_lock:
            before = self.generation
            try:
                super().update(sparql)
            finally:
                if self.generation != before:
                    self.changes.record(self.generation, None)
