"""GB 18218-2018 identification and grading of major hazard sources, as pure functions.

The tables come from the knowledge base (kb/gb18218.ttl); this module only does the arithmetic:
S = Σ q/Q (a unit is a major hazard source when S ≥ 1) and R = α · Σ β·q/Q, graded by Table 6.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from .kb import HazardCategory, KnowledgeBase, Substance, normalise_name


@dataclass(frozen=True)
class Holding:
    """One hazardous chemical held in a unit (one ``hazardous_chemicals[]`` entry)."""

    index: int
    unit: str
    unit_kind: str | None
    substance: str | None
    cas: str | None
    quantity_t: Decimal | None
    categories: tuple[str, ...]


@dataclass(frozen=True)
class Contribution:
    holding: Holding
    substance_iri: str | None  # Table 1 row or Table 2 category
    substance_label: str
    q_t: Decimal
    q_critical_t: Decimal
    beta: Decimal
    beta_source: str  # "table3", "table4", "fallback"

    @property
    def ratio(self) -> Decimal:
        return self.q_t / self.q_critical_t


@dataclass
class UnitResult:
    unit: str
    holdings: list[Holding]
    contributions: list[Contribution] = field(default_factory=list)
    unidentified: list[Holding] = field(default_factory=list)  # substance not classifiable
    missing_quantity: list[Holding] = field(default_factory=list)
    s: Decimal | None = None
    alpha: Decimal | None = None
    r: Decimal | None = None
    grade: int | None = None

    @property
    def is_major(self) -> bool:
        return self.s is not None and self.s >= 1

    @property
    def uses_fallback_beta(self) -> bool:
        return any(c.beta_source == "fallback" for c in self.contributions)


def match_substance(kb: KnowledgeBase, name: str | None, cas: str | None) -> Substance | None:
    """The Table 1 row for a substance, by CAS number first, then by name or alias.

    Several rows share a CAS number (nitrocellulose grades, ammonium nitrate): the name decides
    among them, and when it does not, the row with the lowest critical quantity is taken, the
    conservative reading.
    """
    by_cas = [s for s in kb.substances if cas and cas.strip() in s.cas]
    key = normalise_name(name) if name else None
    by_name = [s for s in kb.substances if key and key in s.names]
    if by_cas and by_name:
        both = [s for s in by_cas if s in by_name]
        candidates = both or by_cas
    else:
        candidates = by_cas or by_name
    return min(candidates, key=lambda s: s.q_critical) if candidates else None


def lowest_q_category(kb: KnowledgeBase, symbols: Iterable[str]) -> HazardCategory | None:
    cats = [kb.categories[s] for s in symbols if s in kb.categories]
    return min(cats, key=lambda c: (c.q_critical, -c.beta)) if cats else None


def contribution(kb: KnowledgeBase, holding: Holding) -> Contribution | None:
    """q/Q and β of one holding, or None when the substance cannot be classified."""
    assert holding.quantity_t is not None
    named = match_substance(kb, holding.substance, holding.cas)
    category = lowest_q_category(kb, holding.categories)
    if named is not None:
        if named.beta is not None:
            beta, source = named.beta, "table3"
        elif category is not None:
            beta, source = category.beta, "table4"
        else:
            beta, source = kb.fallback_beta, "fallback"
        return Contribution(
            holding, named.iri, named.label, holding.quantity_t, named.q_critical, beta, source
        )
    if category is not None:
        label = holding.substance or category.symbol
        return Contribution(
            holding,
            category.iri,
            label,
            holding.quantity_t,
            category.q_critical,
            category.beta,
            "table4",
        )
    return None


def alpha_for(kb: KnowledgeBase, population: int) -> Decimal:
    for minimum, alpha in kb.alpha_bands:
        if population >= minimum:
            return alpha
    raise ValueError(f"no α band for population {population}")


def grade_for(kb: KnowledgeBase, r: Decimal) -> int:
    for minimum, grade in kb.grade_bands:
        if r >= minimum:
            return grade
    return max(g for _, g in kb.grade_bands)


def assess_unit(
    kb: KnowledgeBase, unit: str, holdings: Sequence[Holding], population: int | None
) -> UnitResult:
    result = UnitResult(unit, list(holdings))
    for holding in holdings:
        if holding.quantity_t is None:
            result.missing_quantity.append(holding)
            continue
        c = contribution(kb, holding)
        if c is None:
            result.unidentified.append(holding)
        else:
            result.contributions.append(c)
    if result.contributions:
        result.s = sum((c.ratio for c in result.contributions), Decimal(0))
    if result.is_major and population is not None:
        result.alpha = alpha_for(kb, population)
        result.r = result.alpha * sum((c.beta * c.ratio for c in result.contributions), Decimal(0))
        result.grade = grade_for(kb, result.r)
    return result


def group_units(holdings: Iterable[Holding]) -> dict[str, list[Holding]]:
    """Holdings grouped by unit name, in order of first appearance."""
    units: dict[str, list[Holding]] = {}
    for h in holdings:
        units.setdefault(h.unit, []).append(h)
    return units
