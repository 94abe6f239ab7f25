"""The legal clinic's steps on a case: who records them, what they accept, and
what a case opened at the clinic records."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import uuid4

import pytest

from domain import clinic_events as cev
from domain import events as ev
from domain.case import Case
from domain.clinic_commands import HoldHearing, OpenClinicCase, ScheduleHearing
from domain.clinic_offering import next_hearing_id, pending_hearings
from domain.errors import DomainError, NotPermitted
from domain.offering import Situation
from domain.typed_text import typed_fields
from tests.builders import identified_case, stamp

LAWYER = {"role": "lawyer", "actor": "law-1"}
PSYCHOLOGIST = {"role": "psychologist", "actor": "psy-1"}


def clinic_case(**overrides: Any) -> Case:
    command = OpenClinicCase(
        **{
            "subject_ref": "LC-0001",
            "region": "vlora",
            "municipality": "vlore",
            "case_type": "domestic_violence",
            "referral_source": "prosecutor",
            "is_minor": False,
            "sex": "female",
            "age": 34,
            "nationality": "AL",
            **overrides,
        }
    )
    return command.open(stamp(-timedelta(days=2), **LAWYER), uuid4())


def schedule(case: Case, **overrides: Any) -> None:
    fields: dict[str, Any] = {
        "hearing_id": "H-1",
        "court": "first_instance_vlore",
        "court_name": "",
        "hearing_at": "2026-11-20T09:30",
        "lawyer_id": "",
        "psychologist_id": "",
        **overrides,
    }
    case.schedule_hearing(stamp(**LAWYER), **fields)


def test_a_clinic_case_is_an_identification_by_the_clinic_and_its_referral() -> None:
    case = clinic_case(case_type="gender_based_violence", referral_source="court")
    identified, intake = case.collect_events()

    assert isinstance(identified, ev.Identified)
    assert isinstance(intake, cev.ClinicIntakeRecorded)
    assert (identified.case_type, identified.source) == (
        "gender_based_violence",
        "referral",
    )
    assert identified.mobile_unit == "legal_clinic"
    assert identified.worker_id == "law-1"
    assert intake.referral_source == "court"
    # The clinic is a unit of our own: no typed text to keep apart.
    assert typed_fields("Identified", "lawyer", identified.__dict__) == []


@pytest.mark.parametrize(
    "case_type", ["trafficking", "domestic_violence", "gender_based_violence"]
)
def test_the_clinic_opens_a_case_of_every_type(case_type: str) -> None:
    assert clinic_case(case_type=case_type).case_type == case_type


def test_a_referral_source_outside_its_list_is_refused() -> None:
    with pytest.raises(DomainError) as refused:
        clinic_case(referral_source="neighbour")
    assert refused.value.field == "referral_source"


def test_only_the_clinic_opens_a_case_at_the_clinic() -> None:
    with pytest.raises(NotPermitted):
        OpenClinicCase(
            subject_ref="LC-2",
            region="vlora",
            municipality="vlore",
            case_type="trafficking",
            referral_source="self",
            is_minor=False,
            sex="female",
            age=30,
            nationality="",
        ).open(stamp(role="mobile_unit"), uuid4())


def test_lawyers_record_the_legal_steps_and_psychologists_the_sessions() -> None:
    case = clinic_case()
    case.file_complaint(stamp(**LAWYER), filed_with="prosecutor")
    case.hold_counselling_session(stamp(**PSYCHOLOGIST), mode="in_person", minutes=50)

    with pytest.raises(NotPermitted):
        case.file_complaint(stamp(**PSYCHOLOGIST), filed_with="police")
    with pytest.raises(NotPermitted):
        case.hold_counselling_session(stamp(**LAWYER), mode="phone", minutes=30)
    with pytest.raises(NotPermitted):
        case.open_proceedings(
            stamp(role="mobile_unit"), prosecutor_reference="123/2026"
        )


def test_a_hearing_needs_a_court_and_a_real_time() -> None:
    case = clinic_case()
    with pytest.raises(DomainError) as no_court:
        schedule(case, court="", court_name=" ")
    with pytest.raises(DomainError) as no_time:
        schedule(case, hearing_at="2026-02-30T09:30")
    with pytest.raises(DomainError) as bad_shape:
        schedule(case, hearing_at="20.11.2026 09:30")

    assert (no_court.value.field, no_time.value.field) == ("court", "hearing_at")
    assert bad_shape.value.field == "hearing_at"


def test_a_court_not_in_the_list_is_typed_text_kept_apart() -> None:
    case = clinic_case()
    schedule(case, court="", court_name="Gjykata e Rrethit Gjyqësor Sarandë")
    scheduled = case.collect_events()[-1]

    assert typed_fields("HearingScheduled", "lawyer", scheduled.__dict__) == [
        "court_name"
    ]


def test_a_hearing_is_held_once_and_only_a_scheduled_one() -> None:
    case = clinic_case()
    schedule(case)
    situation = Situation(case, "lawyer")
    assert [o.value for o in pending_hearings(situation)] == ["H-1"]
    assert next_hearing_id(situation) == "H-2"

    case.hold_hearing(
        stamp(**LAWYER), hearing_id="H-1", lawyer_id="law-1", psychologist_id=""
    )

    assert pending_hearings(Situation(case, "lawyer")) == []
    with pytest.raises(DomainError):
        case.hold_hearing(
            stamp(**LAWYER), hearing_id="H-1", lawyer_id="", psychologist_id=""
        )
    with pytest.raises(DomainError):
        case.postpone_hearing(
            stamp(**LAWYER), hearing_id="H-9", hearing_at="", reason="court"
        )


def test_a_postponed_hearing_moves_to_its_new_time() -> None:
    case = clinic_case()
    schedule(case)
    case.postpone_hearing(
        stamp(**LAWYER),
        hearing_id="H-1",
        hearing_at="2026-12-04T10:00",
        reason="absent_party",
    )
    case.assign_hearing_companions(
        stamp(**PSYCHOLOGIST), hearing_id="H-1", lawyer_id="", psychologist_id="psy-1"
    )

    hearing = case.hearings()["H-1"]
    assert (hearing.hearing_at, hearing.accompanied, hearing.held) == (
        "2026-12-04T10:00",
        True,
        False,
    )


def test_a_sentence_is_recorded_only_for_a_public_conviction() -> None:
    case = clinic_case()
    judge = case.record_judgment
    with pytest.raises(DomainError) as not_public:
        judge(
            stamp(**LAWYER),
            court="",
            outcome="conviction",
            judgment_public=False,
            sentence_months=24,
        )
    with pytest.raises(DomainError) as acquitted:
        judge(
            stamp(**LAWYER),
            court="",
            outcome="acquittal",
            judgment_public=True,
            sentence_months=24,
        )
    with pytest.raises(DomainError) as too_long:
        judge(
            stamp(**LAWYER),
            court="",
            outcome="conviction",
            judgment_public=True,
            sentence_months=601,
        )

    judge(
        stamp(**LAWYER),
        court="",
        outcome="conviction",
        judgment_public=True,
        sentence_months=96,
    )
    judge(
        stamp(**LAWYER),
        court="",
        outcome="conviction",
        judgment_public=False,
        sentence_months=None,
    )
    assert not_public.value.field == acquitted.value.field == "sentence_months"
    assert too_long.value.field == "sentence_months"


def test_amounts_and_session_lengths_are_bounded() -> None:
    case = clinic_case()
    with pytest.raises(DomainError):
        case.claim_compensation(stamp(**LAWYER), amount_lek=0, claimed_from="state")
    with pytest.raises(DomainError):
        case.award_compensation(stamp(**LAWYER), amount_lek=100_000_001)
    with pytest.raises(DomainError):
        case.hold_counselling_session(
            stamp(**PSYCHOLOGIST), mode="in_person", minutes=600
        )


def test_no_event_of_a_counselling_session_can_carry_what_was_said() -> None:
    assert set(ev.payload_fields(cev.CounsellingSessionHeld)) == {"mode", "minutes"}


def test_an_appeal_needs_a_decision_and_a_violation_an_order() -> None:
    case = clinic_case()
    with pytest.raises(DomainError):
        case.file_appeal(
            stamp(**LAWYER), appealed_by="defendant", court="court_of_appeal"
        )
    with pytest.raises(DomainError):
        case.report_order_violation(stamp(**LAWYER), reported_to_police=True)


def test_a_protection_order_keeps_its_end_day() -> None:
    case = identified_case(case_type="domestic_violence")
    with pytest.raises(DomainError):
        case.issue_protection_order(
            stamp(), court="Gjykata Vlorë", reference="", expires_on="2027-13-01"
        )
    case.issue_protection_order(
        stamp(), court="Gjykata Vlorë", reference="", expires_on="2027-03-31"
    )

    assert case.collect_events()[-1].expires_on == "2027-03-31"  # type: ignore[attr-defined]


def test_the_hearing_forms_offer_hearings_only_while_one_is_scheduled() -> None:
    case = clinic_case()
    offered = HoldHearing.declaration.offered
    assert not offered(Situation(case, "lawyer"))
    schedule(case)
    assert offered(Situation(case, "lawyer"))
    assert "hearing_id" in ScheduleHearing.made()
