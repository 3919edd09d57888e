"""Latency measurement: per-call wall times, summarised into the percentiles people compare."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np

PERCENTILES = (50, 90, 95, 99, 99.9)


@dataclass(frozen=True)
class LatencyStats:
    """Seconds per call."""

    calls: int
    mean: float
    std: float
    min: float
    p50: float
    p90: float
    p95: float
    p99: float
    p999: float

    def to_dict(self) -> dict[str, float]:
        return asdict(self)


def summarize(samples: np.ndarray) -> LatencyStats:
    p = np.percentile(samples, PERCENTILES)
    return LatencyStats(int(samples.size), float(samples.mean()), float(samples.std()), float(samples.min()),
                        *(float(v) for v in p))


def time_calls(fn: Callable[[], object], *, runs: int, min_seconds: float, max_runs: int = 1_000_000) -> np.ndarray:
    """Call ``fn`` at least ``runs`` times and for at least ``min_seconds``; return per-call seconds.

    Calls are timed in small groups when one call is shorter than the clock's useful
    resolution (~1 us), so the numbers stay per-call yet are not dominated by timer overhead.
    """
    clock = time.perf_counter_ns
    t0 = clock()
    fn()
    one = max(clock() - t0, 1)
    group = max(1, min(64, 2000 // one))  # aim for groups of >= ~2 us
    samples: list[float] = []
    started = clock()
    deadline = started + int(min_seconds * 1e9)
    while (len(samples) < runs or clock() < deadline) and len(samples) < max_runs:
        t = clock()
        for _ in range(group):
            fn()
        samples.append((clock() - t) / group / 1e9)
    return np.asarray(samples)


def warmup(fn: Callable[[], object], count: int) -> tuple[float, float]:
    """(first call seconds, mean seconds of the remaining warm-up calls)."""
    t = time.perf_counter()
    fn()
    first = time.perf_counter() - t
    if count <= 1:
        return first, first
    t = time.perf_counter()
    for _ in range(count - 1):
        fn()
    return first, (time.perf_counter() - t) / (count - 1)
