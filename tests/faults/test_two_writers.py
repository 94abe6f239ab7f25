"""Two writers on one case at once: no lost update; the loser retries and succeeds.

Each writer has an event-store application of its own, as separate processes
(two caseworkers' API requests, or a caseworker and the SOP clock) would.
"""

from __future__ import annotations

import contextlib
import random
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from eventsourcing.persistence import IntegrityError

from domain.case import Case
from domain.clock import ControlledClock
from domain.commands import AssessRisk
from domain.events import DeadlineBreached
from domain.stamp import Stamp
from services.app.errors import VersionConflict
from services.app.service import CaseApplication, CaseService
from services.config.bootstrap import Backbone
from services.store.database import Database
from services.workers.follower import LogFollower
from services.workers.sop_clock import SopClock
from tests.builders import WORKER, identify
from tests.faults.fault_report import ReliabilityReport, Row

SEED = 20260305
ROUNDS = 25


@pytest.fixture
def writers(database: Database, clock: ControlledClock) -> Iterator[list[CaseService]]:
    """Two services, each on its own application and connection pool."""
    with contextlib.ExitStack() as stack:
        services = []
        for _ in range(2):
            app = CaseApplication(env=database.eventsourcing_env())
            stack.callback(app.close)
            services.append(CaseService(app, clock))
        yield services


def _write(
    service: CaseService, case_id: str, version: int, correlation: str
) -> dict[str, Any]:
    return service.run(
        AssessRisk(level="medium"),
        case_id,
        expected_version=version,
        occurred_at=service.clock.now(),
        correlation_id=correlation,
        **WORKER,
    )


def _write_retrying(
    service: CaseService, case_id: str, version: int, correlation: str
) -> int:
    """Write at ``version``; on a conflict reload and retry. Return the conflicts."""
    conflicts = 0
    for _attempt in range(10):
        try:
            _write(service, case_id, version, correlation)
            return conflicts
        except VersionConflict:
            conflicts += 1
            version = service.case(case_id)["version"]
    raise AssertionError("the write kept conflicting")


def test_the_store_refuses_the_second_of_two_saves_at_the_same_version(
    backbone: Backbone, clock: ControlledClock, writers: list[CaseService]
) -> None:
    case = identify(backbone.service, clock)
    case_id = uuid.UUID(case["case_id"])
    first: Case = writers[0].app.repository.get(case_id)
    second: Case = writers[1].app.repository.get(case_id)
    stamp = Stamp("mu-vlora-1", "mobile_unit", clock.now(), clock.now(), "a")
    first.assess_risk(stamp, level="high")
    second.assess_risk(stamp, level="low")
    writers[0].app.save(first)
    with pytest.raises(IntegrityError):
        writers[1].app.save(second)
    events = backbone.service.app.case_events(case["case_id"])
    assert [e.originator_version for e in events] == [1, 2]
    assert events[1].level == "high"  # type: ignore[attr-defined]


def test_two_caseworkers_writing_one_case_at_once_lose_no_update(
    backbone: Backbone,
    clock: ControlledClock,
    writers: list[CaseService],
    reliability: ReliabilityReport,
) -> None:
    case = identify(backbone.service, clock)
    case_id = case["case_id"]
    rng = random.Random(SEED)
    together = threading.Barrier(2, timeout=60)
    conflicts = [0, 0]
    written: list[str] = []
    failures: list[BaseException] = []

    def caseworker(n: int) -> None:
        try:
            for round_ in range(ROUNDS):
                version = writers[n].case(case_id)["version"]
                correlation = f"round-{round_}-writer-{n}-{rng.random():.6f}"
                written.append(correlation)
                together.wait()  # both hold the same version now
                conflicts[n] += _write_retrying(
                    writers[n], case_id, version, correlation
                )
                together.wait()
        except BaseException as error:
            failures.append(error)
            together.abort()

    threads = [threading.Thread(target=caseworker, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    events = backbone.service.app.case_events(case_id)
    recorded = [e.correlation_id for e in events[1:]]
    lost = len(set(written) - set(recorded))
    twice = len(recorded) - len(set(recorded))
    reliability.add(
        Row(
            scenario="Two caseworkers writing one case at once",
            faults=f"{ROUNDS} rounds of two writes at the same version",
            events=len(events),
            lost=lost,
            duplicates=twice,
            alerts_duplicated=None,
            alerts_missing=None,
            recovery="one reload and retry per conflict",
            notes=f"{sum(conflicts)} VersionConflicts, each retried successfully",
        )
    )
    assert failures == []
    assert [e.originator_version for e in events] == list(range(1, 2 * ROUNDS + 2))
    assert lost == 0
    assert twice == 0
    assert sum(conflicts) == ROUNDS  # exactly one loser per round


@dataclass
class Race:
    """What a caseworker writing beside a ticking SOP clock did."""

    written: list[str] = field(default_factory=list)
    conflicts: int = 0
    ticks: int = 0
    failures: list[BaseException] = field(default_factory=list)


def _race(
    sop_clock: SopClock,
    caseworker: CaseService,
    clock: ControlledClock,
    cases: list[str],
    race: Race,
) -> None:
    """The clock ticks in a thread of its own while the caseworker writes and
    time moves on (the RA and CPU warnings and deadlines fall due half-way)."""
    done = threading.Event()

    def ticking() -> None:
        try:
            while not done.is_set() and race.ticks < 2000:
                sop_clock.tick()
                race.ticks += 1
        except BaseException as error:
            race.failures.append(error)

    thread = threading.Thread(target=ticking)
    thread.start()
    try:
        for n in range(40):
            case_id = cases[n % len(cases)]
            version = caseworker.case(case_id)["version"]
            race.written.append(f"step-{n}")
            race.conflicts += _write_retrying(caseworker, case_id, version, f"step-{n}")
            clock.advance(timedelta(minutes=40))
            time.sleep(0.05)  # a caseworker's pace, so the clock ticks between
    finally:
        done.set()
        thread.join(timeout=120)


def test_a_caseworker_and_the_sop_clock_on_one_case_both_get_their_write_in(
    backbone: Backbone,
    clock: ControlledClock,
    writers: list[CaseService],
    database: Database,
    reliability: ReliabilityReport,
) -> None:
    cases = [
        identify(backbone.service, clock, is_minor=True)["case_id"] for _ in range(6)
    ]
    clock.advance(timedelta(hours=2))  # the police deadlines have passed
    race = Race()
    pool = database.pool("rival-clock")
    try:
        sop_clock = SopClock(
            CaseService(writers[1].app, clock),
            pool,
            clock,
            backbone.rulebook,
            backbone.calendar,
            interval=1.0,
            catch_up=LogFollower(writers[1].app, pool, backbone.projections).catch_up,
        )
        # A caseworker reads a case, the clock records a breach on it, the
        # caseworker saves: refused, reloaded, saved.
        first = cases[0]
        stale = writers[0].case(first)["version"]
        assert sop_clock.tick() == len(cases)
        with pytest.raises(VersionConflict):
            _write(writers[0], first, stale, "stale-write")
        assert _write_retrying(writers[0], first, stale, "stale-write") == 1
        race.written.append("stale-write")
        race.conflicts += 1
        # Then both at once.
        _race(sop_clock, writers[0], clock, cases, race)
        while sop_clock.tick():  # whatever is left
            pass
    finally:
        pool.close()
    recorded: list[str] = []
    breaches: Counter[tuple[str, str]] = Counter()
    total = 0
    for case_id in cases:
        events = backbone.service.app.case_events(case_id)
        total += len(events)
        assert [e.originator_version for e in events] == list(range(1, len(events) + 1))
        recorded += [e.correlation_id for e in events if e.actor_id == "mu-vlora-1"]
        breaches.update(
            (case_id, e.obligation_id)
            for e in events
            if isinstance(e, DeadlineBreached)
        )
    lost = len(set(race.written) - set(recorded))
    twice = len(recorded) - len(set(recorded)) + sum(n - 1 for n in breaches.values())
    reliability.add(
        Row(
            scenario="A caseworker and the SOP clock writing the same cases at once",
            faults=f"40 caseworker steps against {race.ticks} clock ticks on 6 cases",
            events=total,
            lost=lost,
            duplicates=twice,
            alerts_duplicated=None,
            alerts_missing=None,
            recovery="one reload and retry per conflict",
            notes=f"{race.conflicts} caseworker VersionConflicts retried; "
            f"{len(breaches)} breaches, each once",
        )
    )
    assert race.failures == []
    assert lost == 0
    assert twice == 0
    # Police, Responsible Authority and CPU deadlines of every (minor's) case.
    assert len(breaches) == 3 * len(cases)
    assert race.ticks > 1
