"""Region summaries and domino clusters kept current one enterprise at a time equal the same
figures computed from scratch: on a generated province changed by random puts, moves and
deletes (hypothesis), and over a real store written through the repository."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import json

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from safetykg.reasoner.audit import AuditLog
from safetykg.reasoner.change_log import ChangeLog
from safetykg.reasoner.cluster_index import find_clusters
from safetykg.reasoner.clusters import ClusterPolicy
from safetykg.reasoner.generate import generate
from safetykg.reasoner.province import AssessedEnterprise, HazardSourceRecord, assess_all
from safetykg.reasoner.province_index import ProvinceIndex
from safetykg.reasoner.proximity_grid import ProximityGrid, haversine_km
from safetykg.reasoner.regions import RegionCounts, region_summary
from safetykg.reasoner.repository import EnterpriseRepository
from safetykg.reasoner.sparql_query import QueryError
from safetykg.reasoner.store import BulkChunk, Store, StoredEnterprise
from safetykg.reasoner.stored_province import StoredProvince
from safetykg.reasoner.tokens import Principal
from safetykg.reasoner.vocab import SK, enterprise_iri, inferred_graph_iri

WHO = Principal("test", "admin")
POLICY = ClusterPolicy(distance_km=2.0, trigger_grade=2, uplift_level="orange")


@pytest.fixture(scope="module")
def province(checker) -> list[AssessedEnterprise]:
    """A small generated province, assessed once."""
    return assess_all(checker, generate(checker.engine.kb, 40, seed=11))


def regions_of(enterprises) -> list[str]:
    return sorted({code for e in enterprises for code in e.regions})


def brute_force_clusters(enterprises, distance_km: float) -> list[list[str]]:
    """Components of two or more, every pair compared (no grid)."""
    points = [e for e in enterprises if e.hazard_sources and e.location is not None]
    g = nx.Graph()
    g.add_nodes_from(e.credit_code for e in points)
    for a, b in itertools.combinations(points, 2):
        if haversine_km(a.location, b.location) <= distance_km:
            g.add_edge(a.credit_code, b.credit_code)
    return sorted(sorted(c) for c in nx.connected_components(g) if len(c) >= 2)


def assert_same_as_from_scratch(index: ProvinceIndex, current: dict[str, AssessedEnterprise]):
    kb = index.kb
    everyone = sorted(current.values(), key=lambda e: e.credit_code)
    assert index.enterprises() == everyone
    assert index.counts == RegionCounts.of(everyone)
    latest = max((e.as_of for e in everyone), default=None)
    for code in regions_of(everyone):
        if latest is not None:
            assert index.summary(code) == region_summary(everyone, kb, code, latest)
        early = dt.date(2025, 3, 31)
        assert index.summary(code, early) == region_summary(everyone, kb, code, early)
    got = [c.to_json() for c in index.clusters()]
    assert got == [c.to_json() for c in find_clusters(everyone, index.cluster_index.policy)]
    assert sorted(c["members"] for c in got) == brute_force_clusters(everyone, POLICY.distance_km)


OPERATION = st.one_of(
    st.tuples(st.just("delete"), st.integers(0, 39)),
    # enterprise j takes enterprise i's content: its county, location, accidents, sources
    st.tuples(st.just("become"), st.integers(0, 39), st.integers(0, 39)),
    # enterprise j moves to within about 3 km of enterprise i, with major hazard sources
    st.tuples(
        st.just("move"),
        st.integers(0, 39),
        st.integers(0, 39),
        st.floats(-0.02, 0.02),
        st.floats(-0.02, 0.02),
        st.sampled_from([(40.0, 1), (12.5, 3), (3.0, 4), (None, None)]),
    ),
)


def prepared(e: AssessedEnterprise, squeeze: float, hazardous: bool) -> AssessedEnterprise:
    """``e`` with its location drawn ``squeeze`` times closer to (30, 120), so that clusters
    form and split, and with a major hazard source when ``hazardous``."""
    location = e.location and (
        30 + (e.location[0] - 30) * squeeze,
        120 + (e.location[1] - 120) * squeeze,
    )
    sources = e.hazard_sources or (
        [HazardSourceRecord("major_hazard_sources[0]", "U", 10.0, 3)] if hazardous else []
    )
    return dataclasses.replace(e, location=location, hazard_sources=sources)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    start=st.integers(0, 40),
    squeeze=st.sampled_from([1.0, 0.03, 0.01]),
    hazardous=st.sets(st.integers(0, 39)),
    operations=st.lists(OPERATION, max_size=12),
    batched=st.booleans(),
)
def test_incremental_equals_from_scratch_after_every_change(
    engine, province, start, squeeze, hazardous, operations, batched
):
    """``batched``: the puts go in one ``put_all`` after the deletes (a credit code may come
    twice; the later wins), checked once at the end."""
    base = [prepared(e, squeeze, i in hazardous) for i, e in enumerate(province)]
    index = ProvinceIndex(engine.kb, POLICY)
    current = {e.credit_code: e for e in base[:start]}
    index.put_all(current.values())
    assert_same_as_from_scratch(index, current)
    batch: list[AssessedEnterprise] = []
    if batched:
        for op in operations:
            if op[0] == "delete":
                index.remove(base[op[1]].credit_code)
                current.pop(base[op[1]].credit_code, None)
        operations = [op for op in operations if op[0] != "delete"]
    for op in operations:
        j = base[op[1]]
        if op[0] == "delete":
            index.remove(j.credit_code)
            current.pop(j.credit_code, None)
        else:
            other = base[op[2]]
            if op[0] == "become":
                changed = dataclasses.replace(other, credit_code=j.credit_code)
            else:
                _, _, _, dlat, dlon, (r, grade) = op
                lat, lon = other.location or (30.0, 120.0)
                changed = dataclasses.replace(
                    j,
                    location=(lat + dlat, lon + dlon),
                    hazard_sources=[HazardSourceRecord("major_hazard_sources[0]", "U", r, grade)],
                )
            batch.append(changed)
            current[j.credit_code] = changed
        if not batched:
            index.put_all(batch)
            batch.clear()
            assert_same_as_from_scratch(index, current)
    index.put_all(batch)
    assert_same_as_from_scratch(index, current)


@settings(max_examples=200, deadline=None)
@given(
    points=st.lists(
        st.tuples(
            st.one_of(st.floats(-89.9, 89.9), st.floats(84.0, 90.0), st.floats(-90.0, -84.0)),
            st.one_of(st.floats(-180.0, 180.0), st.floats(179.0, 180.0), st.floats(-180, -179)),
        ),
        min_size=1,
        max_size=30,
    ),
    distance=st.floats(0.5, 300.0),
    removed=st.sets(st.integers(0, 29), max_size=5),
)
def test_grid_neighbours_are_exactly_the_points_within_the_distance(points, distance, removed):
    """Anywhere on the earth: near the poles and across the antimeridian too."""
    grid = ProximityGrid(distance)
    for i, p in enumerate(points):
        grid.add(f"P{i}", p)
    for i in removed:
        grid.remove(f"P{i}")
    kept = {f"P{i}": p for i, p in enumerate(points) if i not in removed}
    assert len(grid) == len(kept)
    for name, p in kept.items():
        expected = {o for o, q in kept.items() if o != name and haversine_km(p, q) <= distance}
        assert {o for o, _ in grid.neighbours(name)} == expected


def test_change_log_names_the_codes_written_or_says_it_cannot():
    log = ChangeLog(size=3)
    assert log.since(0) == (0, None)
    log.record(1, ["A"])
    log.record(2, ["B", "C"])
    assert log.since(0) == (2, {"A", "B", "C"})
    assert log.since(1) == (2, {"B", "C"})
    assert log.since(2) == (2, set())
    log.record(3, None)
    assert log.since(2) == (3, None)
    log.record(4, ["D"])
    assert log.since(3) == (4, {"D"})
    assert log.since(0) == (4, None)  # generation 1 fell out of the log


def stored_enterprise(code: str) -> StoredEnterprise:
    asserted = f'<{enterprise_iri(code)}> <{SK.name}> "{code}" .\n'
    return StoredEnterprise(code, asserted, None, "{}")


def test_the_store_logs_the_codes_each_write_wrote(checker, tmp_path):
    """Puts, a bulk write, a delete and a SPARQL Update, each under the generation it made;
    writes that change nothing are not logged."""
    store = Store(checker.engine.kb, checker.engine.instance_rules, tmp_path / "store")
    try:
        start = store.generation
        assert store.changes.since(-1)[1] is None  # a new reader reads everything
        store.put_enterprises([stored_enterprise("A"), stored_enterprise("B")])
        assert store.changes.since(start) == (start + 1, {"A", "B"})
        store.bulk_write(BulkChunk.of([stored_enterprise("B"), stored_enterprise("C")]))
        assert store.changes.since(start + 1) == (start + 2, {"B", "C"})
        assert store.changes.since(start) == (start + 2, {"A", "B", "C"})
        assert store.delete_enterprise("C")
        assert not store.delete_enterprise("C")
        assert store.generation == start + 3
        assert store.changes.since(start + 1) == (start + 3, {"B", "C"})
        with pytest.raises(QueryError):
            store.update("DROP GRAPH <nowhere")
        assert store.changes.since(start + 2) == (start + 3, {"C"})
        store.update(f"DROP GRAPH <{enterprise_iri('A')}>")
        assert store.changes.since(start + 3) == (start + 4, None)
        assert store.generation == start + 4
    finally:
        store.close()


def test_a_stored_province_stays_equal_to_a_fresh_assessment(checker, tmp_path):
    """PUTs, a move to another county, a delete and a SPARQL Update through the repository."""
    kb = checker.engine.kb
    profiles = {p["credit_code"]: p for p in generate(kb, 10, seed=5)}
    store = Store(kb, checker.engine.instance_rules)
    repository = EnterpriseRepository(checker, store, AuditLog(tmp_path))
    stored = StoredProvince(repository)
    codes = sorted(profiles)
    for code in codes[:6]:
        repository.put(WHO, code, profiles[code])
    assert stored.summary("330000")["enterprises"] == 6

    def assert_fresh(kept: list[str]) -> None:
        fresh = [AssessedEnterprise.from_result(checker.check(profiles[c])) for c in kept]
        latest = max(e.as_of for e in fresh)
        assert stored.enterprises() == fresh
        for code in regions_of(fresh):
            assert stored.summary(code) == region_summary(fresh, kb, code, latest)
        policy = ClusterPolicy.from_kb(kb)
        assert stored.clusters() == [c.to_json() for c in find_clusters(fresh, policy)]

    for code in codes[6:]:
        repository.put(WHO, code, profiles[code])
    assert_fresh(codes)
    moved = codes[0]
    elsewhere = next(p for p in profiles.values() if p["region"] != profiles[moved]["region"])
    profiles[moved] = {
        **profiles[moved],
        "region": elsewhere["region"],
        "location": elsewhere["location"],
    }
    repository.put(WHO, moved, profiles[moved])
    generation = store.generation
    assert store.changes.since(generation - 1) == (generation, {moved})
    assert_fresh(codes)
    repository.delete(WHO, codes[1])
    assert_fresh([c for c in codes if c != codes[1]])
    store.update(f"DROP GRAPH <{inferred_graph_iri(codes[2])}>")  # no report: not listed
    assert store.changes.since(store.generation - 1)[1] is None
    assert_fresh([c for c in codes if c not in codes[1:3]])
    with pytest.raises(KeyError, match="999999"):
        stored.summary("999999")
    json.dumps(stored.summary("330000"))  # the route returns it as JSON
