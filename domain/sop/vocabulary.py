"""The names a rule file may use: case event types, their attributes, roles.

The loader checks rule files against these so that a typo (``Identifed``,
``authoritty``) is reported when the file is loaded, not discovered months
later as an obligation that never fires. Keep this in step with the case
events in ``domain/``; a new event type must be added here before a rule file
can name it.
"""

from __future__ import annotations

from collections.abc import Mapping

_DEADLINE = frozenset({"obligation_id", "rule_id", "ruleset_version", "due_at"})

# Event type -> its attribute names; ``None`` means not known yet (the event
# type will exist, its attributes are not checked).
EVENT_ATTRIBUTES: Mapping[str, frozenset[str] | None] = {
    "Identified": frozenset(
        {
            "subject_ref",
            "region",
            "mobile_unit",
            "worker_id",
            "municipality",
            "is_minor",
            "case_type",
            "protection_requested",
            "indicators",
            "exploitation_types",
            "source",
        }
    ),
    "AuthorityNotified": frozenset({"authority", "channel", "recipient", "reference"}),
    "NotificationFailed": frozenset({"authority", "channel", "recipient", "reason"}),
    "AlertAcknowledged": frozenset({"authority", "reference"}),
    "ConsentRecorded": frozenset({"scope"}),
    "ConsentWithdrawn": frozenset({"scope"}),
    "StatusDetermined": frozenset({"status"}),
    "RiskAssessed": frozenset({"level"}),
    "Referred": frozenset(
        {"referral_id", "service", "agency", "consent_override_reason"}
    ),
    "ReferralAccepted": frozenset({"referral_id", "service"}),
    "ReferralDeclined": frozenset({"referral_id", "service", "reason"}),
    "ReferralCompleted": frozenset({"referral_id", "service"}),
    "NeedsAssessed": frozenset({"needs"}),
    "AssistancePlanAgreed": frozenset({"services"}),
    "ServiceStarted": frozenset({"service", "referral_id"}),
    "ServiceCompleted": frozenset({"service", "referral_id"}),
    "ServiceDiscontinued": frozenset({"service", "referral_id", "reason"}),
    "FollowUpCompleted": frozenset({"method", "outcome"}),
    "FollowUpMissed": frozenset({"reason"}),
    "ReturnedToCountry": frozenset({"country", "assisted"}),
    "Transferred": frozenset({"to_region", "reason"}),
    "Closed": frozenset({"reason"}),
    "Reopened": frozenset({"reason"}),
    "EntryCorrected": frozenset({"corrected_version", "field", "value", "reason"}),
    "DeadlineWarning": _DEADLINE,
    "DeadlineBreached": _DEADLINE,
    "ProtectionOrderIssued": None,
    "PersonalDataErased": frozenset({"subject_ref", "reason"}),
}

KNOWN_EVENT_TYPES = frozenset(EVENT_ATTRIBUTES)

# Attributes of the case as a whole: a trigger condition on one of these that
# the trigger event does not carry is looked up in the case's Identified fact.
CASE_EVENT_TYPE = "Identified"

ROLES = frozenset(
    {"coordinator", "unit_supervisor", "referring_worker", "case_manager", "lawyer"}
)


def attributes_of(event_type: str) -> frozenset[str] | None:
    """The attribute names of ``event_type``; ``None`` when not checked."""
    return EVENT_ATTRIBUTES.get(event_type)
