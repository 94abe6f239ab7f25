"""The Case aggregate: one person's case, from identification to follow-up.

Each command checks the rules first and raises a domain error before anything
changes; only then does it trigger its event. The state and its guards live in
``domain.case_state``; the alert steps in ``domain.case_alerts``, the
assistance programme (referrals and services) in ``domain.case_programme``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain import clinic_events as cev
from domain import events as ev
from domain.case_alerts import AlertSteps
from domain.case_clinic import CLINIC_STAFF, ClinicSteps, check_day, check_role
from domain.case_corrections import CASEWORKERS
from domain.case_programme import ProgrammeSteps
from domain.case_state import require
from domain.catalogue import (
    CASE_TYPES,
    CLOSE_REASONS,
    CONSENT_SCOPES,
    FOLLOW_UP_METHODS,
    REGIONS,
    RISK_LEVELS,
    SOURCES,
    STATUSES,
    check_code,
)
from domain.clock import as_utc
from domain.errors import (
    ConsentRequired,
    CorrectionError,
    DomainError,
    NotPermitted,
)
from domain.fields import check_entry, check_person
from domain.identification import check_identification
from domain.stamp import Stamp
from domain.typed_text import CLINIC_UNIT

# Roles that may decide to erase a person's personal data.
ERASERS = frozenset({"coordinator", "responsible_authority"})
# Roles that may assign a case or hand it over (caseworkers of its region: the
# API checks the region; and coordinators).
ASSIGNERS = CASEWORKERS | {"coordinator"}


class Case(AlertSteps, ProgrammeSteps, ClinicSteps, Aggregate):
    """One person's case."""

    # -- commands -------------------------------------------------------------

    @classmethod
    def identify(
        cls,
        stamp: Stamp,
        *,
        case_id: UUID,
        subject_ref: str,
        region: str,
        mobile_unit: str,
        worker_id: str,
        municipality: str,
        is_minor: bool,
        case_type: str,
        protection_requested: bool,
        indicators: list[str],
        exploitation_types: list[str],
        source: str,
        sex: str,
        age: int | None,
        birth_year: int | None,
        nationality: str,
    ) -> Case:
        """Open a case for a person a mobile unit identified.

        ``sex``, ``age``, ``birth_year`` and ``nationality`` are the person's:
        checked here, recorded in no event.
        """
        check_code("region", region, REGIONS, field="region")
        check_code("case type", case_type, CASE_TYPES, field="case_type")
        check_code("source", source, SOURCES, field="source")
        require("subject_ref", subject_ref)
        require("mobile_unit", mobile_unit)
        fields = {
            "subject_ref": subject_ref,
            "region": region,
            "mobile_unit": mobile_unit,
            "worker_id": worker_id,
            "municipality": municipality,
            "is_minor": is_minor,
            "case_type": case_type,
            "protection_requested": protection_requested,
            "indicators": list(indicators),
            "exploitation_types": list(exploitation_types),
            "source": source,
        }
        # The person's attributes are checked with the rest, but the event
        # does not record them: the application service keeps them in the
        # personal-data store, by subject_ref.
        person = {
            "sex": sex,
            "age": age,
            "birth_year": birth_year,
            "nationality": nationality,
        }
        check_entry("Identified", fields)
        check_person(person)
        check_identification(fields, person, stamp.occurred_at)
        return cls._create(
            ev.Identified,
            id=case_id,
            **fields,
            **stamp.fields(),
        )

    @classmethod
    def open_at_clinic(
        cls,
        stamp: Stamp,
        *,
        case_id: UUID,
        subject_ref: str,
        region: str,
        municipality: str,
        is_minor: bool,
        case_type: str,
        referral_source: str,
        protection_requested: bool,
        sex: str,
        age: int | None,
        birth_year: int | None,
        nationality: str,
    ) -> Case:
        """Open a case at the legal clinic (a lawyer or a psychologist): the
        identification every case begins with, by the clinic, then who sent
        the person (``ClinicIntakeRecorded``)."""
        check_role(stamp, CLINIC_STAFF, "clinic_staff")
        direct = referral_source in ("police", "self")
        source = referral_source if direct else "referral"
        case = cls.identify(
            stamp,
            case_id=case_id,
            subject_ref=subject_ref,
            region=region,
            mobile_unit=CLINIC_UNIT,
            worker_id=stamp.actor_id,
            municipality=municipality,
            is_minor=is_minor,
            case_type=case_type,
            protection_requested=protection_requested,
            indicators=[],
            exploitation_types=[],
            source=source,
            sex=sex,
            age=age,
            birth_year=birth_year,
            nationality=nationality,
        )
        case._trigger(cev.ClinicIntakeRecorded, stamp, referral_source=referral_source)
        return case

    def record_consent(self, stamp: Stamp, *, scope: str, given_by: str) -> None:
        self._check_time(stamp)
        check_code("consent scope", scope, CONSENT_SCOPES, field="scope")
        if given_by not in ("subject", "guardian"):
            raise DomainError(
                "consent is given by the subject or their guardian",
                kind="unknown_code",
                field="given_by",
            )
        if self.is_minor and given_by != "guardian":
            raise ConsentRequired(
                "a minor's consent must be given by a guardian",
                kind="minor_consent_by_guardian",
                field="given_by",
            )
        self._trigger(ev.ConsentRecorded, stamp, scope=scope, given_by=given_by)

    def withdraw_consent(self, stamp: Stamp, *, scope: str) -> None:
        self._check_time(stamp)
        check_code("consent scope", scope, CONSENT_SCOPES, field="scope")
        if scope not in self.consents:
            raise ConsentRequired(
                f"there is no {scope} consent to withdraw",
                kind="no_consent_to_withdraw",
                field="scope",
                params={"scope": scope},
            )
        self._trigger(ev.ConsentWithdrawn, stamp, scope=scope)

    def determine_status(self, stamp: Stamp, *, status: str) -> None:
        """The Responsible Authority's formal decision on the person's status."""
        self._check_time(stamp)
        check_code("status", status, STATUSES, field="status")
        if stamp.actor_role != "responsible_authority":
            raise NotPermitted(
                "only the Responsible Authority determines status",
                kind="only_responsible_authority",
            )
        self._trigger(ev.StatusDetermined, stamp, status=status)

    def assess_risk(self, stamp: Stamp, *, level: str) -> None:
        self._check_open(stamp)
        check_code("risk level", level, RISK_LEVELS, field="level")
        self._trigger(ev.RiskAssessed, stamp, level=level)

    def issue_protection_order(
        self, stamp: Stamp, *, court: str, reference: str, expires_on: str = ""
    ) -> None:
        self._check_time(stamp)
        require("court", court)
        check_day("expires_on", expires_on)
        self._trigger(
            ev.ProtectionOrderIssued,
            stamp,
            court=court,
            reference=reference,
            expires_on=expires_on,
        )

    def complete_follow_up(self, stamp: Stamp, *, method: str, outcome: str) -> None:
        """A follow-up contact took place (also after closing as reintegrated)."""
        self._check_follow_up_allowed(stamp)
        check_code("follow-up method", method, FOLLOW_UP_METHODS, field="method")
        self._trigger(ev.FollowUpCompleted, stamp, method=method, outcome=outcome)

    def miss_follow_up(self, stamp: Stamp, *, reason: str) -> None:
        self._check_follow_up_allowed(stamp)
        require("reason", reason)
        self._trigger(ev.FollowUpMissed, stamp, reason=reason)

    def record_return(self, stamp: Stamp, *, country: str, assisted: bool) -> None:
        self._check_time(stamp)
        require("country", country)
        self._trigger(ev.ReturnedToCountry, stamp, country=country, assisted=assisted)

    def transfer(self, stamp: Stamp, *, to_region: str, reason: str) -> None:
        self._check_open(stamp)
        check_code("region", to_region, REGIONS, field="to_region")
        if to_region == self.region:
            raise DomainError(
                f"the case is already in {REGIONS[to_region]}",
                kind="same_region",
                field="to_region",
            )
        self._trigger(ev.Transferred, stamp, to_region=to_region, reason=reason)

    def assign(self, stamp: Stamp, *, owner: str) -> None:
        """Make ``owner`` (a user id) the worker responsible for the case; a
        hand-over when someone else had it. Also on a closed case: its
        follow-ups still need an owner."""
        self._check_time(stamp)
        if stamp.actor_role not in ASSIGNERS:
            raise NotPermitted("only caseworkers or a coordinator assign a case")
        if owner == self.owner:
            raise DomainError(f"the case is already assigned to {owner}")
        self._trigger(ev.CaseAssigned, stamp, owner=owner, previous_owner=self.owner)

    def close(self, stamp: Stamp, *, reason: str) -> None:
        self._check_open(stamp)
        check_code("closing reason", reason, CLOSE_REASONS, field="reason")
        self._trigger(ev.Closed, stamp, reason=reason)

    def reopen(self, stamp: Stamp, *, reason: str) -> None:
        self._check_time(stamp)
        if not self.closed:
            raise DomainError(
                "the case is open; only a closed case can be reopened",
                kind="case_open",
            )
        require("reason", reason)
        self._trigger(ev.Reopened, stamp, reason=reason)

    def add_attachment(self, stamp: Stamp, *, attachment_id: str, kind: str) -> None:
        """Record that a note or a document (``kind``) was added; its content
        is in the encrypted store under ``attachment_id``, never in the event.
        Closed cases take notes too: follow-ups go on after closing."""
        self._check_time(stamp)
        if any(
            entry.payload.get("attachment_id") == attachment_id
            for entry in self.entries.values()
        ):
            raise DomainError(
                "this note or document was already added", kind="attachment_exists"
            )
        self._trigger(ev.AttachmentAdded, stamp, attachment_id=attachment_id, kind=kind)

    def erase_personal_data(self, stamp: Stamp, *, reason: str) -> None:
        """Record that the person's personal data is to be erased (crypto-shredded).

        The case history stays; only the personal-data store forgets the person.
        Erasure is a data-protection decision, so only a coordinator or the
        Responsible Authority records it, and it is recorded once.
        """
        self._check_time(stamp)
        require("reason", reason)
        if stamp.actor_role not in ERASERS:
            raise NotPermitted(
                "only a coordinator or the Responsible Authority erases personal data",
                kind="only_erasers",
            )
        if self.personal_data_erased:
            raise DomainError(
                "the person's personal data was already erased",
                kind="already_erased",
            )
        self._trigger(
            ev.PersonalDataErased, stamp, subject_ref=self.subject_ref, reason=reason
        )

    def correct_entry(
        self,
        stamp: Stamp,
        *,
        corrected_version: int,
        field_name: str,
        value: Any,
        reason: str,
    ) -> None:
        """Correct one field of an earlier entry; the original stays in the record."""
        self._check_time(stamp)
        require("reason", reason)
        entry = self.entries.get(corrected_version)
        if entry is None:
            raise CorrectionError(
                f"there is no entry {corrected_version} to correct",
                kind="no_such_entry",
                field="corrected_version",
            )
        encoded = self._check_correction(stamp, entry, field_name, value)
        self._trigger(
            ev.EntryCorrected,
            stamp,
            corrected_version=corrected_version,
            field=field_name,
            value=encoded,
            reason=reason,
        )

    def warn_deadline(
        self,
        stamp: Stamp,
        *,
        obligation_id: str,
        rule_id: str,
        ruleset_version: str,
        due_at: datetime,
    ) -> None:
        """Record that an SOP deadline is near; once per obligation deadline."""
        self._check_deadline_event("warning", obligation_id, due_at)
        self._trigger(
            ev.DeadlineWarning,
            stamp,
            obligation_id=obligation_id,
            rule_id=rule_id,
            ruleset_version=ruleset_version,
            due_at=as_utc(due_at),
        )

    def breach_deadline(
        self,
        stamp: Stamp,
        *,
        obligation_id: str,
        rule_id: str,
        ruleset_version: str,
        due_at: datetime,
    ) -> None:
        """Record that an SOP deadline passed unmet; once per obligation deadline."""
        self._check_deadline_event("breach", obligation_id, due_at)
        self._trigger(
            ev.DeadlineBreached,
            stamp,
            obligation_id=obligation_id,
            rule_id=rule_id,
            ruleset_version=ruleset_version,
            due_at=as_utc(due_at),
        )
