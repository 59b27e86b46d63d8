"""Rule management against the real server: lint and fixtures before acceptance, preview,
enable, disable, history, rollback, persistence across a restart, and no 500 on any input."""

from __future__ import annotations

import json

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .rule_examples import RULE, RULE_ID, SUPPRESSED, VENTED, fixtures, rule
from .service_server import bearer, create_token, is_problem, start

TURTLE = {"Content-Type": "text/turtle"}


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    data = tmp_path_factory.mktemp("rules") / "data"
    server = start(data, "--no-demo")
    tokens = {r: create_token(data, r) for r in ("viewer", "inspector", "policy", "admin")}
    for profile in (VENTED, SUPPRESSED):
        url = f"{server.base}/enterprises/{profile['credit_code']}"
        httpx.put(url, json=profile, headers=bearer(tokens["admin"]), timeout=60).raise_for_status()
    state = {"server": server, "data": data, "tokens": tokens}
    yield state
    state["server"].stop()


def call(state, role: str, method: str, path: str, **kwargs) -> httpx.Response:
    headers = {**kwargs.pop("headers", {}), **bearer(state["tokens"][role])}
    return httpx.request(
        method, state["server"].base + path, headers=headers, timeout=120, **kwargs
    )


def reported(state, profile) -> set[str]:
    report = call(state, "viewer", "POST", "/check", json=profile).json()
    return {v["rule"] for v in report["violations"]}


def rules_in_force(state) -> list[dict]:
    return call(state, "viewer", "GET", "/rules").json()["rules"]


def test_a_rule_with_a_syntax_error_is_refused_naming_line_and_rule(service):
    before = rules_in_force(service)
    broken = RULE.replace('sk:ruleId "SVC-1" ;', 'sk:ruleId "SVC-1" ;;\n    sk:clause (')
    r = call(service, "policy", "PUT", f"/rules/{RULE_ID}", content=broken, headers=TURTLE)
    body = is_problem(r, 422)
    (error,) = body["errors"]
    assert error["rule"] == RULE_ID and error["line"] >= 9
    assert "syntax" in error["message"] and f"{RULE_ID}.ttl" == error["file"]
    assert rules_in_force(service) == before
    is_problem(call(service, "viewer", "GET", f"/rules/{RULE_ID}"), 404)


def test_a_rule_with_a_dangling_clause_is_refused_and_changes_nothing(service):
    before = rules_in_force(service)
    dangling = rule("SVC-2").replace("kb:MEM10-11-3", "kb:MEM10-11-99")
    r = call(
        service, "admin", "PUT", "/rules/SVC-2",
        json={"turtle": dangling, "fixtures": fixtures("SVC-2")},
    )  # fmt: skip
    body = is_problem(r, 422)
    assert [(e["rule"], e["line"]) for e in body["errors"]] == [("SVC-2", 7)]
    assert "kb:MEM10-11-99" in body["errors"][0]["message"]
    assert rules_in_force(service) == before
    assert "SVC-2" not in reported(service, SUPPRESSED)
    audit = call(service, "admin", "GET", "/audit", params={"target": "SVC-2"}).json()["entries"]
    assert [(e["action"], e["outcome"]) for e in audit] == [("rule.put", "rejected")]


def test_a_rule_whose_fixtures_fail_is_refused(service):
    wrong = fixtures("SVC-3")
    wrong["violating-suppression"]["expect"][0]["focus"] = "dust.collectors[1]"
    r = call(
        service, "admin", "PUT", "/rules/SVC-3", json={"turtle": rule("SVC-3"), "fixtures": wrong}
    )
    body = is_problem(r, 422)
    assert [e["file"] for e in body["errors"]] == ["fixtures/SVC-3/violating-suppression.json"]
    assert "expected, not reported" in body["errors"][0]["message"]
    is_problem(call(service, "viewer", "GET", "/rules/SVC-3"), 404)


def test_preview_enable_disable_history_rollback(service):
    r = call(
        service, "policy", "PUT", f"/rules/{RULE_ID}", json={"turtle": RULE, "fixtures": fixtures()}
    )
    assert r.status_code == 200, r.text
    assert (r.json()["version"], r.json()["enabled"]) == (1, False)
    assert RULE_ID not in reported(service, SUPPRESSED)

    preview = call(service, "policy", "POST", f"/rules/{RULE_ID}/preview").json()
    assert preview["newly_failing"] == [SUPPRESSED["credit_code"]]
    assert preview["newly_passing"] == [] and preview["targeted"] == 2
    (change,) = preview["affected"]
    assert change["conforms"] == {"before": True, "after": False}
    assert change["added"] == [{"kind": "violation", "at": "dust.collectors[0]"}]

    assert call(service, "policy", "POST", f"/rules/{RULE_ID}/enable").json()["enabled"]
    assert RULE_ID in reported(service, SUPPRESSED)
    assert RULE_ID not in reported(service, VENTED)
    stored = call(
        service, "admin", "PUT", f"/enterprises/{SUPPRESSED['credit_code']}", json=SUPPRESSED
    )
    assert RULE_ID in {v["rule"] for v in stored.json()["violations"]}

    v2 = RULE.replace("(test rule)", "(test rule, version 2)")
    r = call(service, "admin", "PUT", f"/rules/{RULE_ID}", content=v2, headers=TURTLE)
    assert (r.json()["version"], r.json()["enabled"]) == (2, True), r.text
    messages = call(service, "viewer", "POST", "/check", json=SUPPRESSED).json()["violations"]
    assert any("version 2" in v["message"]["en"] for v in messages if v["rule"] == RULE_ID)

    assert not call(service, "policy", "POST", f"/rules/{RULE_ID}/disable").json()["enabled"]
    assert RULE_ID not in reported(service, SUPPRESSED)
    listed = {e["id"]: e for e in rules_in_force(service)}
    assert (listed[RULE_ID]["enabled"], listed[RULE_ID]["version"]) == (False, 2)

    r = call(service, "policy", "POST", f"/rules/{RULE_ID}/rollback", params={"version": 1})
    assert r.json()["version"] == 3
    got = call(service, "viewer", "GET", f"/rules/{RULE_ID}", headers={"Accept": "text/turtle"})
    assert got.text == RULE
    described = call(service, "viewer", "GET", f"/rules/{RULE_ID}").json()
    assert described["fixtures"] == fixtures() and described["pack"] == "service"
    history = call(service, "viewer", "GET", f"/rules/{RULE_ID}/history").json()
    assert [(h["action"], h["version"]) for h in history["history"]] == [
        ("put", 1), ("enable", 1), ("put", 2), ("disable", 2), ("rollback", 3),
    ]  # fmt: skip
    assert history["history"][-1]["restores"] == 1
    assert history["history"][0]["role"] == "policy"
    is_problem(
        call(service, "admin", "POST", f"/rules/{RULE_ID}/rollback", params={"version": 9}), 404
    )


def test_rules_and_their_state_survive_a_restart(service):
    call(
        service,
        "admin",
        "PUT",
        "/rules/SVC-4",
        json={"turtle": rule("SVC-4"), "fixtures": fixtures("SVC-4")},
    ).raise_for_status()
    call(service, "admin", "POST", "/rules/SVC-4/enable").raise_for_status()
    call(service, "admin", "POST", "/rules/MEM10-11-3/disable").raise_for_status()
    assert "MEM10-11-3" not in reported(service, SUPPRESSED)
    service["server"].stop()
    service["server"] = start(service["data"])
    try:
        found = reported(service, SUPPRESSED)
        assert "SVC-4" in found and "MEM10-11-3" not in found
        listed = {e["id"]: e for e in rules_in_force(service)}
        assert listed["SVC-4"]["version"] == 1 and not listed["MEM10-11-3"]["enabled"]
    finally:
        call(service, "admin", "POST", "/rules/MEM10-11-3/enable").raise_for_status()
        call(service, "admin", "POST", "/rules/SVC-4/disable").raise_for_status()
    shipped = call(service, "viewer", "GET", "/rules/MEM10-11-3").json()
    assert shipped["version"] == 0 and "sk:DryDustCollector" in shipped["turtle"]
    assert shipped["fixtures"] and all("expect" in f for f in shipped["fixtures"].values())


def test_roles_other_than_policy_and_admin_may_not_change_rules(service):
    for role in ("viewer", "inspector"):
        for method, path in (
            ("PUT", f"/rules/{RULE_ID}"),
            ("POST", f"/rules/{RULE_ID}/enable"),
            ("POST", f"/rules/{RULE_ID}/disable"),
            ("POST", f"/rules/{RULE_ID}/preview"),
            ("POST", f"/rules/{RULE_ID}/rollback?version=1"),
        ):
            is_problem(call(service, role, method, path, content=RULE, headers=TURTLE), 403)


@pytest.mark.parametrize(
    ("rule_id", "status"),
    [("..%2F..%2Fetc%2Fpasswd", 404), ("%2e%2e", 404), ("SVC-1%00", 404), ("a" * 80, 404)],
)
def test_hostile_rule_ids(service, rule_id, status):
    for method in ("GET", "PUT"):
        r = call(service, "admin", method, f"/rules/{rule_id}", content=RULE, headers=TURTLE)
        assert r.status_code == status and "root:" not in r.text
        assert r.headers["content-type"].startswith("application/problem+json")


def test_oversized_and_malformed_rule_bodies(service):
    huge = RULE + "# " + "x" * 300_000
    is_problem(call(service, "admin", "PUT", "/rules/SVC-5", content=huge, headers=TURTLE), 413)
    nested = b'{"turtle":' + b"[" * 5000 + b"]" * 5000 + b"}"
    r = call(
        service,
        "admin",
        "PUT",
        "/rules/SVC-5",
        content=nested,
        headers={"Content-Type": "application/json"},
    )
    is_problem(r, 400)
    r = call(
        service, "admin", "PUT", "/rules/SVC-5", json={"turtle": RULE, "fixtures": {"../x": {}}}
    )
    assert is_problem(r, 422)["errors"][0]["path"].startswith("fixtures")
    r = call(service, "admin", "PUT", "/rules/SVC-5", content=b"\xff\xfe", headers=TURTLE)
    is_problem(r, 400)


def _rule_paths(base: str) -> list[tuple[str, str]]:
    paths = httpx.get(f"{base}/openapi.json").json()["paths"]
    return sorted(
        (m.upper(), p)
        for p, ops in paths.items()
        for m in ops
        if p.startswith(("/rules", "/plans", "/regions"))
    )


def test_no_input_to_the_new_routes_makes_a_500(service):
    routes = _rule_paths(service["server"].base)
    assert len(routes) == 11

    @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
    @given(
        route=st.sampled_from(routes),
        segment=st.sampled_from([RULE_ID, "MEM10-11-3", "330000", "0" * 16])
        | st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=20),
        params=st.dictionaries(
            st.sampled_from(["version", "as_of", "region"]), st.text(max_size=12), max_size=2
        ),
        body=st.one_of(
            st.binary(max_size=200),
            st.recursive(
                st.none() | st.booleans() | st.integers() | st.text(max_size=20),
                lambda inner: st.lists(inner, max_size=3)
                | st.dictionaries(st.sampled_from(["turtle", "fixtures", "region", "year",
                                                   "inspectors", "profile", "expect"]),
                                  inner, max_size=4),
                max_leaves=12,
            ).map(lambda v: json.dumps(v).encode()),
        ),
        media=st.sampled_from(["application/json", "text/turtle", "text/plain"]),
    )  # fmt: skip
    def probe(route, segment, params, body, media):
        method, template = route
        seg = segment.replace("/", "%2F").replace("?", "%3F").replace("#", "%23") or "x"
        path = template.replace("{rule_id}", seg).replace("{plan_id}", seg).replace("{code}", seg)
        r = call(service, "admin", method, path, params=params, content=body,
                 headers={"Content-Type": media})  # fmt: skip
        assert r.status_code < 500, (method, path, r.status_code, r.text)
        if r.status_code >= 400:
            assert r.headers["content-type"].startswith("application/problem+json"), r.text

    probe()
