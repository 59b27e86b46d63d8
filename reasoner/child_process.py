"""Worker processes started as ``python -m MODULE ARGS…``, talking over their stdin and stdout.

A plain subprocess: not multiprocessing's spawn, so that a worker never re-runs the parent's
``__main__`` whatever started the service, and not a fork, which would copy the locks of the
service's threads in whatever state those threads left them.
"""

from __future__ import annotations

import os
import subprocess
import sys
from multiprocessing.connection import Connection


class ChildProcess:
    """The parent's end: pickled messages to the child's stdin, from its stdout."""

    def __init__(self, module: str, *args: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", module, *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            close_fds=True,
        )
        assert self.process.stdin is not None and self.process.stdout is not None
        self._to = Connection(os.dup(self.process.stdin.fileno()), readable=False)
        self._from = Connection(os.dup(self.process.stdout.fileno()), writable=False)
        self.process.stdin.close()
        self.process.stdout.close()

    @property
    def pid(self) -> int:
        return self.process.pid

    def send(self, message: object) -> None:
        self._to.send(message)

    def poll(self, timeout: float) -> bool:
        return self._from.poll(timeout)

    def recv(self) -> object:
        return self._from.recv()

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(5)
        self._to.close()
        self._from.close()

    def close(self, timeout: float) -> None:
        """End of input: a child waiting for a message ends; one that does not within
        ``timeout`` seconds is killed."""
        self._to.close()
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)
        self._from.close()


def parent_connections() -> tuple[Connection, Connection]:
    """The child's end: (messages from the parent, answers to it). Whatever else the child
    prints goes to stderr, so that a stray print cannot corrupt the answers."""
    answers = Connection(os.dup(1), readable=False)
    os.dup2(2, 1)
    return Connection(os.dup(0), writable=False), answers
