"""Domino clusters by distance, the cluster uplift, and rule impact."""

import itertools

import networkx as nx
from hypothesis import given, settings
from hypothesis import strategies as st

from safetykg.reasoner.cluster_index import find_clusters
from safetykg.reasoner.clusters import ClusterPolicy, cluster_uplifts, haversine_km, rule_impact
from safetykg.reasoner.province import planning_risk

from .province_helpers import enterprise

KM = 1 / 111.195  # one kilometre of latitude in degrees


def test_haversine_one_degree_of_latitude():
    assert abs(haversine_km((30.0, 120.0), (31.0, 120.0)) - 111.195) < 0.01


def test_hand_built_clusters(engine):
    a = enterprise(engine, "A", location=(30.0, 120.0), sources=[(12.0, 3)])
    b = enterprise(engine, "B", level="red", location=(30.0 + 0.5 * KM, 120.0), sources=[(60.0, 2)])
    c = enterprise(engine, "C", location=(30.0 + 1.3 * KM, 120.0), sources=[(5.0, 4)])
    d = enterprise(engine, "D", location=(30.0 + 5 * KM, 120.0), sources=[(8.0, 4)])
    e = enterprise(engine, "E", location=(30.0 + 0.1 * KM, 120.0))  # no major hazard source
    policy = ClusterPolicy(distance_km=1.0, trigger_grade=2, uplift_level="orange")
    clusters = find_clusters([a, b, c, d, e], policy)
    assert [(x.id, x.members, x.combined_r, x.worst_grade) for x in clusters] == [
        ("C001", ["A", "B", "C"], 77.0, 2)
    ]
    ups = cluster_uplifts(clusters, policy)
    assert (
        set(ups) == {"A", "B", "C"} and "B major_hazard_sources[0] is grade 2" in ups["C"].because
    )
    raised = planning_risk(c, [ups["C"]])
    assert (raised.level, raised.inspection_class, raised.min_per_year, raised.max_per_year) == (
        "orange",
        "key",
        1.0,
        4.0,
    )
    assert planning_risk(b, [ups["B"]]).level == "red"
    quiet = ClusterPolicy(distance_km=1.0, trigger_grade=1, uplift_level="orange")
    assert cluster_uplifts(find_clusters([a, b, c], quiet), quiet) == {}


@settings(max_examples=30, deadline=None)
@given(
    points=st.lists(
        st.tuples(st.floats(29.9, 30.1), st.floats(119.9, 120.1)), min_size=2, max_size=25
    ),
    distance=st.floats(0.2, 8.0),
)
def test_clusters_are_the_components_of_the_pairs_within_the_distance(engine, points, distance):
    es = [
        enterprise(engine, f"E{i:02d}", location=p, sources=[(1.0, 4)])
        for i, p in enumerate(points)
    ]
    policy = ClusterPolicy(distance_km=distance, trigger_grade=2, uplift_level="orange")
    pairs = nx.Graph(
        (x.credit_code, y.credit_code)
        for x, y in itertools.combinations(es, 2)
        if haversine_km(x.location, y.location) <= distance
    )
    expected = sorted(sorted(c) for c in nx.connected_components(pairs) if len(c) >= 2)
    assert sorted(c.members for c in find_clusters(es, policy)) == expected


def test_rule_impact_follows_findings_to_classes(engine):
    only = enterprise(
        engine,
        "ONLY",
        level="orange",
        findings=[("violation", "MEM10-11-3", "dust.collectors[0]")],
        reasons=[
            {
                "rule": "RISK-MEM10-VIOLATION",
                "level": "orange",
                "because": ["violations: MEM10-11-3 at dust.collectors[0]"],
            },
            {
                "rule": "RISK-SPECIAL-OPERATION",
                "level": "yellow",
                "because": ["special operation: dust"],
            },
        ],
    )
    also = enterprise(
        engine,
        "ALSO",
        level="orange",
        findings=[("violation", "MEM10-11-3", "dust.collectors[0]")],
        reasons=[
            {
                "rule": "RISK-MEM10-VIOLATION",
                "level": "orange",
                "because": ["violations: MEM10-11-3 at dust.collectors[0]"],
            },
            {
                "rule": "RISK-FATAL-ACCIDENT-12M",
                "level": "orange",
                "because": ["accidents[0].deaths = 1"],
            },
        ],
    )
    other = enterprise(
        engine, "OTHER", level="orange", findings=[("violation", "MEM10-11-30", "x")], reasons=[]
    )
    out = rule_impact(engine.kb, engine.rules, [only, also, other], "MEM10-11-3")
    assert any(s["shape"].endswith("/MEM10-11-3") for s in out["shapes"])
    rows = {r["enterprise"]: r for r in out["enterprises"]}
    assert set(rows) == {"ONLY", "ALSO"}
    assert (rows["ONLY"]["level_without"], rows["ONLY"]["inspection_class_without"]) == (
        "yellow",
        "general",
    )
    assert rows["ALSO"]["inspection_class_without"] == "key"
    assert out["inspection_classes"] == {"key": 2, "general": 0, "would_change": 1}
    assert out["paths"][0][0] == "item:MEM10-11-3" and out["paths"][0][-1].startswith("class:")
