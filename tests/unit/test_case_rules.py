"""The rules of a case, as a caseworker meets them."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from uuid import uuid4

import pytest

from domain.case import Case
from domain.errors import (
    CaseClosed,
    ConsentRequired,
    CorrectionError,
    DomainError,
    DuplicateDeadlineEvent,
    InvalidTime,
    NotPermitted,
    ReferralError,
    UnknownCode,
)
from domain.events import EntryCorrected, Identified
from domain.facts import fact_of
from domain.stamp import Stamp
from tests.builders import NOW, identified_case, stamp


def test_identification_opens_a_case_with_its_region_and_minor_flag() -> None:
    case = identified_case(is_minor=True)
    assert case.version == 1
    assert (case.region, case.is_minor, case.closed) == ("vlora", True, False)
    event = case.collect_events()[0]
    assert isinstance(event, Identified)
    assert event.actor_id == "w-1"
    assert event.correlation_id == "corr-1"
    assert event.timestamp == NOW + timedelta(hours=1)


def test_unknown_region_is_rejected_and_names_the_known_ones() -> None:
    with pytest.raises(UnknownCode, match=r"unknown region 'tirana'.*vlora"):
        Case.identify(
            stamp(),
            case_id=uuid4(),
            subject_ref="PV-1",
            region="tirana",
            mobile_unit="u",
            worker_id="w",
            municipality="m",
            is_minor=False,
            case_type="trafficking",
            protection_requested=False,
            indicators=[],
            exploitation_types=[],
            source="outreach",
            sex="female",
            age=30,
            birth_year=None,
            nationality="AL",
        )


def test_a_step_in_the_future_is_rejected() -> None:
    with pytest.raises(InvalidTime, match="future"):
        Stamp("w", "mobile_unit", NOW + timedelta(hours=2), NOW, "c")


def test_a_time_without_zone_is_rejected() -> None:
    with pytest.raises(InvalidTime, match="time zone"):
        Stamp("w", "mobile_unit", datetime(2026, 1, 1), NOW, "c")


def test_a_step_before_the_identification_is_rejected_and_nothing_recorded() -> None:
    case = identified_case()
    with pytest.raises(InvalidTime, match="before the identification"):
        case.record_notification(
            stamp(-timedelta(days=1)),
            authority="police",
            channel="email",
            recipient="p",
            reference="r",
        )
    assert case.version == 1


def test_referral_without_consent_needs_a_reason() -> None:
    case = identified_case()
    with pytest.raises(ConsentRequired, match="not consented"):
        case.refer(stamp(), referral_id="R1", service="legal_assistance", agency="A")
    case.refer(
        stamp(),
        referral_id="R1",
        service="legal_assistance",
        agency="A",
        consent_override_reason="imminent danger",
    )
    assert case.referrals["R1"].status == "pending"


def test_referral_after_consent_needs_no_reason() -> None:
    case = identified_case()
    case.record_consent(stamp(), scope="services", given_by="subject")
    case.refer(stamp(), referral_id="R1", service="shelter_accommodation", agency="S")
    assert "R1" in case.referrals


def test_a_minors_consent_comes_from_a_guardian() -> None:
    case = identified_case(is_minor=True)
    with pytest.raises(ConsentRequired, match="guardian"):
        case.record_consent(stamp(), scope="services", given_by="subject")


def test_unknown_service_code_is_rejected() -> None:
    case = identified_case()
    case.record_consent(stamp(), scope="services", given_by="subject")
    with pytest.raises(UnknownCode, match="unknown service 'spa'"):
        case.refer(stamp(), referral_id="R1", service="spa", agency="S")


def test_a_referral_is_answered_once() -> None:
    case = identified_case()
    case.record_consent(stamp(), scope="services", given_by="subject")
    case.refer(stamp(), referral_id="R1", service="shelter_accommodation", agency="S")
    case.accept_referral(stamp(), referral_id="R1")
    with pytest.raises(ReferralError, match="already accepted"):
        case.decline_referral(stamp(), referral_id="R1", reason="full")
    accepted = case.collect_events()[-1]
    assert fact_of(accepted).attributes["service"] == "shelter_accommodation"


def test_no_service_step_on_a_closed_case_until_reopened() -> None:
    case = identified_case()
    case.close(stamp(), reason="not_victim")
    with pytest.raises(CaseClosed, match="reopen"):
        case.start_service(stamp(), service="legal_assistance")
    with pytest.raises(CaseClosed):
        case.complete_follow_up(stamp(), method="visit", outcome="ok")
    case.reopen(stamp(), reason="new information")
    case.start_service(stamp(), service="legal_assistance")
    assert case.services == {"legal_assistance": "started"}


def test_follow_ups_continue_after_closing_as_reintegrated() -> None:
    case = identified_case()
    case.close(stamp(), reason="reintegrated")
    case.complete_follow_up(stamp(), method="visit", outcome="employed")
    assert case.version == 3


def test_unknown_authority_is_rejected() -> None:
    case = identified_case()
    with pytest.raises(UnknownCode, match="authority"):
        case.record_notification(
            stamp(), authority="army", channel="email", recipient="x", reference="r"
        )


def test_only_the_responsible_authority_determines_status() -> None:
    case = identified_case()
    with pytest.raises(NotPermitted):
        case.determine_status(stamp(), status="victim")
    case.determine_status(stamp(role="responsible_authority"), status="victim")
    assert case.status == "victim"


def test_an_alert_is_acknowledged_only_after_it_was_sent() -> None:
    case = identified_case()
    with pytest.raises(DomainError, match="not been notified"):
        case.acknowledge_alert(stamp(role="police"), authority="police", reference="r")
    case.record_notification(
        stamp(), authority="police", channel="email", recipient="p", reference="r"
    )
    case.acknowledge_alert(stamp(role="police"), authority="police", reference="r")


def test_a_breach_is_recorded_once_per_obligation() -> None:
    case = identified_case()
    args = {
        "obligation_id": "police-notified@1",
        "rule_id": "police-notified",
        "ruleset_version": "2026.1",
        "due_at": NOW,
    }
    case.breach_deadline(stamp(role="system"), **args)  # type: ignore[arg-type]
    with pytest.raises(DuplicateDeadlineEvent):
        case.breach_deadline(stamp(role="system"), **args)  # type: ignore[arg-type]


def test_a_correction_is_a_new_event_and_the_original_stays() -> None:
    case = identified_case()
    new_time = NOW - timedelta(hours=8)
    case.correct_entry(
        stamp(),
        corrected_version=1,
        field_name="occurred_at",
        value=new_time,
        reason="entered with the wrong time",
    )
    events = case.collect_events()
    original, correction = events[0], events[1]
    assert isinstance(correction, EntryCorrected)
    assert original.occurred_at == NOW - timedelta(hours=5)
    assert json.loads(correction.value) == new_time.isoformat()
    assert case.identified_at == new_time


def test_a_correction_must_keep_the_fields_type_and_name_a_real_field() -> None:
    # Born in 2008, the person was 17 or 18: the minor flag is the worker's.
    case = identified_case(age=None, birth_year=2008)
    with pytest.raises(CorrectionError, match="takes a bool"):
        case.correct_entry(
            stamp(),
            corrected_version=1,
            field_name="is_minor",
            value="yes",
            reason="r",
        )
    with pytest.raises(CorrectionError, match="no correctable field 'subject_ref'"):
        case.correct_entry(
            stamp(),
            corrected_version=1,
            field_name="subject_ref",
            value="x",
            reason="r",
        )
    case.correct_entry(
        stamp(), corrected_version=1, field_name="is_minor", value=True, reason="r"
    )
    assert case.is_minor is True
