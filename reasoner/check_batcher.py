"""Micro-batching of concurrent checks: requests that arrive together are assessed together.

Assessing a batch in one Oxigraph store pays the fixed cost of the compiled SHACL queries once
per batch instead of once per enterprise (``Engine.assess_many``). A ``CheckBatcher`` queues the
checks submitted from any thread; one worker thread takes the oldest waiting check and everything
that waits with the same ``as_of`` and policy, after giving the oldest at most ``window``
seconds for company or as soon as ``max_profiles`` profiles are waiting, and answers each check
with exactly its own results.

While the worker assesses one batch, the next checks queue up, so batches grow with the load
even without a window; the window (default 0) only lets the oldest check wait for company when
the worker is free. One worker, because most of a check is Python holding the GIL (Oxigraph
releases it only while it evaluates a query): more threads would share one core. Figures in
bench/README.md (``check_concurrency.py``).
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

Result = TypeVar("Result")
BatchKey = tuple[dt.date | None, str | None]


@dataclass(frozen=True)
class BatchSettings:
    """``window``: seconds the oldest waiting check may wait for others (0: take what is
    waiting; a window of 2 ms made lone requests slower and 8 clients no faster, measured on a
    busy machine); ``max_profiles``: the most profiles in one batch (a request with more is
    still taken whole, alone)."""

    window: float = 0.0
    max_profiles: int = 32

    def __post_init__(self) -> None:
        if not 0 <= self.window <= 0.1:
            raise ValueError(f"batch window must be between 0 and 0.1 s, not {self.window}")
        if self.max_profiles < 1:
            raise ValueError(f"batch size must be at least 1, not {self.max_profiles}")


@dataclass
class _Waiting(Generic[Result]):
    profiles: list[dict[str, Any]]
    key: BatchKey
    arrived: float
    future: Future[list[Result]] = field(default_factory=Future)


class CheckBatcher(Generic[Result]):
    """Runs ``check_many(profiles, as_of, policy) -> one result per profile`` over batches of
    the submitted checks. The worker thread starts with the first check and ends after
    ``idle_exit`` seconds without one, so a batcher that is no longer used holds no thread."""

    def __init__(
        self,
        check_many: Callable[[list[dict[str, Any]], dt.date | None, str | None], list[Result]],
        settings: BatchSettings | None = None,
        idle_exit: float = 10.0,
    ) -> None:
        self.check_many = check_many
        self.settings = settings or BatchSettings()
        self.idle_exit = idle_exit
        self._waiting: deque[_Waiting[Result]] = deque()
        self._changed = threading.Condition()
        self._worker: threading.Thread | None = None

    def submit(
        self, profiles: Sequence[dict[str, Any]], as_of: dt.date | None, policy: str | None
    ) -> Future[list[Result]]:
        """Queue already validated profiles; the future gives their results in order, or the
        exception their check raised (only theirs: a failing batch is retried check by check).
        Cancelling the future before its batch starts leaves the profiles unchecked."""
        item: _Waiting[Result] = _Waiting(list(profiles), (as_of, policy), time.monotonic())
        with self._changed:
            self._waiting.append(item)
            if self._worker is None:
                self._worker = threading.Thread(
                    target=self._work, name="check-batcher", daemon=True
                )
                self._worker.start()
            self._changed.notify()
        return item.future

    def _work(self) -> None:
        while (batch := self._next_batch()) is not None:
            self._run(batch)

    def _next_batch(self) -> list[_Waiting[Result]] | None:
        """The next batch, once its oldest check has waited ``window`` or it is full; None
        (and the worker ends) after ``idle_exit`` seconds with nothing to do."""
        with self._changed:
            if not self._changed.wait_for(lambda: self._waiting, timeout=self.idle_exit):
                self._worker = None
                return None
            oldest = self._waiting[0]
            deadline = oldest.arrived + self.settings.window
            while (
                self._profiles_waiting(oldest.key) < self.settings.max_profiles
                and (left := deadline - time.monotonic()) > 0
            ):
                self._changed.wait(left)
            return self._take(oldest.key)

    def _profiles_waiting(self, key: BatchKey) -> int:
        return sum(len(w.profiles) for w in self._waiting if w.key == key)

    def _take(self, key: BatchKey) -> list[_Waiting[Result]]:
        """Remove and return the waiting checks of ``key`` in arrival order, up to the batch
        size (the first is always taken); cancelled checks are dropped."""
        batch: list[_Waiting[Result]] = []
        size = 0
        for item in list(self._waiting):
            if item.key != key:
                continue
            if batch and size + len(item.profiles) > self.settings.max_profiles:
                break
            self._waiting.remove(item)
            if item.future.set_running_or_notify_cancel():
                batch.append(item)
                size += len(item.profiles)
        return batch

    def _run(self, batch: list[_Waiting[Result]]) -> None:
        if not batch:
            return
        as_of, policy = batch[0].key
        try:
            results = self.check_many([p for w in batch for p in w.profiles], as_of, policy)
        except Exception as exc:
            if len(batch) == 1:
                batch[0].future.set_exception(exc)
                return
            for item in batch:
                self._run([item])
            return
        start = 0
        for item in batch:
            item.future.set_result(results[start : start + len(item.profiles)])
            start += len(item.profiles)
