"""The embedded RDF store (Oxigraph): reference graphs, and per enterprise an asserted and an
inferred named graph. In memory, or on disk under a data directory, where it survives restarts.

Every write is one SPARQL update, which Oxigraph applies in one transaction: a failed or
interrupted write leaves the previous state. Readers in other processes query read-only
checkpoints (``snapshot``), never the live database.
"""

from __future__ import annotations

import hashlib
import shutil
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import pyoxigraph as ox
from rdflib import Graph
from rdflib.namespace import RDF

from safetykg import __version__

from .change_log import ChangeLog
from .instance_rules import InstanceRules
from .kb import KnowledgeBase
from .resources import shapes_dir, turtle_files
from .sparql_guard import refusal
from .sparql_query import GRAPH_FORMATS, RESULT_FORMATS, QueryError, QueryJob, QueryOutput
from .sparql_query import run_query as run_job
from .terms import nt_lines, nt_literal, triples_to_rdflib
from .vocab import (
    ENT,
    GRAPH_KB,
    GRAPH_KB_INFERRED,
    GRAPH_SHAPES,
    SK,
    enterprise_iri,
    inferred_graph_iri,
    source_graph_iri,
)

__all__ = ["GRAPH_FORMATS", "RESULT_FORMATS", "QueryError", "QueryOutput", "Store"]


@dataclass(frozen=True)
class StoredEnterprise:
    """What the store keeps of one enterprise: N-Triples text of its asserted and inferred
    graphs (``inferred`` None: not assessed yet) and the submitted profile as JSON text."""

    credit_code: str
    asserted: str
    inferred: str | None
    source: str


RDF_JSON = RDF.JSON
LOOKUPS = 1000  # Store._by_code: above this many codes, one query
SPOOL = "spool-"  # N-Quads files of a bulk write are named <store>.spool-*, beside the store


def reference_digest(files: Iterable[Path]) -> str:
    """What the reference graphs are made of: the files' names and contents, and the version."""
    digest = hashlib.sha256(__version__.encode())
    for f in sorted(files):
        digest.update(f.name.encode())
        digest.update(f.read_bytes())
    return digest.hexdigest()


def enterprise_graphs(code: str) -> list:
    """The named graphs of one enterprise: asserted, source document, inferred."""
    return [enterprise_iri(code), source_graph_iri(code), inferred_graph_iri(code)]


ALL_GRAPHS, INFERRED_ONLY = "graphs:all", "graphs:inferred"  # first line of a bulk journal


@dataclass(frozen=True)
class InterruptedWrite:
    """A bulk write that never finished (the process died): the graphs it was replacing were
    dropped when the store was next opened."""

    codes: list[str]
    inferred_only: bool  # an assessment: only the enterprises' assessments were dropped

    def describe(self) -> str:
        if self.inferred_only:
            return (
                f"an assessment was interrupted: the assessments of {len(self.codes)} "
                "enterprises were dropped; run `safetykg assess` again"
            )
        return (
            f"an import was interrupted: {len(self.codes)} enterprises were dropped (none is "
            "half written); import them again"
        )


def replaced_graphs(code: str, inferred_only: bool) -> list:
    """The graphs of an enterprise that a bulk write replaces: the inferred one (an
    assessment) or all three, the asserted graph first."""
    return [inferred_graph_iri(code)] if inferred_only else enterprise_graphs(code)


def _node(iri: str) -> ox.NamedNode:
    return ox.NamedNode(str(iri))


def in_graph(ntriples: str, graph: str) -> str:
    """N-Triples text as N-Quads in ``graph`` (literals escape line breaks, so every line
    ends with " .")."""
    return ntriples.replace(" .\n", f" <{graph}> .\n")


@dataclass(frozen=True)
class BulkChunk:
    """Enterprises ready for ``Store.bulk_write``: their credit codes and their graphs as one
    N-Quads text. ``keep_asserted``: the text holds inferred graphs only, which replace the
    stored ones; otherwise every graph of the enterprises is replaced."""

    codes: list[str]
    nquads: str | Path  # the text, or a file holding it
    keep_asserted: bool

    @classmethod
    def of(cls, items: Sequence[StoredEnterprise], keep_asserted: bool = False) -> BulkChunk:
        quads = []
        for item in items:
            code = item.credit_code
            if not keep_asserted:
                quads.append(in_graph(item.asserted, enterprise_iri(code)))
                document = nt_literal(item.source, str(RDF_JSON))
                quads.append(
                    f"<{enterprise_iri(code)}> <{SK.sourceDocument}> {document} "
                    f"<{source_graph_iri(code)}> .\n"
                )
            if item.inferred is not None:
                quads.append(in_graph(item.inferred, inferred_graph_iri(code)))
        return cls([item.credit_code for item in items], "".join(quads), keep_asserted)


class Store:
    """An Oxigraph store holding the reference graphs and enterprise graphs.

    With ``path`` the store lives on disk (created on first use); the reference graphs are
    replaced from the installed package on every start, enterprise graphs are kept.

    ``changes`` logs every write after start-up with the credit codes it wrote (None for a
    SPARQL Update, which may have changed anything), under the write lock: a reader that sees
    a generation finds it in the log.
    """

    def __init__(
        self, kb: KnowledgeBase, rules: InstanceRules, path: str | Path | None = None
    ) -> None:
        self.path = Path(path) if path else None
        if self.path:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self.oxigraph = ox.Store(str(self.path)) if self.path else ox.Store()
        self._write_lock = threading.Lock()
        self._generation = 0
        self.changes = ChangeLog()
        self._snapshots: dict[int, int] = {}
        self._snapshot_lock = threading.Lock()
        if self.path:
            shutil.rmtree(self._snapshot_root(), ignore_errors=True)
            for spool in self.path.parent.glob(f"{self.path.name}.{SPOOL}*"):
                spool.unlink()  # left by a bulk write that died: the store is ours alone now
        self._load_reference(kb, rules)
        self.interrupted = self._repair_interrupted_bulk_write()

    def _load_reference(self, kb: KnowledgeBase, rules: InstanceRules) -> None:
        """Ontology, KB and shapes, and the KB closed under the ontology, each replaced, unless
        the store on disk already holds exactly these (same files, same SafetyKG version).

        This runs before the store serves anyone; an interrupted start-up is repaired by the
        next one, which replaces the same graphs again (the digest is written last). It is not
        logged in ``changes``: a reader's first call reads everything.
        """
        digest = reference_digest([*kb.files, *turtle_files(shapes_dir())])
        marker = self.path.parent / f"{self.path.name}.reference" if self.path else None
        if marker and marker.is_file() and marker.read_text(encoding="utf-8") == digest:
            return
        reference = [g for g in kb.store.named_graphs() if isinstance(g, ox.NamedNode)]
        for name in [*reference, ox.NamedNode(GRAPH_SHAPES), ox.NamedNode(GRAPH_KB_INFERRED)]:
            self.oxigraph.remove_graph(name)
        shapes = ox.NamedNode(GRAPH_SHAPES)
        self.oxigraph.bulk_extend(  # one load: each costs ~20 ms however small
            [
                *kb.store.quads_for_pattern(None, None, None, None),
                *(
                    ox.Quad(t.subject, t.predicate, t.object, shapes)
                    for f in turtle_files(shapes_dir())
                    for t in ox.parse(path=str(f), format=ox.RdfFormat.TURTLE)
                ),
            ]
        )
        quads = kb.store.quads_for_pattern(None, None, None, ox.NamedNode(GRAPH_KB))
        closure = rules.inferred((str(q.subject), str(q.predicate), str(q.object)) for q in quads)
        with self._write_lock:
            self.oxigraph.load(
                nt_lines(closure),
                format=ox.RdfFormat.N_TRIPLES,
                to_graph=ox.NamedNode(GRAPH_KB_INFERRED),
            )
            self._generation += 1
        if marker:
            marker.write_text(digest, encoding="utf-8")
        self.oxigraph.flush()

    @property
    def generation(self) -> int:
        """Counts the writes since the store was opened: what is derived from the store's
        content stays valid while this number is unchanged."""
        return self._generation

    def _write(self, update: str, codes: Iterable[str] | None) -> None:
        """Run ``update``, which writes ``codes`` (None: anything may have changed)."""
        with self._write_lock:
            self.oxigraph.update(update)
            self._count(codes)

    def _count(self, codes: Iterable[str] | None) -> None:
        """Count a write just made (the write lock held), logged before it is counted: a
        reader that sees its generation finds it in ``changes``."""
        self.changes.record(self._generation + 1, codes)
        self._generation += 1

    def put_enterprises(self, items: Iterable[StoredEnterprise]) -> None:
        """Replace the graphs of several enterprises in one atomic update: asserted, source
        document and inferred graph (dropped when ``inferred`` is None: not yet assessed)."""
        drops, inserts = [], []
        items = list(items)
        if not items:
            return
        for item in items:
            code = item.credit_code
            names = enterprise_graphs(code)
            drops += [f"DROP SILENT GRAPH <{name}> ;" for name in names]
            document = nt_literal(item.source, str(RDF_JSON))
            inserts += [
                f"GRAPH <{names[0]}> {{ {item.asserted} }}",
                f"GRAPH <{names[1]}> {{ <{names[0]}> <{SK.sourceDocument}> {document} }}",
            ]
            if item.inferred is not None:
                inserts.append(f"GRAPH <{names[2]}> {{ {item.inferred} }}")
        codes = [item.credit_code for item in items]
        self._write(f"{' '.join(drops)} INSERT DATA {{ {' '.join(inserts)} }}", codes)

    def bulk_write(self, chunk: BulkChunk) -> None:
        """Replace many enterprises' graphs at RocksDB bulk-load speed (``safetykg import`` and
        ``assess``, which hold the store alone and prepare chunks in worker processes).

        A bulk load is not a transaction, so the credit codes are written to a journal first,
        with which of their graphs the load replaces, and removed after: a store opened with a
        journal left over (the process died in between) drops those graphs, so none is ever
        half written, and an interrupted assessment never touches submitted data. The three
        steps are ``bulk_begin``, ``bulk_load`` and ``bulk_end`` (reasoner/bulk_writer.py
        begins an assessment's enterprises as their chunks arrive, and feeds them to a load
        that is already running)."""
        if not chunk.codes:
            return
        self.bulk_begin(chunk.codes, chunk.keep_asserted)
        self.bulk_load(chunk.nquads)
        self.bulk_end(chunk.codes)

    def bulk_begin(self, codes: Sequence[str], keep_asserted: bool) -> None:
        """Journal ``codes`` (added to the journal of a bulk write begun already, which must
        replace the same graphs) and drop the graphs of theirs that the load replaces."""
        if not codes:
            return
        assert self.path is not None, "bulk writes are for stores on disk"
        graphs = [replaced_graphs(code, keep_asserted) for code in codes]
        # One look-up per enterprise, of the first graph: without it there are no others.
        stored = [g for g in graphs if self.oxigraph.contains_named_graph(_node(g[0]))]
        mode = INFERRED_ONLY if keep_asserted else ALL_GRAPHS
        with self._write_lock:
            begun = self._journal.exists()
            with self._journal.open("a", encoding="utf-8") as journal:
                journal.write("\n".join(["", *codes] if begun else [mode, *codes]))
            for names in stored:  # twice as fast as DROP GRAPH updates; the journal guards
                for name in names:
                    self.oxigraph.remove_graph(_node(name))

    def bulk_load(self, nquads: str | Path) -> None:
        """Load N-Quads text (or a file of it) of enterprises ``bulk_begin`` began. It does not
        take the write lock: the journal guards a bulk write, and a streamed load
        (reasoner/bulk_stream.py) runs while ``bulk_begin`` begins the enterprises it is fed."""
        source = {"path": str(nquads)} if isinstance(nquads, Path) else {"input": nquads}
        # lenient: skips IRI validation; every IRI here was minted from validated input
        self.oxigraph.bulk_load(**source, format=ox.RdfFormat.N_QUADS, lenient=True)

    def bulk_end(self, codes: Sequence[str]) -> None:
        """The bulk write of ``codes`` is complete: the journal goes."""
        with self._write_lock:
            self._journal.unlink(missing_ok=True)
            self._count(codes)

    @property
    def _journal(self) -> Path:
        assert self.path is not None
        return self.path.parent / f"{self.path.name}.bulk-journal"

    def _repair_interrupted_bulk_write(self) -> InterruptedWrite | None:
        """Drop the graphs a bulk write that never finished was replacing."""
        if self.path is None or not self._journal.exists():
            return None
        codes = self._journal.read_text(encoding="utf-8").split()
        inferred_only = bool(codes) and codes[0] == INFERRED_ONLY
        if codes and codes[0] in (ALL_GRAPHS, INFERRED_ONLY):
            codes = codes[1:]
        for code in codes:
            for name in replaced_graphs(code, inferred_only):
                self.oxigraph.remove_graph(_node(name))
        self._journal.unlink()
        return InterruptedWrite(codes, inferred_only)

    def source_documents(self, codes: Iterable[str] | None = None) -> Iterator[tuple[str, str]]:
        """(credit code, submitted profile JSON) of the given or of every stored enterprise
        (``_by_code``: many codes come in the store's order, not the given one)."""
        predicate = _node(SK.sourceDocument)
        start = len(str(ENT))

        def look_up(code: str) -> Iterator[ox.Quad]:
            return self.oxigraph.quads_for_pattern(
                _node(enterprise_iri(code)), predicate, None, _node(source_graph_iri(code))
            )

        query = f"SELECT ?e ?d WHERE {{ GRAPH ?g {{ ?e {predicate} ?d }} }}"
        return self._by_code(codes, look_up, query, lambda iri: iri[start:])

    def inferred_digests(self, codes: Iterable[str] | None = None) -> dict[str, str]:
        """Credit code → the digest its stored inferred graph holds (``sk:contentDigest``,
        reasoner/records.py), of the given or of every assessed enterprise."""
        predicate = _node(SK.contentDigest)
        start, end = len(str(ENT)), -len("/inferred")

        def look_up(code: str) -> Iterator[ox.Quad]:
            graph = _node(inferred_graph_iri(code))
            return self.oxigraph.quads_for_pattern(graph, predicate, None, graph)

        query = f"SELECT ?g ?d WHERE {{ GRAPH ?g {{ ?g {predicate} ?d }} }}"
        return dict(self._by_code(codes, look_up, query, lambda iri: iri[start:end]))

    def _by_code(
        self,
        codes: Iterable[str] | None,
        look_up: Callable[[str], Iterator[ox.Quad]],
        query: str,
        code_of: Callable[[str], str],
    ) -> Iterator[tuple[str, str]]:
        """(credit code, value) of one quad per enterprise, for the given codes or all of them.

        A look-up (``look_up(code)``: the enterprise's quads, whose object is the value) opens
        a RocksDB iterator: about 1 ms in a store of 100,000 enterprises written in bulk, where
        one scan reads every document at 0.03 ms each. So more than ``LOOKUPS`` codes are
        served by ``query`` (rows of an IRI that ``code_of`` turns into the credit code, and the
        value), in the store's order, which decodes only those two terms (a quad's four terms
        are each a look-up of its string: 3.5–4.0 s against 2.3–3.4 s at 100,000)."""
        wanted = None if codes is None else list(codes)
        if wanted is not None and len(wanted) <= LOOKUPS:
            for code in wanted:
                for quad in look_up(code):
                    yield code, quad.object.value
            return
        keep = None if wanted is None else set(wanted)
        for row in self.oxigraph.query(query):
            code = code_of(row[0].value)
            if keep is None or code in keep:
                yield code, row[1].value

    def check_reports(self) -> Iterator[str]:
        """The report (JSON) of every assessed enterprise, in the store's order: a query that
        decodes only the report (1.8 s at 100,000, where the quads took 3.9–4.6 s)."""
        rows = self.oxigraph.query(
            f"SELECT ?r WHERE {{ GRAPH ?g {{ ?a {_node(SK.checkReport)} ?r }} }}"
        )
        return (row[0].value for row in rows)

    def types_of(self, credit_code: str) -> frozenset[str]:
        """One enterprise's classes, asserted and inferred."""
        node = _node(enterprise_iri(credit_code))
        return frozenset(
            q.object.value for q in self.oxigraph.quads_for_pattern(node, _node(RDF.type), None)
        )

    def enterprises_of(self, classes: Iterable[str]) -> dict[str, frozenset[str]]:
        """Which of ``classes`` each stored enterprise belongs to, asserted or inferred, by
        credit code (an enterprise of none is left out). One query per class, which decodes
        only the enterprises: each decoded term is a look-up of its string in RocksDB, and a
        query for every (enterprise, class) pair decoded ~1.9 million terms at 100,000
        enterprises (16–40 s, where two classes take 0.4–0.7 s)."""
        found: dict[str, set[str]] = {}
        for cls in sorted(set(classes)):
            rows = self.oxigraph.query(
                f"SELECT ?e WHERE {{ ?e a <{cls}> }}", use_default_graph_as_union=True
            )
            for row in rows:
                iri = row["e"].value
                if iri.startswith(ENT) and "/" not in iri[len(ENT) :]:
                    found.setdefault(iri[len(ENT) :], set()).add(cls)
        return {code: frozenset(t) for code, t in found.items()}

    def enterprise_count(self) -> int:
        """How many enterprises are stored (counted on encoded terms: 60 ms at 100,000)."""
        rows = self.oxigraph.query(
            f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s <{SK.sourceDocument}> ?d }} }}"
        )
        return int(next(iter(rows))["n"].value)

    def delete_enterprise(self, credit_code: str) -> bool:
        """Drop the graphs of an enterprise in one update; False when it was not stored."""
        if not self.has_enterprise(credit_code):
            return False
        self._write(
            " ; ".join(f"DROP SILENT GRAPH <{name}>" for name in enterprise_graphs(credit_code)),
            (credit_code,),
        )
        return True

    def update(self, sparql: str) -> None:
        """Run a SPARQL Update (administrators only: it bypasses validation and inference).

        It may change any graph, so the digests of the inferred graphs go after it (~2 s at
        100,000 enterprises): the next assessment writes every graph again instead of keeping
        one changed by hand (reasoner/records.py)."""
        refused = refusal(sparql)
        if refused:
            raise QueryError(refused)
        digests = f"DELETE WHERE {{ GRAPH ?g {{ ?g {_node(SK.contentDigest)} ?d }} }}"
        try:
            with self._write_lock:  # two updates: errors keep naming places in the user's text
                self.oxigraph.update(sparql)
                try:
                    self.oxigraph.update(digests)
                finally:
                    self._count(None)
        except SyntaxError as exc:
            raise QueryError(f"SPARQL Update syntax error: {exc}") from None
        except (ValueError, OSError) as exc:
            raise QueryError(str(exc)) from None

    def has_enterprise(self, credit_code: str) -> bool:
        return self.oxigraph.contains_named_graph(_node(enterprise_iri(credit_code)))

    def graph(self, name: str) -> Graph:
        """One named graph as an rdflib graph."""
        quads = self.oxigraph.quads_for_pattern(None, None, None, ox.NamedNode(name))
        g = Graph()
        for t in triples_to_rdflib(quads):
            g.add(t)
        return g

    def triples(self, name: str) -> set[tuple[str, str, str]]:
        """One named graph as N-Triples terms."""
        quads = self.oxigraph.quads_for_pattern(None, None, None, ox.NamedNode(name))
        return {(str(q.subject), str(q.predicate), str(q.object)) for q in quads}

    def enterprise_codes(self) -> list[str]:
        prefix = str(ENT)
        return sorted(
            g.value[len(prefix) :]
            for g in self.oxigraph.named_graphs()
            if isinstance(g, ox.NamedNode)
            and g.value.startswith(prefix)
            and "/" not in g.value[len(prefix) :]
        )

    def select(self, sparql: str) -> list[dict[str, str]]:
        """A SELECT over the union of all graphs; each row maps variable names to values."""
        solutions = self.oxigraph.query(sparql, use_default_graph_as_union=True)
        names = [v.value for v in solutions.variables]
        return [{n: s[n].value for n in names if s[n] is not None} for s in solutions]

    def query(
        self,
        sparql: str,
        accept: Sequence[str] = (),
        default_graph_uris: Iterable[str] = (),
        named_graph_uris: Iterable[str] = (),
    ) -> QueryOutput:
        """Run a read-only query in this process (no time limit: for trusted callers)."""
        named = list(named_graph_uris)
        job = QueryJob(sparql, tuple(accept), tuple(default_graph_uris), named or None)
        return run_job(self.oxigraph, job)

    def _snapshot_root(self) -> Path:
        assert self.path is not None
        return self.path.parent / f"{self.path.name}.snapshots"

    @contextmanager
    def snapshot(self) -> Iterator[str]:
        """A read-only checkpoint of the current state for other processes; kept while in use.

        Checkpoints are hard links to the store's immutable files, so taking one after a write
        costs milliseconds; a checkpoint no reader holds is removed once a newer one exists.
        """
        if self.path is None:
            raise QueryError("an in-memory store has no checkpoints; give the store a path")
        with self._snapshot_lock, self._write_lock:
            generation = self._generation
            target = self._snapshot_root() / str(generation)
            if not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                self.oxigraph.backup(str(target))
            self._snapshots[generation] = self._snapshots.get(generation, 0) + 1
        try:
            yield str(target)
        finally:
            with self._snapshot_lock:
                self._snapshots[generation] -= 1
                for old in [g for g, n in self._snapshots.items() if n == 0]:
                    if old < self._generation:
                        del self._snapshots[old]
                        shutil.rmtree(self._snapshot_root() / str(old), ignore_errors=True)

    def close(self) -> None:
        """Flush to disk, remove the checkpoints and let go of Oxigraph's handle, and with it
        RocksDB's lock on the directory: another ``Store`` may open it at once, even while
        something (a traceback, a cycle) still holds this object. Using it after raises
        ``StoreClosed``."""
        if isinstance(self.oxigraph, _ClosedOxigraph):
            return
        self.oxigraph.flush()
        if self.path:
            shutil.rmtree(self._snapshot_root(), ignore_errors=True)
        self.oxigraph = _ClosedOxigraph(self.path)


class StoreClosed(RuntimeError):
    """A closed ``Store`` was used."""


class _ClosedOxigraph:
    """Stands in for the Oxigraph store of a closed ``Store``: any use names the store."""

    def __init__(self, path: Path | None) -> None:
        self._where = f"the store at {path}" if path else "the in-memory store"

    def __getattr__(self, name: str) -> NoReturn:
        raise StoreClosed(f"{self._where} is closed ({name} was asked of it)")
