"""A small pool of worker processes that run read-only SPARQL queries with a time limit.

Oxigraph cannot interrupt a running query, so each query runs in a worker process that is
killed (and replaced) when the query overruns. Workers open a read-only checkpoint of the store
(``Store.snapshot``), never the live database, so a killed worker cannot damage it and a query
cannot write.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from multiprocessing.connection import Connection

import pyoxigraph as ox

from .child_process import ChildProcess, parent_connections
from .sparql_query import QueryError, QueryJob, QueryOutput, run_query

STARTUP_SECONDS = 60


class QueryTimeout(QueryError):
    """The query ran longer than the time limit and was stopped."""


class QueryBusy(QueryError):
    """Every worker stayed busy for the whole time limit."""


def _work(inbox: Connection, outbox: Connection) -> None:
    """Worker loop: receive (checkpoint path, job), answer ("ok", output) or ("error", message).

    Returns when the parent goes away (end of input).
    """
    path, store = None, None
    outbox.send("ready")
    while True:
        try:
            snapshot, job = inbox.recv()
        except (EOFError, KeyboardInterrupt):
            return
        try:
            if snapshot != path:
                store, path = None, None
                store, path = ox.Store.read_only(snapshot), snapshot
            outbox.send(("ok", run_query(store, job)))
        except QueryError as exc:
            outbox.send(("error", str(exc)))
        except OSError as exc:
            outbox.send(("error", f"store could not be read: {exc}"))


def _start_worker() -> ChildProcess:
    """A worker that has said it is ready (it runs this module)."""
    worker = ChildProcess(__name__)
    if not worker.poll(STARTUP_SECONDS) or worker.recv() != "ready":
        worker.kill()
        raise QueryError("a query worker process did not start")
    return worker


class QueryPool:
    """``size`` workers; ``run`` blocks the calling thread only, at most ``timeout`` seconds
    waiting for a free worker and ``timeout`` seconds for the answer.
    """

    def __init__(
        self,
        snapshot: Callable[[], AbstractContextManager[str]],
        size: int = 2,
        timeout: float = 10.0,
    ) -> None:
        self.snapshot, self.timeout = snapshot, timeout
        self._idle: queue.Queue[ChildProcess] = queue.Queue()
        self._all: list[ChildProcess] = []
        self._lock = threading.Lock()
        for _ in range(size):
            self._idle.put(self._start())

    def _start(self) -> ChildProcess:
        worker = _start_worker()
        with self._lock:
            self._all.append(worker)
        return worker

    def _replace(self, worker: ChildProcess) -> None:
        worker.kill()
        with self._lock:
            self._all.remove(worker)
        self._idle.put(self._start())

    def run(self, job: QueryJob) -> QueryOutput:
        try:
            worker = self._idle.get(timeout=self.timeout)
        except queue.Empty:
            raise QueryBusy(
                f"all query workers stayed busy for {self.timeout:g} s; try again later"
            ) from None
        with self.snapshot() as path:
            try:
                worker.send((path, job))
                if not worker.poll(self.timeout):
                    self._replace(worker)
                    raise QueryTimeout(
                        f"the query ran longer than the limit of {self.timeout:g} s and was "
                        "stopped; narrow it or add a LIMIT"
                    )
                status, value = worker.recv()
            except (EOFError, OSError, BrokenPipeError):
                self._replace(worker)
                raise QueryError("the query worker stopped unexpectedly") from None
        self._idle.put(worker)
        if status == "error":
            raise QueryError(value)
        return value

    def close(self) -> None:
        with self._lock:
            workers, self._all = self._all, []
        for w in workers:
            w.kill()


if __name__ == "__main__":
    _work(*parent_connections())
