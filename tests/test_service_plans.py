"""Region summaries and inspection plans against the real server: the same figures as a fresh
assessment of the same profiles, plans kept across a restart, invalid requests, roles."""

from __future__ import annotations

import json

import httpx
import pytest

from safetykg.reasoner.plan import make_plan
from safetykg.reasoner.province import AssessedEnterprise, demo_province_path
from safetykg.reasoner.regions import region_summary
from safetykg.reasoner.service import Checker

from .service_server import bearer, create_token, is_problem, start

PROFILES = [json.loads(line) for line in demo_province_path().read_text().splitlines()[:12]]
REQUEST = {"region": "330000", "year": 2027, "inspectors": 2, "seed": 7}


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    data = tmp_path_factory.mktemp("plans") / "data"
    server = start(data, "--no-demo")
    tokens = {r: create_token(data, r) for r in ("viewer", "inspector", "policy", "admin")}
    tokens["enterprise"] = create_token(data, "enterprise", PROFILES[0]["credit_code"])
    for p in PROFILES:
        url = f"{server.base}/enterprises/{p['credit_code']}"
        httpx.put(url, json=p, headers=bearer(tokens["admin"]), timeout=60).raise_for_status()
    state = {"server": server, "data": data, "tokens": tokens}
    yield state
    state["server"].stop()


@pytest.fixture(scope="module")
def fresh():
    """The same profiles assessed in this process, as ``safetykg regions`` and ``plan`` do."""
    checker = Checker.default()
    return checker, [AssessedEnterprise.from_result(checker.check(p)) for p in PROFILES]


def call(state, role: str, method: str, path: str, **kwargs) -> httpx.Response:
    headers = {**kwargs.pop("headers", {}), **bearer(state["tokens"][role])}
    return httpx.request(
        method, state["server"].base + path, headers=headers, timeout=120, **kwargs
    )


def _roundtrip(value):
    return json.loads(json.dumps(value, ensure_ascii=False))


def test_region_summaries_equal_those_of_a_fresh_assessment(service, fresh):
    checker, assessed = fresh
    day = max(e.as_of for e in assessed)
    counties = sorted({e.county for e in assessed if e.county})
    for code in ("330000", assessed[0].regions[1], counties[0]):
        got = call(service, "viewer", "GET", f"/regions/{code}/summary").json()
        prone = got.pop("is_accident_prone")
        expected = _roundtrip(region_summary(assessed, checker.engine.kb, code, day))
        assert got == expected
        assert prone == (code in {p["code"] for p in expected["accident_prone"]})
    accidents = sum(1 for e in assessed for a in e.accidents if a.date and a.date <= day)
    whole = call(service, "viewer", "GET", "/regions/330000/summary").json()
    assert sum(y["accidents"] for y in whole["years"].values()) == accidents
    assert whole["enterprises"] == len(PROFILES)


@pytest.mark.parametrize("code", ["999999", "33", "abc", "..%2F..%2Fetc", "330000%00"])
def test_unknown_region_codes_are_404(service, code):
    is_problem(call(service, "viewer", "GET", f"/regions/{code}/summary"), 404)


def test_a_plan_is_the_plan_of_a_fresh_assessment_and_survives_a_restart(service, fresh):
    checker, assessed = fresh
    r = call(service, "inspector", "POST", "/plans", json=REQUEST)
    assert r.status_code == 201, r.text
    plan = r.json()
    assert r.headers["location"] == f"/plans/{plan['id']}"
    expected = make_plan(checker.engine.kb, assessed, "330000", 2027, 2, 7).to_json()
    assert plan == _roundtrip(expected)
    again = call(service, "admin", "POST", "/plans", json=REQUEST).json()
    assert again["id"] == plan["id"]
    other = call(service, "admin", "POST", "/plans", json={**REQUEST, "seed": 8}).json()
    assert other["id"] != plan["id"]

    service["server"].stop()
    service["server"] = start(service["data"])
    assert call(service, "inspector", "GET", f"/plans/{plan['id']}").json() == plan
    audit = call(service, "admin", "GET", "/audit", params={"action": "plan.create"}).json()
    assert {e["target"] for e in audit["entries"]} == {plan["id"], other["id"]}


def test_a_plan_under_another_policy_reassesses_the_region(service, fresh):
    checker, _ = fresh
    r = call(service, "inspector", "POST", "/plans", json={**REQUEST, "policy": "shanxi-2025"})
    assert r.status_code == 201, r.text
    redone = [
        AssessedEnterprise.from_result(checker.check(p, None, "shanxi-2025")) for p in PROFILES
    ]
    expected = make_plan(checker.engine.kb, redone, "330000", 2027, 2, 7).to_json()
    assert r.json() == _roundtrip(expected) and r.json()["policy"] == "shanxi-2025"


@pytest.mark.parametrize(
    ("body", "status", "where"),
    [
        ({**REQUEST, "region": "999999"}, 422, "region"),
        ({**REQUEST, "inspectors": 0}, 422, "inspectors"),
        ({**REQUEST, "year": "next"}, 422, "year"),
        ({**REQUEST, "extra": 1}, 422, "extra"),
        ({k: v for k, v in REQUEST.items() if k != "year"}, 422, "year"),
        ({**REQUEST, "policy": "nowhere-1999"}, 400, "nowhere-1999"),
        ({**REQUEST, "region": "110000"}, 422, "no stored enterprise"),
    ],
)
def test_invalid_plan_requests_name_the_field(service, body, status, where):
    problem = is_problem(call(service, "inspector", "POST", "/plans", json=body), status)
    assert where in json.dumps(problem, ensure_ascii=False)


def test_unreadable_plan_bodies(service):
    for content in (b"{oops", b"[" * 10_000 + b"]" * 10_000, b"\xff"):
        r = call(service, "inspector", "POST", "/plans", content=content,
                 headers={"Content-Type": "application/json"})  # fmt: skip
        is_problem(r, 400)
    is_problem(call(service, "inspector", "GET", "/plans/..%2F..%2Ftokens"), 404)
    is_problem(call(service, "inspector", "GET", "/plans/0123456789abcdef"), 404)


def test_only_inspectors_and_admins_plan(service):
    plan_id = call(service, "inspector", "POST", "/plans", json=REQUEST).json()["id"]
    for role in ("viewer", "policy", "enterprise"):
        is_problem(call(service, role, "POST", "/plans", json=REQUEST), 403)
        is_problem(call(service, role, "GET", f"/plans/{plan_id}"), 403)
    is_problem(call(service, "enterprise", "GET", "/regions/330000/summary"), 403)
