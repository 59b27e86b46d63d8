"""The persistent service end to end: tokens, writes, restarts, and a kill during a bulk write."""

from __future__ import annotations

import json
import signal
import threading
import time
from pathlib import Path

import httpx

from .service_server import bearer, create_token, is_problem, start

EXAMPLE = json.loads(
    (Path(__file__).parent / "data" / "contract-example.json").read_text(encoding="utf-8")
)
CODE = EXAMPLE["credit_code"]
ASSERTED = "https://w3id.org/safetykg/id/enterprise/{}"
NAMES_QUERY = """PREFIX sk: <https://w3id.org/safetykg/def#>
SELECT ?code ?name ?report WHERE {
  GRAPH ?g { ?e sk:creditCode ?code ; sk:name ?name }
  FILTER(STRENDS(STR(?g), ?code))
  OPTIONAL { GRAPH ?i { ?act sk:checkReport ?report } FILTER(STR(?i) = CONCAT(STR(?g), "/inferred")) }
}"""


def with_code(code: str, name: str) -> dict:
    return {**EXAMPLE, "credit_code": code, "name": name}


def codes(n: int) -> list[str]:
    from safetykg.reasoner.codes import credit_code_check_char

    out = []
    for i in range(n):
        first = f"91330106MA{i:07d}"
        out.append(first + credit_code_check_char(first))
    return out


def stored_names(base: str, token: str) -> dict[str, tuple[str, str | None]]:
    r = httpx.get(
        f"{base}/sparql",
        params={"query": NAMES_QUERY},
        headers={**bearer(token), "Accept": "application/sparql-results+json"},
        timeout=30,
    )
    assert r.status_code == 200, r.text
    out = {}
    for b in r.json()["results"]["bindings"]:
        report = json.loads(b["report"]["value"]) if "report" in b else None
        out[b["code"]["value"]] = (b["name"]["value"], report and report["name"])
    return out


def test_data_survive_a_restart(tmp_path):
    data = tmp_path / "data"
    first = start(data)
    try:
        is_problem(httpx.get(f"{first.base}/enterprises"), 401)
        inspector, viewer = create_token(data, "inspector"), create_token(data, "viewer")
        admin = create_token(data, "admin")
        r = httpx.put(f"{first.base}/enterprises/{CODE}", json=EXAMPLE, headers=bearer(inspector))
        assert r.status_code == 200, r.text
        assert r.json()["risk"]["level"] == "red"
        second = "91330106MA00000016"
        httpx.put(
            f"{first.base}/enterprises/{second}",
            json=with_code(second, "第二家"),
            headers=bearer(inspector),
        ).raise_for_status()
    finally:
        first.stop()
    again = start(data)
    try:
        h = httpx.get(f"{again.base}/health").json()
        assert h["enterprises"] == 2 and h["persistent"] is True
        report = httpx.get(f"{again.base}/enterprises/{CODE}", headers=bearer(viewer)).json()
        assert report["enterprise"] == CODE and report["risk"]["level"] == "red"
        listed = httpx.get(
            f"{again.base}/enterprises", params={"region": "330000"}, headers=bearer(viewer)
        ).json()
        assert [i["credit_code"] for i in listed["items"]] == sorted([CODE, second])
        assert stored_names(again.base, viewer)[second] == ("第二家", "第二家")
        entries = httpx.get(f"{again.base}/audit", headers=bearer(admin)).json()["entries"]
        puts = [e for e in entries if e["action"] == "enterprise.put"]
        assert {e["target"] for e in puts} == {CODE, second}
        assert all(e["actor"] == "test inspector" and e["outcome"] == "ok" for e in puts)
        assert (
            httpx.delete(
                f"{again.base}/enterprises/{second}", headers=bearer(inspector)
            ).status_code
            == 204
        )
        is_problem(httpx.get(f"{again.base}/enterprises/{second}", headers=bearer(viewer)), 404)
    finally:
        again.stop()


def test_a_kill_during_a_bulk_write_leaves_every_enterprise_whole(tmp_path):
    """SIGKILL while many enterprises are being rewritten: after a restart each one is wholly
    the old or wholly the new version (asserted graph, report), and none is lost."""
    data = tmp_path / "data"
    server = start(data, "--query-workers", "1")
    token = create_token(data, "admin")
    all_codes = codes(12)
    try:
        with httpx.Client(headers=bearer(token), timeout=60) as client:
            for code in all_codes:
                client.put(
                    f"{server.base}/enterprises/{code}", json=with_code(code, "旧")
                ).raise_for_status()
        done: list[str] = []

        def rewrite(part: list[str]) -> None:
            with httpx.Client(headers=bearer(token), timeout=60) as client:
                for code in part:
                    try:
                        r = client.put(
                            f"{server.base}/enterprises/{code}", json=with_code(code, "新")
                        )
                    except httpx.HTTPError:
                        return
                    if r.status_code == 200:
                        done.append(code)

        threads = [threading.Thread(target=rewrite, args=(all_codes[i::3],)) for i in range(3)]
        for t in threads:
            t.start()
        deadline = time.time() + 60
        while len(done) < 2 and time.time() < deadline:
            time.sleep(0.01)
        server.process.send_signal(signal.SIGKILL)
        server.process.wait(10)
        for t in threads:
            t.join(60)
    finally:
        if server.process.poll() is None:
            server.process.kill()
    acknowledged = set(done)
    assert acknowledged and len(acknowledged) < len(all_codes), "the kill came too late to test"
    again = start(data)
    try:
        names = stored_names(again.base, token)
        assert set(names) == set(all_codes)
        for code in all_codes:
            name, report_name = names[code]
            assert name in ("旧", "新") and report_name == name
            if code in acknowledged:
                assert name == "新"
            report = httpx.get(f"{again.base}/enterprises/{code}", headers=bearer(token)).json()
            assert report["enterprise"] == code
            g = ASSERTED.format(code)
            count = httpx.get(
                f"{again.base}/sparql",
                params={
                    "query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
                    "default-graph-uri": g,
                },
                headers={**bearer(token), "Accept": "application/sparql-results+json"},
            ).json()["results"]["bindings"][0]["n"]["value"]
            assert int(count) == len_asserted(), code
    finally:
        again.stop()


def len_asserted() -> int:
    from safetykg.reasoner.service import Checker

    return len(Checker.default().engine.mapper.to_graph(EXAMPLE))
