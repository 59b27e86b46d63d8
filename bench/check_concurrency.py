"""Benchmark: ``POST /check`` of the real server under concurrent clients (issue 6 target:
8 clients on loopback, median ≤ 30 ms, p99 ≤ 150 ms, full rule set).

Starts ``safetykg serve`` (the demo service) on a free loopback port, waits for ``/health``, then
runs ``--clients`` threads, each with its own keep-alive connection, posting generated profiles
(``reasoner/generate.py``: valid credit codes, a different profile per request) until
``--requests`` requests have been answered after ``--warmup`` unmeasured ones. Prints latency
percentiles, throughput, errors, the server's CPU time per request and the machine's load.
Prints its figures; never part of the unit tests. Run: python bench/check_concurrency.py
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from safetykg.reasoner.generate import generate
from safetykg.reasoner.kb import KnowledgeBase


@dataclass
class Server:
    process: subprocess.Popen
    host: str
    port: int
    check_process: str = "unknown"  # as /health says

    def cpu_seconds(self) -> tuple[float, float]:
        """User and system CPU time so far of the server process and of its child processes
        (the check process, SPARQL workers; Linux /proc)."""
        children = sum(_cpu_seconds(pid) for pid in _descendants(self.process.pid))
        return _cpu_seconds(self.process.pid), children

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:  # ended meanwhile
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _descendants(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children = (task / "children").read_text().split()
        except OSError:
            continue
        for child in map(int, children):
            found += [child, *_descendants(child)]
    return found


@dataclass
class Tally:
    """One phase of the run: ``next_request`` hands out the numbers ``first`` to ``first +
    count - 1`` (a profile each); latencies are kept only when ``measured``."""

    first: int
    count: int
    measured: bool
    latencies_ms: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    failures: Counter = field(default_factory=Counter)
    _issued: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def next_request(self) -> int | None:
        with self._lock:
            if self._issued >= self.count:
                return None
            self._issued += 1
            return self.first + self._issued - 1

    def record(self, latency_ms: float, status: int) -> None:
        if self.measured:
            with self._lock:
                self.latencies_ms.append(latency_ms)
                self.statuses[status] += 1

    def fail(self, exc: Exception) -> None:
        with self._lock:
            self.failures[type(exc).__name__] += 1


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_server(extra_args: list[str]) -> Iterator[Server]:
    """``safetykg serve`` on a free loopback port, answering ``/health``; stopped afterwards."""
    port = free_port()
    args = [sys.executable, "-m", "safetykg", "serve", "--port", str(port), *extra_args]
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=log)
        server = Server(process, "127.0.0.1", port)
        try:
            wait_for_health(server, log)
            yield server
        finally:
            server.stop()


def wait_for_health(server: Server, log: IO[bytes]) -> None:
    """Until ``/health`` answers and the check process, if any, is no longer starting."""
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            log.seek(0)
            tail = log.read().decode(errors="replace")[-2000:]
            raise SystemExit(f"safetykg serve exited ({server.process.returncode}):\n{tail}")
        try:
            conn = http.client.HTTPConnection(server.host, server.port, timeout=2)
            conn.request("GET", "/health")
            response = conn.getresponse()
            if response.status == 200:
                health = json.loads(response.read())
                server.check_process = health.get("check_process", {}).get("state", "off")
                if server.check_process != "starting":
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit("safetykg serve was not ready within 180 s")


def client(host: str, port: int, bodies: list[bytes], tally: Tally) -> None:
    """Post until the tally has handed out every request; one keep-alive connection."""
    conn = http.client.HTTPConnection(host, port, timeout=120)
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    while (n := tally.next_request()) is not None:
        body = bodies[n % len(bodies)]
        t = time.perf_counter()
        try:
            conn.request("POST", "/check", body, headers)
            response = conn.getresponse()
            response.read()
        except (OSError, http.client.HTTPException) as exc:
            conn.close()
            conn = http.client.HTTPConnection(host, port, timeout=120)
            tally.fail(exc)
            continue
        tally.record((time.perf_counter() - t) * 1000, response.status)
    conn.close()


def run_clients(server: Server, bodies: list[bytes], tally: Tally, clients: int) -> None:
    """All clients at once until the phase's requests are answered."""
    threads = [
        threading.Thread(target=client, args=(server.host, server.port, bodies, tally))
        for _ in range(clients)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=400, help="measured requests, all clients")
    parser.add_argument("--warmup", type=int, default=40, help="unmeasured requests first")
    parser.add_argument("--profiles", type=int, default=200, help="distinct generated profiles")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument(
        "--serve-arg",
        action="append",
        default=[],
        help="extra argument for safetykg serve (repeatable)",
    )
    args = parser.parse_args()

    kb = KnowledgeBase.load()
    bodies = [
        json.dumps(p, ensure_ascii=False).encode() for p in generate(kb, args.profiles, args.seed)
    ]
    with running_server(args.serve_arg) as server:
        run_clients(server, bodies, Tally(0, args.warmup, measured=False), args.clients)
        tally = Tally(args.warmup, args.requests, measured=True)
        load_before = os.getloadavg()[0]
        cpu_before, t0 = server.cpu_seconds(), time.perf_counter()
        client_before = time.process_time()
        run_clients(server, bodies, tally, args.clients)
        wall = time.perf_counter() - t0
        cpu, child_cpu = (a - b for a, b in zip(server.cpu_seconds(), cpu_before, strict=True))
        client_cpu = time.process_time() - client_before
        load_after = os.getloadavg()[0]

    lat = tally.latencies_ms
    ok = tally.statuses.get(200, 0)
    errors = dict(tally.statuses - Counter({200: ok})) | dict(tally.failures)
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, CPython {platform.python_version()}"
    )
    print(f"load average (1 min) before {load_before:.2f}, after {load_after:.2f}")
    print(
        f"POST /check, {args.clients} clients, {len(lat)} measured requests after "
        f"{args.warmup} warm-up, {args.profiles} distinct generated profiles (seed {args.seed})"
    )
    if lat:
        print(
            f"latency: median {statistics.median(lat):.1f} ms, p95 {percentile(lat, 0.95):.1f} ms, "
            f"p99 {percentile(lat, 0.99):.1f} ms, max {max(lat):.1f} ms"
        )
    print(f"throughput: {len(lat) / wall:.1f} requests/s over {wall:.1f} s")
    per_request = 1000 / max(len(lat), 1)
    print(
        f"CPU: server {cpu:.1f} s ({cpu * per_request:.1f} ms per request), its check "
        f"process ({server.check_process}) and other children {child_cpu:.1f} s "
        f"({child_cpu * per_request:.1f} ms per request), clients {client_cpu:.1f} s "
        f"({client_cpu * per_request:.1f} ms per request)"
    )
    print(f"errors: {errors or 'none'}")


if __name__ == "__main__":
    main()
