"""The HTTP API, tested against the real server process with real clients."""

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from rdflib import Graph
from rdflib.namespace import SH
from SPARQLWrapper import CSV, JSON, TURTLE, XML, SPARQLWrapper

EXAMPLE = json.loads(
    (Path(__file__).parent / "data" / "contract-example.json").read_text(encoding="utf-8")
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "safetykg", "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.3)
        if proc.poll() is not None:
            raise RuntimeError(proc.stdout.read().decode())
    else:
        proc.kill()
        raise RuntimeError("server did not start")
    yield base
    proc.terminate()
    proc.wait(timeout=10)


def is_problem(r, status):
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["status"] == status and body["title"] and "Traceback" not in r.text
    return body


def test_health_and_openapi(server):
    h = httpx.get(f"{server}/health").json()
    assert h["status"] == "ok" and h["enterprises"] == 8 and h["rules"] > 20
    assert "/check" in httpx.get(f"{server}/openapi.json").json()["paths"]
    assert httpx.get(f"{server}/docs").status_code == 200


def test_check_json(server):
    r = httpx.post(f"{server}/check", json=EXAMPLE)
    assert r.status_code == 200
    report = r.json()
    assert report["enterprise"] == EXAMPLE["credit_code"]
    assert report["risk"]["level"] == "red"
    assert report["major_hazard_sources"][0]["grade"] == 3


def test_check_list_and_policy(server):
    r = httpx.post(
        f"{server}/check", params={"policy": "shanxi-2025", "as_of": "2026-06-01"}, json=[EXAMPLE]
    )
    (report,) = r.json()
    assert report["risk"]["policy"] == "shanxi-2025" and report["as_of"] == "2026-06-01"


def test_check_turtle_in_and_out(server):
    checker_graph = httpx.post(f"{server}/check", json=EXAMPLE, headers={"Accept": "text/turtle"})
    assert checker_graph.headers["content-type"].startswith("text/turtle")
    g = Graph().parse(data=checker_graph.text, format="turtle")
    assert len(list(g.subjects(None, SH.ValidationReport))) == 1
    turtle = """@prefix sk: <https://w3id.org/safetykg/def#> .
    <urn:x> sk:creditCode "91330106MA2B3C4D11" ; sk:regionCode "330106" ; sk:industryCode "3311" ;
        sk:asOf "2026-11-01"^^<http://www.w3.org/2001/XMLSchema#date> ."""
    r = httpx.post(
        f"{server}/check", content=turtle.encode(), headers={"Content-Type": "text/turtle"}
    )
    assert r.status_code == 200 and r.json()["risk"]["level"] == "blue"


def test_check_errors(server):
    bad = {**EXAMPLE, "credit_code": "91330106MA2B3C4D12", "employees": -3}
    body = is_problem(httpx.post(f"{server}/check", json=bad), 422)
    assert {e["path"] for e in body["errors"]} == {"credit_code", "employees"}
    is_problem(
        httpx.post(
            f"{server}/check", content=b"{oops", headers={"Content-Type": "application/json"}
        ),
        400,
    )
    is_problem(
        httpx.post(f"{server}/check", content=b"x", headers={"Content-Type": "text/plain"}), 415
    )
    is_problem(
        httpx.post(
            f"{server}/check",
            content=b"[" * 100 + b"]" * 100,
            headers={"Content-Type": "application/json"},
        ),
        422,
    )
    big = b'{"name": "' + b"x" * (6 * 1024 * 1024) + b'"}'
    is_problem(
        httpx.post(f"{server}/check", content=big, headers={"Content-Type": "application/json"}),
        413,
    )
    is_problem(httpx.post(f"{server}/check", params={"as_of": "2026-99-01"}, json=EXAMPLE), 400)
    is_problem(httpx.post(f"{server}/check", params={"policy": "nowhere"}, json=EXAMPLE), 400)


def test_check_stores_nothing(server):
    before = httpx.get(f"{server}/health").json()["enterprises"]
    httpx.post(f"{server}/check", json={**EXAMPLE, "credit_code": "91330106MA2B3C4D24"})
    assert httpx.get(f"{server}/health").json()["enterprises"] == before


QUERY = """PREFIX sk: <https://w3id.org/safetykg/def#>
SELECT ?code ?level WHERE { ?e sk:creditCode ?code ; sk:riskAssessment/sk:riskLevel ?level } ORDER BY ?code"""


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_sparqlwrapper_select_json(server, method):
    sw = SPARQLWrapper(f"{server}/sparql")
    sw.setMethod(method)
    sw.setQuery(QUERY)
    sw.setReturnFormat(JSON)
    rows = sw.query().convert()["results"]["bindings"]
    assert len(rows) == 8
    assert {r["level"]["value"].rsplit("-", 1)[1] for r in rows} <= {
        "red",
        "orange",
        "yellow",
        "blue",
    }


def test_sparqlwrapper_xml_csv_construct_ask(server):
    sw = SPARQLWrapper(f"{server}/sparql")
    sw.setQuery(QUERY)
    sw.setReturnFormat(XML)
    assert len(sw.query().convert().getElementsByTagName("result")) == 8
    sw.setReturnFormat(CSV)
    assert sw.query().convert().decode().splitlines()[0] == "code,level"
    sw.setQuery(
        "PREFIX sk: <https://w3id.org/safetykg/def#> CONSTRUCT { ?e sk:riskLevel ?l } "
        "WHERE { ?e sk:riskAssessment/sk:riskLevel ?l }"
    )
    sw.setReturnFormat(TURTLE)
    assert len(Graph().parse(data=sw.query().convert(), format="turtle")) == 8
    sw.setQuery("ASK { ?s a <https://w3id.org/safetykg/def#MajorHazardSource> }")
    sw.setReturnFormat(JSON)
    assert sw.query().convert()["boolean"] is True


def test_sparql_named_graphs_and_tsv(server):
    code = "91330106MA00000016"
    r = httpx.get(
        f"{server}/sparql",
        params={
            "query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
            "default-graph-uri": f"https://w3id.org/safetykg/id/enterprise/{code}",
        },
        headers={"Accept": "text/tab-separated-values"},
    )
    assert r.headers["content-type"].startswith("text/tab-separated-values")
    assert int(r.text.splitlines()[1].split("^^")[0].strip('"')) > 20


def test_sparql_is_read_only_and_errors_are_problems(server):
    update = "DELETE WHERE { ?s ?p ?o }"
    is_problem(httpx.get(f"{server}/sparql", params={"query": update}), 400)
    is_problem(httpx.post(f"{server}/sparql", data={"update": update}), 403)
    is_problem(
        httpx.post(
            f"{server}/sparql", content=update, headers={"Content-Type": "application/sparql-query"}
        ),
        400,
    )
    is_problem(httpx.get(f"{server}/sparql", params={"query": "SELEC nonsense"}), 400)
    is_problem(httpx.get(f"{server}/sparql"), 400)
    assert httpx.get(f"{server}/health").json()["enterprises"] == 8


def test_query_page(server):
    r = httpx.get(f"{server}/sparql", headers={"Accept": "text/html"})
    assert r.status_code == 200 and "SafetyKG SPARQL" in r.text


def test_reference_data_is_closed_in_its_own_graph(server):
    ask = """PREFIX sk: <https://w3id.org/safetykg/def#> PREFIX region: <https://w3id.org/safetykg/region/>
    ASK { GRAPH <https://w3id.org/safetykg/graph/kb-inferred> { region:330106 sk:withinRegion region:330000 } }"""
    r = httpx.get(
        f"{server}/sparql",
        params={"query": ask},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert r.json()["boolean"] is True
    per_province = """PREFIX sk: <https://w3id.org/safetykg/def#>
    SELECT ?p (COUNT(DISTINCT ?e) AS ?n) WHERE { ?e a sk:Enterprise ; sk:withinRegion ?p . ?p a sk:Province }
    GROUP BY ?p ORDER BY ?p"""
    rows = httpx.get(f"{server}/sparql", params={"query": per_province}).json()["results"][
        "bindings"
    ]
    counts = {b["p"]["value"].rsplit("/", 1)[1]: int(b["n"]["value"]) for b in rows}
    assert counts == {"140000": 1, "320000": 1, "330000": 4, "440000": 2}


def test_sparql_service_is_refused(server):
    q = "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"
    body = is_problem(httpx.get(f"{server}/sparql", params={"query": q}), 400)
    assert "SERVICE is not allowed" in body["detail"]
