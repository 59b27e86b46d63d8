"""Enterprise records over the store: submit (validate, assess, store, audit), read, list, delete.

An enterprise is its asserted graph, its source graph (the document as submitted) and its
inferred graph; the check report made when it was stored is kept in the inferred graph
(``sk:checkReport`` on the assessment activity, reasoner/records.py), so the report, the facts
and the data always change together in one update.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

from .audit import AuditLog
from .ingest import InputError, InputProblem
from .records import stored
from .service import Checker, CheckResult
from .store import Store
from .tokens import Principal
from .vocab import SK, SKC, enterprise_iri, inferred_graph_iri

MAX_PAGE_SIZE = 500
LEVELS = ("red", "orange", "yellow", "blue")
CLASSES = ("key", "general")

LIST_WHERE = """WHERE {
  %s
  ?e sk:creditCode ?code ; sk:riskAssessment ?a .
  ?a sk:riskLevel ?level ; sk:inspectionClass ?class .
  %s
}"""
PREFIX = "PREFIX sk: <https://w3id.org/safetykg/def#>\n"


class FilterError(ValueError):
    """A list filter with a value that is not allowed; ``param`` names the parameter."""

    def __init__(self, param: str, message: str) -> None:
        super().__init__(f"{param}: {message}")
        self.param = param


@dataclass(frozen=True)
class Page:
    items: list[dict[str, Any]]
    page: int
    size: int
    total: int


class EnterpriseRepository:
    def __init__(self, checker: Checker, store: Store, audit: AuditLog) -> None:
        self.checker, self.store, self.audit = checker, store, audit

    def put(
        self,
        who: Principal,
        credit_code: str,
        profile: dict[str, Any],
        as_of: dt.date | None = None,
        policy: str | None = None,
    ) -> dict[str, Any]:
        """Validate and assess ``profile``, then replace the enterprise's graphs; its report.

        Raises ``InputError`` (nothing stored) when the document is invalid or names another
        credit code than ``credit_code``.
        """
        if isinstance(profile, dict) and profile.get("credit_code") != credit_code:
            raise InputError(
                [
                    InputProblem(
                        "credit_code",
                        f"is {profile.get('credit_code')!r} but the address names {credit_code!r}",
                    )
                ]
            )
        result = self.checker.check(profile, as_of, policy)
        previous = self.store.triples(str(enterprise_iri(credit_code)))
        asserted = set(result.assessment.asserted_triples)
        change = {
            "created": not previous,
            "triples_added": len(asserted - previous),
            "triples_removed": len(previous - asserted),
            "risk": result.report["risk"]["level"],
            "conforms": result.report["conforms"],
        }
        entry = self.audit.start(who, "enterprise.put", credit_code, change)
        try:
            self._store(result)
        except BaseException:
            self.audit.finish(entry, "failed")
            raise
        self.audit.finish(entry, "ok")
        return result.report

    def _store(self, result: CheckResult) -> None:
        self.store.put_enterprises([stored(result.assessment, result.report)])

    def load(self, who: Principal, profiles: list[dict[str, Any]]) -> int:
        """Store several profiles (the demo province); each is audited like a PUT."""
        for profile in profiles:
            self.put(who, profile["credit_code"], profile)
        return len(profiles)

    def report(self, credit_code: str) -> dict[str, Any] | None:
        graph = ox.NamedNode(str(inferred_graph_iri(credit_code)))
        predicate = ox.NamedNode(str(SK.checkReport))
        for quad in self.store.oxigraph.quads_for_pattern(None, predicate, None, graph):
            return json.loads(quad.object.value)
        return None

    def profile(self, credit_code: str) -> dict[str, Any] | None:
        """The stored profile: the document as submitted."""
        for _, document in self.store.source_documents([credit_code]):
            return json.loads(document)
        graph = self.store.graph(str(enterprise_iri(credit_code)))  # stored before sources were
        profiles = self.checker.engine.mapper.from_graph(graph)
        return profiles[0] if profiles else None

    def delete(self, who: Principal, credit_code: str) -> bool:
        if not self.store.has_enterprise(credit_code):
            return False
        entry = self.audit.start(who, "enterprise.delete", credit_code, {})
        try:
            deleted = self.store.delete_enterprise(credit_code)
        except BaseException:
            self.audit.finish(entry, "failed")
            raise
        self.audit.finish(entry, "ok" if deleted else "not found")
        return deleted

    def list(
        self,
        region: str | None = None,
        level: str | None = None,
        inspection_class: str | None = None,
        page: int = 1,
        size: int = 50,
    ) -> Page:
        """Enterprises in ``region`` (any enclosing region code) with the given risk level and
        inspection class, ordered by credit code.

        Filter values are checked against closed lists, then enter the query only as
        pyoxigraph terms in VALUES blocks (serialised and escaped by the library).
        """
        patterns: list[str] = []
        bindings: dict[str, ox.NamedNode] = {}
        if region is not None:
            if region not in self.checker.engine.kb.regions:
                raise FilterError("region", f"{region!r} is not a GB/T 2260 region code")
            patterns.append("?e sk:withinRegion ?region .")
            bindings["region"] = ox.NamedNode(f"https://w3id.org/safetykg/region/{region}")
        if level is not None:
            if level not in LEVELS:
                raise FilterError("level", f"{level!r} is not one of {', '.join(LEVELS)}")
            bindings["level"] = ox.NamedNode(str(SKC[f"risk-{level}"]))
        if inspection_class is not None:
            if inspection_class not in CLASSES:
                raise FilterError(
                    "class", f"{inspection_class!r} is not one of {', '.join(CLASSES)}"
                )
            bindings["class"] = ox.NamedNode(str(SKC[f"class-{inspection_class}"]))
        if page < 1:
            raise FilterError("page", "must be 1 or more")
        if not 1 <= size <= MAX_PAGE_SIZE:
            raise FilterError("size", f"must be between 1 and {MAX_PAGE_SIZE}")
        values = " ".join(f"VALUES ?{k} {{ {term} }}" for k, term in bindings.items())
        where = LIST_WHERE % (values, " ".join(patterns))
        (count,) = self.store.select(f"{PREFIX}SELECT (COUNT(?e) AS ?n) {where}")
        rows = self.store.select(
            f"{PREFIX}SELECT ?code ?name ?level ?class {where[:-1]} "
            "OPTIONAL { ?e sk:name ?name } } "
            f"ORDER BY ?code LIMIT {int(size)} OFFSET {(int(page) - 1) * int(size)}"
        )
        items = [
            {
                "credit_code": r["code"],
                "name": r.get("name"),
                "risk_level": r["level"].rsplit("risk-", 1)[-1],
                "inspection_class": r["class"].rsplit("class-", 1)[-1],
            }
            for r in rows
        ]
        return Page(items, page, size, int(count["n"]))
