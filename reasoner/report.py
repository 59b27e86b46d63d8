"""The public check report (docs/check-report.md) built from an assessment: JSON, text, Turtle."""

from __future__ import annotations

import re
from decimal import Decimal
from functools import cache
from typing import Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, SH

from .engine import Assessment, Engine, path_of
from .validate import Finding
from .vocab import SK, bind_prefixes

SPECIAL_OPERATIONS = {  # the enterprise's class -> its special operation in the report
    str(SK[cls]): op
    for cls, op in {
        "DustExplosionEnterprise": "dust",
        "AmmoniaRefrigerationEnterprise": "ammonia_refrigeration",
        "ConfinedSpaceEnterprise": "confined_spaces",
        "MetalSmeltingEnterprise": "metal_smelting",
        "HazardousChemicalEnterprise": "hazardous_chemicals",
    }.items()
}


@cache  # a few hundred rule ids, each sorted in every report
def _natural(rule_id: str) -> tuple:
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", rule_id))


def _num(value: Decimal | None, places: int = 4) -> float | None:
    if value is None:
        return None
    rounded = round(float(value), places)
    return int(rounded) if rounded.is_integer() and abs(rounded) < 1e15 else rounded


class Reporter:
    """Turns assessments into reports; needs the engine for labels and key names."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def clause_label(self, finding: Finding) -> str:
        clause = finding.rule.clause
        return self.engine.kb.clause_label(clause)

    def _focus(self, a: Assessment, finding: Finding) -> str:
        return path_of(finding.focus, a.credit_code) if isinstance(finding.focus, URIRef) else ""

    def _missing(self, a: Assessment, finding: Finding) -> str:
        focus = self._focus(a, finding)
        key = self.engine.context.key_of.get(finding.path) if finding.path is not None else None
        if key is None:
            return focus
        return f"{focus}.{key}" if focus else key

    def to_json(self, a: Assessment) -> dict[str, Any]:
        violations, gaps, seen = [], [], set()
        for f in sorted(
            a.findings, key=lambda f: (_natural(f.rule.rule_id), str(f.focus), str(f.path))
        ):
            if f.rule.is_gap:
                entry = {
                    "rule": f.rule.rule_id,
                    "missing": self._missing(a, f),
                    "message": {"zh": f.message.get("zh", ""), "en": f.message.get("en", "")},
                    "clause": self.clause_label(f),
                    "confidence": f.rule.confidence,
                }
                key = ("gap", entry["rule"], entry["missing"])
                target = gaps
            else:
                entry = {
                    "rule": f.rule.rule_id,
                    "severity": f.severity,
                    "clause": self.clause_label(f),
                    "focus": self._focus(a, f),
                    "message": {"zh": f.message.get("zh", ""), "en": f.message.get("en", "")},
                    "confidence": f.rule.confidence,
                }
                key = ("v", entry["rule"], entry["focus"], entry["severity"])
                target = violations
            if key not in seen:
                seen.add(key)
                target.append(entry)
        d = a.derivation
        region = d.region
        report: dict[str, Any] = {
            "enterprise": a.credit_code,
            "name": a.profile.get("name"),
            "as_of": a.as_of.isoformat(),
            "conforms": a.conforms,
            "violations": violations,
            "data_gaps": gaps,
            "major_hazard_sources": [self._unit(u) for u in d.major_units],
            "accidents": [
                {
                    "date": acc.date,
                    "grade": acc.grade.zh if acc.grade else None,
                    "grade_en": acc.grade.en if acc.grade else None,
                }
                for acc in d.accidents
            ],
            "risk": self._risk(a),
            "region": None
            if region is None
            else {"code": region.code, "name": region.name, "within": list(region.ancestors)},
            "sector_group": None
            if d.industry is None or d.industry.sector is None
            else d.industry.sector.rsplit("/", 1)[-1].removeprefix("sector-"),
            "special_operations": self._special_operations(a),
            "overdue_major_hidden_hazards": [f"hidden_hazards[{i}]" for i in d.overdue_hazards],
            "credit_listing_current": d.listing_current,
        }
        return report

    def _special_operations(self, a: Assessment) -> list[str]:
        types = a.types
        return sorted(op for cls, op in SPECIAL_OPERATIONS.items() if cls in types)

    def _unit(self, u) -> dict[str, Any]:
        return {
            "unit": u.unit,
            "S": _num(u.s),
            "R": _num(u.r),
            "grade": u.grade,
            "alpha": _num(u.alpha),
            "contributions": [
                {
                    "substance": c.substance_label,
                    "q_t": _num(c.q_t),
                    "Q_t": _num(c.q_critical_t),
                    "beta": _num(c.beta),
                    "beta_source": c.beta_source,
                    "holding": f"hazardous_chemicals[{c.holding.index}]",
                }
                for c in u.contributions
            ],
            "confidence": "unverified" if u.uses_fallback_beta else "verified",
        }

    def _risk(self, a: Assessment) -> dict[str, Any]:
        r = a.risk
        return {
            "level": r.level,
            "level_zh": r.level_zh,
            "inspection_class": r.inspection_class,
            "inspections_per_year": {"min": r.min_per_year, "max": r.max_per_year},
            "policy": r.policy.name,
            "reasons": [
                {"rule": x.rule_id, "level": x.level, "because": x.because, "message": x.message}
                for x in r.reasons
            ],
            "notes": r.frequency_notes,
        }

    def to_text(self, a: Assessment, lang: str = "zh") -> str:
        rep = self.to_json(a)
        zh = lang == "zh"
        lines = [
            f"{rep['enterprise']} {rep.get('name') or ''}".rstrip(),
            (f"评估日期 {rep['as_of']}  " if zh else f"as of {rep['as_of']}  ")
            + (
                ("符合" if rep["conforms"] else "不符合")
                if zh
                else ("conforms" if rep["conforms"] else "does not conform")
            ),
        ]
        risk = rep["risk"]
        per_year = risk["inspections_per_year"]
        lines.append(
            (
                f"风险等级 {risk['level_zh']} ({risk['level']})，"
                f"检查类别 {'重点' if risk['inspection_class'] == 'key' else '一般'}，"
                f"每年检查 {per_year['min']}–{per_year['max']} 次 [{risk['policy']}]"
            )
            if zh
            else (
                f"risk {risk['level']}, inspection class {risk['inspection_class']}, "
                f"{per_year['min']}–{per_year['max']} inspections a year [{risk['policy']}]"
            )
        )
        for reason in risk["reasons"]:
            lines.append(
                f"  ↑ {reason['rule']}: {reason['message'][lang]} — {'; '.join(reason['because'])}"
            )
        for v in rep["violations"]:
            mark = "" if v["confidence"] == "verified" else (" [未核实]" if zh else " [unverified]")
            lines.append(
                f"  ✗ {v['rule']} {v['focus'] or '(enterprise)'}: {v['message'][lang]}{mark}"
            )
        for g in rep["data_gaps"]:
            lines.append(
                f"  ? {g['rule']} {'缺少' if zh else 'missing'} {g['missing']}: {g['message'][lang]}"
            )
        for u in rep["major_hazard_sources"]:
            lines.append(
                (f"  重大危险源 {u['unit']}: S={u['S']} R={u['R']} {u['grade']}级")
                if zh
                else f"  major hazard source {u['unit']}: S={u['S']} R={u['R']} grade {u['grade']}"
            )
        return "\n".join(lines)

    def to_graph(self, a: Assessment) -> Graph:
        """A W3C SHACL validation report plus the inferred facts with their provenance."""
        g = Graph()
        bind_prefixes(g)
        for t in a.inferred:
            g.add(t)
        report = BNode()
        g.add((report, RDF.type, SH.ValidationReport))
        g.add((report, SH.conforms, Literal(a.conforms)))
        for f in a.findings:
            r = BNode()
            g.add((report, SH.result, r))
            g.add((r, RDF.type, SH.ValidationResult))
            g.add((r, SH.focusNode, f.focus))
            g.add((r, SH.resultSeverity, SH[f.severity]))
            g.add((r, SH.sourceShape, f.rule.shape))
            g.add((r, SK.ruleId, Literal(f.rule.rule_id)))
            if f.path is not None:
                g.add((r, SH.resultPath, f.path))
            for lang, text in f.message.items():
                g.add((r, SH.resultMessage, Literal(text, lang=lang or None)))
        return g
