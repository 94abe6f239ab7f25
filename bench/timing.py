"""Timing many calls, and the percentiles of what was timed."""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Sequence


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100), interpolated between the nearest ranks."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = (len(ordered) - 1) * q / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def timed(calls: int, call: Callable[[], object], warmup: int = 10) -> list[float]:
    """Seconds each of ``calls`` calls took, after ``warmup`` unmeasured ones.

    The measuring process's own objects are frozen out of the garbage
    collector meanwhile: a full collection of the benchmark's data in the
    middle of a call would be timed as the call's.
    """
    return alternated(calls, [call], warmup)[0]


def alternated(
    calls: int, each: Sequence[Callable[[], object]], warmup: int = 10
) -> list[list[float]]:
    """Seconds each call of ``each`` took, ``calls`` rounds of calling them in
    turn, after ``warmup`` unmeasured rounds; as ``timed``.

    What a figure compares with its baseline is measured in the same
    moments: a busy spell of the machine lands on both, not on one.
    """
    for _ in range(warmup):
        for call in each:
            call()
    times: list[list[float]] = [[] for _ in each]
    gc.collect()
    gc.freeze()
    try:
        for _ in range(calls):
            for call, taken in zip(each, times, strict=True):
                started = time.perf_counter()
                call()
                taken.append(time.perf_counter() - started)
    finally:
        gc.unfreeze()
    return times
