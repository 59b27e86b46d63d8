"""Facts derived from one enterprise's asserted data and the reference knowledge base.

Everything here is a pure function of (profile, knowledge base, as-of date): links from codes to
reference individuals, GB 18218 units and grades, accident grades, overdue major hidden hazards
and the current credit listing. The triples it returns go to the enterprise's inferred graph;
the asserted graph is never touched.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from rdflib import Literal, URIRef
from rdflib.namespace import RDF, XSD

from .gb18218 import Holding, UnitResult, assess_unit, group_units
from .kb import AccidentGrade, IndustryClass, KnowledgeBase, Region
from .vocab import REGION, SK, enterprise_iri

Triple = tuple


@dataclass(frozen=True)
class AccidentResult:
    index: int
    date: str | None
    grade: AccidentGrade | None


@dataclass
class Derivation:
    credit_code: str
    as_of: dt.date
    region: Region | None = None
    industry: IndustryClass | None = None
    units: list[UnitResult] = field(default_factory=list)
    accidents: list[AccidentResult] = field(default_factory=list)
    overdue_hazards: list[int] = field(default_factory=list)
    listing_current: bool = False
    triples: set[Triple] = field(default_factory=set)
    reference_triples: set[Triple] = field(default_factory=set)

    def node(self, *parts: str | int) -> URIRef:
        return URIRef("/".join([str(self.enterprise), *map(str, parts)]))

    @property
    def enterprise(self) -> URIRef:
        return enterprise_iri(self.credit_code)

    @property
    def major_units(self) -> list[UnitResult]:
        return [u for u in self.units if u.is_major]


def as_of_date(profile: dict[str, Any], override: dt.date | None) -> dt.date:
    if override is not None:
        return override
    if profile.get("as_of"):
        return dt.date.fromisoformat(profile["as_of"])
    return dt.date.today()


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def derive(profile: dict[str, Any], kb: KnowledgeBase, as_of: dt.date) -> Derivation:
    d = Derivation(profile["credit_code"], as_of)
    _link_region(d, kb, profile.get("region"))
    _link_industry(d, kb, profile.get("industry"))
    _hazard_units(d, kb, profile)
    _accidents(d, kb, profile.get("accidents") or [])
    _hidden_hazards(d, kb, profile.get("hidden_hazards") or [])
    _credit_listing(d, profile.get("credit_listing"), kb.listing_term_years)
    return d


def _link_region(d: Derivation, kb: KnowledgeBase, code: str | None) -> None:
    region = kb.regions.get(code) if code else None
    if region is None:
        return
    d.region = region
    d.triples.add((d.enterprise, SK.region, URIRef(region.iri)))
    for c in (region.code, *region.ancestors):
        d.triples.add((d.enterprise, SK.withinRegion, REGION[c]))


def _link_industry(d: Derivation, kb: KnowledgeBase, code: str | None) -> None:
    industry = kb.industries.get(code) if code else None
    if industry is None:
        return
    d.industry = industry
    links, reference = _industry_links(kb, industry)
    d.triples.update((d.enterprise, p, o) for p, o in links)
    d.reference_triples.update(reference)


def _industry_links(kb: KnowledgeBase, industry: IndustryClass) -> tuple[list, set]:
    """(predicate, object) links of an enterprise in ``industry`` and the reference triples
    they need: the same for every enterprise of the class, so computed once per class."""
    cached = kb.derived_cache.get(("industry", industry.code))
    if cached is not None:
        return cached
    links: list = [(SK.industry, URIRef(industry.iri))]
    reference: set = set()
    for c in industry.chain:
        iri = URIRef(kb.industries[c].iri)
        links.append((SK.inIndustry, iri))
        reference.update((iri, RDF.type, URIRef(t)) for t in kb.industries[c].types)
    if industry.sector:
        links.append((SK.sectorGroup, URIRef(industry.sector)))
    kb.derived_cache[("industry", industry.code)] = (links, reference)
    return links, reference


def _holdings(profile: dict[str, Any]) -> list[Holding]:
    out = []
    for i, h in enumerate(profile.get("hazardous_chemicals") or []):
        q = h.get("max_quantity_t")
        out.append(
            Holding(
                index=i,
                unit=h["unit"],
                unit_kind=h.get("unit_kind"),
                substance=h.get("substance"),
                cas=h.get("cas"),
                quantity_t=Decimal(str(q)) if q is not None else None,
                categories=tuple(h.get("hazard_categories") or ()),
            )
        )
    return out


def _hazard_units(d: Derivation, kb: KnowledgeBase, profile: dict[str, Any]) -> None:
    population = profile.get("population_within_500m")
    for holdings in group_units(_holdings(profile)).values():
        d.units.append(assess_unit(kb, holdings[0].unit, holdings, population))
    for ui, unit in enumerate(d.units):
        node = d.node("hazard-units", ui)
        t = d.triples
        t.add((d.enterprise, SK.hazardUnit, node))
        t.add((node, RDF.type, SK.HazardousChemicalUnit))
        kind = unit.holdings[0].unit_kind
        if kind:
            t.add((node, RDF.type, SK.StorageUnit if kind == "storage" else SK.ProductionUnit))
        t.add((node, SK.unitName, Literal(unit.unit)))
        for h in unit.holdings:
            t.add((node, SK.holding, d.node("hazardous_chemicals", h.index)))
        for h in unit.unidentified:
            t.add((d.node("hazardous_chemicals", h.index), RDF.type, SK.UnclassifiedHolding))
        for c in unit.contributions:
            if c.beta_source == "fallback":
                t.add(
                    (
                        d.node("hazardous_chemicals", c.holding.index),
                        RDF.type,
                        SK.FallbackBetaHolding,
                    )
                )
        if unit.s is not None:
            t.add((node, SK.sValue, Literal(unit.s)))
        for ci, c in enumerate(unit.contributions):
            cnode = d.node("hazard-units", ui, "contributions", ci)
            t.add((node, SK.contribution, cnode))
            t.add((cnode, RDF.type, SK.Contribution))
            if c.substance_iri:
                t.add((cnode, SK.substance, URIRef(c.substance_iri)))
            t.add((cnode, SK.quantityTonnes, Literal(c.q_t)))
            t.add((cnode, SK.criticalQuantityTonnes, Literal(c.q_critical_t)))
            t.add((cnode, SK.beta, Literal(c.beta)))
            t.add((cnode, SK.fromHolding, d.node("hazardous_chemicals", c.holding.index)))
        if unit.is_major:
            t.add((node, RDF.type, SK.MajorHazardSource))
            t.add((d.enterprise, SK.hasMajorHazardSource, node))
            t.add((node, SK.keyPath, Literal(f"major_hazard_sources[{d.major_units.index(unit)}]")))
        if unit.r is not None:
            t.add((node, SK.alpha, Literal(unit.alpha)))
            t.add((node, SK.rValue, Literal(unit.r)))
            t.add((node, SK.majorHazardGrade, Literal(unit.grade)))


def accident_grade(
    kb: KnowledgeBase, deaths: int | None, injuries: int | None, loss: Decimal | None
) -> AccidentGrade | None:
    """The highest grade that any reported criterion reaches (国务院令第493号 第三条)."""
    if deaths is None and injuries is None and loss is None:
        return None
    for grade in kb.accident_grades:  # highest rank first
        if (
            (deaths is not None and deaths >= grade.min_deaths)
            or (injuries is not None and injuries >= grade.min_serious_injuries)
            or (loss is not None and loss >= grade.min_direct_loss_10k_cny)
        ):
            return grade
    return None


def _accidents(d: Derivation, kb: KnowledgeBase, accidents: list[dict[str, Any]]) -> None:
    for i, a in enumerate(accidents):
        loss = a.get("direct_loss_10k_cny")
        grade = accident_grade(
            kb,
            a.get("deaths"),
            a.get("serious_injuries"),
            Decimal(str(loss)) if loss is not None else None,
        )
        d.accidents.append(AccidentResult(i, a.get("date"), grade))
        if grade is not None:
            d.triples.add((d.node("accidents", i), SK.accidentGrade, URIRef(grade.iri)))


def _hidden_hazards(d: Derivation, kb: KnowledgeBase, hazards: list[dict[str, Any]]) -> None:
    for i, h in enumerate(hazards):
        node = d.node("hidden_hazards", i)
        crit = h.get("criterion")
        if crit and crit in kb.items:
            d.triples.add((node, SK.criterion, URIRef(kb.items[crit].iri)))
        deadline = h.get("deadline")
        if (
            h.get("level") == "major"
            and not h.get("rectified_on")
            and deadline
            and dt.date.fromisoformat(deadline) < d.as_of
        ):
            d.overdue_hazards.append(i)
            d.triples.add((node, RDF.type, SK.OverdueMajorHiddenHazard))


def _credit_listing(d: Derivation, listing: dict[str, Any] | None, term_years: int) -> None:
    if not listing or not listing.get("listed_on"):
        return
    listed = dt.date.fromisoformat(listing["listed_on"])
    ends = add_years(listed, term_years)
    removed = listing.get("removed_on")
    if removed:
        ends = min(ends, dt.date.fromisoformat(removed))
    d.triples.add(
        (d.node("credit_listing"), SK.listingEnds, Literal(ends.isoformat(), datatype=XSD.date))
    )
    if listed <= d.as_of < ends:
        d.listing_current = True
        d.triples.add((d.enterprise, RDF.type, SK.CurrentlyListedEnterprise))
