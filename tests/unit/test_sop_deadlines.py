"""What the SOP clock must record, and when: pure decisions over obligations."""

from __future__ import annotations

from datetime import datetime

import pytest

from domain.errors import DuplicateDeadlineEvent
from domain.sop import DeadlineEventKind, due_actions, next_action_at
from tests.builders import (
    DAY,
    HOUR,
    MINUTE,
    NOW,
    T0,
    History,
    identified_case,
    identified_facts,
    stamp,
)


def mark(history: History, kind: str, at: datetime, due_at: datetime) -> None:
    history.add(
        kind,
        at,
        obligation_id="police-notified@1",
        rule_id="police-notified",
        ruleset_version="2026.1",
        due_at=due_at.isoformat(),
    )


def police_actions(history: History, now: datetime) -> list[tuple[str, datetime]]:
    return [
        (a.kind.name, a.occurred_at)
        for a in due_actions(history.obligations().values(), now)
        if a.obligation.rule_id == "police-notified"
    ]


def test_a_warning_falls_due_at_the_warning_point_and_says_it_happened_then() -> None:
    history = identified_facts()
    police = history.obligations()["police-notified@1"]
    assert next_action_at(police) == T0 + 45 * MINUTE

    assert police_actions(history, T0 + 44 * MINUTE) == []
    assert police_actions(history, T0 + 50 * MINUTE) == [("WARNING", T0 + 45 * MINUTE)]


def test_after_the_warning_the_breach_falls_due_at_the_deadline_and_then_nothing() -> (
    None
):
    history = identified_facts()
    mark(history, "DeadlineWarning", T0 + 45 * MINUTE, T0 + HOUR)
    police = history.obligations()["police-notified@1"]
    assert police.warning_event_version == 2
    assert next_action_at(police) == T0 + HOUR
    assert police_actions(history, T0 + 2 * HOUR) == [("BREACH", T0 + HOUR)]

    mark(history, "DeadlineBreached", T0 + HOUR, T0 + HOUR)
    police = history.obligations()["police-notified@1"]
    assert police.breach_event_version == 3
    assert next_action_at(police) is None
    assert police_actions(history, T0 + DAY) == []


def test_a_clock_that_comes_late_records_only_the_breach_dated_at_the_deadline() -> (
    None
):
    history = identified_facts()
    assert police_actions(history, T0 + 5 * HOUR) == [("BREACH", T0 + HOUR)]


def test_nothing_is_recorded_for_an_obligation_met_or_met_late() -> None:
    on_time = identified_facts()
    on_time.add("AuthorityNotified", T0 + 10 * MINUTE, authority="police")
    late = identified_facts()
    late.add("AuthorityNotified", T0 + 3 * HOUR, authority="police")
    for history in (on_time, late):
        assert next_action_at(history.obligations()["police-notified@1"]) is None
        assert police_actions(history, T0 + DAY) == []


def test_a_return_during_the_reflection_period_is_a_breach_dated_at_the_return() -> (
    None
):
    history = identified_facts()
    reflection = history.obligations()["reflection-period@1"]
    assert next_action_at(reflection) is None
    history.add("ReturnedToCountry", T0 + 10 * DAY, country="AL", assisted=True)

    [action] = [
        a
        for a in due_actions(history.obligations().values(), T0 + 10 * DAY + HOUR)
        if a.obligation.rule_id == "reflection-period"
    ]
    assert action.kind is DeadlineEventKind.BREACH
    assert action.occurred_at == T0 + 10 * DAY
    assert action.command == "breach_deadline"


def test_a_forbidden_event_a_few_minutes_ahead_is_breached_when_its_time_comes() -> (
    None
):
    history = identified_facts()
    history.add("ReturnedToCountry", T0 + DAY + 3 * MINUTE, country="AL", assisted=True)

    def reflection_actions(now: datetime) -> list[datetime]:
        return [
            a.occurred_at
            for a in due_actions(history.obligations().values(), now)
            if a.obligation.rule_id == "reflection-period"
        ]

    assert reflection_actions(T0 + DAY) == []
    assert reflection_actions(T0 + DAY + 3 * MINUTE) == [T0 + DAY + 3 * MINUTE]


def test_a_correction_moving_the_deadline_later_sets_aside_the_premature_breach() -> (
    None
):
    history = identified_facts()
    trigger = history.facts[0]
    mark(history, "DeadlineBreached", T0 + HOUR, T0 + HOUR)
    assert history.obligations()["police-notified@1"].status == "breached"

    history.correct(trigger, "occurred_at", T0 + 3 * HOUR, T0 + 2 * HOUR)
    police = history.obligations()["police-notified@1"]

    assert police.status == "open"
    assert police.breach_event_version is None
    assert police.due_at == T0 + 4 * HOUR
    assert next_action_at(police) == T0 + 3 * HOUR + 45 * MINUTE


def test_a_correction_moving_the_deadline_earlier_keeps_the_breach() -> None:
    history = identified_facts()
    trigger = history.facts[0]
    mark(history, "DeadlineBreached", T0 + HOUR, T0 + HOUR)
    history.correct(trigger, "occurred_at", T0 - HOUR, T0 + 2 * HOUR)
    police = history.obligations()["police-notified@1"]
    assert police.status == "breached"
    assert police.breach_event_version == 2
    assert next_action_at(police) is None


def test_the_case_refuses_a_second_breach_for_the_same_or_an_earlier_deadline() -> None:
    case = identified_case()
    args = {
        "obligation_id": "police-notified@1",
        "rule_id": "police-notified",
        "ruleset_version": "2026.1",
    }
    case.breach_deadline(stamp(role="system"), due_at=NOW, **args)
    with pytest.raises(DuplicateDeadlineEvent):
        case.breach_deadline(stamp(role="system"), due_at=NOW, **args)
    with pytest.raises(DuplicateDeadlineEvent):
        case.breach_deadline(stamp(role="system"), due_at=NOW - HOUR, **args)
    # A correction moved the deadline later: the new deadline is breached once.
    case.breach_deadline(stamp(role="system"), due_at=NOW + HOUR, **args)
    with pytest.raises(DuplicateDeadlineEvent):
        case.breach_deadline(stamp(role="system"), due_at=NOW + HOUR, **args)
    # A warning is a different event: one of those is still allowed.
    case.warn_deadline(stamp(role="system"), due_at=NOW, **args)
