"""The SPARQL endpoint of the persistent service with real clients: SPARQLWrapper, rdflib's
SPARQLStore and curl; the time limit, the row cap, the service description and SPARQL Update.
"""

from __future__ import annotations

import json
import subprocess
import threading
import time

import httpx
import pytest
from rdflib import Graph, Namespace
from rdflib.namespace import RDF
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import JSON, SPARQLWrapper

from .service_server import bearer, create_token, is_problem, start

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
ENDLESS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
RED = """PREFIX sk: <https://w3id.org/safetykg/def#> PREFIX skc: <https://w3id.org/safetykg/concept/>
SELECT ?code WHERE { ?e sk:creditCode ?code ; sk:riskAssessment/sk:riskLevel ?l } ORDER BY ?code"""


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    data = tmp_path_factory.mktemp("sparql") / "data"
    server = start(
        data, "--demo", "--query-timeout", "3", "--row-limit", "50", "--query-workers", "2"
    )
    tokens = {role: create_token(data, role) for role in ("viewer", "admin")}
    tokens["enterprise"] = create_token(data, "enterprise", "91330106MA00000016")
    yield server.base, tokens
    server.stop()


def test_sparqlwrapper_with_a_token(service):
    base, tokens = service
    sw = SPARQLWrapper(f"{base}/sparql")
    sw.addCustomHttpHeader("Authorization", f"Bearer {tokens['viewer']}")
    sw.setQuery(RED)
    sw.setReturnFormat(JSON)
    assert len(sw.query().convert()["results"]["bindings"]) == 8


def test_rdflib_sparqlstore(service):
    base, tokens = service
    store = SPARQLStore(base + "/sparql", headers=bearer(tokens["viewer"]), returnFormat="json")
    rows = list(store.query(RED))
    assert len(rows) == 8 and str(rows[0][0]) == "91140105MA00000071"


def test_curl(service):
    base, tokens = service
    done = subprocess.run(
        ["curl", "-sS", "-H", f"Authorization: Bearer {tokens['viewer']}", "-H",
         "Accept: text/csv", "--data-urlencode", f"query={RED}", f"{base}/sparql"],
        capture_output=True, text=True, check=True, timeout=30,
    )  # fmt: skip
    lines = done.stdout.splitlines()
    assert lines[0] == "code" and len(lines) == 9


def test_service_description(service):
    base, tokens = service
    r = httpx.get(f"{base}/sparql", headers={**bearer(tokens["viewer"]), "Accept": "text/turtle"})
    assert r.headers["content-type"].startswith("text/turtle")
    g = Graph().parse(data=r.text, format="turtle")
    (svc,) = g.subjects(RDF.type, SD.Service)
    assert (svc, SD.supportedLanguage, SD.SPARQL11Query) in g
    assert str(g.value(svc, SD.endpoint)) == f"{base}/sparql"


def test_rows_are_capped(service):
    base, tokens = service
    r = httpx.get(
        f"{base}/sparql",
        params={"query": "SELECT * WHERE { ?s ?p ?o }"},
        headers={**bearer(tokens["viewer"]), "Accept": "application/sparql-results+json"},
    )
    assert len(r.json()["results"]["bindings"]) == 50
    assert r.headers["SafetyKG-Results-Truncated"] == "50"
    small = httpx.get(f"{base}/sparql", params={"query": RED}, headers=bearer(tokens["viewer"]))
    assert "SafetyKG-Results-Truncated" not in small.headers


def test_an_endless_query_is_stopped_and_others_go_on(service):
    base, tokens = service
    outcome = {}

    def endless() -> None:
        outcome["r"] = httpx.get(
            f"{base}/sparql",
            params={"query": ENDLESS},
            headers=bearer(tokens["viewer"]),
            timeout=60,
        )

    started = time.monotonic()
    thread = threading.Thread(target=endless)
    thread.start()
    time.sleep(0.5)
    quick = httpx.get(f"{base}/sparql", params={"query": RED}, headers=bearer(tokens["viewer"]))
    assert quick.status_code == 200 and time.monotonic() - started < 3
    assert httpx.get(f"{base}/health").status_code == 200
    thread.join(60)
    body = is_problem(outcome["r"], 503)
    assert "3 s" in body["detail"] and time.monotonic() - started < 15
    again = httpx.get(f"{base}/sparql", params={"query": RED}, headers=bearer(tokens["viewer"]))
    assert again.status_code == 200


def test_update_only_at_its_path_and_only_for_admins(service):
    base, tokens = service
    update = "INSERT DATA { GRAPH <urn:g> { <urn:s> <urn:p> 'x' } }"
    ask = "ASK { GRAPH <urn:g> { <urn:s> <urn:p> 'x' } }"
    form = {"Content-Type": "application/sparql-update"}
    for role in ("viewer", "enterprise"):
        r = httpx.post(
            f"{base}/sparql/update", content=update, headers={**form, **bearer(tokens[role])}
        )
        is_problem(r, 403)
    is_problem(httpx.post(f"{base}/sparql/update", content=update, headers=form), 401)
    is_problem(
        httpx.get(f"{base}/sparql", params={"query": update}, headers=bearer(tokens["admin"])), 400
    )
    is_problem(
        httpx.post(f"{base}/sparql", data={"update": update}, headers=bearer(tokens["admin"])), 403
    )
    before = httpx.get(f"{base}/sparql", params={"query": ask}, headers=bearer(tokens["admin"]))
    assert before.json()["boolean"] is False
    r = httpx.post(
        f"{base}/sparql/update", content=update, headers={**form, **bearer(tokens["admin"])}
    )
    assert r.status_code == 204, r.text
    after = httpx.get(f"{base}/sparql", params={"query": ask}, headers=bearer(tokens["admin"]))
    assert after.json()["boolean"] is True
    is_problem(
        httpx.post(
            f"{base}/sparql/update",
            content="DELETE nonsense",
            headers={**form, **bearer(tokens["admin"])},
        ),
        400,
    )
    entries = httpx.get(
        f"{base}/audit", params={"action": "sparql.update"}, headers=bearer(tokens["admin"])
    )
    assert [e["outcome"] for e in entries.json()["entries"]] == ["rejected", "ok"]


def test_an_enterprise_token_sees_only_its_own_graphs(service):
    base, tokens = service
    r = httpx.get(f"{base}/sparql", params={"query": RED}, headers=bearer(tokens["enterprise"]))
    codes = [b["code"]["value"] for b in r.json()["results"]["bindings"]]
    assert codes == ["91330106MA00000016"]
    other = "https://w3id.org/safetykg/id/enterprise/91330106MA0000008U"
    is_problem(
        httpx.get(
            f"{base}/sparql",
            params={"query": RED, "named-graph-uri": other},
            headers=bearer(tokens["enterprise"]),
        ),
        403,
    )
    in_graph = "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
    r = httpx.get(
        f"{base}/sparql", params={"query": in_graph}, headers=bearer(tokens["enterprise"])
    )
    graphs = {b["g"]["value"] for b in r.json()["results"]["bindings"]}
    assert other not in graphs and json.dumps(sorted(graphs)).count("/enterprise/") == 2
