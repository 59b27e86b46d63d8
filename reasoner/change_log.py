"""Which enterprises the store's recent writes touched, so that what is derived from the store
(region counters, clusters) is brought up to date by re-reading those enterprises only.

``Store.generation`` says that something changed; ``ChangeLog`` says what. Each write is logged
under the generation it made, with the credit codes it wrote, or with ``None`` when it may have
touched anything (a SPARQL Update by an administrator). The log keeps the last ``size`` writes;
a reader further behind, or behind an untargeted write, is told to read everything again. The
store logs a write before it counts it; a reader takes the generation it is now current with
from the log, not from the store, so that a write made while it reads is read on its next call.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterable

LOG_SIZE = 100_000


class ChangeLog:
    def __init__(self, size: int = LOG_SIZE) -> None:
        self._entries: deque[tuple[int, frozenset[str] | None]] = deque(maxlen=size)
        self._lock = threading.Lock()

    def record(self, generation: int, codes: Iterable[str] | None) -> None:
        """Log the write that made ``generation``: it wrote ``codes`` (None: anything)."""
        with self._lock:
            self._entries.append((generation, None if codes is None else frozenset(codes)))

    def since(self, generation: int) -> tuple[int, set[str] | None]:
        """The generation of the last write logged, and the credit codes written after
        ``generation`` up to it; the codes are None when the log cannot tell."""
        codes: set[str] = set()
        with self._lock:
            if not self._entries:
                return generation, None
            latest = self._entries[-1][0]
            for made, written in reversed(self._entries):
                if made <= generation:
                    return latest, codes
                if written is None:
                    return latest, None
                codes |= written
            complete = self._entries[0][0] == generation + 1
        return latest, codes if complete else None
