"""Moving the N-Quads that worker processes wrote into the store without passing them through
Python: appended to a spool file (``append_file``), or fed through a pipe to a bulk load that
runs while the workers are still assessing (``StreamedLoad``).

Why a streamed load: an assessment of 100,000 enterprises assessed on both cores, then loaded
for ~56 s, during which Oxigraph's loader kept only ~1.45 cores busy, from a 1.67 GB spool file
that this process had copied chunk by chunk. Fed as the chunks arrive, the load runs beside the
workers and the N-Quads never touch the disk. On the same imported store, interleaved
(2026-11-29 16:32-16:42, commit 3fbf621 against a642638): 144.8 and 157.3 s with the spool,
154.4 and 142.8 s streamed: no faster beyond the machine's drift (the cores were already busy;
the load only moved), but the peak memory fell from 2.32-2.35 GB to 1.58 GB and the disk holds
no copy of the text.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import threading
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

KernelCopy = Callable[[int, int, int], int]  # (from fd, to fd, count) -> bytes copied
PIPE_SIZE = 1 << 20  # 6 million quads through the default 64 KiB pipe: 61.1 s, against 54.7


def append_file(source: Path, target: BinaryIO, kernel_copy: KernelCopy | None) -> None:
    """Append the file ``source`` to ``target`` inside the kernel where it can (``kernel_copy``:
    copy_file_range into a file, splice into a pipe; None where the system has none). Copying
    the spool files of 100,000 assessed enterprises (1.67 GB) through Python took 5.5 to 10 s
    of system CPU in the process that the workers needed the cores for, and 0.9 s with
    copy_file_range. Where the kernel refuses (another file system, an older system), the
    rest is copied as usual."""
    target.flush()
    with source.open("rb") as text:
        size = os.fstat(text.fileno()).st_size
        copied = 0
        try:
            while kernel_copy is not None and copied < size:
                done = kernel_copy(text.fileno(), target.fileno(), size - copied)
                if done == 0:
                    break
                copied += done
        except BrokenPipeError:
            raise
        except OSError:  # the kernel does not copy between these two: the rest as usual
            pass
        if target.seekable():
            target.seek(0, os.SEEK_END)  # the file object learns where the kernel wrote to
        if copied < size:
            text.seek(copied)
            shutil.copyfileobj(text, target, 1 << 20)


class StreamedLoad:
    """One bulk load of N-Quads that are fed to it while it runs: a thread loads from the read
    end of a pipe (``load`` is given its path) until ``finish`` closes the write end.

    What is fed becomes visible in the loader's batches (of about a million quads), all of it
    by the time ``finish`` returns. Oxigraph's bulk loader is not atomic: a failure may leave
    part of it written; the bulk write's journal is what guards the store."""

    def __init__(self, load: Callable[[Path], None]) -> None:
        read, write = os.pipe()
        with contextlib.suppress(OSError, AttributeError):  # Linux only; a hint
            fcntl.fcntl(write, fcntl.F_SETPIPE_SZ, PIPE_SIZE)
        self._pipe = os.fdopen(write, "wb")
        self._error: BaseException | None = None
        self._thread = threading.Thread(
            target=self._load, args=(load, read), name="streamed bulk load", daemon=True
        )
        self._thread.start()

    def _load(self, load: Callable[[Path], None], read: int) -> None:
        try:
            load(Path(f"/dev/fd/{read}"))
        except BaseException as exc:  # raised again by finish, in the feeding thread
            self._error = exc
        finally:
            os.close(read)  # a writer still feeding gets BrokenPipeError, not a hang

    def feed(self, nquads: str | Path) -> None:
        """Feed N-Quads text, or the file holding it (spliced into the pipe)."""
        try:
            if isinstance(nquads, Path):
                append_file(nquads, self._pipe, getattr(os, "splice", None))
            else:
                self._pipe.write(nquads.encode("utf-8"))
        except BrokenPipeError:  # the loader stopped: say why
            self.finish()
            raise

    def finish(self) -> None:
        """Close the pipe and wait until everything fed is loaded; the loader's error, if any,
        is raised here."""
        with contextlib.suppress(BrokenPipeError):
            self._pipe.close()
        self._thread.join()
        if self._error is not None:
            raise self._error

    def abandon(self) -> None:
        """Feed nothing more and wait for the load to end, keeping quiet about its errors (an
        error that stopped the feeding is already on its way)."""
        with contextlib.suppress(Exception):
            self.finish()
