"""Writing the chunks of ``safetykg import`` and ``assess`` into the store: an import's spooled
to disk and loaded in as few bulk loads as the order of the input allows, an assessment's fed to
one bulk load while the workers assess (reasoner/bulk_stream.py says why).

Why an import loads once, at the end: Oxigraph's bulk loader writes each load as new RocksDB
files that overlap the stored ones, so every load adds compaction work. 100,000 imported
enterprises (4.06 million quads) took 56.3 s of wall time and 92 s of CPU in 20 loads, and
40.5 s and 70 s in one load from a file, which also uses both cores once the workers are done.

Why workers write their chunks to files: the text of 100,000 enterprises is about 1 GB; sent
through the pool's pipes it was pickled, copied and unpickled, and this process, which only
has to pass it on, took CPU from the workers.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from .bulk_stream import StreamedLoad, append_file
from .store import SPOOL, BulkChunk, Store

Counted = Callable[[int], None]  # told a number of enterprises


def ignore(_: int) -> None:
    """A ``Counted`` that nobody listens to."""


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
    """Import chunks that one bulk load writes: no credit code twice."""

    file: BinaryIO
    codes: dict[str, None] = field(default_factory=dict)  # in order


class BulkWriter:
    """Writes the chunks of a bulk import or assessment into the store, in order, guarded by
    the store's journal (``Store.bulk_begin``/``bulk_end``).

    An import touches nothing stored until every chunk is ready, so that ``--strict`` or a
    failure leaves the stored enterprises as they were: its chunks are spooled beside the store
    and bulk-loaded when the writer closes without an error; ``discard`` (or an error) loads
    none of them. A credit code seen again starts a new spool, so the later version of an
    enterprise replaces the earlier one.

    An assessment replaces only inferred graphs, and loads while its workers assess: each chunk
    is begun as it arrives (journaled, the old inferred graphs of its enterprises dropped) and
    fed to a streamed bulk load (reasoner/bulk_stream.py); a code fed again first waits for the
    load of the earlier version. After a failure the journal stays, and the next opening of
    the store drops what was begun and says so.

    A change between import and assessment chunks writes everything before it first."""

    def __init__(
        self, store: Store, loading: Counted | None = None, loaded: Counted | None = None
    ) -> None:
        assert store.path is not None, "bulk writes are for stores on disk"
        self.store, self.path = store, store.path
        self.loading, self.loaded = loading or ignore, loaded or ignore
        self._segments: list[_Segment] = []  # import chunks, spooled until the writer closes
        self._stream: StreamedLoad | None = None  # assessment chunks, loading as they arrive
        self._streamed: dict[str, None] = {}  # the codes fed to the open stream, in order
        self._written: list[str] = []  # the codes whose load has finished

    def add(self, chunk: BulkChunk) -> None:
        """Append a chunk (its text, or the spool file a worker wrote, which is removed); one
        without enterprises (all unchanged, or all bad lines) writes nothing."""
        if (self._segments and chunk.keep_asserted) or (self._stream and not chunk.keep_asserted):
            self.flush()  # one kind of write per journal
        try:
            if chunk.codes and chunk.keep_asserted:
                self._feed(chunk)
            elif chunk.codes:
                self._spool(chunk)
        finally:
            if isinstance(chunk.nquads, Path):
                chunk.nquads.unlink(missing_ok=True)

    def _spool(self, chunk: BulkChunk) -> None:
        last = self._segments[-1] if self._segments else None
        if last is None or not last.codes.keys().isdisjoint(chunk.codes):
            last = _Segment(spool_file(self.path))
            self._segments.append(last)
        if isinstance(chunk.nquads, Path):
            append_file(chunk.nquads, last.file, getattr(os, "copy_file_range", None))
        else:
            last.file.write(chunk.nquads.encode("utf-8"))
        last.codes.update(dict.fromkeys(chunk.codes))

    def _feed(self, chunk: BulkChunk) -> None:
        if self._stream is not None and not self._streamed.keys().isdisjoint(chunk.codes):
            self._finish_stream()  # the earlier version is loaded before this one drops it
        if self._stream is None:
            self._stream = StreamedLoad(self.store.bulk_load)
        self.store.bulk_begin(chunk.codes, keep_asserted=True)
        self._streamed.update(dict.fromkeys(chunk.codes))
        self.loading(len(chunk.codes))
        self._stream.feed(chunk.nquads)

    def _finish_stream(self) -> None:
        assert self._stream is not None
        stream, self._stream = self._stream, None
        stream.finish()
        self._written += self._streamed
        self.loaded(len(self._streamed))
        self._streamed = {}

    def flush(self) -> None:
        """Finish the streamed load, load every spooled segment, in order, and remove the spool
        files (all of them, also when a load fails)."""
        try:
            if self._stream is not None:
                self._finish_stream()
            while self._segments:
                segment = self._segments.pop(0)
                segment.file.close()
                try:
                    self.loading(len(segment.codes))
                    self.store.bulk_begin(list(segment.codes), keep_asserted=False)
                    self.store.bulk_load(Path(segment.file.name))
                finally:
                    os.unlink(segment.file.name)
                self._written += segment.codes
                self.loaded(len(segment.codes))
            if self._written:
                self.store.bulk_end(self._written)
            self._written = []
        finally:
            self.discard()

    def discard(self) -> None:
        """Write nothing more: drop the spooled chunks; a streamed load ends with what it was
        fed, which stays journaled (the next opening of the store drops it)."""
        for segment in self._segments:
            segment.file.close()
            os.unlink(segment.file.name)
        self._segments = []
        if self._stream is not None:
            stream, self._stream = self._stream, None
            stream.abandon()
        self._streamed = {}

    def __enter__(self) -> BulkWriter:
        return self

    def __exit__(self, kind: type | None, *_: object) -> None:
        if kind is None:
            self.flush()
        else:  # after a failure nothing more is written
            self.discard()
