"""Commands running at the same time are saved together, each caller its own outcome.

Real PostgreSQL; the commands come from threads, as from the HTTP API's
workers. Where a test needs several commands in one group, the first save is
held until the others have queued behind it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import pytest

from domain.clock import ControlledClock
from domain.commands import AssessRisk, Refer
from domain.errors import ConsentRequired
from services.app.errors import VersionConflict
from services.app.service import CaseApplication, CaseService
from services.audit.verify import verify_chain
from services.config.bootstrap import Backbone
from services.store.event_chain import ChainHasher
from tests.builders import WORKER, identify

LEVELS = ("low", "medium", "high")


class HeldSave:
    """Once armed, holds the application's next insert of events until released."""

    def __init__(self, app: CaseApplication, monkeypatch: pytest.MonkeyPatch) -> None:
        self.armed = False
        self.entered = threading.Event()
        self.released = threading.Event()
        original = app.recorder.insert_events

        def insert(stored: Any, **kwargs: Any) -> Any:
            if self.armed:
                self.armed = False  # only ever called by one leader at a time
                self.entered.set()
                assert self.released.wait(30), "the held save was never released"
            return original(stored, **kwargs)

        monkeypatch.setattr(app.recorder, "insert_events", insert)


@pytest.fixture
def held(backbone: Backbone, monkeypatch: pytest.MonkeyPatch) -> Iterator[HeldSave]:
    gate = HeldSave(backbone.app, monkeypatch)
    try:
        yield gate
    finally:
        gate.released.set()


@pytest.fixture
def clients() -> Iterator[ThreadPoolExecutor]:
    with ThreadPoolExecutor(max_workers=16) as pool:
        yield pool


def assess(
    service: CaseService, clock: ControlledClock, case_id: str, version: int, level: str
) -> dict[str, Any]:
    return service.run(
        AssessRisk(level=level),
        case_id,
        expected_version=version,
        occurred_at=clock.now(),
        **WORKER,
    )


def hold_the_committer(
    backbone: Backbone,
    clock: ControlledClock,
    held: HeldSave,
    clients: ThreadPoolExecutor,
) -> Future[dict[str, Any]]:
    """Start a command whose save is held: whatever is saved next queues behind it."""
    holder = identify(backbone.service, clock, subject_ref="PV-HOLDER")
    held.armed = True
    future = clients.submit(
        assess, backbone.service, clock, holder["case_id"], 1, "low"
    )
    assert held.entered.wait(10), "the holder's save did not start"
    return future


def wait_until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        time.sleep(0.005)


def queued(backbone: Backbone, count: int) -> Callable[[], bool]:
    return lambda: backbone.app.group_commit.queued == count


def levels_of(backbone: Backbone, case_id: str) -> list[str]:
    return [
        getattr(e, "level", type(e).__name__)
        for e in backbone.service.app.case_events(case_id)
    ]


def test_many_threads_at_once_all_get_their_results_and_each_event_is_recorded_once(
    backbone: Backbone,
    clock: ControlledClock,
    clients: ThreadPoolExecutor,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cases = [
        identify(backbone.service, clock, subject_ref=f"PV-GC-{n}") for n in range(12)
    ]
    last_before = backbone.app.recorder.max_notification_id() or 0
    counted: list[int] = []
    original = backbone.app.recorder.insert_events

    def counting_insert(stored: Any, **kwargs: Any) -> Any:
        counted.append(len(stored))
        return original(stored, **kwargs)

    monkeypatch.setattr(backbone.app.recorder, "insert_events", counting_insert)
    start = threading.Barrier(len(cases))

    def client(case: dict[str, Any]) -> list[int]:
        start.wait()
        version, versions = case["version"], []
        for level in LEVELS * 3:
            version = assess(backbone.service, clock, case["case_id"], version, level)[
                "version"
            ]
            versions.append(version)
        return versions

    results = [f.result() for f in [clients.submit(client, c) for c in cases]]

    assert results == [list(range(2, 11))] * len(cases)
    for case in cases:
        assert levels_of(backbone, case["case_id"]) == ["Identified", *LEVELS * 3]
    notifications = backbone.app.recorder.select_notifications(
        start=last_before + 1, limit=10_000
    )
    recorded = [(n.originator_id, n.originator_version) for n in notifications]
    assert len(recorded) == len(set(recorded)) == len(cases) * 9
    for case in cases:
        # In the log, each case's events come in the order of their versions.
        versions = [v for i, v in recorded if str(i) == case["case_id"]]
        assert versions == list(range(2, 11))
    assert verify_chain(backbone.pool, "cases_events", backbone.chain_hasher).ok
    # Saved together: fewer transactions than commands, one holding several.
    assert sum(counted) == len(cases) * 9
    assert len(counted) < len(cases) * 9
    assert max(counted) > 1


def test_two_commands_on_one_case_at_the_same_version_one_wins_the_other_conflicts(
    backbone: Backbone,
    clock: ControlledClock,
    held: HeldSave,
    clients: ThreadPoolExecutor,
) -> None:
    case = identify(backbone.service, clock)
    holder = hold_the_committer(backbone, clock, held, clients)
    # Both read version 1, and both wait to be saved in the same group.
    contenders = {
        level: clients.submit(
            assess, backbone.service, clock, case["case_id"], 1, level
        )
        for level in ("medium", "high")
    }
    wait_until(queued(backbone, 2), "both contenders have queued")
    held.released.set()

    assert holder.result()["version"] == 2
    outcomes = {level: f.exception() for level, f in contenders.items()}
    winners = [level for level, error in outcomes.items() if error is None]
    losers = [level for level, error in outcomes.items() if error is not None]
    assert len(winners) == len(losers) == 1
    assert isinstance(outcomes[losers[0]], VersionConflict)
    assert contenders[winners[0]].result()["version"] == 2

    # The loser reloads, sees the winner's change, and tries again.
    current = backbone.service.case(case["case_id"])["version"]
    retried = assess(backbone.service, clock, case["case_id"], current, losers[0])
    assert retried["version"] == 3
    assert levels_of(backbone, case["case_id"]) == ["Identified", *winners, *losers]


def test_a_conflict_with_another_writer_fails_only_its_loser_not_the_rest_of_the_group(
    backbone: Backbone,
    clock: ControlledClock,
    held: HeldSave,
    clients: ThreadPoolExecutor,
) -> None:
    raced, *innocent = (
        identify(backbone.service, clock, subject_ref=f"PV-GC-{n}") for n in range(3)
    )
    holder = hold_the_committer(backbone, clock, held, clients)
    futures = [
        clients.submit(assess, backbone.service, clock, c["case_id"], 1, "high")
        for c in (raced, *innocent)
    ]
    wait_until(queued(backbone, 3), "the three commands have queued")
    # Meanwhile another process records version 2 of the first case.
    other = CaseApplication(env=backbone.database.eventsourcing_env())
    try:
        assess(CaseService(other, clock), clock, raced["case_id"], 1, "low")
    finally:
        other.close()
    held.released.set()

    assert holder.result()["version"] == 2
    with pytest.raises(VersionConflict, match="saved first"):
        futures[0].result()
    assert [f.result()["version"] for f in futures[1:]] == [2, 2]
    assert levels_of(backbone, raced["case_id"]) == ["Identified", "low"]
    for case in innocent:
        assert levels_of(backbone, case["case_id"]) == ["Identified", "high"]


def test_a_domain_error_in_one_caller_does_not_affect_the_others_saved_with_it(
    backbone: Backbone,
    clock: ControlledClock,
    held: HeldSave,
    clients: ThreadPoolExecutor,
) -> None:
    refused, *others = (
        identify(backbone.service, clock, subject_ref=f"PV-GC-{n}") for n in range(3)
    )
    holder = hold_the_committer(backbone, clock, held, clients)
    valid = [
        clients.submit(assess, backbone.service, clock, c["case_id"], 1, "medium")
        for c in others
    ]
    invalid = clients.submit(
        backbone.service.run,
        Refer(referral_id="R1", service="legal_assistance", agency="Legal Clinic"),
        refused["case_id"],
        expected_version=1,
        occurred_at=clock.now(),
        **WORKER,
    )
    with pytest.raises(ConsentRequired):
        invalid.result(timeout=10)
    wait_until(queued(backbone, 2), "the valid commands have queued")
    held.released.set()

    assert holder.result()["version"] == 2
    assert [f.result()["version"] for f in valid] == [2, 2]
    assert backbone.service.case(refused["case_id"])["version"] == 1


def test_a_group_whose_transaction_fails_fails_every_caller_in_it_and_records_nothing(
    backbone: Backbone,
    clock: ControlledClock,
    held: HeldSave,
    clients: ThreadPoolExecutor,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first, second = (
        identify(backbone.service, clock, subject_ref=f"PV-GC-{n}") for n in range(2)
    )
    holder = hold_the_committer(backbone, clock, held, clients)
    futures = [
        clients.submit(assess, backbone.service, clock, c["case_id"], 1, "high")
        for c in (first, second)
    ]
    wait_until(queued(backbone, 2), "both commands have queued")
    # Chaining the first case's event fails after the events were inserted.
    real_hash = ChainHasher.event_hash

    def failing_hash(self: ChainHasher, prev: bytes, case_id: Any, *a: Any) -> bytes:
        if str(case_id) == first["case_id"]:
            raise RuntimeError("the hasher broke")
        return real_hash(self, prev, case_id, *a)

    monkeypatch.setattr(ChainHasher, "event_hash", failing_hash)
    recorded_before = backbone.app.recorder.max_notification_id() or 0
    held.released.set()

    assert holder.result()["version"] == 2
    for future in futures:
        with pytest.raises(RuntimeError, match="the hasher broke"):
            future.result()
    # Only the holder's event was recorded; no event is left without its link.
    assert backbone.app.recorder.max_notification_id() == recorded_before + 1
    monkeypatch.setattr(ChainHasher, "event_hash", real_hash)
    assert verify_chain(backbone.pool, "cases_events", backbone.chain_hasher).ok

    for case in (first, second):
        assert (
            assess(backbone.service, clock, case["case_id"], 1, "high")["version"] == 2
        )
