"""A service-managed rule with its fixtures, and the profiles it passes and fails, for the tests
of the rule routes."""

from __future__ import annotations

import copy
from typing import Any

RULE_ID = "SVC-1"

RULE = """@prefix sh:  <http://www.w3.org/ns/shacl#> .
@prefix sk:  <https://w3id.org/safetykg/def#> .
@prefix skc: <https://w3id.org/safetykg/concept/> .
@prefix kb:  <https://w3id.org/safetykg/kb/> .
@prefix shp: <https://w3id.org/safetykg/shapes/> .

shp:SVC-1
    a sh:NodeShape ;
    sk:ruleId "SVC-1" ;
    sk:clause kb:MEM10-11-3 ;
    sk:confidence "unverified" ;
    sh:severity sh:Violation ;
    sh:message "干式除尘系统未设置泄爆装置（测试规则）"@zh ,
               "Dry dust collector has no explosion venting (test rule)"@en ;
    sh:targetClass sk:DryDustCollector ;
    sh:property [
        sh:path sk:explosionProtection ;
        sk:requiresOneOf ( skc:protection-venting ) ;
    ] .
"""

VENTED: dict[str, Any] = {
    "credit_code": "91330106MA2B3C4D24",
    "name": "示例木业有限公司",
    "region": "330106",
    "industry": "2021",
    "employees": 120,
    "as_of": "2026-11-01",
    "dust": {
        "dust_types": ["wood"],
        "collectors": [
            {
                "id": "DC-1",
                "type": "dry",
                "dust_types": ["wood"],
                "pressure": "negative",
                "explosion_protection": ["venting"],
            }
        ],
    },
}


def with_protection(profile: dict[str, Any], code: str, protection: str) -> dict[str, Any]:
    out = copy.deepcopy(profile)
    out["credit_code"] = code
    out["dust"]["collectors"][0]["explosion_protection"] = [protection]
    return out


SUPPRESSED = with_protection(VENTED, "91330106MA00000016", "suppression")

FIXTURES = {
    "conforming-venting": {"description": "venting", "profile": VENTED, "expect": []},
    "violating-suppression": {
        "description": "suppression only",
        "profile": with_protection(VENTED, VENTED["credit_code"], "suppression"),
        "expect": [{"rule": RULE_ID, "kind": "violation", "focus": "dust.collectors[0]"}],
    },
}


def rule(rule_id: str = RULE_ID) -> str:
    return RULE.replace(RULE_ID, rule_id)


def fixtures(rule_id: str = RULE_ID) -> dict[str, Any]:
    out = copy.deepcopy(FIXTURES)
    for f in out.values():
        for e in f["expect"]:
            e["rule"] = rule_id
    return out
