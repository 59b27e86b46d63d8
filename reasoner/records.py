"""What the store keeps of an assessed enterprise, as written by the service and the bulk
commands alike: the report travels with the inferred facts, on the activity that made them."""

from __future__ import annotations

import json
from typing import Any

from rdflib.namespace import RDF

from .engine import Assessment
from .store import StoredEnterprise
from .terms import nt, nt_iri, nt_lines, nt_literal
from .vocab import SK, inferred_graph_iri

CHECK_REPORT = nt(SK.checkReport)


def inferred_text(assessment: Assessment, report: dict[str, Any]) -> str:
    """The inferred graph of ``assessment`` with its report, as N-Triples."""
    activity = nt_iri(f"{inferred_graph_iri(assessment.credit_code)}#activity")
    document = nt_literal(json.dumps(report, ensure_ascii=False), str(RDF.JSON))
    return nt_lines([*assessment.inferred_triples, (activity, CHECK_REPORT, document)])


def stored(assessment: Assessment, report: dict[str, Any]) -> StoredEnterprise:
    return StoredEnterprise(
        assessment.credit_code,
        nt_lines(assessment.asserted_triples),
        inferred_text(assessment, report),
        json.dumps(assessment.profile, ensure_ascii=False),
    )
