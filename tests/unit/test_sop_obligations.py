"""Obligations from a case's facts: due-within rules, corrections, pinning, time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.facts import CaseFact
from domain.sop import (
    DueWithin,
    Duration,
    DurationUnit,
    EventPattern,
    InvalidCorrection,
    InvalidFacts,
    Obligation,
    ObligationStatus,
    RuleBook,
    RuleKind,
    RuleSet,
    Trigger,
    obligations_of,
)
from tests.builders import (
    CALENDAR,
    DAY,
    HOUR,
    MINUTE,
    RULEBOOK,
    T0,
    identified_facts,
)

TIRANE = ZoneInfo("Europe/Tirane")


def test_an_adult_identification_creates_the_four_identification_obligations() -> None:
    obligations = identified_facts().obligations()

    assert set(obligations) == {
        "police-notified@1",
        "ra-notified@1",
        "status-determined@1",
        "reflection-period@1",
    }
    police = obligations["police-notified@1"]
    assert police.kind is RuleKind.DUE_WITHIN
    assert police.ruleset_version == "2026.1"
    assert (police.trigger_type, police.trigger_version) == ("Identified", 1)
    assert police.triggered_at == T0
    assert police.due_at == T0 + HOUR
    assert police.warn_at == T0 + 45 * MINUTE
    assert police.notify_on_breach == ("coordinator", "unit_supervisor")
    assert police.status is ObligationStatus.OPEN


def test_minor_identification_creates_child_protection_obligation() -> None:
    cpu = identified_facts(is_minor=True).obligations()["cpu-notified@1"]

    assert cpu.due_at == T0 + 24 * HOUR
    assert cpu.notify_on_breach == ("coordinator",)


def test_adult_identification_creates_no_child_protection_obligation() -> None:
    assert "cpu-notified@1" not in identified_facts(is_minor=False).obligations()


def test_police_notified_within_the_hour_is_met() -> None:
    history = identified_facts()
    history.add("AuthorityNotified", T0 + 20 * MINUTE, authority="police")

    police = history.obligations()["police-notified@1"]

    assert police.status is ObligationStatus.MET
    assert police.met_at == T0 + 20 * MINUTE
    assert police.met_by_version == 2
    assert police.breached_at is None


def test_notifying_another_authority_does_not_meet_the_police_obligation() -> None:
    history = identified_facts()
    history.add("AuthorityNotified", T0 + HOUR / 2, authority="responsible_authority")

    obligations = history.obligations(now=T0 + HOUR / 2)

    assert obligations["ra-notified@1"].status is ObligationStatus.MET
    assert obligations["police-notified@1"].status is ObligationStatus.OPEN


def test_police_notified_after_the_hour_is_met_late() -> None:
    history = identified_facts()
    history.add("AuthorityNotified", T0 + 2 * HOUR, authority="police")

    police = history.obligations()["police-notified@1"]

    assert police.status is ObligationStatus.MET_LATE
    assert police.met_at == T0 + 2 * HOUR
    assert police.breached_at == police.due_at


def test_a_late_entered_event_that_occurred_in_time_is_met_on_time() -> None:
    history = identified_facts()
    history.add(
        "AuthorityNotified",
        T0 + HOUR / 2,
        recorded_at=T0 + 3 * DAY,
        authority="police",
    )

    police = history.obligations(now=T0 + 3 * DAY)["police-notified@1"]

    assert police.status is ObligationStatus.MET


@given(
    minutes=st.integers(min_value=0, max_value=180),
    delay=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=400)),
)
def test_how_late_an_event_is_entered_never_changes_whether_it_was_on_time(
    minutes: int, delay: timedelta
) -> None:
    occurred = T0 + timedelta(minutes=minutes)
    history = identified_facts()
    history.add(
        "AuthorityNotified", occurred, recorded_at=occurred + delay, authority="police"
    )

    police = history.obligations(now=occurred + delay)["police-notified@1"]

    expected = ObligationStatus.MET if minutes <= 60 else ObligationStatus.MET_LATE
    assert police.status is expected


def test_correcting_occurred_at_to_after_the_deadline_turns_met_into_met_late() -> None:
    history = identified_facts()
    notified = history.add("AuthorityNotified", T0 + HOUR / 2, authority="police")
    assert history.obligations()["police-notified@1"].status is ObligationStatus.MET

    history.correct(notified, "occurred_at", T0 + 3 * HOUR, at=T0 + DAY)

    police = history.obligations()["police-notified@1"]
    assert police.status is ObligationStatus.MET_LATE
    assert police.met_at == T0 + 3 * HOUR


def test_a_later_correction_of_the_same_field_wins() -> None:
    history = identified_facts()
    notified = history.add("AuthorityNotified", T0 + HOUR / 2, authority="police")
    history.correct(notified, "occurred_at", T0 + 3 * HOUR, at=T0 + DAY)
    history.correct(notified, "occurred_at", T0 + HOUR / 4, at=T0 + 2 * DAY)

    police = history.obligations()["police-notified@1"]

    assert (police.status, police.met_at) == (ObligationStatus.MET, T0 + HOUR / 4)


def test_correcting_a_subject_to_a_minor_adds_the_child_protection_obligation() -> None:
    history = identified_facts(is_minor=False)
    history.correct(history.facts[0], "is_minor", True, at=T0 + 2 * HOUR)

    assert "cpu-notified@1" in history.obligations()


def test_correcting_the_trigger_time_moves_the_deadline() -> None:
    history = identified_facts()
    history.correct(history.facts[0], "occurred_at", T0 - DAY, at=T0 + HOUR)

    police = history.obligations()["police-notified@1"]

    assert (police.triggered_at, police.due_at) == (T0 - DAY, T0 - DAY + HOUR)


def test_an_unmet_obligation_goes_open_warning_breached_as_time_passes() -> None:
    history = identified_facts()

    def police_at(now: datetime) -> Obligation:
        return history.obligations(now=now)["police-notified@1"]

    assert police_at(T0 + 44 * MINUTE).status is ObligationStatus.OPEN
    assert police_at(T0 + 45 * MINUTE).status is ObligationStatus.WARNING
    breached = police_at(T0 + HOUR)
    assert breached.status is ObligationStatus.BREACHED
    assert breached.breached_at == T0 + HOUR


def test_without_now_only_the_clocks_facts_say_time_ran_out() -> None:
    history = identified_facts()
    assert history.obligations()["police-notified@1"].status is ObligationStatus.OPEN

    history.record("DeadlineWarning", T0 + 46 * MINUTE, deadline("police-notified@1"))
    assert history.obligations()["police-notified@1"].status is ObligationStatus.WARNING

    history.record("DeadlineBreached", T0 + 61 * MINUTE, deadline("police-notified@1"))
    police = history.obligations()["police-notified@1"]
    assert police.status is ObligationStatus.BREACHED
    assert police.breached_at == T0 + 61 * MINUTE
    assert police.breached_by_version == 3


def test_a_fulfilment_after_a_recorded_breach_is_met_late_at_that_breach() -> None:
    history = identified_facts()
    history.record("DeadlineBreached", T0 + 61 * MINUTE, deadline("police-notified@1"))
    history.add("AuthorityNotified", T0 + 90 * MINUTE, authority="police")

    police = history.obligations()["police-notified@1"]

    assert police.status is ObligationStatus.MET_LATE
    assert police.breached_at == T0 + 61 * MINUTE


def deadline(obligation_id: str) -> dict[str, object]:
    return {
        "obligation_id": obligation_id,
        "rule_id": obligation_id.split("@", maxsplit=1)[0],
        "ruleset_version": "2026.1",
        "due_at": (T0 + HOUR).isoformat(),
    }


def test_only_the_answer_to_that_referral_meets_referral_answered() -> None:
    history = identified_facts()
    history.add(
        "Referred",
        T0 + DAY,
        referral_id="r-1",
        service="legal_assistance",
        agency="clinic",
        consent_override_reason="",
    )
    history.add(
        "Referred",
        T0 + DAY,
        referral_id="r-2",
        service="medical_assistance",
        agency="hospital",
        consent_override_reason="",
    )
    history.add(
        "ReferralDeclined",
        T0 + 2 * DAY,
        referral_id="r-2",
        service="medical_assistance",
        reason="full",
    )

    obligations = history.obligations(now=T0 + 5 * DAY)

    assert obligations["referral-answered@2"].status is ObligationStatus.BREACHED
    assert obligations["referral-answered@2"].due_at == T0 + 4 * DAY
    assert obligations["referral-answered@3"].status is ObligationStatus.MET
    assert obligations["referral-answered@3"].met_by_version == 4


def test_status_is_due_five_working_days_later_skipping_holidays() -> None:
    # Friday 27 November 2026, 10:00. Off: 28-29 (weekend, Independence and
    # Liberation Day), 30 Nov and 1 Dec (made up), 5-6 (weekend), 8 Dec (Youth Day).
    friday = datetime(2026, 11, 27, 10, tzinfo=TIRANE)

    status = identified_facts(at=friday).obligations()["status-determined@1"]

    assert status.due_at == datetime(2026, 12, 9, 10, tzinfo=TIRANE)


def test_needs_assessment_is_due_only_after_a_shelter_referral_is_accepted() -> None:
    history = identified_facts()
    history.add(
        "ReferralAccepted", T0 + DAY, referral_id="r-1", service="legal_assistance"
    )
    history.add(
        "ReferralAccepted", T0 + DAY, referral_id="r-2", service="shelter_accommodation"
    )
    history.add("NeedsAssessed", T0 + 4 * DAY, needs=["medical", "legal"])

    obligations = history.obligations()

    assert "needs-assessed@2" not in obligations
    needs = obligations["needs-assessed@3"]
    assert (needs.due_at, needs.status) == (T0 + 8 * DAY, ObligationStatus.MET)
    assert obligations["plan-agreed@4"].due_at == T0 + 34 * DAY


def test_a_fact_that_happened_before_the_trigger_does_not_meet_it() -> None:
    history = identified_facts()
    history.add("NeedsAssessed", T0 + DAY, needs=["medical"])
    history.add(
        "ReferralAccepted",
        T0 + 2 * DAY,
        referral_id="r-1",
        service="shelter_accommodation",
    )

    needs = history.obligations(now=T0 + 3 * DAY)["needs-assessed@3"]

    assert needs.status is ObligationStatus.OPEN


def test_closing_the_case_before_the_needs_assessment_cancels_it() -> None:
    history = identified_facts()
    history.add(
        "ReferralAccepted", T0 + DAY, referral_id="r-1", service="shelter_accommodation"
    )
    history.add("Closed", T0 + 3 * DAY, reason="lost_contact")

    needs = history.obligations(now=T0 + 30 * DAY)["needs-assessed@2"]

    assert needs.status is ObligationStatus.CANCELLED
    assert (needs.cancelled_at, needs.cancelled_by_version) == (T0 + 3 * DAY, 3)


def test_closing_the_case_after_the_deadline_leaves_the_breach() -> None:
    history = identified_facts()
    history.add(
        "ReferralAccepted", T0 + DAY, referral_id="r-1", service="shelter_accommodation"
    )
    history.add("Closed", T0 + 10 * DAY, reason="lost_contact")

    needs = history.obligations(now=T0 + 30 * DAY)["needs-assessed@2"]

    assert needs.status is ObligationStatus.BREACHED


def test_a_dv_case_requesting_protection_needs_an_order_within_48_hours() -> None:
    history = identified_facts(case_type="domestic_violence", protection_requested=True)
    history.add("ProtectionOrderIssued", T0 + 40 * HOUR, court="Vlore")

    order = history.obligations()["dv-protection-order@1"]

    assert order.due_at == T0 + 48 * HOUR
    assert order.status is ObligationStatus.MET
    assert order.notify_on_breach == ("lawyer", "coordinator")


def test_a_domestic_violence_case_without_a_protection_request_needs_no_order() -> None:
    history = identified_facts(
        case_type="domestic_violence", protection_requested=False
    )

    assert "dv-protection-order@1" not in history.obligations()


def police_rule(hours: int) -> DueWithin:
    return DueWithin(
        id="police-notified",
        trigger=Trigger("Identified"),
        within=Duration(hours, DurationUnit.HOURS),
        fulfilled_by=(EventPattern("AuthorityNotified"),),
    )


def test_obligations_follow_the_rule_set_in_force_when_the_trigger_was_recorded() -> (
    None
):
    switch = datetime(2026, 7, 1, tzinfo=TIRANE)
    book = RuleBook(
        (
            RuleSet("2018.1", datetime(2018, 8, 29, tzinfo=TIRANE), (police_rule(1),)),
            RuleSet("2026.2", switch, (police_rule(2),)),
        )
    )
    before = identified_facts(at=switch - 10 * DAY)
    # Happened before the switch, entered after it: the new rules apply.
    after = identified_facts(at=switch - 5 * DAY, recorded_at=switch + DAY)

    old = before.obligations(rulebook=book)["police-notified@1"]
    new = after.obligations(rulebook=book)["police-notified@1"]

    assert (old.ruleset_version, old.due_at) == ("2018.1", switch - 10 * DAY + HOUR)
    assert (new.ruleset_version, new.due_at) == ("2026.2", switch - 5 * DAY + 2 * HOUR)


def test_facts_recorded_before_the_first_rule_set_create_no_obligations() -> None:
    history = identified_facts(at=datetime(2017, 5, 1, tzinfo=UTC))

    assert history.obligations() == {}


def test_the_same_fact_delivered_twice_counts_once() -> None:
    history = identified_facts()
    history.add("AuthorityNotified", T0 + HOUR / 2, authority="police")

    obligations = obligations_of([*history.facts, *history.facts], RULEBOOK, CALENDAR)

    assert len(obligations) == 4


def test_two_different_facts_with_one_version_are_refused() -> None:
    history = identified_facts()
    clash = CaseFact(history.case_id, 1, "Closed", T0, T0, {"reason": "other"})

    with pytest.raises(InvalidFacts, match="version 1"):
        obligations_of([*history.facts, clash], RULEBOOK, CALENDAR)


def test_facts_of_two_cases_are_refused() -> None:
    facts = [*identified_facts().facts, *identified_facts().facts]

    with pytest.raises(InvalidFacts, match="several cases"):
        obligations_of(facts, RULEBOOK, CALENDAR)


@pytest.mark.parametrize(
    ("attributes", "problem"),
    [
        (
            {"corrected_version": 9, "field": "region", "value": '"berat"'},
            "no earlier fact",
        ),
        (
            {"corrected_version": 1, "field": "region", "value": "berat"},
            "not valid JSON",
        ),
        (
            {"corrected_version": 1, "field": "recorded_at", "value": '"x"'},
            "cannot be corrected",
        ),
        (
            {
                "corrected_version": 1,
                "field": "occurred_at",
                "value": "2026-06-01T10:00",
            },
            "UTC offset",
        ),
    ],
)
def test_a_correction_that_cannot_apply_is_refused(
    attributes: dict[str, object], problem: str
) -> None:
    history = identified_facts()
    history.record("EntryCorrected", T0 + HOUR, {"reason": "typo", **attributes})

    with pytest.raises(InvalidCorrection, match=problem):
        history.obligations()


def test_now_must_be_timezone_aware() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        identified_facts().obligations(now=datetime(2026, 6, 2))
