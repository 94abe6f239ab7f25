"""One outage policy for every worker: wait outages out, count every failure."""

from __future__ import annotations

import threading
from collections.abc import MutableMapping
from typing import Any

import psycopg
import pytest

from services.observability.metrics import WORKER_FAILURES
from services.workers.loop import OutagePolicy, SupervisedLoop

NO_PAUSE = OutagePolicy(first_pause=0.0, longest_pause=0.0)


def failures(worker: str, kind: str) -> float:
    return WORKER_FAILURES.labels(worker, kind)._value.get()  # type: ignore[no-any-return]


def steps_failing_then_stopping(errors: list[Exception], stop: threading.Event):
    done: list[int] = []

    def step() -> None:
        if errors:
            raise errors.pop(0)
        done.append(1)
        stop.set()

    return step, done


def test_a_database_outage_is_waited_out_logged_once_and_counted_each_time(
    captured_logs: list[MutableMapping[str, Any]],
) -> None:
    stop = threading.Event()
    outage = [psycopg.OperationalError("connection refused") for _ in range(3)]
    step, done = steps_failing_then_stopping(outage, stop)
    before = failures("test-relay", "database")
    SupervisedLoop("relay", stop, label="test-relay", policy=NO_PAUSE).run(step)
    assert done == [1]
    assert failures("test-relay", "database") - before == 3
    events = [entry["event"] for entry in captured_logs]
    assert events.count("relay_database_unavailable") == 1
    assert events.count("relay_resumed") == 1


def test_a_broker_outage_lets_go_of_the_connection_before_each_retry() -> None:
    stop = threading.Event()
    closed: list[int] = []
    step, done = steps_failing_then_stopping([ConnectionRefusedError()] * 2, stop)
    SupervisedLoop(
        "consumer", stop, on_outage=lambda: closed.append(1), policy=NO_PAUSE
    ).run(step)
    assert (done, len(closed)) == ([1], 2)


def test_an_error_ends_a_worker_that_raises_and_is_retried_by_one_that_retries() -> (
    None
):
    stop = threading.Event()
    step, _ = steps_failing_then_stopping([ValueError("a bug")], stop)
    with pytest.raises(ValueError, match="a bug"):
        SupervisedLoop("relay", stop, policy=NO_PAUSE).run(step)
    step, done = steps_failing_then_stopping([ValueError("a bug")], stop)
    before = failures("follower", "error")
    SupervisedLoop("follower", stop, errors="retry", policy=NO_PAUSE).run(step)
    assert done == [1]
    assert failures("follower", "error") - before == 1


def test_a_stopped_loop_does_not_step() -> None:
    stop = threading.Event()
    stop.set()
    stepped: list[int] = []
    SupervisedLoop("sop_clock", stop).run(lambda: stepped.append(1))
    assert stepped == []
