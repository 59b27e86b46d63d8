"""Micro-batching of concurrent checks (reasoner/check_batcher.py): each check gets exactly its
own results, whatever it shares a batch with; and ``POST /check`` on the real server answers
concurrent requests exactly as it answers each one alone, bad documents included."""

from __future__ import annotations

import copy
import datetime as dt
import threading
from concurrent.futures import CancelledError, ThreadPoolExecutor

import httpx
import pytest

from safetykg.api.routes_check import INLINE_DOCUMENTS
from safetykg.reasoner.check_batcher import BatchSettings, CheckBatcher
from safetykg.reasoner.generate import generate

from .service_server import start

DAY = dt.date(2026, 6, 1)


class Recorder:
    """A check function that answers each profile with its name, the date and the policy,
    remembers its batches, fails a batch holding a profile named "bad", and can hold the
    first batch until released (so that the next checks are known to wait together)."""

    def __init__(self, hold_first: bool = False) -> None:
        self.batches: list[list[str]] = []
        self.started = threading.Event()
        self.release = threading.Event()
        if not hold_first:
            self.release.set()

    def __call__(self, profiles: list[dict], as_of: dt.date | None, policy: str | None) -> list:
        self.batches.append([p["name"] for p in profiles])
        self.started.set()
        self.release.wait(10)
        if any(p["name"] == "bad" for p in profiles):
            raise ValueError("bad profile")
        return [(p["name"], as_of, policy) for p in profiles]


def named(*names: str) -> list[dict]:
    return [{"name": n} for n in names]


def held_batcher(settings: BatchSettings) -> tuple[Recorder, CheckBatcher, object]:
    """A batcher whose worker is busy with a first check until ``recorder.release`` is set."""
    recorder = Recorder(hold_first=True)
    batcher = CheckBatcher(recorder, settings)
    first = batcher.submit(named("first"), DAY, None)
    assert recorder.started.wait(10)
    return recorder, batcher, first


def test_checks_waiting_together_are_one_batch_each_with_its_own_results():
    recorder, batcher, first = held_batcher(BatchSettings(window=0, max_profiles=32))
    a = batcher.submit(named("a1", "a2"), DAY, None)
    b = batcher.submit(named("b"), DAY, None)
    c = batcher.submit(named("c1", "c2", "c3"), DAY, None)
    recorder.release.set()
    assert first.result(10) == [("first", DAY, None)]
    assert a.result(10) == [("a1", DAY, None), ("a2", DAY, None)]
    assert b.result(10) == [("b", DAY, None)]
    assert c.result(10) == [("c1", DAY, None), ("c2", DAY, None), ("c3", DAY, None)]
    assert recorder.batches == [["first"], ["a1", "a2", "b", "c1", "c2", "c3"]]


def test_the_window_gathers_checks_submitted_from_many_threads():
    recorder = Recorder()
    batcher = CheckBatcher(recorder, BatchSettings(window=0.1, max_profiles=8))
    names = [f"p{i}" for i in range(8)]
    with ThreadPoolExecutor(8) as pool:
        futures = list(pool.map(lambda n: batcher.submit(named(n), None, None), names))
    assert [f.result(10) for f in futures] == [[(n, None, None)] for n in names]
    assert sum(len(b) for b in recorder.batches) == 8
    assert len(recorder.batches) < 8


def test_a_failing_check_fails_only_its_own_request():
    recorder, batcher, first = held_batcher(BatchSettings(window=0))
    good = batcher.submit(named("g1", "g2"), DAY, None)
    bad = batcher.submit(named("x", "bad"), DAY, None)
    other = batcher.submit(named("o"), DAY, None)
    recorder.release.set()
    first.result(10)
    assert good.result(10) == [("g1", DAY, None), ("g2", DAY, None)]
    with pytest.raises(ValueError, match="bad profile"):
        bad.result(10)
    assert other.result(10) == [("o", DAY, None)]
    assert recorder.batches[1] == ["g1", "g2", "x", "bad", "o"]
    assert recorder.batches[2:] == [["g1", "g2"], ["x", "bad"], ["o"]]


def test_date_and_policy_are_never_mixed_in_a_batch():
    recorder, batcher, first = held_batcher(BatchSettings(window=0))
    plain = batcher.submit(named("a"), DAY, None)
    other_day = batcher.submit(named("b"), dt.date(2025, 1, 1), None)
    other_policy = batcher.submit(named("c"), DAY, "shanxi-2025")
    plain_again = batcher.submit(named("d"), DAY, None)
    recorder.release.set()
    first.result(10)
    assert plain.result(10) == [("a", DAY, None)]
    assert other_day.result(10) == [("b", dt.date(2025, 1, 1), None)]
    assert other_policy.result(10) == [("c", DAY, "shanxi-2025")]
    assert plain_again.result(10) == [("d", DAY, None)]
    assert recorder.batches[1:] == [["a", "d"], ["b"], ["c"]]


def test_batches_hold_at_most_max_profiles_but_a_bigger_request_whole():
    recorder, batcher, first = held_batcher(BatchSettings(window=0, max_profiles=3))
    futures = [batcher.submit(named(n), DAY, None) for n in ("a", "b", "c", "d")]
    big = batcher.submit(named("e1", "e2", "e3", "e4"), DAY, None)
    recorder.release.set()
    first.result(10)
    assert [f.result(10) for f in futures] == [[(n, DAY, None)] for n in "abcd"]
    assert len(big.result(10)) == 4
    assert recorder.batches[1:] == [["a", "b", "c"], ["d"], ["e1", "e2", "e3", "e4"]]


def test_a_cancelled_check_is_not_run():
    recorder, batcher, first = held_batcher(BatchSettings(window=0))
    cancelled = batcher.submit(named("gone"), DAY, None)
    kept = batcher.submit(named("kept"), DAY, None)
    assert cancelled.cancel()
    recorder.release.set()
    first.result(10)
    assert kept.result(10) == [("kept", DAY, None)]
    with pytest.raises(CancelledError):
        cancelled.result(0)
    assert recorder.batches == [["first"], ["kept"]]


def test_the_worker_ends_when_idle_and_starts_again():
    recorder = Recorder()
    batcher = CheckBatcher(recorder, BatchSettings(window=0), idle_exit=0.05)
    assert batcher.submit(named("a"), None, None).result(10) == [("a", None, None)]
    worker = batcher._worker
    assert worker is not None
    worker.join(5)
    assert not worker.is_alive() and batcher._worker is None
    assert batcher.submit(named("b"), None, None).result(10) == [("b", None, None)]


@pytest.mark.parametrize(
    ("window", "size"), [(-0.001, 4), (0.5, 4), (0.002, 0)], ids=["negative", "long", "empty"]
)
def test_settings_out_of_bounds_are_refused(window, size):
    with pytest.raises(ValueError, match="batch"):
        BatchSettings(window=window, max_profiles=size)


def another_version(profile: dict) -> dict:
    """The same enterprise with uncertified special-operation workers and an overdue major
    hidden hazard: other findings and another risk level."""
    changed = copy.deepcopy(profile)
    changed["management"]["special_operation_workers_uncertified"] = 5
    changed["hidden_hazards"] = [
        {"id": "YH-1", "level": "major", "found_on": "2026-01-05", "deadline": "2026-03-01"}
    ]
    return changed


def test_two_versions_of_one_enterprise_in_one_call_are_checked_apart(checker):
    profile = generate(checker.engine.kb, 1, seed=23)[0]
    changed = another_version(profile)
    alone = [checker.check(p, DAY).report for p in (profile, changed)]
    assert alone[0]["risk"] != alone[1]["risk"]
    together = checker.check_many([profile, changed, profile], DAY, None)
    assert [r.report for r in together] == [alone[0], alone[1], alone[0]]


# --- POST /check on the real server ---------------------------------------------------------


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    running = start(tmp_path_factory.mktemp("batching"), "--no-demo", "--public-read")
    yield running.base
    running.stop()


def requests_to_send(kb) -> list[dict]:
    """Valid profiles, two versions of one enterprise, arrays (longer ones than the route
    validates on its event loop among them), other dates and policies, and documents that
    must be refused: each as the keyword arguments of one POST /check."""
    profiles = generate(kb, 10, seed=23)
    changed = another_version(profiles[0])
    bad_code = {**copy.deepcopy(profiles[1]), "credit_code": "91330106MA0000000X"}
    bad_region = copy.deepcopy(profiles[2])
    bad_region["region"] = "999999"
    missing = {k: v for k, v in profiles[3].items() if k != "credit_code"}
    out = [{"json": p} for p in profiles]
    out += [
        {"json": changed},
        {"json": [profiles[4], changed, profiles[5]]},
        {"json": profiles[6], "params": {"as_of": "2024-03-01"}},
        {"json": profiles[7], "params": {"policy": "shanxi-2025"}},
        {"json": bad_code},
        {"json": bad_region},
        {"json": missing},
        {"json": [profiles[8], bad_code]},
        {"json": [*profiles, changed]},  # validated in the thread pool
        {"json": [*profiles[:9], bad_code, profiles[9]]},
        {"json": profiles[9], "params": {"policy": "no-such-policy"}},
        {"content": b"{not json", "headers": {"Content-Type": "application/json"}},
    ]
    assert len(profiles) + 1 > INLINE_DOCUMENTS
    return out


def answer(base: str, request: dict) -> tuple[int, object]:
    response = httpx.post(f"{base}/check", timeout=120, **request)
    return response.status_code, response.json() if response.content.strip() else None


def test_concurrent_requests_get_what_each_gets_alone(server, engine):
    requests = requests_to_send(engine.kb)
    alone = [answer(server, r) for r in requests]
    statuses = {status for status, _ in alone}
    assert 200 in statuses and 422 in statuses and 400 in statuses
    assert alone[0][1]["risk"] != alone[10][1]["risk"], "the two versions must differ"
    order = list(range(len(requests))) * 3
    with ThreadPoolExecutor(8) as pool:
        together = list(pool.map(lambda i: answer(server, requests[i]), order))
    for i, got in zip(order, together, strict=True):
        assert got == alone[i], f"request {i} answered differently under concurrency"
