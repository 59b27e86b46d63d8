"""The embedded RDF store (Oxigraph): reference graphs, and per enterprise an asserted and an
inferred named graph. In memory, or on disk under a data directory, where it survives restarts.

Every write is one SPARQL update, which Oxigraph applies in one transaction: a failed or
interrupted write leaves the previous state. Readers in other processes query read-only
checkpoints (``snapshot``), never the live database.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph

from .instance_rules import InstanceRules
from .kb import KnowledgeBase
from .resources import shapes_dir, turtle_files
from .sparql_guard import refusal
from .sparql_query import GRAPH_FORMATS, RESULT_FORMATS, QueryError, QueryJob, QueryOutput
from .sparql_query import run_query as run_job
from .terms import triples_to_rdflib
from .vocab import (
    ENT,
    GRAPH_KB,
    GRAPH_KB_INFERRED,
    GRAPH_SHAPES,
    enterprise_iri,
    inferred_graph_iri,
)

__all__ = ["GRAPH_FORMATS", "RESULT_FORMATS", "QueryError", "QueryOutput", "Store"]


class Store:
    """An Oxigraph store holding the reference graphs and enterprise graphs.

    With ``path`` the store lives on disk (created on first use); the reference graphs are
    replaced from the installed package on every start, enterprise graphs are kept.
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
        self._snapshots: dict[int, int] = {}
        self._snapshot_lock = threading.Lock()
        if self.path:
            shutil.rmtree(self._snapshot_root(), ignore_errors=True)
        self._load_reference(kb, rules)

    def _load_reference(self, kb: KnowledgeBase, rules: InstanceRules) -> None:
        """Ontology, KB and shapes, and the KB closed under the ontology, each replaced.

        This runs before the store serves anyone; an interrupted start-up is repaired by the
        next one, which replaces the same graphs again.
        """
        reference = [g for g in kb.store.named_graphs() if isinstance(g, ox.NamedNode)]
        for name in [*reference, ox.NamedNode(GRAPH_SHAPES), ox.NamedNode(GRAPH_KB_INFERRED)]:
            self.oxigraph.remove_graph(name)
        self.oxigraph.extend(kb.store.quads_for_pattern(None, None, None, None))
        for f in turtle_files(shapes_dir()):
            self.oxigraph.bulk_load(
                path=str(f), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(GRAPH_SHAPES)
            )
        quads = kb.store.quads_for_pattern(None, None, None, ox.NamedNode(GRAPH_KB))
        closure = Graph()
        for t in rules.inferred(triples_to_rdflib(quads)):
            closure.add(t)
        name = f"<{GRAPH_KB_INFERRED}>"
        self._write(f"INSERT DATA {{ GRAPH {name} {{ {closure.serialize(format='nt')} }} }}")
        self.oxigraph.flush()

    @property
    def generation(self) -> int:
        """Counts the writes since the store was opened: what is derived from the store's
        content stays valid while this number is unchanged."""
        return self._generation

    def _write(self, update: str) -> None:
        with self._write_lock:
            self.oxigraph.update(update)
            self._generation += 1

    def put_enterprise(self, credit_code: str, asserted: Graph, inferred: Graph) -> None:
        """Replace one enterprise's asserted and inferred graphs in one atomic update."""
        graphs = (
            (f"<{enterprise_iri(credit_code)}>", asserted),
            (f"<{inferred_graph_iri(credit_code)}>", inferred),
        )
        drops = " ".join(f"DROP SILENT GRAPH {name} ;" for name, _ in graphs)
        inserts = " ".join(
            f"GRAPH {name} {{ {graph.serialize(format='nt')} }}" for name, graph in graphs
        )
        self._write(f"{drops} INSERT DATA {{ {inserts} }}")

    def delete_enterprise(self, credit_code: str) -> bool:
        """Drop both graphs of an enterprise in one update; False when it was not stored."""
        if not self.has_enterprise(credit_code):
            return False
        self._write(
            f"DROP SILENT GRAPH <{enterprise_iri(credit_code)}> ; "
            f"DROP SILENT GRAPH <{inferred_graph_iri(credit_code)}>"
        )
        return True

    def update(self, sparql: str) -> None:
        """Run a SPARQL Update (administrators only: it bypasses validation and inference)."""
        refused = refusal(sparql)
        if refused:
            raise QueryError(refused)
        try:
            self._write(sparql)
        except SyntaxError as exc:
            raise QueryError(f"SPARQL Update syntax error: {exc}") from None
        except (ValueError, OSError) as exc:
            raise QueryError(str(exc)) from None

    def has_enterprise(self, credit_code: str) -> bool:
        return self.oxigraph.contains_named_graph(ox.NamedNode(str(enterprise_iri(credit_code))))

    def graph(self, name: str) -> Graph:
        """One named graph as an rdflib graph."""
        quads = self.oxigraph.quads_for_pattern(None, None, None, ox.NamedNode(name))
        g = Graph()
        for t in triples_to_rdflib(quads):
            g.add(t)
        return g

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
        """Flush to disk and remove the checkpoints."""
        self.oxigraph.flush()
        if self.path:
            shutil.rmtree(self._snapshot_root(), ignore_errors=True)
