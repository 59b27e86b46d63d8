"""Explanation graph: conclusion → rule → fact → submitted field, as JSON, DOT and text."""

from typer.testing import CliRunner

from safetykg.api.cli import app
from safetykg.reasoner.explain import explain

from .province_helpers import enterprise

ORDER = {"conclusion": 0, "rule": 1, "fact": 2, "field": 3}


def test_contract_example_down_to_submitted_fields(checker, example_profile):
    result = checker.check(example_profile)
    ex = explain(result.assessment, checker.engine.context.key_of)
    nodes = {n.id: n for n in ex.nodes.values()}
    assert nodes["level"].label["en"] == "risk level red"
    assert "rule:RISK-OVERDUE-MAJOR-HAZARD" in nodes
    fields = {n.id.removeprefix("field:"): n.value for n in nodes.values() if n.kind == "field"}
    assert fields["hidden_hazards[0].deadline"] == "2026-05-01"
    assert fields["hazardous_chemicals[0].max_quantity_t"] == 30
    assert fields["population_within_500m"] == 120
    assert fields["accidents[0].deaths"] == 1
    for a, b, _ in ex.edges:  # every edge goes one step down the chain (or level → class)
        assert ORDER[nodes[a].kind] <= ORDER[nodes[b].kind]
    j = ex.to_json()
    assert len(j["edges"]) == len(ex.edges) and {n["id"] for n in j["nodes"]} == set(nodes)
    dot = ex.to_dot("en")
    assert dot.startswith('digraph "explanation 91330106MA2B3C4D11"') and dot.count("->") == len(
        ex.edges
    )
    assert "重大事故隐患逾期未整改" in ex.to_text("zh")
    assert "Major hidden hazard not rectified" in ex.to_text("en")


def test_blue_enterprise_says_no_rule_fired(checker):
    result = checker.check(
        {"credit_code": "91330106MA2B3C4D11", "region": "330106", "as_of": "2026-11-01"}
    )
    text = explain(result.assessment, checker.engine.context.key_of).to_text("en")
    assert "no rule raised the level" in text


def test_cli_explain_file_as_json_and_unknown_code(tmp_path, example_profile):
    import json

    path = tmp_path / "e.json"
    path.write_text(json.dumps(example_profile, ensure_ascii=False), encoding="utf-8")
    result = CliRunner().invoke(app, ["explain", str(path), "--format", "dot"])
    assert result.exit_code == 0 and result.output.startswith("digraph")
    missing = CliRunner().invoke(app, ["explain", "NOPE", "--input", str(path)])
    assert missing.exit_code == 2 and "NOPE" in missing.output


def test_planning_uplifts_appear_as_rules(engine, checker, example_profile):
    from safetykg.reasoner.cluster_index import find_clusters
    from safetykg.reasoner.clusters import ClusterPolicy, cluster_uplifts
    from safetykg.reasoner.province import planning_risk

    a = enterprise(engine, "A", location=(30.0, 120.0), sources=[(60.0, 2)])
    b = enterprise(engine, "B", location=(30.001, 120.0), sources=[(5.0, 4)])
    policy = ClusterPolicy(1.0, 2, "orange")
    ups = cluster_uplifts(find_clusters([a, b], policy), policy)
    result = checker.check(
        {"credit_code": "91330106MA2B3C4D11", "region": "330106", "as_of": "2026-11-01"}
    )
    ex = explain(result.assessment, checker.engine.context.key_of, planning_risk(b, [ups["B"]]))
    assert (
        "rule:PLAN-DOMINO-CLUSTER" in ex.nodes
        and ex.nodes["level"].label["en"] == "risk level orange"
    )
