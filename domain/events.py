"""The events of a case: the immutable record of the work.

Stored event topics are ``domain.events:<Class>``: these names and this module
path are part of the stored format and of the public Avro contract. Never
rename one; add a new class (and an upcaster) instead.

Every event carries who recorded it (``actor_id``, ``actor_role``), when it
happened (``occurred_at``), and the request it belongs to (``correlation_id``).
The store adds ``timestamp`` (when it was recorded) and the version.

An event with fields a person types has ``text_refs`` (field name -> reference
to the text in the person's encrypted store, ``domain.typed_text``) since its
version 2 (``Identified``: 3); such a field is then empty in the event. An
event stored before reads with no references and its text inline.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from eventsourcing.domain import Aggregate

from domain import clinic_events
from domain.event_base import AppliesEvents, CaseEvent, no_text_refs
from domain.identification import upgrade_identified_v1

__all__ = ["AppliesEvents", "CaseEvent", "no_text_refs"]


class Identified(CaseEvent, Aggregate.Created):
    """A mobile unit identified a potential victim: the case begins.

    Version 2 made ``municipality``, ``indicators`` and ``exploitation_types``
    codes of their catalogues; a version 1 event reads as version 2
    (``domain.identification.upgrade_identified_v1``). The person's sex, age,
    birth year and nationality, which the identification takes, are not here:
    they are kept in the personal-data store, by ``subject_ref``. Version 3
    added ``text_refs`` (``domain.typed_text``): the name of the mobile unit,
    typed by a person, is kept in the person's encrypted store.
    """

    class_version = 3

    subject_ref: str
    region: str
    mobile_unit: str
    worker_id: str
    municipality: str
    is_minor: bool
    case_type: str
    protection_requested: bool
    indicators: list[str]
    exploitation_types: list[str]
    source: str
    text_refs: dict[str, str] = dataclasses.field(default_factory=dict)

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        upgrade_identified_v1(state)

    upcast_v2_v3 = staticmethod(no_text_refs)


class AuthorityNotified(CaseEvent):
    authority: str
    channel: str
    recipient: str
    reference: str
    text_refs: dict[str, str] = dataclasses.field(default_factory=dict)

    class_version = 2
    upcast_v1_v2 = staticmethod(no_text_refs)


class NotificationFailed(CaseEvent):
    authority: str
    channel: str
    recipient: str
    reason: str
    attempts: int


class AlertAcknowledged(CaseEvent):
    authority: str
    reference: str
    text_refs: dict[str, str] = dataclasses.field(default_factory=dict)

    class_version = 2
    upcast_v1_v2 = staticmethod(no_text_refs)


class ConsentRecorded(CaseEvent):
    scope: str
    given_by: str


class ConsentWithdrawn(CaseEvent):
    scope: str


class StatusDetermined(CaseEvent):
    status: str


class RiskAssessed(CaseEvent):
    level: str


class Referred(CaseEvent):
    referral_id: str
    service: str
    agency: str
    consent_override_reason: str
    text_refs: dict[str, str] = dataclasses.field(default_factory=dict)

    class_version = 2
    upcast_v1_v2 = staticmethod(no_text_refs)


class ReferralAccepted(CaseEvent):
    referral_id: str
    service: str


class ReferralDeclined(CaseEvent):
    referral_id: str
    service: str
    reason: str
    text_refs: dict[str, str] = dataclasses.field(default_factory=dict)

    class_version = 2
    upcast_v1_v2 = staticmethod(no_text_refs)


class ReferralCompleted(CaseEvent):
    referral_id: str
    service: str


class NeedsAssessed(CaseEvent):
    needs: list[str]


class AssistancePlanAgreed(CaseEvent):
    services: list[str]


class ServiceStarted(CaseEvent):
    service: str
    referral_id: str


class ServiceCompleted(CaseEvent):
    service: str
    referral_id: str


class ServiceDiscontinued(CaseEvent):
    service: str
    referral_id: str
    reason: str
    text_refs: dict[str, str] = dataclasses.field(default_factory=dict)

    class_version = 2
    upcast_v1_v2 = staticmethod(no_text_refs)


class ProtectionOrderIssued(CaseEvent):
    """A court issued a protection order. Version 3 added ``expires_on``: the
    day the order ends (``YYYY-MM-DD``, Tirana), ``""`` when it has no end or
    it was not recorded (so every order recorded before)."""

    court: str
    reference: str
    text_refs: dict[str, str] = dataclasses.field(default_factory=dict)
    expires_on: str = ""

    class_version = 3
    upcast_v1_v2 = staticmethod(no_text_refs)

    @staticmethod
    def upcast_v2_v3(state: dict[str, Any]) -> None:
        state.setdefault("expires_on", "")


class FollowUpCompleted(CaseEvent):
    method: str
    outcome: str
    text_refs: dict[str, str] = dataclasses.field(default_factory=dict)

    class_version = 2
    upcast_v1_v2 = staticmethod(no_text_refs)


class FollowUpMissed(CaseEvent):
    reason: str
    text_refs: dict[str, str] = dataclasses.field(default_factory=dict)

    class_version = 2
    upcast_v1_v2 = staticmethod(no_text_refs)


class ReturnedToCountry(CaseEvent):
    country: str
    assisted: bool


class Transferred(CaseEvent):
    to_region: str
    reason: str
    text_refs: dict[str, str] = dataclasses.field(default_factory=dict)

    class_version = 2
    upcast_v1_v2 = staticmethod(no_text_refs)


class Closed(CaseEvent):
    reason: str


class Reopened(CaseEvent):
    reason: str
    text_refs: dict[str, str] = dataclasses.field(default_factory=dict)

    class_version = 2
    upcast_v1_v2 = staticmethod(no_text_refs)


class EntryCorrected(CaseEvent):
    """A correction of an earlier entry: ``value`` is the JSON text of the new value."""

    corrected_version: int
    field: str
    value: str
    reason: str
    text_refs: dict[str, str] = dataclasses.field(default_factory=dict)

    class_version = 2
    upcast_v1_v2 = staticmethod(no_text_refs)


class DeadlineWarning(CaseEvent):
    obligation_id: str
    rule_id: str
    ruleset_version: str
    due_at: datetime


class DeadlineBreached(CaseEvent):
    obligation_id: str
    rule_id: str
    ruleset_version: str
    due_at: datetime


class PersonalDataErased(CaseEvent):
    """The person's personal data was erased (crypto-shredded) from the store.

    ``subject_ref`` is the pseudonym whose data key was destroyed, so that
    subscribers holding personal data under it can erase their copies too.
    """

    subject_ref: str
    reason: str
    text_refs: dict[str, str] = dataclasses.field(default_factory=dict)

    class_version = 2
    upcast_v1_v2 = staticmethod(no_text_refs)


class CaseAssigned(CaseEvent):
    """The case has a new owner: the worker responsible for it from now on.

    ``previous_owner`` is who owned it until then (at first the identifying
    worker), so a hand-over reads from the entry alone.
    """

    owner: str
    previous_owner: str


class AttachmentAdded(CaseEvent):
    """A note or a document was added to the case.

    Its content is in the encrypted personal-data store under
    ``attachment_id``, sealed with the person's key: the event holds neither
    the text nor a file name, so erasing the person erases it too.
    """

    attachment_id: str
    kind: str


# Fields every case event has; the rest of an event's fields are its payload.
ENVELOPE_FIELDS = frozenset(
    {
        "originator_id",
        "originator_version",
        "originator_topic",
        "timestamp",
        "actor_id",
        "actor_role",
        "occurred_at",
        "correlation_id",
    }
)


def _declared(base: type[CaseEvent]) -> list[type[CaseEvent]]:
    found: list[type[CaseEvent]] = []
    for cls in base.__subclasses__():
        found += [cls, *_declared(cls)]
    return found


# Every case event type by name, in the order declared above: the catalogue the
# Avro schemas, the SOP vocabulary, the timeline and the translations follow.
# Those of this module first, then the legal clinic's (``domain.clinic_events``).
EVENT_TYPES: dict[str, type[CaseEvent]] = {
    cls.__name__: cls
    for cls in sorted(
        _declared(CaseEvent), key=lambda cls: cls.__module__ == clinic_events.__name__
    )
}


def payload_fields(event_type: type[CaseEvent]) -> tuple[str, ...]:
    """The names of an event type's own fields, in declaration order."""
    return tuple(
        f.name for f in dataclasses.fields(event_type) if f.name not in ENVELOPE_FIELDS
    )


def payload_of(event: CaseEvent) -> dict[str, Any]:
    """The event's own fields, without the ones every event carries."""
    return {k: v for k, v in vars(event).items() if k not in ENVELOPE_FIELDS}
