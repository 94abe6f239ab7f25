"""The legal clinic's SOP rules (deploy/sop/rules-2026.2.toml): a first
consultation after the intake, someone to go to a hearing, a protection order
about to end. Times are those of a case recorded once the rules are in force."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.sop import RuleFileError
from domain.sop.loader import parse_ruleset
from domain.sop.status import ObligationStatus
from tests.builders import DAY, HOUR, History, identified_facts

# Monday 11 January 2027, 09:00 in Tirane: the clinic's rules are in force.
T0 = datetime(2027, 1, 11, 8, 0, tzinfo=UTC)


def clinic_case() -> History:
    history = identified_facts(T0, mobile_unit="legal_clinic", source="referral")
    history.add("ClinicIntakeRecorded", T0, referral_source="prosecutor")
    return history


def hearing(history: History, **overrides: object) -> None:
    fields: dict[str, object] = {
        "hearing_id": "H-1",
        "court": "first_instance_vlore",
        "court_name": "",
        # Monday 25 January 2027, 09:30 in Tirane.
        "hearing_at": "2027-01-25T09:30",
        "lawyer_id": "",
        "psychologist_id": "",
        **overrides,
    }
    history.add("HearingScheduled", T0 + HOUR, **fields)


def test_a_first_consultation_is_due_five_working_days_after_the_intake() -> None:
    history = clinic_case()
    first = history.obligations()["clinic-first-consultation@2"]
    # Monday + 5 working days: the next Monday, same time.
    assert first.due_at == T0 + 7 * DAY
    assert first.ruleset_version == "2026.2"

    history.add("LegalConsultationHeld", T0 + 2 * DAY, mode="in_person")
    met = history.obligations()["clinic-first-consultation@2"]
    assert met.status is ObligationStatus.MET


def test_a_hearing_with_nobody_to_go_is_due_someone_two_days_before_it() -> None:
    history = clinic_case()
    hearing(history)
    due = history.obligations()["hearing-accompaniment@3"]
    assert due.due_at == datetime(2027, 1, 23, 8, 30, tzinfo=UTC)
    # Warned before that: the clock tells the coordinator and the lawyer.
    assert due.warn_at is not None
    assert due.warn_at < due.due_at
    assert due.notify_on_breach == ("coordinator", "lawyer")

    history.add(
        "HearingCompanionsAssigned",
        T0 + DAY,
        hearing_id="H-1",
        lawyer_id="lawyer-vlora-1",
        psychologist_id="",
    )
    assert history.obligations()["hearing-accompaniment@3"].status is (
        ObligationStatus.MET
    )


def test_a_hearing_scheduled_with_a_companion_asks_for_nobody() -> None:
    history = clinic_case()
    hearing(history, psychologist_id="psy-vlora-1")
    assert "hearing-accompaniment@3" not in history.obligations()


def test_a_companion_for_another_hearing_does_not_count() -> None:
    history = clinic_case()
    hearing(history)
    history.add(
        "HearingCompanionsAssigned",
        T0 + DAY,
        hearing_id="H-2",
        lawyer_id="lawyer-vlora-1",
        psychologist_id="",
    )
    now = datetime(2027, 1, 24, tzinfo=UTC)
    assert history.obligations(now)["hearing-accompaniment@3"].status is (
        ObligationStatus.BREACHED
    )


def test_a_protection_order_warns_the_lawyer_before_it_ends() -> None:
    history = clinic_case()
    history.add(
        "ProtectionOrderIssued", T0, court="x", reference="", expires_on="2027-03-31"
    )
    ending = history.obligations()["protection-order-expiry@3"]
    # Seven days before the order ends (1 April, 00:00 in Tirane): 25 March,
    # 00:00 local, still in winter time (UTC+1).
    assert ending.due_at == datetime(2027, 3, 24, 23, 0, tzinfo=UTC)
    assert ending.notify_on_breach == ("lawyer",)


def test_an_order_without_an_end_gives_no_obligation() -> None:
    history = clinic_case()
    history.add("ProtectionOrderIssued", T0, court="x", reference="", expires_on="")
    assert not any(
        o.startswith("protection-order-expiry") for o in history.obligations()
    )


def test_a_moment_recorded_too_late_is_due_at_once() -> None:
    history = clinic_case()
    hearing(history, hearing_at="2027-01-12T09:00")
    due = history.obligations()["hearing-accompaniment@3"]
    assert due.due_at == T0 + HOUR


def test_a_rule_due_before_a_moment_names_an_attribute_of_its_trigger() -> None:
    rule = {
        "id": "x",
        "title": {"sq": "X", "en": "X"},
        "kind": "due_within",
        "trigger": {"event": "HearingScheduled"},
        "before": "hearing_time",
        "within": {"amount": 2, "unit": "days"},
        "fulfilled_by": [{"event": "HearingHeld"}],
    }
    data = {"version": "t", "effective_from": T0, "rules": [rule]}
    with pytest.raises(RuleFileError, match="hearing_time"):
        parse_ruleset(data)
    with pytest.raises(RuleFileError, match="hours or days"):
        parse_ruleset(
            {
                **data,
                "rules": [
                    {
                        **rule,
                        "before": "hearing_at",
                        "within": {"amount": 2, "unit": "working_days"},
                    }
                ],
            }
        )


def test_the_rules_of_2026_1_still_judge_the_cases_before_the_clinics() -> None:
    earlier = identified_facts(T0 - timedelta(days=400))
    assert earlier.obligations()["police-notified@1"].ruleset_version == "2026.1"
