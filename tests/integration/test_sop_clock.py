"""The SOP clock records warnings and breaches of each kind of rule, on time.

Real PostgreSQL, the default rule file and calendar, a controlled clock: the
tests move time and tick the clock, never sleep for a deadline.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from domain.clock import TIRANE, ControlledClock
from domain.commands import RecordNotification
from projections.compliance import compliance_by
from services.config.bootstrap import Backbone
from services.workers.sop_clock import SopClock
from tests.builders import identify, latest, step
from tests.integration.sop_helpers import deadline_marks, obligation_rows, sop_clock_for

MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
NOTIFIER = {"actor_id": "vatra-notifier", "actor_role": "system"}
WARNING, BREACH = "DeadlineWarning", "DeadlineBreached"


@pytest.fixture
def sop_clock(backbone: Backbone) -> SopClock:
    return sop_clock_for(backbone)


def test_an_unmet_police_alert_is_warned_at_three_quarters_then_breached_once(
    backbone: Backbone, clock: ControlledClock, sop_clock: SopClock
) -> None:
    case = identify(backbone.service, clock)
    t0 = clock.now()

    clock.advance(44 * MINUTE)
    assert sop_clock.tick() == 0
    clock.advance(MINUTE)
    assert sop_clock.tick() == 1
    assert sop_clock.tick() == 0
    clock.set(t0 + HOUR)
    assert sop_clock.tick() == 1
    clock.advance(HOUR)
    assert sop_clock.tick() == 0

    assert deadline_marks(backbone.service, case, "police-notified") == [
        (WARNING, "police-notified@1", t0 + 45 * MINUTE, t0 + HOUR),
        (BREACH, "police-notified@1", t0 + HOUR, t0 + HOUR),
    ]
    breach = backbone.service.app.case_events(case["case_id"])[-1]
    assert (breach.actor_id, breach.actor_role) == ("vatra-sop-clock", "system")
    police = obligation_rows(backbone, case)["police-notified@1"]
    assert police["status"] == "breached"
    assert police["warning_recorded"]
    assert police["breach_recorded"]
    assert police["next_action_at"] is None


def test_a_clock_started_after_the_deadline_records_only_the_breach_dated_then(
    backbone: Backbone, clock: ControlledClock, sop_clock: SopClock
) -> None:
    case = identify(backbone.service, clock)
    t0 = clock.now()
    clock.advance(3 * HOUR)

    assert sop_clock.tick() == 1

    [breach] = [
        e
        for e in backbone.service.app.case_events(case["case_id"])
        if type(e).__name__ == BREACH
    ]
    assert (breach.obligation_id, breach.occurred_at) == (
        "police-notified@1",
        t0 + HOUR,
    )
    assert breach.timestamp == t0 + 3 * HOUR  # recorded when the clock saw it


def test_a_return_during_the_reflection_period_is_breached_as_soon_as_it_is_seen(
    backbone: Backbone, clock: ControlledClock, sop_clock: SopClock
) -> None:
    returned = identify(backbone.service, clock)
    stayed = identify(backbone.service, clock)
    t0 = clock.now()
    step(
        backbone.service,
        clock,
        returned,
        "record_return",
        10 * DAY,
        country="AL",
        assisted=True,
    )
    sop_clock.tick()
    # 30 calendar days in Tirane: the same wall time across the DST change.
    period_end = t0.astimezone(TIRANE) + 30 * DAY
    assert deadline_marks(backbone.service, returned, "reflection-period") == [
        (BREACH, "reflection-period@1", t0 + 10 * DAY, period_end)
    ]

    clock.set(t0 + 40 * DAY)
    sop_clock.tick()
    # Never a warning for a period that must simply be waited out, and an
    # unbroken period ends met.
    assert len(deadline_marks(backbone.service, returned, "reflection-period")) == 1
    assert deadline_marks(backbone.service, stayed, "reflection-period") == []
    assert obligation_rows(backbone, stayed)["reflection-period@1"]["status"] == "met"


def test_monthly_follow_ups_are_warned_and_breached_one_by_one_until_reopening(
    backbone: Backbone, clock: ControlledClock, sop_clock: SopClock
) -> None:
    case = identify(backbone.service, clock)
    case = step(backbone.service, clock, case, "close", DAY, reason="reintegrated")
    closed_at = clock.now()
    case = step(
        backbone.service,
        clock,
        case,
        "complete_follow_up",
        20 * DAY,
        method="visit",
        outcome="settled",
    )
    rows = obligation_rows(backbone, case)
    second = rows[f"follow-up@{2}#2"]
    assert rows["follow-up@2#1"]["status"] == "met"

    # The second month runs from day 30 to day 60: warned at day 52.5.
    assert second["warn_at"] == second["due_at"] - (30 * DAY) / 4
    clock.set(second["warn_at"])
    sop_clock.tick()
    clock.set(second["due_at"])
    sop_clock.tick()
    step(
        backbone.service,
        clock,
        latest(backbone.service, case),
        "reopen",
        10 * DAY,
        reason="lost her job",
    )
    clock.set(closed_at + 400 * DAY)
    sop_clock.tick()

    assert deadline_marks(backbone.service, case, "follow-up") == [
        (WARNING, "follow-up@2#2", second["warn_at"], second["due_at"]),
        (BREACH, "follow-up@2#2", second["due_at"], second["due_at"]),
    ]
    statuses = {
        oid: row["status"]
        for oid, row in obligation_rows(backbone, case).items()
        if oid.startswith("follow-up")
    }
    assert statuses.pop("follow-up@2#1") == "met"
    assert statuses.pop("follow-up@2#2") == "breached"
    # The reopening cancelled every follow-up not yet due.
    assert set(statuses.values()) == {"cancelled"}


def test_working_days_skip_the_independence_weekend_and_its_observed_days(
    backbone: Backbone, clock: ControlledClock, sop_clock: SopClock
) -> None:
    # Friday 27 November 2026; 28-29 November fall on the weekend and are
    # observed on Monday 30 November and Tuesday 1 December; Tuesday 8
    # December is Youth Day. Five working days: Wed 2, Thu 3, Fri 4, Mon 7,
    # Wed 9 December.
    friday = datetime(2026, 11, 27, 10, 0, tzinfo=TIRANE)
    clock.set(friday)
    case = identify(backbone.service, clock)
    due = datetime(2026, 12, 9, 10, 0, tzinfo=TIRANE)

    for moment in (
        datetime(2026, 12, 4, 10, 0, tzinfo=TIRANE),  # weekends skipped only
        datetime(2026, 12, 8, 10, 0, tzinfo=TIRANE),  # holidays not observed
        due - MINUTE,
    ):
        clock.set(moment)
        sop_clock.tick()
        assert BREACH not in {
            kind
            for kind, *_ in deadline_marks(backbone.service, case, "status-determined")
        }
    clock.set(due)
    sop_clock.tick()

    assert deadline_marks(backbone.service, case, "status-determined") == [
        # 75% of the 12 calendar days: Sunday 6 December, 10:00 in Tirane.
        (
            WARNING,
            "status-determined@1",
            datetime(2026, 12, 6, 10, 0, tzinfo=TIRANE),
            due,
        ),
        (BREACH, "status-determined@1", due, due),
    ]


def test_a_step_entered_late_but_done_in_time_is_met_on_time_despite_the_breach(
    backbone: Backbone, clock: ControlledClock, sop_clock: SopClock
) -> None:
    case = identify(backbone.service, clock)
    t0 = clock.now()
    clock.set(t0 + HOUR)
    sop_clock.tick()
    # The police were phoned after 30 minutes; the worker typed it in at 5 h.
    clock.set(t0 + 5 * HOUR)
    backbone.service.run(
        RecordNotification(
            authority="police",
            channel="phone",
            recipient="duty officer",
            reference="P-1",
        ),
        case["case_id"],
        expected_version=2,
        occurred_at=t0 + 30 * MINUTE,
        actor_id="mu-vlora-1",
        actor_role="mobile_unit",
    )

    police = obligation_rows(backbone, case)["police-notified@1"]
    assert police["status"] == "met"
    assert police["met_at"] == t0 + 30 * MINUTE
    assert police["recording_delay"] == 4 * HOUR + 30 * MINUTE
    # The clock's breach stays in the record: at the time, nobody knew.
    assert [
        m[0] for m in deadline_marks(backbone.service, case, "police-notified")
    ] == [BREACH]
    with backbone.pool.connection() as conn:
        [row] = compliance_by(conn, clock.now(), ["rule_id"], rule_id="police-notified")
    assert (row["met"], row["breached"], row["on_time_rate"]) == (1, 0, 1.0)


def test_a_step_entered_late_before_the_clock_looks_leaves_nothing_to_record(
    backbone: Backbone, clock: ControlledClock, sop_clock: SopClock
) -> None:
    case = identify(backbone.service, clock)
    t0 = clock.now()
    clock.set(t0 + 90 * MINUTE)
    backbone.service.run(
        RecordNotification(
            authority="police",
            channel="email",
            recipient="p",
            reference="P-1",
        ),
        case["case_id"],
        expected_version=1,
        occurred_at=t0 + 30 * MINUTE,
        **NOTIFIER,
    )
    clock.set(t0 + 2 * HOUR)
    sop_clock.tick()
    assert deadline_marks(backbone.service, case, "police-notified") == []


def test_correcting_the_identification_earlier_brings_the_breach_forward(
    backbone: Backbone, clock: ControlledClock, sop_clock: SopClock
) -> None:
    case = identify(backbone.service, clock)
    t0 = clock.now()
    sop_clock.tick()
    step(
        backbone.service,
        clock,
        case,
        "correct_entry",
        10 * MINUTE,
        corrected_version=1,
        field_name="occurred_at",
        value=t0 - 2 * HOUR,
        reason="identified at dawn, entered on arrival",
    )
    sop_clock.tick()
    assert deadline_marks(backbone.service, case, "police-notified") == [
        (BREACH, "police-notified@1", t0 - HOUR, t0 - HOUR)
    ]


def test_correcting_the_identification_later_sets_the_early_breach_aside(
    backbone: Backbone, clock: ControlledClock, sop_clock: SopClock
) -> None:
    t0 = clock.now()
    # Typed as three hours ago; it was ten minutes ago.
    case = identify(backbone.service, clock, occurred_at=t0 - 3 * HOUR)
    sop_clock.tick()
    case = step(
        backbone.service,
        clock,
        latest(backbone.service, case),
        "correct_entry",
        MINUTE,
        corrected_version=1,
        field_name="occurred_at",
        value=t0 - 10 * MINUTE,
        reason="wrong hour typed",
    )
    police = obligation_rows(backbone, case)["police-notified@1"]
    assert (police["status"], police["breach_recorded"]) == ("open", False)

    for moment in (t0 + 40 * MINUTE, t0 + 50 * MINUTE, t0 + 2 * HOUR):
        clock.set(moment)
        sop_clock.tick()

    new_due = t0 + 50 * MINUTE
    assert deadline_marks(backbone.service, case, "police-notified") == [
        (BREACH, "police-notified@1", t0 - 2 * HOUR, t0 - 2 * HOUR),
        (WARNING, "police-notified@1", t0 + 35 * MINUTE, new_due),
        (BREACH, "police-notified@1", new_due, new_due),
    ]
    police = obligation_rows(backbone, case)["police-notified@1"]
    assert (police["status"], police["breach_recorded"]) == ("breached", True)


def test_correcting_a_late_step_to_its_real_time_turns_met_late_into_met(
    backbone: Backbone, clock: ControlledClock, sop_clock: SopClock
) -> None:
    case = identify(backbone.service, clock)
    t0 = clock.now()
    case = step(
        backbone.service,
        clock,
        case,
        "record_notification",
        2 * HOUR,
        authority="police",
        channel="phone",
        recipient="p",
        reference="P-1",
    )
    sop_clock.tick()
    assert obligation_rows(backbone, case)["police-notified@1"]["status"] == "met_late"
    step(
        backbone.service,
        clock,
        latest(backbone.service, case),
        "correct_entry",
        MINUTE,
        corrected_version=2,
        field_name="occurred_at",
        value=t0 + 40 * MINUTE,
        reason="called at 40 minutes, the entry was retyped",
    )
    sop_clock.tick()
    assert obligation_rows(backbone, case)["police-notified@1"]["status"] == "met"
    assert deadline_marks(backbone.service, case, "police-notified") == []


def test_only_a_minor_gets_the_child_protection_warning_and_breach(
    backbone: Backbone, clock: ControlledClock, sop_clock: SopClock
) -> None:
    minor = identify(backbone.service, clock, is_minor=True)
    adult = identify(backbone.service, clock, is_minor=False)
    t0 = clock.now()
    for hours in (18, 24):
        clock.set(t0 + hours * HOUR)
        sop_clock.tick()

    assert deadline_marks(backbone.service, minor, "cpu-notified") == [
        (WARNING, "cpu-notified@1", t0 + 18 * HOUR, t0 + DAY),
        (BREACH, "cpu-notified@1", t0 + DAY, t0 + DAY),
    ]
    assert deadline_marks(backbone.service, adult, "cpu-notified") == []
    assert "cpu-notified@1" not in obligation_rows(backbone, adult)
