"""What a case knows of itself, and the rules that read it.

``CaseState`` evolves only by applying events (``when``): it holds no rules, so
old events always replay. The ``_check_*`` guards read the state for the
commands of ``domain.case.Case``; each raises a domain error a caseworker
understands, before anything changes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from functools import singledispatchmethod
from typing import Any

from domain import events as ev
from domain.case_corrections import check_corrector, checked_time, checked_value
from domain.catalogue import SERVICES, check_code
from domain.clock import as_utc
from domain.errors import (
    CaseClosed,
    DomainError,
    DuplicateDeadlineEvent,
    InvalidTime,
    ReferralError,
)
from domain.identification import check_corrected, upgrade_identified_v1
from domain.stamp import Stamp

# Identification fields the case's state depends on.
CASE_LEVEL_FIELDS = frozenset({"region", "municipality", "is_minor", "case_type"})


@dataclass
class Referral:
    service: str
    agency: str
    status: str = "pending"


@dataclass
class Entry:
    """What the aggregate remembers of each past event, for corrections."""

    type: str
    occurred_at: datetime
    payload: dict[str, Any] = field(default_factory=dict)
    actor_role: str = ""


NOT_STEPS = frozenset({"EntryCorrected", "DeadlineWarning", "DeadlineBreached"})


class CaseState:
    """The state of one case, rebuilt from its events."""

    def __init__(self) -> None:
        self.subject_ref = ""
        self.region = ""
        self.municipality = ""
        self.is_minor = False
        self.case_type = ""
        self.identified_at: datetime | None = None
        self.closed = False
        self.close_reason = ""
        self.status = ""
        self.consents: set[str] = set()
        self.notified: set[str] = set()
        self.referrals: dict[str, Referral] = {}
        self.services: dict[str, str] = {}
        # (kind, obligation id) -> the latest deadline the clock recorded it for
        self.deadline_events: dict[tuple[str, str], datetime] = {}
        self.entries: dict[int, Entry] = {}
        self.personal_data_erased = False
        # Set by an assignment; until one, the identifying worker owns the case.
        self.assigned_owner = ""

    @property
    def owner(self) -> str:
        """The worker responsible for the case: the last one it was assigned
        to, else the identifying worker (as corrected, if it was)."""
        if self.assigned_owner:
            return self.assigned_owner
        identification = self.entries.get(1)
        if identification is None:
            return ""
        return str(identification.payload.get("worker_id", ""))

    # -- guards ---------------------------------------------------------------

    def _check_time(self, stamp: Stamp) -> None:
        assert self.identified_at is not None
        if stamp.occurred_at < self.identified_at:
            raise InvalidTime(
                "occurred_at is before the identification: a step cannot "
                "happen before the case began",
                kind="before_identification",
                field="occurred_at",
            )

    def _check_open(self, stamp: Stamp) -> None:
        self._check_time(stamp)
        if self.closed:
            raise CaseClosed("the case is closed: reopen it before recording more work")

    def _check_follow_up_allowed(self, stamp: Stamp) -> None:
        self._check_time(stamp)
        if self.closed and self.close_reason != "reintegrated":
            raise CaseClosed(
                "the case is closed: follow-ups continue only after closing as "
                "reintegrated; reopen it first",
                kind="case_closed_follow_up",
            )

    def _check_running_service(self, stamp: Stamp, service: str) -> None:
        self._check_open(stamp)
        check_code("service", service, SERVICES, field="service")
        if self.services.get(service) != "started":
            raise DomainError(
                f"{SERVICES[service]} has not started on this case",
                kind="service_not_started",
                field="service",
                params={"service": service},
            )

    def _referral(self, referral_id: str) -> Referral:
        try:
            return self.referrals[referral_id]
        except KeyError:
            raise ReferralError(
                f"there is no referral {referral_id} on this case",
                kind="referral_unknown",
                field="referral_id",
            ) from None

    def _pending_referral(self, stamp: Stamp, referral_id: str) -> Referral:
        self._check_time(stamp)
        referral = self._referral(referral_id)
        if referral.status != "pending":
            raise ReferralError(
                f"referral {referral_id} was already {referral.status}",
                kind="referral_answered",
                field="referral_id",
                params={"status": referral.status},
            )
        return referral

    def _check_deadline_event(
        self, kind: str, obligation_id: str, due_at: datetime
    ) -> None:
        # Once per obligation deadline: a second one for the same (or an
        # earlier) deadline is refused, so clocks running side by side record
        # it once. Only a correction that moves the deadline later (the first
        # mark was premature, see domain.sop.evaluation.ClockMarks) lets the
        # clock record it again, for the new deadline.
        recorded = self.deadline_events.get((kind, obligation_id))
        if recorded is not None and recorded >= as_utc(due_at):
            raise DuplicateDeadlineEvent(
                f"a deadline {kind} for {obligation_id} is already recorded"
            )

    def _check_correction(
        self, stamp: Stamp, entry: Entry, field_name: str, value: Any
    ) -> str:
        check_corrector(stamp, entry)
        if field_name != "occurred_at":
            encoded = checked_value(entry, field_name, value)
            if entry.type == "Identified":
                corrected = {**entry.payload, field_name: json.loads(encoded)}
                check_corrected(corrected, field_name)
            return encoded
        # The SOP clock's warnings and breaches are judgments on the old time,
        # set aside by the correction, not steps that bound it.
        later_steps = [
            e.occurred_at
            for e in self.entries.values()
            if e is not entry and e.type not in NOT_STEPS
        ]
        return checked_time(
            stamp,
            entry,
            value,
            identified_at=self.identified_at,
            first_step_at=min(later_steps, default=None),
        )

    def recipients(self, authority: str) -> set[str]:
        """The directory entries the authority's alerts about this case went to."""
        return {
            str(entry.payload["recipient"])
            for entry in self.entries.values()
            if entry.type == "AuthorityNotified"
            and entry.payload.get("authority") == authority
            and "recipient" in entry.payload
        }

    # -- state ----------------------------------------------------------------

    @singledispatchmethod
    def when(self, event: ev.CaseEvent) -> None:
        """Events that change no state beyond the entry log."""

    @when.register
    def _(self, event: ev.Identified) -> None:
        self.subject_ref = event.subject_ref
        self.region = event.region
        self.municipality = event.municipality
        self.is_minor = event.is_minor
        self.case_type = event.case_type
        self.identified_at = event.occurred_at

    @when.register
    def _(self, event: ev.AuthorityNotified) -> None:
        self.notified.add(event.authority)

    @when.register
    def _(self, event: ev.ConsentRecorded) -> None:
        self.consents.add(event.scope)

    @when.register
    def _(self, event: ev.ConsentWithdrawn) -> None:
        self.consents.discard(event.scope)

    @when.register
    def _(self, event: ev.StatusDetermined) -> None:
        self.status = event.status

    @when.register
    def _(self, event: ev.Referred) -> None:
        self.referrals[event.referral_id] = Referral(event.service, event.agency)

    @when.register
    def _(self, event: ev.ReferralAccepted) -> None:
        self.referrals[event.referral_id].status = "accepted"

    @when.register
    def _(self, event: ev.ReferralDeclined) -> None:
        self.referrals[event.referral_id].status = "declined"

    @when.register
    def _(self, event: ev.ReferralCompleted) -> None:
        self.referrals[event.referral_id].status = "completed"

    @when.register
    def _(self, event: ev.ServiceStarted) -> None:
        self.services[event.service] = "started"

    @when.register
    def _(self, event: ev.ServiceCompleted) -> None:
        self.services[event.service] = "completed"

    @when.register
    def _(self, event: ev.ServiceDiscontinued) -> None:
        self.services[event.service] = "discontinued"

    @when.register
    def _(self, event: ev.Transferred) -> None:
        self.region = event.to_region

    @when.register
    def _(self, event: ev.Closed) -> None:
        self.closed = True
        self.close_reason = event.reason

    @when.register
    def _(self, event: ev.Reopened) -> None:
        self.closed = False
        self.close_reason = ""

    @when.register
    def _(self, event: ev.EntryCorrected) -> None:
        entry = self.entries[event.corrected_version]
        value = json.loads(event.value)
        if event.field == "occurred_at":
            entry.occurred_at = datetime.fromisoformat(value)
            if entry.type == "Identified":
                self.identified_at = entry.occurred_at
            return
        entry.payload[event.field] = value
        # A typed text kept apart: the field's reference follows its corrections.
        refs = dict(entry.payload.get("text_refs") or {})
        corrected = dict(getattr(event, "text_refs", None) or {}).get("value")
        if corrected:
            refs[event.field] = corrected
        else:
            refs.pop(event.field, None)
        if refs or "text_refs" in entry.payload:
            entry.payload["text_refs"] = refs
        if entry.type == "Identified":
            # A correction recorded before version 2 may carry a name where
            # the identification now reads a code: it reads as the code too.
            upgrade_identified_v1(entry.payload)
            value = entry.payload[event.field]
            if event.field in CASE_LEVEL_FIELDS:
                setattr(self, event.field, value)

    @when.register
    def _(self, event: ev.DeadlineWarning) -> None:
        self._mark_deadline("warning", event.obligation_id, event.due_at)

    @when.register
    def _(self, event: ev.DeadlineBreached) -> None:
        self._mark_deadline("breach", event.obligation_id, event.due_at)

    def _mark_deadline(self, kind: str, obligation_id: str, due_at: datetime) -> None:
        due = as_utc(due_at)
        recorded = self.deadline_events.get((kind, obligation_id))
        self.deadline_events[(kind, obligation_id)] = (
            due if recorded is None else max(recorded, due)
        )

    @when.register
    def _(self, event: ev.PersonalDataErased) -> None:
        self.personal_data_erased = True

    @when.register
    def _(self, event: ev.CaseAssigned) -> None:
        self.assigned_owner = event.owner

    def apply_event(self, event: ev.CaseEvent) -> None:
        """Evolve the state by one event (called by the event itself)."""
        self._remember(event)
        # Dispatched on the class: ``self.when`` builds a new bound wrapper on
        # every access (Python 3.11), which costs more than the event's own work.
        _WHEN.dispatch(type(event))(self, event)

    def _remember(self, event: ev.CaseEvent) -> None:
        self.entries[event.originator_version] = Entry(
            type(event).__name__,
            event.occurred_at,
            ev.payload_of(event),
            event.actor_role,
        )


_WHEN = CaseState.__dict__["when"].dispatcher


def require(name: str, value: str) -> None:
    if not value or not value.strip():
        raise DomainError(f"{name} is required", kind="required", field=name)
