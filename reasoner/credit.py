"""The serious-untrustworthy list (部令第11号): listing terms and the restrictions it brings.

A listing runs for the term in ``kb/policy/credit-listing.ttl`` (3 years) from ``listed_on``,
ends earlier when the enterprise is removed, and early removal (信用修复) may be applied for after
the months set there (12). Whether an enterprise is restricted in an area on a day is answered by
SPARQL over its graph (asserted listing + the derived ``sk:listingEnds``) joined with the
restriction measures in ``kb/policy/credit-restrictions.ttl``; the listing is the reason. The
list of areas is tagged [P] in the domain reference, so every answer carries ``unverified``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from rdflib import Graph, Literal
from rdflib.namespace import XSD
from rdflib.plugins.sparql import prepareQuery

from .derive import add_years
from .kb import KnowledgeBase
from .province import add_months
from .risk import SPARQL_PREFIXES
from .vocab import enterprise_iri

LISTING_QUERY = prepareQuery(
    SPARQL_PREFIXES
    + """SELECT ?listing ?on ?ends ?removed ?current WHERE {
        ?enterprise sk:creditListing ?listing .
        ?listing sk:listedOn ?on ; sk:listingEnds ?ends .
        OPTIONAL { ?listing sk:removedOn ?removed }
        BIND(?on <= ?day && ?day < ?ends AS ?current) }"""
)


class CreditError(ValueError):
    """An unknown restriction area."""


@dataclass(frozen=True)
class Measure:
    id: str
    zh: str
    en: str
    confidence: str


@dataclass(frozen=True)
class CreditTerms:
    term_years: int
    early_removal_months: int
    confidence: str
    measures: tuple[Measure, ...]

    @classmethod
    def from_kb(cls, kb: KnowledgeBase) -> CreditTerms:
        terms = kb.select(
            """SELECT ?y ?m ?c WHERE { kb:MEM11 sk:listingTermYears ?y ;
                 sk:earlyRemovalAfterMonths ?m . OPTIONAL { kb:MEM11 sk:confidence ?c } }"""
        )[0]
        measures = kb.select(
            """SELECT ?id ?zh ?en ?c WHERE { ?m a sk:RestrictionMeasure ; sk:restrictionOf kb:MEM11 ;
                 dcterms:identifier ?id ; rdfs:label ?zh, ?en .
                 FILTER(lang(?zh) = "zh" && lang(?en) = "en")
                 OPTIONAL { ?m sk:confidence ?c } } ORDER BY ?id"""
        )
        return cls(
            int(terms["y"]),
            int(terms["m"]),
            terms.get("c", "verified"),
            tuple(Measure(m["id"], m["zh"], m["en"], m.get("c", "verified")) for m in measures),
        )

    def measure(self, area: str) -> Measure:
        for m in self.measures:
            if m.id == area:
                return m
        known = ", ".join(m.id for m in self.measures)
        raise CreditError(f"unknown restriction area {area!r}; known areas: {known}")


def listing_status(
    graph: Graph, credit_code: str, day: dt.date, terms: CreditTerms
) -> dict[str, Any] | None:
    """The listing as the graph holds it, judged on ``day``; None when never listed."""
    rows = list(
        graph.query(
            LISTING_QUERY,
            initBindings={
                "enterprise": enterprise_iri(credit_code),
                "day": Literal(day.isoformat(), datatype=XSD.date),
            },
        )
    )
    if not rows:
        return None
    row = rows[0]
    listed = dt.date.fromisoformat(str(row["on"]))
    removed = dt.date.fromisoformat(str(row["removed"])) if row["removed"] is not None else None
    early_from = add_months(listed, terms.early_removal_months)
    return {
        "listed_on": listed.isoformat(),
        "removed_on": removed.isoformat() if removed else None,
        "term_ends": add_years(listed, terms.term_years).isoformat(),
        "ends": str(row["ends"]),
        "early_removal_possible_from": early_from.isoformat(),
        "removed_before_early_removal_date": removed is not None and removed < early_from,
        "current": bool(row["current"].toPython()),
        "source": "应急管理部令第11号",
        "confidence": terms.confidence,
    }


def restrictions(
    graph: Graph,
    credit_code: str,
    day: dt.date,
    terms: CreditTerms,
    areas: list[str] | None = None,
) -> dict[str, Any]:
    """Is the enterprise restricted in each area on ``day``? The listing is the reason."""
    chosen = [terms.measure(a) for a in areas] if areas else list(terms.measures)
    status = listing_status(graph, credit_code, day, terms)
    restricted = bool(status and status["current"])
    reason = None
    if restricted and status:
        reason = {
            "rule": "MEM11-LISTING",
            "because": [
                f"credit_listing.listed_on = {status['listed_on']}, current until {status['ends']}"
            ],
        }
    return {
        "enterprise": credit_code,
        "date": day.isoformat(),
        "restricted": restricted,
        "listing": status,
        "areas": [
            {
                "area": m.id,
                "zh": m.zh,
                "en": m.en,
                "restricted": restricted,
                "confidence": m.confidence,
            }
            for m in chosen
        ],
        "reason": reason,
    }
