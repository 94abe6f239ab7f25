"""A case kept in memory for commands never makes a command decide on a state
the store has moved past, whoever wrote since and however a command failed."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from eventsourcing.persistence import PersistenceError

from bench.generator import Script, scripts
from domain.case import Case
from domain.clock import ControlledClock
from domain.commands import Identify, command_named
from domain.errors import ConsentRequired
from domain.stamp import Stamp
from services.app.errors import VersionConflict
from services.app.service import CaseApplication, CaseService
from services.config.bootstrap import Backbone
from tests.builders import WORKER, identify, step

REFERRAL = {
    "referral_id": "R1",
    "service": "legal_assistance",
    "agency": "Legal Clinic",
}
CONSENT = {"scope": "services", "given_by": "subject"}


@contextmanager
def another_process(
    backbone: Backbone, clock: ControlledClock
) -> Iterator[CaseService]:
    """A service on an application of its own on the same store: what another
    process recording steps sees and does."""
    other = CaseApplication(env=backbone.database.eventsourcing_env())
    try:
        yield CaseService(other, clock)
    finally:
        other.close()


def test_a_command_sees_the_step_another_process_recorded_since(
    backbone: Backbone, clock: ControlledClock
) -> None:
    service = backbone.service
    case = identify(service, clock)  # kept at version 1 for the next command
    with pytest.raises(ConsentRequired):
        step(service, clock, case, "refer", **REFERRAL)
    case = step(service, clock, case, "assess_risk", level="low")

    with another_process(backbone, clock) as other:
        case = step(other, clock, case, "record_consent", **CONSENT)

    # Decided on the consent the other process recorded: allowed.
    case = step(service, clock, case, "refer", **REFERRAL)
    assert case["version"] == 4

    with another_process(backbone, clock) as other:
        step(other, clock, case, "assess_risk", level="high")
    # The version this process last saw is no longer the case's.
    with pytest.raises(VersionConflict) as conflict:
        step(service, clock, case, "assess_risk", level="medium")
    assert (conflict.value.expected, conflict.value.actual) == (4, 5)
    assert [e.type for e in service.events(case["case_id"])][-2:] == [
        "Referred",
        "RiskAssessed",
    ]


def test_a_stale_page_refused_by_the_kept_case_is_told_the_case_changed(
    backbone: Backbone, clock: ControlledClock
) -> None:
    """The kept case (version 2) would refuse the referral for want of
    consent; the store holds the consent another process recorded since."""
    service = backbone.service
    page = step(service, clock, identify(service, clock), "assess_risk", level="low")
    with another_process(backbone, clock) as other:
        step(other, clock, page, "record_consent", **CONSENT)

    with pytest.raises(VersionConflict) as conflict:
        step(service, clock, page, "refer", **REFERRAL)
    assert (conflict.value.expected, conflict.value.actual) == (2, 3)


def test_a_kept_case_ahead_of_a_restored_store_leaves_no_gap_in_its_versions(
    backbone: Backbone, clock: ControlledClock
) -> None:
    """The store lost the case's last step (restored from an older backup)
    while this process kept the case at that step."""
    service = backbone.service
    page = step(service, clock, identify(service, clock), "assess_risk", level="low")
    with backbone.pool.connection() as conn:
        for table in ("cases_events", "cases_events_chain"):
            conn.execute(
                f"DELETE FROM {table} WHERE originator_id = %s "
                "AND originator_version = 2",
                (page["case_id"],),
            )

    with pytest.raises(VersionConflict) as conflict:
        step(service, clock, page, "assess_risk", level="high")
    assert (conflict.value.expected, conflict.value.actual) == (2, 1)
    stored = backbone.app.case_events(page["case_id"])
    assert [e.originator_version for e in stored] == [1]
    # Reloaded at the store's version, the case takes its commands again.
    again = step(service, clock, {**page, "version": 1}, "assess_risk", level="high")
    assert again["version"] == 2


def _consent_then(
    service: CaseService, clock: ControlledClock, case_id: str, meanwhile: Any
) -> None:
    """Record consent on the case at version 2, running ``meanwhile()`` after
    the case was loaded and changed, before it is saved."""

    def consent(loaded: Case, stamp: Stamp) -> None:
        loaded.record_consent(stamp, **CONSENT)
        meanwhile()

    service._change(
        case_id,
        expected_version=2,
        stamp=service._stamp(
            WORKER["actor_id"], WORKER["actor_role"], clock.now(), None
        ),
        action=consent,
    )


def test_a_command_that_lost_a_race_leaves_the_next_one_deciding_on_the_store(
    backbone: Backbone, clock: ControlledClock
) -> None:
    service = backbone.service
    case = step(service, clock, identify(service, clock), "assess_risk", level="low")

    def other_saves_first() -> None:
        with another_process(backbone, clock) as other:
            step(other, clock, case, "assess_risk", level="high")

    with pytest.raises(VersionConflict):
        _consent_then(service, clock, case["case_id"], other_saves_first)

    # The consent was never recorded: the case as stored has none.
    now = {**case, "version": 3}
    with pytest.raises(ConsentRequired):
        step(service, clock, now, "refer", **REFERRAL)
    now = step(service, clock, now, "record_consent", **CONSENT)
    assert step(service, clock, now, "refer", **REFERRAL)["version"] == 5


REFUSE = """
CREATE FUNCTION refuse_events() RETURNS trigger LANGUAGE plpgsql AS
$$ BEGIN RAISE EXCEPTION 'the store refuses events'; END $$;
CREATE TRIGGER refuse_events BEFORE INSERT ON cases_events
FOR EACH ROW EXECUTE FUNCTION refuse_events();
"""


def test_a_command_the_store_refused_leaves_the_next_one_deciding_on_the_store(
    backbone: Backbone, clock: ControlledClock
) -> None:
    service = backbone.service
    case = step(service, clock, identify(service, clock), "assess_risk", level="low")

    def store_refuses() -> None:
        with backbone.pool.connection() as conn:
            conn.execute(REFUSE)

    with pytest.raises(PersistenceError, match="the store refuses events"):
        _consent_then(service, clock, case["case_id"], store_refuses)
    with backbone.pool.connection() as conn:
        conn.execute("DROP TRIGGER refuse_events ON cases_events")

    # Another process records version 3: the refused consent was not version 3.
    with another_process(backbone, clock) as other:
        now = step(other, clock, case, "assess_risk", level="high")
    with pytest.raises(ConsentRequired):
        step(service, clock, now, "refer", **REFERRAL)
    assert [e.type for e in service.events(case["case_id"])] == [
        "Identified",
        "RiskAssessed",
        "RiskAssessed",
    ]


def _record(service: CaseService, script: Script) -> None:
    version = 0
    for s in script.steps:
        stamp: dict[str, Any] = {
            "actor_id": s.actor[0],
            "actor_role": s.actor[1],
            "occurred_at": script.start + s.at,
        }
        if s.command == "identify":
            fields = {k: v for k, v in s.fields.items() if k != "worker_id"}
            result = service.open_case(
                Identify(**fields), case_id=str(script.case_id), **stamp
            )
        else:
            result = service.run(
                command_named(s.command)(**s.fields),
                str(script.case_id),
                expected_version=version,
                **stamp,
            )
        version = result["version"]


def test_a_case_kept_for_commands_is_the_case_its_stored_events_replay(
    backbone: Backbone, clock: ControlledClock
) -> None:
    """Cases of every kind of step, typed text kept apart from the events."""
    clock.advance(timedelta(days=365))  # every step of the cases has happened
    plan = list(scripts(30, seed=11, longer=True))
    for script in plan:
        _record(backbone.service, script)
    kept = 0
    for script in plan:
        cached = backbone.app.cases.take(script.case_id)
        if cached is None:
            continue  # a step's typed text was kept apart: replayed next time
        kept += 1
        replayed = backbone.app.repository.get(script.case_id)
        assert vars(cached) == vars(replayed)
    assert kept > 0
