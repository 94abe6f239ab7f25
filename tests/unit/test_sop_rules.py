"""The rule model: durations, conditions, triggers, rule sets and the rule book."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest

from domain.facts import CaseFact
from domain.sop import (
    Condition,
    DueWithin,
    Duration,
    DurationUnit,
    EventPattern,
    NoRuleSetInForce,
    Recurring,
    RuleBook,
    RuleSet,
    Trigger,
    WorkingCalendar,
)

TIRANE = ZoneInfo("Europe/Tirane")
CALENDAR = WorkingCalendar()


def fact(type_: str, **attributes: object) -> CaseFact:
    at = datetime(2026, 6, 1, 8, tzinfo=UTC)
    return CaseFact(uuid4(), 1, type_, at, at, attributes)


def rule(rule_id: str = "police-notified", hours: int = 1) -> DueWithin:
    return DueWithin(
        id=rule_id,
        trigger=Trigger("Identified"),
        within=Duration(hours, DurationUnit.HOURS),
        fulfilled_by=(EventPattern("AuthorityNotified"),),
    )


def ruleset(version: str, effective_from: datetime) -> RuleSet:
    return RuleSet(version, effective_from, (rule(),))


def test_hours_are_elapsed_time_and_days_are_local_calendar_days() -> None:
    # Clocks go forward in Tirane on 29 March 2026.
    start = datetime(2026, 3, 28, 10, tzinfo=TIRANE)

    # 24 elapsed hours end at 11:00 local: an hour was skipped overnight.
    assert Duration(24, DurationUnit.HOURS).after(start, CALENDAR) == datetime(
        2026, 3, 29, 11, tzinfo=TIRANE
    )
    assert Duration(1, DurationUnit.DAYS).after(start, CALENDAR) == datetime(
        2026, 3, 29, 10, tzinfo=TIRANE
    )


def test_working_days_follow_the_calendar() -> None:
    friday = datetime(2026, 6, 5, 10, tzinfo=TIRANE)

    due = Duration(1, DurationUnit.WORKING_DAYS).after(friday, CALENDAR)

    assert due == datetime(2026, 6, 8, 10, tzinfo=TIRANE)


def test_the_kth_repetition_is_counted_from_the_start_in_one_go() -> None:
    start = datetime(2026, 1, 31, 9, tzinfo=TIRANE)

    assert Duration(30, DurationUnit.DAYS).times(3, start, CALENDAR) == datetime(
        2026, 5, 1, 9, tzinfo=TIRANE
    )


@pytest.mark.parametrize("amount", [0, -3])
def test_a_duration_must_be_positive(amount: int) -> None:
    with pytest.raises(ValueError, match="positive"):
        Duration(amount, DurationUnit.DAYS)


def test_a_condition_with_several_values_means_one_of() -> None:
    condition = Condition("region", ("vlora", "berat"))

    assert condition.holds_for("berat")
    assert not condition.holds_for("durres")


def test_a_condition_on_a_list_attribute_holds_when_any_element_matches() -> None:
    condition = Condition("exploitation_types", ("sexual",))

    assert condition.holds_for(["labour", "sexual"])
    assert not condition.holds_for(["labour"])


def test_true_is_not_the_same_condition_value_as_one() -> None:
    assert not Condition("is_minor", (True,)).holds_for(1)
    assert Condition("is_minor", (True,)).holds_for(True)


def test_an_event_pattern_needs_the_type_and_every_condition() -> None:
    pattern = EventPattern("AuthorityNotified", (Condition("authority", ("police",)),))

    assert pattern.matches(fact("AuthorityNotified", authority="police"))
    assert not pattern.matches(
        fact("AuthorityNotified", authority="responsible_authority")
    )
    assert not pattern.matches(fact("AlertAcknowledged", authority="police"))
    assert not pattern.matches(fact("AuthorityNotified"))


def test_a_trigger_looks_up_case_attributes_the_event_does_not_carry() -> None:
    trigger = Trigger("Referred", (Condition("is_minor", (True,)),))
    referred = fact("Referred", referral_id="r1", service="legal_assistance")

    assert trigger.matches(referred, {"is_minor": True})
    assert not trigger.matches(referred, {"is_minor": False})
    assert not trigger.matches(referred, {})


def test_the_trigger_events_own_attribute_wins_over_the_cases() -> None:
    trigger = Trigger("Transferred", (Condition("region", ("berat",)),))

    assert not trigger.matches(fact("Transferred", region="lezhe"), {"region": "berat"})


def test_a_recurring_rule_needs_a_count_of_at_least_one() -> None:
    with pytest.raises(ValueError, match="count"):
        Recurring(
            id="follow-up",
            trigger=Trigger("Closed"),
            every=Duration(30, DurationUnit.DAYS),
            count=0,
            fulfilled_by=(EventPattern("FollowUpCompleted"),),
        )


def test_a_rule_set_refuses_duplicate_rule_ids() -> None:
    with pytest.raises(ValueError, match="duplicate rule id 'police-notified'"):
        RuleSet("1", datetime(2026, 1, 1, tzinfo=UTC), (rule(), rule(hours=2)))


def test_a_rule_set_needs_an_aware_effective_from() -> None:
    with pytest.raises(ValueError, match="UTC offset"):
        RuleSet("1", datetime(2026, 1, 1), (rule(),))


def test_the_rule_book_gives_the_latest_rule_set_in_force_at_a_moment() -> None:
    old = ruleset("2018.1", datetime(2018, 8, 29, tzinfo=TIRANE))
    new = ruleset("2026.2", datetime(2026, 7, 1, tzinfo=TIRANE))
    book = RuleBook((new, old))

    assert book.in_force_at(datetime(2024, 5, 1, tzinfo=UTC)) is old
    assert book.in_force_at(datetime(2026, 7, 1, tzinfo=TIRANE)) is new
    assert book.in_force_at(datetime(2030, 1, 1, tzinfo=UTC)) is new
    assert book.latest is new
    assert book.version("2018.1") is old


def test_no_rule_set_is_in_force_before_the_earliest() -> None:
    book = RuleBook((ruleset("2018.1", datetime(2018, 8, 29, tzinfo=TIRANE)),))

    with pytest.raises(NoRuleSetInForce, match="earliest"):
        book.in_force_at(datetime(2017, 1, 1, tzinfo=UTC))
    assert book.find_in_force_at(datetime(2017, 1, 1, tzinfo=UTC)) is None


def test_the_rule_book_refuses_two_rule_sets_with_one_version_or_one_start() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    with pytest.raises(ValueError, match="duplicate rule set version"):
        RuleBook((ruleset("1", start), ruleset("1", start + timedelta(days=1))))
    with pytest.raises(ValueError, match="same moment"):
        RuleBook((ruleset("1", start), ruleset("2", start)))
