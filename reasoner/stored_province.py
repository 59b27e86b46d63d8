"""The stored enterprises as the province-wide modules (regions, plan) see them.

Assessing an enterprise costs about 0.15 s, so a region summary that re-assessed a 300-enterprise
province would take most of a minute. The store already holds what ``AssessedEnterprise`` needs:
the profile (the asserted graph, read back) and the report made when it was stored. Those are
read instead, and the list is kept until the store is next written (``Store.generation``).
"""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pyoxigraph as ox

from .engine import Engine, standardization_grade
from .province import AccidentRecord, AssessedEnterprise, HazardSourceRecord
from .repository import EnterpriseRepository
from .vocab import enterprise_iri

RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


def from_stored(
    engine: Engine, profile: dict[str, Any], report: dict[str, Any], types: frozenset[str]
) -> AssessedEnterprise:
    """What ``AssessedEnterprise.from_result`` gives, from a stored profile and report."""
    as_of = dt.date.fromisoformat(report["as_of"])
    region = engine.kb.regions.get(profile.get("region") or "")
    risk = report["risk"]
    bounds = risk["inspections_per_year"]
    loc = profile.get("location")
    return AssessedEnterprise(
        credit_code=report["enterprise"],
        name=profile.get("name") or "",
        county=region.code if region else None,
        regions=(region.code, *region.ancestors) if region else (),
        location=(float(loc["lat"]), float(loc["lon"])) if loc else None,
        level=risk["level"],
        inspection_class=risk["inspection_class"],
        min_per_year=bounds["min"],
        max_per_year=bounds["max"],
        reasons=risk["reasons"],
        hazard_sources=[
            HazardSourceRecord(f"major_hazard_sources[{i}]", s["unit"], s["R"], s["grade"])
            for i, s in enumerate(report["major_hazard_sources"])
        ],
        accidents=[
            AccidentRecord(
                f"accidents[{i}]",
                dt.date.fromisoformat(submitted["date"]) if submitted.get("date") else None,
                submitted.get("deaths") or 0,
                graded["grade"],
            )
            for i, (submitted, graded) in enumerate(
                zip(profile.get("accidents") or [], report["accidents"], strict=True)
            )
        ],
        findings=[("violation", v["rule"], v["focus"]) for v in report["violations"]]
        + [("data_gap", g["rule"], g["missing"]) for g in report["data_gaps"]],
        policy=engine.policy(risk["policy"]),
        as_of=as_of,
        standardization_grade=standardization_grade(profile, as_of),
        types=types,
    )


class StoredProvince:
    """Every stored enterprise as an ``AssessedEnterprise``, cached per store generation."""

    def __init__(self, repository: EnterpriseRepository) -> None:
        self.repository = repository
        self._lock = threading.Lock()
        self._generation = -1
        self._enterprises: list[AssessedEnterprise] = []

    def enterprises(self) -> list[AssessedEnterprise]:
        store = self.repository.store
        with self._lock:
            if self._generation != store.generation:
                generation = store.generation
                self._enterprises = [
                    e for code in store.enterprise_codes() if (e := self._read(code)) is not None
                ]
                self._generation = generation
            return list(self._enterprises)

    def _read(self, credit_code: str) -> AssessedEnterprise | None:
        report = self.repository.report(credit_code)
        profile = self.repository.profile(credit_code)
        if report is None or profile is None:
            return None
        node = ox.NamedNode(str(enterprise_iri(credit_code)))
        oxi = self.repository.store.oxigraph
        types = frozenset(q.object.value for q in oxi.quads_for_pattern(node, RDF_TYPE, None))
        return from_stored(self.repository.checker.engine, profile, report, types)
