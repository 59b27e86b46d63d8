"""What the store keeps of an assessed enterprise, as written by the service and the bulk
commands alike: the report travels with the inferred facts, on the activity that made them,
and the graph holds a digest of its content (``sk:contentDigest``), so that an assessment that
would write it again unchanged can leave it alone."""

from __future__ import annotations

import hashlib
import json
from typing import Any, NamedTuple

from rdflib.namespace import RDF

from .engine import Assessment
from .store import StoredEnterprise
from .terms import nt, nt_iri, nt_lines, nt_literal
from .vocab import SK, inferred_graph_iri

CHECK_REPORT, CONTENT_DIGEST = nt(SK.checkReport), nt(SK.contentDigest)


class InferredGraph(NamedTuple):
    text: str  # N-Triples, the digest included
    digest: str
    nquads: str  # the same in the graph's name, for a bulk load


def inferred_graph(assessment: Assessment, report: dict[str, Any]) -> InferredGraph:
    """The inferred graph of ``assessment`` with its report, as N-Triples and N-Quads, and its
    digest: SHA-256 of the N-Triples text. The facts are written sorted: they come out of sets,
    whose order differs between processes, and the same graph must give the same digest.
    Both texts are joined from the same sorted statements (sorting them without the " .":
    an object that is a prefix of another is followed by "@" or "^" there, so the order is
    the same): making the N-Quads by replacement took 26 us an enterprise, more than the sort."""
    graph = inferred_graph_iri(assessment.credit_code)
    activity = nt_iri(f"{graph}#activity")
    document = nt_literal(json.dumps(report, ensure_ascii=False), str(RDF.JSON))
    statements = sorted([f"{s} {p} {o}" for s, p, o in assessment.inferred_triples])
    statements.append(f"{activity} {CHECK_REPORT} {document}")
    text = " .\n".join(statements) + " .\n"
    digest = hashlib.sha256(text.encode()).hexdigest()
    statements.append(f"{nt_iri(graph)} {CONTENT_DIGEST} {nt_literal(digest)}")
    end = f" {nt_iri(graph)} .\n"
    return InferredGraph(f"{text}{statements[-1]} .\n", digest, end.join(statements) + end)


def stored(assessment: Assessment, report: dict[str, Any]) -> StoredEnterprise:
    return StoredEnterprise(
        assessment.credit_code,
        nt_lines(assessment.asserted_triples),
        inferred_graph(assessment, report).text,
        json.dumps(assessment.profile, ensure_ascii=False),
    )
