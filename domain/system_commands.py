"""The commands only the backbone records (the notifier's failed alerts, the SOP
clock's deadline warnings and breaches), erasure, which ``vatra erase`` and
the erasure pages record with the key destruction, and the adding of a note
or a document, recorded with its content sealed in the personal-data store:
none has a generic body or form.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain import events as ev
from domain.case import Case
from domain.command_declaration import CaseCommand, Declaration


@dataclass(frozen=True, kw_only=True)
class RecordNotificationFailure(CaseCommand):
    """Record that an alert could not be delivered after every attempt."""

    declaration = Declaration(
        Case.record_notification_failure,
        ev.NotificationFailed,
        "Record a failed alert",
        recorded_by="system",
    )
    authority: str
    channel: str
    recipient: str
    reason: str
    attempts: int


@dataclass(frozen=True, kw_only=True)
class WarnDeadline(CaseCommand):
    """Record that an SOP deadline is near; once per obligation deadline."""

    declaration = Declaration(
        Case.warn_deadline,
        ev.DeadlineWarning,
        "Record a deadline warning",
        recorded_by="system",
    )
    obligation_id: str
    rule_id: str
    ruleset_version: str
    due_at: datetime


@dataclass(frozen=True, kw_only=True)
class BreachDeadline(CaseCommand):
    """Record that an SOP deadline passed unmet; once per obligation deadline."""

    declaration = Declaration(
        Case.breach_deadline,
        ev.DeadlineBreached,
        "Record a deadline breach",
        recorded_by="system",
    )
    obligation_id: str
    rule_id: str
    ruleset_version: str
    due_at: datetime


@dataclass(frozen=True, kw_only=True)
class ErasePersonalData(CaseCommand):
    """Record that the person's personal data is to be erased."""

    declaration = Declaration(
        Case.erase_personal_data,
        ev.PersonalDataErased,
        "Erase the person's personal data",
        recorded_by="erasers",
    )
    reason: str


@dataclass(frozen=True, kw_only=True)
class AddAttachment(CaseCommand):
    """Record that a note or a document was added (its content: in the
    personal-data store, under ``attachment_id``)."""

    declaration = Declaration(
        Case.add_attachment,
        ev.AttachmentAdded,
        "Add a note or a document",
        recorded_by="caseworkers_or_coordinator",
    )
    attachment_id: str
    kind: str
