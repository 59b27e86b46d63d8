"""A second process for the checks of ``POST /check``, so that a service uses two cores.

Most of a check is Python holding the GIL; in one process the service read requests, checked
them and wrote the answers on one core, and the second sat idle (bench/check_concurrency.py:
8 clients, ~7 ms of CPU per request under one GIL, median ~55 ms). A ``CheckProcess`` checks
the batches of the service's ``CheckBatcher`` in a child process while the service's own
process goes on reading and answering requests.

The child is a plain subprocess (reasoner/child_process.py: not a fork, which would copy the
service threads' locks) and builds its own engine from the same rule folders. It first says
which rules it loaded (``rule_signature``), and is used only if they are the parent's. Until
then, and whenever it cannot answer (it died, or a batch failed there), ``reports`` returns None
and the caller checks in its own process: an answer never depends on the child. A child that
dies after it was ready, or does not answer a batch in time, is replaced, at most ``restarts``
times (default ``RESTARTS``).
"""

from __future__ import annotations

import datetime as dt
import logging
import sys
import threading
from collections.abc import Sequence
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from .child_process import ChildProcess, parent_connections
from .engine import Engine

log = logging.getLogger(__name__)
RESTARTS = 3
ANSWER_SECONDS = 60.0  # and a second more per profile: a child that takes longer is replaced

Signature = tuple[tuple[tuple[str, ...], ...], tuple[str, ...]]


def rule_signature(engine: Engine) -> Signature:
    """What an engine checks, comparable across processes: each rule with its pack, file
    (a rule store writes each revision to a folder of its own), severity and state, and the
    policies. (Not the size of the rule graph: pySHACL adds two RDFS axioms to the shapes
    graph it is given, so the service's grows after a reference validation.)"""
    rules = sorted(
        (r.rule_id, r.pack, r.source_file, r.severity, str(r.enabled))
        for r in engine.rules.rules.values()
    )
    return tuple(rules), tuple(sorted(engine.policies))


def _serve(inbox: Connection, outbox: Connection, rule_dirs: list[str]) -> None:
    """The child: build the engine, say which rules it has, then answer batches until the
    parent closes its end."""
    from .service import Checker  # the service module imports this one

    engine = Engine(extra_rule_dirs=[Path(d) for d in rule_dirs])
    checker = Checker(engine)
    engine.prepare()
    log.debug("check process: %d compiled shape queries", len(engine.rules.compiled))
    try:
        outbox.send(rule_signature(engine))  # ready: the shapes and risk rules are compiled
        while True:
            profiles, as_of, policy = inbox.recv()
            try:
                reply: tuple[str, Any] = ("ok", checker.reports(profiles, as_of, policy))
            except Exception as exc:  # reported to the parent, which checks the batch itself
                reply = ("failed", f"{type(exc).__name__}: {exc}")
            outbox.send(reply)
    except (EOFError, OSError):  # the parent closed its end or is gone
        return


class CheckProcess:
    """The child process that checks batches for one engine (see the module docstring)."""

    def __init__(
        self, engine: Engine, restarts: int = RESTARTS, answer_seconds: float = ANSWER_SECONDS
    ) -> None:
        self.rule_dirs = [str(d) for d in engine.extra_rule_dirs]
        self.signature = rule_signature(engine)
        self.answer_seconds = answer_seconds
        self.batches = 0  # answered by the child
        self._lock = threading.Lock()
        self._restarts = restarts
        self._closed = False
        self._start()

    def _start(self) -> None:
        self._child = ChildProcess(__name__, *self.rule_dirs)
        self._ready = False
        self._usable = True

    @property
    def pid(self) -> int:
        return self._child.pid

    def describe(self) -> dict[str, Any]:
        """For ``/health``: the state, the child's process id and the batches it answered."""
        return {"state": self.state(), "pid": self.pid, "batches": self.batches}

    def state(self) -> str:
        """The state for ``/health``: ready, starting, or unused (closed, refused, or out of
        restarts). It never waits: while a batch holds the child, the state is as it was."""
        if self._lock.acquire(blocking=False):
            try:
                self._poll_ready(0)
            finally:
                self._lock.release()
        if self._closed or not self._usable:
            return "unused"
        return "ready" if self._ready else "starting"

    def wait_ready(self, timeout: float) -> bool:
        with self._lock:
            return self._poll_ready(timeout)

    def reports(
        self, profiles: Sequence[dict[str, Any]], as_of: dt.date | None, policy: str | None
    ) -> list[dict[str, Any]] | None:
        """The check reports of validated profiles, or None when the child cannot give them."""
        with self._lock:
            if not self._poll_ready(0):
                return None
            limit = self.answer_seconds + len(profiles)
            try:
                self._child.send((list(profiles), as_of, policy))
                if not self._child.poll(limit):
                    self._lost(f"no answer within {limit:g} s")
                    return None
                status, payload = self._child.recv()
            except (EOFError, OSError) as exc:
                self._lost(f"it ended ({type(exc).__name__})")
                return None
            if status != "ok":
                log.warning("the check process failed a batch (%s); checking it here", payload)
                return None
            self.batches += 1
            return payload

    def _poll_ready(self, timeout: float) -> bool:
        if self._closed or not self._usable:
            return False
        if not self._ready:
            try:
                if not self._child.poll(timeout):
                    return False
                theirs = self._child.recv()
            except (EOFError, OSError):
                self._lost("it ended while starting")
                return False
            if theirs != self.signature:
                log.warning("the check process loaded other rules than the service; unused")
                self._stop()
                return False
            self._ready = True
        return True

    def _lost(self, why: str) -> None:
        was_ready = self._ready
        self._stop()
        if was_ready and self._restarts > 0:
            self._restarts -= 1
            log.warning("the check process was lost (%s); starting another", why)
            self._start()
        else:
            log.warning("the check process was lost (%s); checks run in the service", why)

    def _stop(self) -> None:
        """A ready child is waiting for a batch and ends at the end of its input; one still
        building its engine would notice only when it is done, so it is killed (it holds
        nothing)."""
        self._usable = False
        if self._ready:
            self._child.close(timeout=5)
        else:
            self._child.kill()

    def close(self) -> None:
        """End the child; a batch it is checking is answered first."""
        with self._lock:
            if not self._closed:
                self._closed = True
                self._stop()


if __name__ == "__main__":
    _serve(*parent_connections(), sys.argv[1:])
