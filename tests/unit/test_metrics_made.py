"""The backbone's metrics, made on first use: every one is listed on /metrics
once a process starts exposing them, and threads that use one first at the
same moment count into the same metric."""

from __future__ import annotations

import threading

from prometheus_client import REGISTRY, generate_latest

from services.observability import metrics


def test_every_metric_is_listed_once_exposing_starts() -> None:
    metrics.create_all()
    metrics.create_all()  # again: nothing registered twice
    exposed = generate_latest(REGISTRY).decode()
    for metric in metrics._defined:
        assert f"# HELP {metric.name} " in exposed


def test_threads_using_a_metric_first_together_count_into_one() -> None:
    counter = metrics.LazyCounter(
        "vatra_test_first_use_total", "used first by several threads", ["worker"]
    )
    start = threading.Barrier(8)

    def count() -> None:
        start.wait()
        counter.labels("w").inc()

    threads = [threading.Thread(target=count) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert counter.labels("w")._value.get() == 8
