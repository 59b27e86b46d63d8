"""The check process of ``POST /check`` (reasoner/check_process.py): it answers exactly as the
service would, is used only with the service's rules, is replaced when it dies, and a check is
never lost to it; against the real server too, across a rule change."""

from __future__ import annotations

import copy
import datetime as dt
import os
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from safetykg.reasoner.check_process import CheckProcess, rule_signature
from safetykg.reasoner.generate import generate
from safetykg.reasoner.service import Checker

from .rule_examples import RULE, RULE_ID, SUPPRESSED, fixtures
from .service_server import bearer, create_token, start

DAY = dt.date(2026, 6, 1)
EXAMPLE_PACK = Path(__file__).resolve().parents[1] / "examples" / "packs" / "zhejiang-demo"


@pytest.fixture(scope="module")
def profiles(engine) -> list[dict]:
    return generate(engine.kb, 12, 5)


def here(checker: Checker, profiles: list[dict], policy: str | None = None) -> list[dict]:
    """The reports as this process assesses them."""
    return [r.report for r in checker.check_many(profiles, DAY, policy)]


def test_the_check_process_answers_as_the_service_would(checker, engine, profiles):
    served = Checker(engine, check_process=True)
    try:
        assert served.process is not None and served.process.wait_ready(120)
        assert served.reports(profiles, DAY, None) == here(checker, profiles)
        shanxi = served.reports(profiles[:4], DAY, "shanxi-2025")
        assert shanxi == here(checker, profiles[:4], "shanxi-2025")
        assert served.process.batches == 2
        assert served.process.describe()["state"] == "ready"
    finally:
        served.close()
    assert served.process.describe()["state"] == "unused"
    assert served.reports(profiles[:2], DAY, None) == here(checker, profiles[:2])
    assert served.process.batches == 2


def test_a_lost_check_process_is_replaced_and_no_check_is_lost(checker, engine, profiles):
    process = CheckProcess(engine, restarts=1)
    try:
        assert process.wait_ready(120)
        first = process.pid
        os.kill(first, signal.SIGKILL)
        assert process.reports(profiles, DAY, None) is None  # the caller checks it itself
        assert process.wait_ready(120) and process.pid != first
        assert process.reports(profiles, DAY, None) == here(checker, profiles)
        os.kill(process.pid, signal.SIGKILL)
        assert process.reports(profiles, DAY, None) is None
        assert process.state() == "unused"  # out of restarts
        assert process.batches == 1
    finally:
        process.close()


def test_a_check_process_that_does_not_answer_is_replaced(checker, engine, profiles):
    process = CheckProcess(engine, restarts=1, answer_seconds=1)
    try:
        assert process.wait_ready(120)
        stuck = process.pid
        os.kill(stuck, signal.SIGSTOP)
        started = time.monotonic()
        assert process.reports(profiles[:2], DAY, None) is None
        assert time.monotonic() - started < 20  # 1 s + 2 s for the profiles + 5 s to end it
        with pytest.raises(ProcessLookupError):
            os.kill(stuck, 0)
        assert process.wait_ready(120) and process.pid != stuck
        assert process.reports(profiles[:2], DAY, None) == here(checker, profiles[:2])
    finally:
        process.close()


def test_the_state_does_not_wait_for_a_batch(checker, engine, profiles):
    """``/health`` asks for the state; it must answer while the child holds a batch."""
    process = CheckProcess(engine)
    try:
        assert process.wait_ready(120)
        os.kill(process.pid, signal.SIGSTOP)
        with ThreadPoolExecutor(1) as pool:
            batch = pool.submit(process.reports, profiles[:2], DAY, None)
            time.sleep(0.5)
            started = time.monotonic()
            assert process.state() == "ready"
            assert time.monotonic() - started < 0.5
            assert not batch.done()
            os.kill(process.pid, signal.SIGCONT)
            assert batch.result(60) == here(checker, profiles[:2])
    finally:
        process.close()


def test_a_check_process_with_other_rules_is_not_used(engine, profiles):
    """The child builds its engine from the rule folders; one that does not rebuild the
    service's rules is refused, and checks run in the service."""
    shipped = copy.copy(engine)
    shipped.extra_rule_dirs = [EXAMPLE_PACK]  # the child would add the pack's rule
    served = Checker(shipped, check_process=True)
    try:
        assert served.process is not None and not served.process.wait_ready(120)
        assert served.process.state() == "unused"
        reports = served.reports(profiles, DAY, None)
        assert served.process.batches == 0
        assert all(v["rule"] != "ZJ-DEMO-1" for r in reports for v in r["violations"])
    finally:
        served.close()


def test_the_rule_signature_survives_a_reference_validation(engine, profiles):
    """pySHACL adds two RDFS axioms to the shapes graph it is given; the service's engine must
    still match a fresh one (a full test run once left the check process unused this way)."""
    before = rule_signature(engine)
    engine.assess(profiles[0], DAY, with_pyshacl=True)
    assert rule_signature(engine) == before


def health(base: str) -> dict:
    return httpx.get(f"{base}/health", timeout=30).json()["check_process"]


def ready(base: str, other_than: int | None = None) -> dict:
    """``/health``'s check process once it is ready (and is not the process ``other_than``)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        state = health(base)
        if state["state"] == "ready" and state["pid"] != other_than:
            return state
        time.sleep(0.2)
    raise AssertionError(f"the check process did not become ready: {health(base)}")


def test_the_server_checks_in_its_check_process_and_survives_its_loss(checker, example_profile):
    server = start()
    try:
        first = ready(server.base)
        expected = checker.check(example_profile).report

        def post() -> httpx.Response:
            return httpx.post(f"{server.base}/check", json=example_profile, timeout=60)

        assert post().json() == expected
        assert health(server.base)["batches"] == first["batches"] + 1
        os.kill(first["pid"], signal.SIGKILL)
        answered = post()
        assert answered.status_code == 200 and answered.json() == expected
        second = ready(server.base, other_than=first["pid"])
        assert post().json() == expected
        assert health(server.base)["batches"] == second["batches"] + 1
    finally:
        server.stop()


def test_after_a_rule_change_the_new_check_process_has_the_new_rule(tmp_path):
    data = tmp_path / "data"
    server = start(data, "--no-demo")
    try:
        admin = bearer(create_token(data, "admin"))
        before = ready(server.base)
        put = httpx.put(
            f"{server.base}/rules/{RULE_ID}",
            json={"turtle": RULE, "fixtures": fixtures()},
            headers=admin,
            timeout=120,
        )
        assert put.status_code == 200, put.text
        enabled = httpx.post(f"{server.base}/rules/{RULE_ID}/enable", headers=admin, timeout=120)
        assert enabled.status_code == 200, enabled.text
        after = ready(server.base, other_than=before["pid"])
        checked = httpx.post(f"{server.base}/check", json=SUPPRESSED, headers=admin, timeout=60)
        report = checked.json()
        assert RULE_ID in {v["rule"] for v in report["violations"]}
        assert health(server.base) == {**after, "batches": after["batches"] + 1}
        with pytest.raises(ProcessLookupError):  # the process of the old rules has ended
            os.kill(before["pid"], 0)
    finally:
        server.stop()
