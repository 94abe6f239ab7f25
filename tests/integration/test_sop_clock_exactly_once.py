"""Each deadline event is recorded once, across restarts, replays and rival clocks."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from datetime import timedelta

from domain.clock import ControlledClock
from services.app.service import CaseApplication, CaseService
from services.config.bootstrap import Backbone
from services.store.database import Database
from services.workers.follower import LogFollower
from services.workers.sop_clock import SopClock
from tests.builders import identify
from tests.integration.sop_helpers import (
    breaches_by_obligation,
    deadline_marks,
    sop_clock_for,
)

MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)


def wait_for(condition: Callable[[], bool], seconds: float, what: str) -> None:
    """Poll for an effect of a running thread; the deadline itself is never slept."""
    give_up = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < give_up, f"gave up waiting for {what}"
        time.sleep(0.05)


def test_a_restarted_clock_records_nothing_twice(
    backbone: Backbone, clock: ControlledClock
) -> None:
    case = identify(backbone.service, clock)
    clock.advance(2 * HOUR)
    assert sop_clock_for(backbone).tick() == 1

    restarted = sop_clock_for(backbone)
    assert restarted.tick() == 0
    assert breaches_by_obligation(backbone.service, case["case_id"]) == {
        "police-notified@1": 1
    }


def test_a_clock_ahead_of_its_read_model_decides_from_the_case_itself(
    backbone: Backbone, clock: ControlledClock
) -> None:
    # As in the full mode: another process feeds the read model, so the
    # clock's own breach has not flowed back when it looks again.
    case = identify(backbone.service, clock)
    backbone.follower.catch_up()
    clock.advance(2 * HOUR)
    lagging = sop_clock_for(backbone, catch_up=None)
    another = sop_clock_for(backbone, catch_up=None)

    assert lagging.tick() == 1
    assert lagging.tick() == 0
    assert another.tick() == 0
    assert breaches_by_obligation(backbone.service, case["case_id"]) == {
        "police-notified@1": 1
    }


def test_read_models_rebuilt_from_the_events_give_the_clock_nothing_to_redo(
    backbone: Backbone, clock: ControlledClock
) -> None:
    case = identify(backbone.service, clock, is_minor=True)
    clock.advance(25 * HOUR)
    sop_clock = sop_clock_for(backbone)
    assert sop_clock.tick() == 3  # police, Responsible Authority, CPU
    before = deadline_marks(backbone.service, case)

    backbone.follower.rebuild()
    assert sop_clock_for(backbone).tick() == 0
    assert deadline_marks(backbone.service, case) == before


def test_two_clocks_ticking_at_once_record_each_breach_exactly_once(
    backbone: Backbone, clock: ControlledClock, database: Database
) -> None:
    cases = [identify(backbone.service, clock, is_minor=n % 2 == 0) for n in range(6)]
    clock.advance(25 * HOUR)
    with contextlib.ExitStack() as stack:
        clocks = []
        for n in range(2):
            # Each clock as its own process would have it: its own event
            # store application, service, pool and follower.
            app = CaseApplication(env=database.eventsourcing_env())
            stack.callback(app.close)
            pool = database.pool(f"sop-clock-{n}")
            stack.callback(pool.close)
            follower = LogFollower(app, pool, backbone.projections)
            clocks.append(
                SopClock(
                    CaseService(app, clock),
                    pool,
                    clock,
                    backbone.rulebook,
                    backbone.calendar,
                    interval=1.0,
                    catch_up=follower.catch_up,
                )
            )
        together = threading.Barrier(len(clocks))
        recorded = [0] * len(clocks)
        failures: list[BaseException] = []

        def tick_together(n: int) -> None:
            try:
                for _ in range(3):
                    together.wait(timeout=60)
                    recorded[n] += clocks[n].tick()
            except BaseException as error:
                failures.append(error)
                together.abort()

        threads = [threading.Thread(target=tick_together, args=(n,)) for n in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)

    assert failures == []
    expected = {"police-notified@1": 1, "ra-notified@1": 1}
    for n, case in enumerate(cases):
        minor = {"cpu-notified@1": 1} if n % 2 == 0 else {}
        assert breaches_by_obligation(backbone.service, case["case_id"]) == {
            **expected,
            **minor,
        }
    assert sum(recorded) == 6 * 2 + 3


def test_the_clock_wakes_for_the_next_deadline_rather_than_its_interval(
    backbone: Backbone, clock: ControlledClock
) -> None:
    case = identify(backbone.service, clock)
    t0 = clock.now()
    sop_clock = sop_clock_for(backbone, interval=3600.0)
    sop_clock.tick()
    assert sop_clock.next_wake() == t0 + 45 * MINUTE  # the police warning
    clock.set(t0 + 45 * MINUTE)
    sop_clock.tick()
    assert sop_clock.next_wake() == t0 + HOUR  # then the police deadline

    # Running with a half-hour interval, it still breaches at the deadline.
    running = sop_clock_for(backbone, interval=1800.0)
    thread = threading.Thread(target=running.run)
    thread.start()
    try:
        clock.set(t0 + HOUR)
        wait_for(
            lambda: len(deadline_marks(backbone.service, case, "police-notified")) == 2,
            10,
            "the police breach",
        )
    finally:
        running.stop()
        thread.join(timeout=10)
    assert not thread.is_alive()
    assert breaches_by_obligation(backbone.service, case["case_id"]) == {
        "police-notified@1": 1
    }
