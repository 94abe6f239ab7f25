"""Followers of the log are woken when events are recorded, not only by polling."""

from __future__ import annotations

import threading

from domain.clock import ControlledClock
from services.config.bootstrap import Backbone
from services.store.wakeups import LogWaiter
from tests.builders import identify

LONG = 60.0  # far longer than the test may take: only a wake-up ends the wait


def _waiting(waiter: LogWaiter) -> threading.Thread:
    thread = threading.Thread(target=waiter.wait, args=(LONG,), daemon=True)
    thread.start()
    return thread


def test_recording_an_event_wakes_a_waiting_follower(
    backbone: Backbone, clock: ControlledClock
) -> None:
    waiter = LogWaiter.for_app(backbone.app, threading.Event())
    try:
        waiter.wait(0.01)  # listening from now on
        thread = _waiting(waiter)
        identify(backbone.service, clock)
        thread.join(timeout=LONG / 2)
        assert not thread.is_alive(), "the recorded event did not wake the waiter"
    finally:
        waiter.close()


def test_a_waiter_without_its_database_falls_back_to_the_interval() -> None:
    stop = threading.Event()
    waiter = LogWaiter({"host": "127.0.0.1", "port": 1, "dbname": "none"}, "x", stop)
    stop.set()  # the fallback pause honours stop at once
    waiter.wait(LONG)  # returns: no exception, no minute-long sleep
    waiter.close()
