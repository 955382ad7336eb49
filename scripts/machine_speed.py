"""How fast this CPU is right now: shared hosts vary by tens of percent from minute to
minute, so the benchmarks print this beside their figures."""

from __future__ import annotations

import time


def calibration_ms() -> float:
    """A fixed pure-Python loop, best of 3, in milliseconds."""
    timings = []
    for _ in range(3):
        start = time.perf_counter()
        sum(i * i for i in range(2_000_000))
        timings.append(time.perf_counter() - start)
    return round(min(timings) * 1000, 1)
