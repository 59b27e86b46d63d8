"""Who may do what, route by route and role by role; hostile input; no 500 under fuzzing."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .rule_examples import RULE_ID, fixtures, rule
from .service_server import bearer, create_token, is_problem, start

EXAMPLE = json.loads(
    (Path(__file__).parent / "data" / "contract-example.json").read_text(encoding="utf-8")
)
OWN = EXAMPLE["credit_code"]
OTHER = "91330106MA00000016"
ROLES = ("anonymous", "viewer", "enterprise", "inspector", "policy", "admin")
QUERY = "ASK { ?s ?p ?o }"
UPDATE = "INSERT DATA { <urn:s> <urn:p> <urn:o> }"


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    data = tmp_path_factory.mktemp("security") / "data"
    server = start(data, "--demo", "--max-body", "200000", "--query-timeout", "3")
    tokens = {r: create_token(data, r) for r in ROLES if r not in ("anonymous", "enterprise")}
    tokens["enterprise"] = create_token(data, "enterprise", OWN)
    call(server.base, tokens["admin"], *PUT_OWN[:2], **PUT_OWN[2]).raise_for_status()
    IDS["plan_id"] = call(server.base, tokens["admin"], "POST", "/plans", json=PLAN).json()["id"]
    yield server.base, tokens
    server.stop()


def call(base: str, token: str | None, method: str, path: str, **kwargs) -> httpx.Response:
    headers = {**kwargs.pop("headers", {}), **(bearer(token) if token else {})}
    return httpx.request(method, base + path, headers=headers, timeout=60, **kwargs)


PUT_OWN = ("PUT", f"/enterprises/{OWN}", {"json": EXAMPLE})
PUT_OTHER = ("PUT", f"/enterprises/{OTHER}", {"json": {**EXAMPLE, "credit_code": OTHER}})
SPARQL_UPDATE = (
    "POST",
    "/sparql/update",
    {"content": UPDATE, "headers": {"Content-Type": "application/sparql-update"}},
)
PLAN = {"region": "330000", "year": 2027, "inspectors": 5}
IDS = {"rule_id": RULE_ID}  # placeholders of the paths below; plan_id is set by the fixture
READERS = {"viewer", "inspector", "policy", "admin"}
RULE_PUT = {"json": {"turtle": rule(), "fixtures": fixtures()}}
# route → the roles allowed; every other role must get 401 (anonymous) or 403
TABLE = [
    (("GET", "/health", {}), set(ROLES)),
    (("POST", "/check", {"json": EXAMPLE}), set(ROLES) - {"anonymous"}),
    (("GET", "/sparql", {"params": {"query": QUERY}}), set(ROLES) - {"anonymous"}),
    (("POST", "/sparql", {"data": {"query": QUERY}}), set(ROLES) - {"anonymous"}),
    (("GET", "/enterprises", {}), {"viewer", "inspector", "policy", "admin"}),
    (("GET", f"/enterprises/{OTHER}", {}), {"viewer", "inspector", "policy", "admin"}),
    (("GET", f"/enterprises/{OTHER}/explanation", {}), {"viewer", "inspector", "policy", "admin"}),
    (("GET", f"/enterprises/{OTHER}/checklist", {}), {"viewer", "inspector", "policy", "admin"}),
    (
        ("GET", f"/enterprises/{OWN}/checklist", {}),
        {"viewer", "enterprise", "inspector", "policy", "admin"},
    ),
    (PUT_OWN, {"enterprise", "inspector", "admin"}),
    (PUT_OTHER, {"inspector", "admin"}),
    (("DELETE", f"/enterprises/{OTHER}", {}), {"inspector", "admin"}),
    (SPARQL_UPDATE, {"admin"}),
    (("GET", "/audit", {}), {"admin"}),
    (("GET", "/regions/330100/summary", {}), READERS),
    (("POST", "/plans", {"json": PLAN}), {"inspector", "admin"}),
    (("GET", "/plans/{plan_id}", {}), {"inspector", "admin"}),
    (("PUT", "/rules/{rule_id}", RULE_PUT), {"policy", "admin"}),
    (("GET", "/rules", {}), READERS),
    (("GET", "/rules/{rule_id}", {}), READERS),
    (("GET", "/rules/{rule_id}/history", {}), READERS),
    (("POST", "/rules/{rule_id}/preview", {}), {"policy", "admin"}),
    (("POST", "/rules/{rule_id}/enable", {}), {"policy", "admin"}),
    (("POST", "/rules/{rule_id}/disable", {}), {"policy", "admin"}),
    (("POST", "/rules/{rule_id}/rollback", {"params": {"version": 1}}), {"policy", "admin"}),
]


@pytest.mark.parametrize(("route", "allowed"), TABLE, ids=[f"{r[0]} {r[1]}" for r, _ in TABLE])
def test_each_role_is_denied_what_it_may_not_do(service, route, allowed):
    base, tokens = service
    method, path, kwargs = route
    path = path.format(**IDS)
    for role in ROLES:
        r = call(base, tokens.get(role), method, path, **kwargs)
        if role in allowed:
            assert r.status_code < 400, (role, r.text)
            if method == "DELETE":  # put it back for the next role
                call(base, tokens["admin"], *PUT_OTHER[:2], **PUT_OTHER[2])
        else:
            is_problem(r, 401 if role == "anonymous" else 403)


def test_every_route_of_the_openapi_document_is_in_the_table(service):
    base, _ = service
    paths = httpx.get(f"{base}/openapi.json").json()["paths"]
    documented = {(m.upper(), p) for p, ops in paths.items() for m in ops}
    table = {
        (
            m,
            p.replace(OWN, "{credit_code}")
            .replace(OTHER, "{credit_code}")
            .replace("/regions/330100/", "/regions/{code}/"),
        )
        for (m, p, _), _ in TABLE
    }
    assert documented <= table


def test_an_enterprise_reads_its_own_record(service):
    base, tokens = service
    call(base, tokens["enterprise"], *PUT_OWN[:2], **PUT_OWN[2]).raise_for_status()
    r = call(base, tokens["enterprise"], "GET", f"/enterprises/{OWN}")
    assert r.status_code == 200 and r.json()["enterprise"] == OWN
    bad = call(base, "skt_000000000000_forged", "GET", "/enterprises")
    is_problem(bad, 401)
    is_problem(
        call(base, None, "GET", "/enterprises", headers={"Authorization": "Basic eDp5"}), 401
    )


def test_explanation_and_checklist_of_a_stored_enterprise(service):
    base, tokens = service
    call(base, tokens["admin"], *PUT_OWN[:2], **PUT_OWN[2]).raise_for_status()
    tree = call(base, tokens["viewer"], "GET", f"/enterprises/{OWN}/explanation").json()
    assert "red" in json.dumps(tree, ensure_ascii=False)
    items = call(base, tokens["enterprise"], "GET", f"/enterprises/{OWN}/checklist").json()["items"]
    assert items and {i["state"] for i in items} <= {"violation", "data_gap", "conforming"}
    is_problem(
        call(
            base,
            tokens["viewer"],
            "GET",
            "/enterprises/91330106MA0000008U/checklist",
            params={"lang": "fr"},
        ),
        422,
    )


def test_the_address_and_the_body_must_name_the_same_enterprise(service):
    base, tokens = service
    body = is_problem(
        call(base, tokens["admin"], "PUT", f"/enterprises/{OTHER}", json=EXAMPLE), 422
    )
    assert body["errors"][0]["path"] == "credit_code"


@pytest.mark.parametrize(
    "path",
    ["/enterprises/..%2F..%2Fetc%2Fpasswd", "/enterprises/%2e%2e", "/enterprises/..%2F..%2Faudit",
     "/enterprises/91330106MA2B3C4D1%00"],
)  # fmt: skip
def test_path_traversal_in_ids(service, path):
    base, tokens = service
    r = httpx.get(base + path, headers=bearer(tokens["admin"]))
    assert r.status_code in (400, 404) and "root:" not in r.text
    assert r.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("region", "330000> } ; DROP ALL ; SELECT * WHERE { <x"),
        ("region", "330000 . ?e ?p ?o"),
        ("level", 'red" || true || "'),
        ("class", "key> <x"),
        ("page", "0"),
        ("size", "100000"),
    ],
)
def test_injection_through_list_filters(service, param, value):
    base, tokens = service
    before = httpx.get(f"{base}/health").json()["enterprises"]
    r = call(base, tokens["admin"], "GET", "/enterprises", params={param: value})
    body = is_problem(r, 400 if param in ("region", "level", "class") else 422)
    assert param in body["detail"]
    assert httpx.get(f"{base}/health").json()["enterprises"] == before


def test_filters_narrow_the_list(service):
    base, tokens = service
    everything = call(base, tokens["viewer"], "GET", "/enterprises").json()
    reds = call(base, tokens["viewer"], "GET", "/enterprises", params={"level": "red"}).json()
    zhejiang = call(
        base, tokens["viewer"], "GET", "/enterprises", params={"region": "330000"}
    ).json()
    assert {i["risk_level"] for i in reds["items"]} == {"red"}
    assert reds["total"] < everything["total"]
    assert zhejiang["total"] < everything["total"]
    assert all(i["credit_code"][2:4] == "33" for i in zhejiang["items"])
    page2 = call(
        base, tokens["viewer"], "GET", "/enterprises", params={"size": 3, "page": 2}
    ).json()
    assert page2["items"] == everything["items"][3:6]


@pytest.mark.parametrize(
    ("content", "media", "status"),
    [
        (b"[" * 50_000 + b"]" * 50_000, "application/json", 400),
        (b'{"a":' * 2000 + b"1" + b"}" * 2000, "application/json", 400),
        (b'{"name": "' + b"x" * 300_000 + b'"}', "application/json", 413),
        (b"@prefix : <urn:> . :a :b \"" + b"x" * 300_000 + b"\" .", "text/turtle", 413),
        (b"".join(b"<urn:s%d> <urn:p> <urn:o> .\n" % i for i in range(6000)), "text/turtle", 400),
        (b"<urn:a> <urn:b> .", "text/turtle", 400),
        (b"{oops", "application/json", 400),
        (b"\xff\xfe", "application/json", 400),
    ],
    ids=["nested-arrays", "nested-objects", "huge-json", "huge-literal", "many-triples",
         "bad-turtle", "bad-json", "not-utf8"],
)  # fmt: skip
def test_hostile_bodies(service, content, media, status):
    base, tokens = service
    call(base, tokens["admin"], *PUT_OWN[:2], **PUT_OWN[2]).raise_for_status()
    r = call(
        base, tokens["admin"], "PUT", f"/enterprises/{OWN}", content=content,
        headers={"Content-Type": media},
    )  # fmt: skip
    is_problem(r, status)
    assert call(base, tokens["admin"], "GET", f"/enterprises/{OWN}").status_code == 200


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    method=st.sampled_from(["GET", "PUT", "POST", "DELETE"]),
    path=st.sampled_from(
        [
            "/enterprises",
            "/enterprises/{}",
            "/sparql",
            "/check",
            "/audit",
            "/sparql/update",
            "/enterprises/{}/x",
        ]
    ),
    segment=st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=30),
    params=st.dictionaries(
        st.sampled_from(
            [
                "region",
                "level",
                "class",
                "page",
                "size",
                "query",
                "as_of",
                "policy",
                "default-graph-uri",
                "since",
            ]
        ),
        st.text(max_size=40),
        max_size=4,
    ),
    body=st.one_of(
        st.none(),
        st.binary(max_size=300),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(max_size=20),
            lambda inner: (
                st.lists(inner, max_size=4)
                | st.dictionaries(st.text(max_size=10), inner, max_size=4)
            ),
            max_leaves=20,
        ).map(lambda v: json.dumps(v).encode()),
    ),
    media=st.sampled_from(
        [
            "application/json",
            "text/turtle",
            "application/ld+json",
            "application/sparql-query",
            "application/x-www-form-urlencoded",
            "text/plain",
        ]
    ),
)
def test_no_input_makes_a_500(service, method, path, segment, params, body, media):
    base, tokens = service
    target = path.replace("{}", segment.replace("/", "%2F").replace("?", "%3F").replace("#", "%23"))
    r = httpx.request(
        method,
        base + (target or "/"),
        params=params,
        content=body,
        headers={**bearer(tokens["admin"]), "Content-Type": media},
        timeout=60,
    )
    assert r.status_code < 500 or r.status_code == 503, (r.status_code, r.text)
    if r.status_code >= 400:
        assert r.headers["content-type"].startswith("application/problem+json"), r.text
        assert "Traceback" not in r.text
