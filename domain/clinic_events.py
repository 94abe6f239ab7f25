"""The legal clinic's events: intake, legal proceedings, hearings, protection
orders, compensation, legal aid and counselling sessions.

Stored event topics are ``domain.clinic_events:<Class>``: these names and this
module path are part of the stored format and of the public Avro contract
(``schemas/avro``). Never rename one; add a new class (and an upcaster).

No event holds what was said: a counselling session is counted, with its mode
and length, never its content. A prosecutor's reference and a court named in
words are typed text: the event keeps a reference (``text_refs``), the text
is in the person's encrypted store.
"""

from __future__ import annotations

import dataclasses

from domain.event_base import CaseEvent


class ClinicIntakeRecorded(CaseEvent):
    """The case was opened at the legal clinic; ``referral_source`` says who
    sent the person (``domain.clinic_codes.REFERRAL_SOURCES``)."""

    referral_source: str


class LegalConsultationHeld(CaseEvent):
    """A lawyer of the clinic held a consultation with the person."""

    mode: str


class ComplaintFiled(CaseEvent):
    """A criminal complaint was filed (with the police, a prosecutor or a court)."""

    filed_with: str


class CriminalProceedingsOpened(CaseEvent):
    """The prosecutor opened criminal proceedings; the prosecutor's reference
    is typed text, kept in the encrypted store."""

    prosecutor_reference: str
    text_refs: dict[str, str] = dataclasses.field(default_factory=dict)


class HearingScheduled(CaseEvent):
    """A hearing is set: ``hearing_at`` is local Tirana time to the minute;
    the court is a code, or typed (``court_name``, kept in the store);
    ``lawyer_id`` and ``psychologist_id`` are who goes with the person (user
    ids, ``""``: nobody yet)."""

    hearing_id: str
    court: str
    court_name: str
    hearing_at: str
    lawyer_id: str
    psychologist_id: str
    text_refs: dict[str, str] = dataclasses.field(default_factory=dict)


class HearingCompanionsAssigned(CaseEvent):
    """Who goes with the person to a scheduled hearing."""

    hearing_id: str
    lawyer_id: str
    psychologist_id: str


class HearingPostponed(CaseEvent):
    """A scheduled hearing was postponed, to ``hearing_at`` (``""``: no new
    date yet)."""

    hearing_id: str
    hearing_at: str
    reason: str


class HearingHeld(CaseEvent):
    """A scheduled hearing took place, and who went with the person."""

    hearing_id: str
    lawyer_id: str
    psychologist_id: str


class StatementGiven(CaseEvent):
    """The person gave a statement or testified."""

    kind: str
    given_to: str


class JudgmentGiven(CaseEvent):
    """A decision or a judgment: its outcome; the sentence in months only when
    the judgment is public (``None`` otherwise)."""

    court: str
    outcome: str
    judgment_public: bool
    sentence_months: int | None


class AppealFiled(CaseEvent):
    """A decision was appealed."""

    appealed_by: str
    court: str


class ProtectionOrderRequested(CaseEvent):
    """A protection order was requested from a court."""

    order_kind: str
    court: str
    court_name: str
    text_refs: dict[str, str] = dataclasses.field(default_factory=dict)


class ProtectionOrderViolated(CaseEvent):
    """A protection order was violated."""

    reported_to_police: bool


class CompensationClaimed(CaseEvent):
    """Compensation was claimed, in whole lek."""

    amount_lek: int
    claimed_from: str


class CompensationAwarded(CaseEvent):
    """Compensation was awarded, in whole lek."""

    amount_lek: int


class CompensationPaid(CaseEvent):
    """Compensation was paid, in whole lek."""

    amount_lek: int


class LegalAidGranted(CaseEvent):
    """Free legal aid was granted to the person."""

    provided_by: str


class CounsellingSessionHeld(CaseEvent):
    """A psychological counselling session took place: its mode and length
    only, never what was said."""

    mode: str
    minutes: int
