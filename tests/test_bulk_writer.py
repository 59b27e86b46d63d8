"""BulkWriter: chunks spooled beside the store, loaded in order when the writer closes."""

import errno
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from safetykg.reasoner.bulk_stream import StreamedLoad, append_file
from safetykg.reasoner.bulk_writer import BulkWriter, spooled
from safetykg.reasoner.engine import Engine
from safetykg.reasoner.store import BulkChunk, Store, StoreClosed, StoredEnterprise
from safetykg.reasoner.vocab import SK, enterprise_iri, inferred_graph_iri


def enterprise(code: str, name: str) -> StoredEnterprise:
    return StoredEnterprise(code, f'<{enterprise_iri(code)}> <{SK.name}> "{name}" .\n', None, "{}")


def assessment(code: str, level: str) -> StoredEnterprise:
    """Only an inferred graph (as ``safetykg assess`` writes), saying ``level``."""
    return StoredEnterprise(
        code, "", f'<{enterprise_iri(code)}> <{SK.riskLevel}> "{level}" .\n', ""
    )


def levels(store: Store, code: str) -> set[str]:
    return {t[2].strip('"') for t in store.triples(str(inferred_graph_iri(code)))}


def names(store: Store) -> dict[str, set[str]]:
    rows = store.select(f"SELECT ?e ?n WHERE {{ GRAPH ?g {{ ?e <{SK.name}> ?n }} }}")
    out: dict[str, set[str]] = {}
    for row in rows:
        out.setdefault(row["e"].rsplit("/", 1)[1], set()).add(row["n"])
    return out


def spool_files(store: Store) -> list[Path]:
    assert store.path is not None
    return sorted(store.path.parent.glob(f"{store.path.name}.spool-*"))


@pytest.fixture
def store(engine: Engine, tmp_path: Path):
    store = Store(engine.kb, engine.instance_rules, tmp_path / "store")
    yield store
    store.close()


def test_nothing_is_written_before_close_and_the_later_version_wins(store):
    """A code seen again starts a second load; text and worker files mix; counts reach the
    progress callbacks; no spool file is left."""
    loading: list[int] = []
    loaded: list[int] = []
    assert store.path is not None
    with BulkWriter(store, loading.append, loaded.append) as writer:
        writer.add(BulkChunk.of([enterprise("A", "a1"), enterprise("B", "b1")]))
        writer.add(spooled(BulkChunk.of([enterprise("C", "c1")]), store.path))
        writer.add(BulkChunk.of([enterprise("A", "a2")]))
        assert len(spool_files(store)) == 2  # the worker's file was appended and removed
        assert names(store) == {}
    assert names(store) == {"A": {"a2"}, "B": {"b1"}, "C": {"c1"}}
    assert loading == loaded == [3, 1]
    assert spool_files(store) == []


def test_discard_and_an_error_write_nothing(store):
    with BulkWriter(store) as writer:
        writer.add(BulkChunk.of([enterprise("A", "a1")]))
        writer.discard()
    with pytest.raises(RuntimeError), BulkWriter(store) as writer:
        writer.add(BulkChunk.of([enterprise("B", "b1")]))
        raise RuntimeError("a worker failed")
    assert names(store) == {}
    assert spool_files(store) == []


def test_a_load_that_fails_removes_every_spool_file(store):
    """The first load is refused (Oxigraph cannot parse it); the second is not tried."""
    broken = BulkChunk(["A"], f"<{enterprise_iri('A')}> <urn:p> unterminated .\n", False)
    with pytest.raises(SyntaxError), BulkWriter(store) as writer:
        writer.add(broken)
        writer.add(BulkChunk.of([enterprise("A", "a2")]))
    assert spool_files(store) == []
    assert names(store) == {}


def test_spool_files_left_by_a_dead_process_go_when_the_store_opens(engine, tmp_path):
    store = Store(engine.kb, engine.instance_rules, tmp_path / "store")
    assert store.path is not None
    left = spooled(BulkChunk.of([enterprise("A", "a1")]), store.path).nquads
    store.close()
    assert isinstance(left, Path) and left.exists()
    Store(engine.kb, engine.instance_rules, tmp_path / "store").close()
    assert not left.exists()


def test_an_assessment_drops_old_inferred_graphs_as_chunks_arrive_an_import_waits(store):
    """Assessment chunks are begun at once (journaled, old inferred graphs dropped) and loaded
    while more arrive; the later version of a code seen twice wins; import chunks touch nothing
    before the load."""
    assert store.path is not None
    journal = store.path.parent / f"{store.path.name}.bulk-journal"
    store.bulk_write(BulkChunk.of([enterprise("A", "a1"), assessment("A", "old")]))
    with BulkWriter(store) as writer:
        writer.add(BulkChunk.of([enterprise("A", "a2")]))
        assert names(store) == {"A": {"a1"}} and not journal.exists()
    assert names(store) == {"A": {"a2"}}
    store.bulk_write(BulkChunk.of([assessment("A", "old"), assessment("B", "old")], True))
    loading: list[int] = []
    loaded: list[int] = []
    with BulkWriter(store, loading.append, loaded.append) as writer:
        writer.add(BulkChunk.of([assessment("A", "new")], keep_asserted=True))
        assert levels(store, "A") == set() and "A" in journal.read_text(encoding="utf-8")
        assert levels(store, "B") == {"old"}
        writer.add(spooled(BulkChunk.of([assessment("B", "new")], True), store.path))
        writer.add(BulkChunk.of([assessment("A", "newer")], keep_asserted=True))
        assert levels(store, "B") == {"new"}  # the load of the first version had to end
        assert spool_files(store) == []  # the worker's file went into the pipe
    assert levels(store, "A") == {"newer"} and levels(store, "B") == {"new"}
    assert not journal.exists()
    assert names(store) == {"A": {"a2"}}  # the submitted data is untouched
    assert loading == [1, 1, 1] and loaded == [2, 1]


def test_a_streamed_load_that_fails_says_why_and_keeps_its_journal(engine, tmp_path):
    """Oxigraph refuses the text the assessment fed it: the error is its own, not a broken
    pipe, wherever the feeding is when it comes; the spool files go and the journal stays."""
    store = Store(engine.kb, engine.instance_rules, tmp_path / "store")
    assert store.path is not None
    broken = BulkChunk(["A"], f"<{enterprise_iri('A')}> <urn:p> unterminated .\n", True)
    big = [assessment(f"B{i}", "x" * 2000) for i in range(2000)]  # more than the pipe holds
    with pytest.raises(SyntaxError), BulkWriter(store) as writer:
        writer.add(broken)
        writer.add(spooled(BulkChunk.of(big, keep_asserted=True), store.path))
        writer.add(BulkChunk.of(big[:1], keep_asserted=True))
    assert spool_files(store) == []
    store.close()
    store = Store(engine.kb, engine.instance_rules, tmp_path / "store")
    try:
        assert store.interrupted is not None and "A" in store.interrupted.codes
    finally:
        store.close()


def test_a_streamed_load_raises_the_loaders_error_to_the_feeder_and_abandons_quietly():
    def refuse(path: Path) -> None:
        raise OSError(errno.ENOSPC, "no space left on device")

    stream = StreamedLoad(refuse)
    with pytest.raises(OSError, match="no space left"):
        stream.feed("x" * (4 << 20))  # blocks until the loader has failed, then says why
    stream.abandon()
    quiet = StreamedLoad(refuse)
    quiet.abandon()  # an abandoned load keeps its error to itself


def test_a_streamed_load_reads_text_and_files_in_the_order_fed(tmp_path):
    got: list[bytes] = []
    stream = StreamedLoad(lambda path: got.append(path.read_bytes()))
    (tmp_path / "chunk").write_bytes(b"from a file " * 100_000)
    stream.feed("first ")
    stream.feed(tmp_path / "chunk")
    stream.feed(" last")
    stream.finish()
    assert got == [b"first " + b"from a file " * 100_000 + b" last"]


def test_an_assessment_that_fails_leaves_its_journal_for_the_next_opening(engine, tmp_path):
    store = Store(engine.kb, engine.instance_rules, tmp_path / "store")
    store.bulk_write(BulkChunk.of([enterprise("A", "a1"), assessment("A", "old")]))
    with pytest.raises(RuntimeError), BulkWriter(store) as writer:
        writer.add(BulkChunk.of([assessment("A", "new")], keep_asserted=True))
        raise RuntimeError("a worker failed")
    store.close()  # the writer still holds the store: closing let go of RocksDB's lock
    store = Store(engine.kb, engine.instance_rules, tmp_path / "store")
    try:
        assert store.interrupted is not None and store.interrupted.codes == ["A"]
        assert store.interrupted.inferred_only
        assert levels(store, "A") == set() and names(store) == {"A": {"a1"}}
        assert spool_files(store) == []
    finally:
        store.close()


def test_a_closed_store_lets_go_of_its_directory_and_refuses_use(engine, tmp_path):
    """Something may hold a closed store (a traceback, a cycle, a writer): the directory opens
    again at once, and the closed one names itself when used."""
    first = Store(engine.kb, engine.instance_rules, tmp_path / "store")
    first.bulk_write(BulkChunk.of([enterprise("A", "a1")]))
    first.close()
    first.close()  # twice is harmless
    again = Store(engine.kb, engine.instance_rules, tmp_path / "store")
    try:
        assert names(again) == {"A": {"a1"}}
    finally:
        again.close()
    with pytest.raises(StoreClosed, match=f"store at {tmp_path / 'store'} is closed"):
        names(first)


@settings(max_examples=30, deadline=None)
@given(
    parts=st.lists(st.binary(max_size=3000), max_size=6),
    fails_after=st.one_of(st.none(), st.integers(0, 3)),
)
def test_appending_spool_files_keeps_every_byte_in_order(tmp_path_factory, parts, fails_after):
    """Chunks are appended in the kernel, or, where copy_file_range fails part way (another
    file system), by reading the rest: either way the spool holds the files one after another,
    and what is written after them goes to the end."""
    folder = tmp_path_factory.mktemp("append")
    calls = [0]
    real = os.copy_file_range

    def flaky(*args):
        calls[0] += 1
        if fails_after is not None and calls[0] > fails_after:
            raise OSError(errno.EXDEV, "not across these files")
        return real(args[0], args[1], min(args[2], 1000))  # the kernel may copy less

    with tempfile.TemporaryFile(dir=folder) as target:
        for i, part in enumerate(parts):
            source = folder / f"part{i}"
            source.write_bytes(part)
            append_file(source, target, flaky)
        target.write(b"tail")
        target.seek(0)
        assert target.read() == b"".join(parts) + b"tail"
