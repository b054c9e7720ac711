"""Benchmark: the worker pool's own cost (``gongkai_xlsx.pool``), apart from any reading.

    python benchmarks/bench_pool.py [--tasks 20000]

Prints, for fork and spawn, with one and two workers: the start-up time (pool created →
first result of a trivial task) and the time to close; the overhead per trivial task (µs),
the price every return pays for being read in a child process; and the wall time per task
of tasks that take 1 ms of CPU each, as checking a small return does (1.0 would be no
overhead with one worker, 0.5 with two on two free cores).
"""

from __future__ import annotations

import argparse
import multiprocessing
import time
from collections.abc import Callable

from gongkai_xlsx.pool import Limits, WorkerPool


def trivial(task: int) -> int:
    return task


def busy(task: int) -> int:
    """About a millisecond of CPU, as checking a small return takes."""
    end = time.perf_counter() + 0.001
    while time.perf_counter() < end:
        pass
    return task


def startup(method: str, jobs: int) -> tuple[float, float]:
    """Seconds from creating the pool (all ``jobs`` workers start at once) to the first
    result, and seconds to close it; best of three."""
    best = (float("inf"), float("inf"))
    for _ in range(3):
        t0 = time.perf_counter()
        pool = WorkerPool(trivial, jobs, Limits(), start_method=method)
        next(iter(pool.run([0])))
        t1 = time.perf_counter()
        pool.close()
        best = min(best, (t1 - t0, time.perf_counter() - t1))
    return best


def per_task(method: str, jobs: int, tasks: int, func: Callable[[int], int] = trivial) -> float:
    """Microseconds per trivial task, workers already warm; the best of three runs (the
    machine is shared: the best is the least disturbed)."""
    best = float("inf")
    with WorkerPool(func, jobs, Limits(), start_method=method) as pool:
        for _ in range(3):
            t0 = time.perf_counter()
            count = sum(1 for _ in pool.run(range(tasks)))
            best = min(best, time.perf_counter() - t0)
            assert count == tasks
    return best / tasks * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=20_000)
    args = parser.parse_args()
    for method in ("fork", "spawn"):
        if method not in multiprocessing.get_all_start_methods():
            continue
        for jobs in (1, 2):
            start, close = startup(method, jobs)
            trivial_us = per_task(method, jobs, args.tasks)
            busy_ms = per_task(method, jobs, args.tasks // 10, busy) / 1000
            print(
                f"{method:5}  -j {jobs}: start-up {start * 1000:6.1f} ms, close "
                f"{close * 1000:5.1f} ms, {trivial_us:5.1f} µs per trivial task, "
                f"{busy_ms:5.3f} ms per 1-ms task"
            )


if __name__ == "__main__":
    main()
