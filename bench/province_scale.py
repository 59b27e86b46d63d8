"""Province scale: `safetykg import` and `safetykg assess` of N generated enterprises.

Generates a province (`safetykg generate`), imports it into a fresh data directory, assesses
every enterprise, then (with --reassess) assesses them all again, which also replaces the
inferred graphs the first assessment stored. Each step runs as the command a user types, in a
subprocess; wall time, CPU time (user and system, the command and its workers) and the peak
memory of the whole process tree (the command and its worker processes, summed, sampled every
0.1 s from /proc) are printed.

    python bench/province_scale.py [--enterprises 100000] [--seed 7] [--workers 2] [--reassess]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

SAFETYKG = [str(Path(sys.executable).parent / "safetykg")]
PAGE = os.sysconf("SC_PAGE_SIZE")


def tree_rss(root: int) -> int:
    """Resident memory of ``root`` and all its descendants, in bytes."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            statm = Path(f"/proc/{entry}/statm").read_text().split()
        except OSError:
            continue
        children.setdefault(int(stat[1]), []).append(int(entry))
        rss[int(entry)] = int(statm[1]) * PAGE
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total


def cpu_of_children() -> float:
    """User and system CPU seconds of the waited-for descendants of this process."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(args: list[str]) -> tuple[float, float, int, str]:
    """Run a command; its wall time, its CPU time (the command and its workers: this machine's
    speed drifts, and the CPU a run took says how fast it was at that moment), the peak memory
    of its process tree, its stdout."""
    started, cpu = time.perf_counter(), cpu_of_children()
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_rss(proc.pid))
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    done.set()
    sampler.join()
    seconds, cpu = time.perf_counter() - started, cpu_of_children() - cpu
    if proc.returncode not in (0, 1):
        sys.exit(f"{' '.join(args)} failed ({proc.returncode}):\n{err[-2000:]}")
    return seconds, cpu, peak, out + err[-600:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enterprises", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--reassess", action="store_true", help="assess a second time")
    parser.add_argument("--keep", type=Path, help="keep the data directory here")
    opts = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="safetykg-scale-"))
    data = opts.keep or work / "data"
    if opts.keep:
        shutil.rmtree(data, ignore_errors=True)
    province = work / "province.jsonl"
    n, workers = opts.enterprises, ["--workers", str(opts.workers)]
    rows = []
    try:
        seconds, cpu, peak, _ = run(
            [*SAFETYKG, "generate", "--enterprises", str(n), "--seed", str(opts.seed),
             "--out", str(province)]
        )  # fmt: skip
        rows.append(("generate", seconds, cpu, peak, None))
        seconds, cpu, peak, out = run(
            [*SAFETYKG, "import", str(province), "--data", str(data), *workers]
        )
        rows.append(("import", seconds, cpu, peak, 60.0))
        print(out.strip().splitlines()[-1])
        passes = ["assess", "re-assess"] if opts.reassess else ["assess"]
        for name in passes:
            seconds, cpu, peak, out = run([*SAFETYKG, "assess", "--data", str(data), *workers])
            rows.append((name, seconds, cpu, peak, 120.0 if name == "assess" else None))
            print(out.strip())
    finally:
        if not opts.keep:
            shutil.rmtree(work, ignore_errors=True)

    print(f"\n{n:,} enterprises, {opts.workers} workers, {os.cpu_count()} cores")
    print(
        f"{'step':<10} {'wall s':>8} {'per ent. ms':>12} {'CPU s':>8} {'peak MB':>9} "
        f"{'target s':>9}"
    )
    for name, seconds, cpu, peak, target in rows:
        goal = f"{target:.0f}" if target else "-"
        print(
            f"{name:<10} {seconds:8.1f} {seconds / n * 1000:12.2f} {cpu:8.1f} "
            f"{peak / 2**20:9.0f} {goal:>9}"
        )


if __name__ == "__main__":
    main()
