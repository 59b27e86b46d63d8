"""Spooling the chunks of ``safetykg import`` and ``assess`` to disk, and loading them into the
store in as few bulk loads as the order of the input allows.

Why one load at the end: Oxigraph's bulk loader writes each load as new RocksDB files that
overlap the stored ones, so every load adds compaction work. 100,000 imported enterprises
(4.06 million quads) took 56.3 s of wall time and 92 s of CPU in 20 loads, and 40.5 s and 70 s
in one load from a file, which also uses both cores once the worker processes are done.

Why workers write their chunks to files: the text of 100,000 enterprises is about 1 GB; sent
through the pool's pipes it was pickled, copied and unpickled, and this process, which only
has to append it to the spool, took CPU from the workers.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from .store import SPOOL, BulkChunk, Store

Counted = Callable[[int], None]  # told a number of enterprises


def spool_file(store: Path) -> BinaryIO:
    """A new file for N-Quads beside the store, which the next opening of the store removes if
    it is left over (a process died)."""
    return tempfile.NamedTemporaryFile(
        dir=store.parent, prefix=f"{store.name}.{SPOOL}", suffix=".nq", delete=False
    )


def spooled(chunk: BulkChunk, store: Path) -> BulkChunk:
    """The chunk with its text written to a spool file (by a worker process)."""
    assert isinstance(chunk.nquads, str)
    with spool_file(store) as f:
        f.write(chunk.nquads.encode("utf-8"))
    return BulkChunk(chunk.codes, Path(f.name), chunk.keep_asserted)


@dataclass
class _Segment:
    """Chunks that one bulk load writes: no credit code twice, one kind of write."""

    keep_asserted: bool
    file: BinaryIO
    codes: list[str] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)
    begin: list[str] = field(default_factory=list)  # to begin (journal, drop) before the load


class BulkWriter:
    """Collects chunks in spool files beside the store and bulk-loads them, in order, when
    the writer is closed without an error; ``discard`` (or an error) loads nothing.

    A credit code seen again, or a change between import and assessment chunks, starts a new
    segment, so the later version of an enterprise replaces the earlier one.

    An assessment's chunks replace only inferred graphs: their enterprises are begun as the
    chunks arrive (journaled, their old inferred graphs dropped: ~2 ms each, which this
    process does while the workers assess, instead of on one core after them); after a
    failure their journal stays, and the next opening of the store drops what was begun and
    says so. An import touches nothing stored until every chunk is ready, so that ``--strict``
    or a failure leaves the stored enterprises as they were."""

    def __init__(
        self, store: Store, loading: Counted | None = None, loaded: Counted | None = None
    ) -> None:
        assert store.path is not None, "bulk writes are for stores on disk"
        self.store, self.path = store, store.path
        self.loading, self.loaded = loading, loaded
        self._segments: list[_Segment] = []
        self._begun: set[str] = set()

    def add(self, chunk: BulkChunk) -> None:
        """Append a chunk (its text, or the spool file a worker wrote, which is removed)."""
        if self._segments and self._segments[-1].keep_asserted != chunk.keep_asserted:
            self.flush()  # one kind of write per journal
        last = self._segments[-1] if self._segments else None
        if last is None or not last.seen.isdisjoint(chunk.codes):
            last = _Segment(chunk.keep_asserted, spool_file(self.path))
            self._segments.append(last)
        if isinstance(chunk.nquads, Path):
            with chunk.nquads.open("rb") as text:
                shutil.copyfileobj(text, last.file, 1 << 20)
            chunk.nquads.unlink()
        else:
            last.file.write(chunk.nquads.encode("utf-8"))
        last.codes += chunk.codes
        last.seen.update(chunk.codes)
        if chunk.keep_asserted:
            fresh = [code for code in chunk.codes if code not in self._begun]
            last.begin += [code for code in chunk.codes if code in self._begun]  # seen before
            self.store.bulk_begin(fresh, keep_asserted=True)
            self._begun.update(fresh)
        else:
            last.begin += chunk.codes

    def flush(self) -> None:
        """Load every segment, in order, and remove the spool files (all of them, also when
        a load fails)."""
        written: list[str] = []
        try:
            while self._segments:
                segment = self._segments.pop(0)
                segment.file.close()
                try:
                    if self.loading:
                        self.loading(len(segment.codes))
                    self.store.bulk_begin(segment.begin, segment.keep_asserted)
                    self.store.bulk_load(Path(segment.file.name))
                finally:
                    os.unlink(segment.file.name)
                written += segment.codes
                if self.loaded:
                    self.loaded(len(segment.codes))
            if written:
                self.store.bulk_end(written)
            self._begun = set()
        finally:
            self.discard()

    def discard(self) -> None:
        """Drop everything added and not yet written."""
        for segment in self._segments:
            segment.file.close()
            os.unlink(segment.file.name)
        self._segments = []

    def __enter__(self) -> BulkWriter:
        return self

    def __exit__(self, kind: type | None, *_: object) -> None:
        if kind is None:
            self.flush()
        else:  # after a failure nothing more is written
            self.discard()
