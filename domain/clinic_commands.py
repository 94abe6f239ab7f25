"""The legal clinic's commands: a case opened at the clinic, and the legal
proceedings, hearings, protection orders, compensation, legal aid and
counselling sessions that follow. Declared like every command
(``domain.commands``); lawyers record the legal steps, psychologists the
counselling sessions, either of them the intake and who goes with the person
to a hearing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# The identification is declared first: the table lists it first.
import domain.opening_commands  # noqa: F401
from domain import clinic_events as cev
from domain import events as ev
from domain.case import Case
from domain.clinic_fields import REFERRAL_SOURCE
from domain.clinic_offering import (
    hearing_pending,
    judgment_given,
    next_hearing_id,
    order_issued,
    pending_hearings,
)
from domain.command_declaration import (
    CaseCommand,
    Declaration,
    OpeningCommand,
    about,
    personal,
    ruled,
)
from domain.fields import PERSON_FIELDS
from domain.offering import choices, made

_COMPANIONS = "The user id of the lawyer (of the psychologist) who goes; empty: nobody."


@dataclass(frozen=True, kw_only=True)
class OpenClinicCase(OpeningCommand):
    """Open a case at the legal clinic, for a person someone referred (or who
    came on their own)."""

    declaration = Declaration(
        Case.open_at_clinic,
        ev.Identified,
        "Open a case at the legal clinic",
        path="clinic-intake",
        recorded_by="clinic_staff",
    )
    subject_ref: str = field(metadata=about("A pseudonymous reference, never a name."))
    region: str
    municipality: str = field(metadata=about("A municipality of the region."))
    case_type: str
    referral_source: str = field(metadata=ruled(REFERRAL_SOURCE))
    is_minor: bool = field(metadata=about("Under 18 at the intake; must fit the age."))
    sex: str = field(
        metadata=personal(
            PERSON_FIELDS["sex"],
            "female, male, or not_recorded (not recorded, or other).",
        )
    )
    age: int | None = field(
        default=None,
        metadata=personal(PERSON_FIELDS["age"], "Age in years; or give birth_year."),
    )
    birth_year: int | None = field(
        default=None,
        metadata=personal(PERSON_FIELDS["birth_year"], "Year of birth; or give age."),
    )
    nationality: str = field(
        metadata=personal(
            PERSON_FIELDS["nationality"],
            "ISO 3166-1 alpha-2 code (XK: Kosovo); empty if not known.",
        )
    )
    protection_requested: bool = False


@dataclass(frozen=True, kw_only=True)
class HoldConsultation(CaseCommand):
    """Record a lawyer's consultation with the person."""

    declaration = Declaration(
        Case.hold_consultation,
        cev.LegalConsultationHeld,
        "Record a legal consultation",
        path="consultation",
        recorded_by="lawyers",
    )
    mode: str


@dataclass(frozen=True, kw_only=True)
class GrantLegalAid(CaseCommand):
    """Record that free legal aid was granted."""

    declaration = Declaration(
        Case.grant_legal_aid,
        cev.LegalAidGranted,
        "Record legal aid granted",
        path="legal-aid",
        recorded_by="lawyers",
    )
    provided_by: str


@dataclass(frozen=True, kw_only=True)
class FileComplaint(CaseCommand):
    """Record a criminal complaint filed."""

    declaration = Declaration(
        Case.file_complaint,
        cev.ComplaintFiled,
        "Record a complaint filed",
        path="complaint",
        recorded_by="lawyers",
    )
    filed_with: str


@dataclass(frozen=True, kw_only=True)
class OpenProceedings(CaseCommand):
    """Record that the prosecutor opened criminal proceedings."""

    declaration = Declaration(
        Case.open_proceedings,
        cev.CriminalProceedingsOpened,
        "Record criminal proceedings opened",
        path="proceedings",
        recorded_by="lawyers",
    )
    prosecutor_reference: str = field(
        metadata=about("The prosecutor's reference of the proceedings.")
    )


@dataclass(frozen=True, kw_only=True)
class ScheduleHearing(CaseCommand):
    """Record a hearing set by a court, and who goes with the person."""

    declaration = Declaration(
        Case.schedule_hearing,
        cev.HearingScheduled,
        "Schedule a hearing",
        path="hearing",
        recorded_by="lawyers",
    )
    hearing_id: str = field(metadata=made(next_hearing_id))
    court: str = ""
    court_name: str = field(
        default="", metadata=about("The court's name, when it is not in the list.")
    )
    hearing_at: str = field(
        metadata=about("Local time in Tirana to the minute: YYYY-MM-DDTHH:MM.")
    )
    lawyer_id: str = field(default="", metadata=about(_COMPANIONS))
    psychologist_id: str = field(default="", metadata=about(_COMPANIONS))


@dataclass(frozen=True, kw_only=True)
class AssignHearingCompanions(CaseCommand):
    """Record who goes with the person to a scheduled hearing."""

    declaration = Declaration(
        Case.assign_hearing_companions,
        cev.HearingCompanionsAssigned,
        "Assign who goes to a hearing",
        path="hearing-companions",
        recorded_by="clinic_staff",
        offered=hearing_pending,
    )
    hearing_id: str = field(metadata=choices(pending_hearings))
    lawyer_id: str = field(default="", metadata=about(_COMPANIONS))
    psychologist_id: str = field(default="", metadata=about(_COMPANIONS))


@dataclass(frozen=True, kw_only=True)
class PostponeHearing(CaseCommand):
    """Record that a scheduled hearing was postponed, and to when."""

    declaration = Declaration(
        Case.postpone_hearing,
        cev.HearingPostponed,
        "Record a hearing postponed",
        path="hearing-postponed",
        recorded_by="lawyers",
        offered=hearing_pending,
    )
    hearing_id: str = field(metadata=choices(pending_hearings))
    hearing_at: str = field(
        default="", metadata=about("The new time (YYYY-MM-DDTHH:MM); empty: not set.")
    )
    reason: str


@dataclass(frozen=True, kw_only=True)
class HoldHearing(CaseCommand):
    """Record that a scheduled hearing took place, and who went."""

    declaration = Declaration(
        Case.hold_hearing,
        cev.HearingHeld,
        "Record a hearing held",
        path="hearing-held",
        recorded_by="lawyers",
        offered=hearing_pending,
    )
    hearing_id: str = field(metadata=choices(pending_hearings))
    lawyer_id: str = field(default="", metadata=about(_COMPANIONS))
    psychologist_id: str = field(default="", metadata=about(_COMPANIONS))


@dataclass(frozen=True, kw_only=True)
class GiveStatement(CaseCommand):
    """Record a statement or a testimony the person gave."""

    declaration = Declaration(
        Case.give_statement,
        cev.StatementGiven,
        "Record a statement or testimony",
        path="statement",
        recorded_by="lawyers",
    )
    kind: str
    given_to: str


@dataclass(frozen=True, kw_only=True)
class RecordJudgment(CaseCommand):
    """Record a decision or a judgment; the sentence only when it is public."""

    declaration = Declaration(
        Case.record_judgment,
        cev.JudgmentGiven,
        "Record a decision or judgment",
        path="judgment",
        recorded_by="lawyers",
    )
    court: str = ""
    outcome: str
    judgment_public: bool = False
    sentence_months: int | None = field(
        default=None,
        metadata=about("Months of the sentence, only for a public conviction."),
    )


@dataclass(frozen=True, kw_only=True)
class FileAppeal(CaseCommand):
    """Record an appeal against a decision."""

    declaration = Declaration(
        Case.file_appeal,
        cev.AppealFiled,
        "Record an appeal",
        path="appeal",
        recorded_by="lawyers",
        offered=judgment_given,
    )
    appealed_by: str
    court: str = ""


@dataclass(frozen=True, kw_only=True)
class RequestProtectionOrder(CaseCommand):
    """Record that a protection order was requested from a court."""

    declaration = Declaration(
        Case.request_protection_order,
        cev.ProtectionOrderRequested,
        "Request a protection order",
        path="protection-order-request",
        recorded_by="lawyers",
    )
    order_kind: str
    court: str = ""
    court_name: str = field(
        default="", metadata=about("The court's name, when it is not in the list.")
    )


@dataclass(frozen=True, kw_only=True)
class ReportOrderViolation(CaseCommand):
    """Record that a protection order was violated."""

    declaration = Declaration(
        Case.report_order_violation,
        cev.ProtectionOrderViolated,
        "Record a protection order violated",
        path="protection-order-violated",
        recorded_by="lawyers",
        offered=order_issued,
    )
    reported_to_police: bool = False


@dataclass(frozen=True, kw_only=True)
class ClaimCompensation(CaseCommand):
    """Record a compensation claim, in whole lek."""

    declaration = Declaration(
        Case.claim_compensation,
        cev.CompensationClaimed,
        "Record a compensation claim",
        path="compensation-claimed",
        recorded_by="lawyers",
    )
    amount_lek: int
    claimed_from: str


@dataclass(frozen=True, kw_only=True)
class AwardCompensation(CaseCommand):
    """Record compensation awarded, in whole lek."""

    declaration = Declaration(
        Case.award_compensation,
        cev.CompensationAwarded,
        "Record compensation awarded",
        path="compensation-awarded",
        recorded_by="lawyers",
    )
    amount_lek: int


@dataclass(frozen=True, kw_only=True)
class RecordCompensationPaid(CaseCommand):
    """Record compensation paid, in whole lek."""

    declaration = Declaration(
        Case.record_compensation_paid,
        cev.CompensationPaid,
        "Record compensation paid",
        path="compensation-paid",
        recorded_by="lawyers",
    )
    amount_lek: int


@dataclass(frozen=True, kw_only=True)
class HoldCounsellingSession(CaseCommand):
    """Record a psychological counselling session: its mode and length, never
    what was said."""

    declaration = Declaration(
        Case.hold_counselling_session,
        cev.CounsellingSessionHeld,
        "Record a counselling session",
        path="counselling-session",
        recorded_by="psychologists",
    )
    mode: str
    minutes: int
