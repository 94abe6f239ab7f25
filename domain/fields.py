"""The bounds of every field people type into a case: one definition for all.

Each field of each entry has one ``Rule``: its type, its length or number of
items, its code list, whether it may span lines. The ``Case`` aggregate checks
every entry a person records against these rules, a correction's new value
against the rule of the field it corrects, and the HTTP API builds its request
models (and so the OpenAPI document) from the same rules, so the three cannot
drift apart. Entries the backbone records itself (``actor_role`` ``system``)
are not checked here: their values come from the catalogue and the channels.
The person's attributes the identification takes (``PERSON_FIELDS``) have
rules too, but no entry records them: they go to the personal-data store.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from domain.catalogue import (
    AUTHORITIES,
    CASE_TYPES,
    CHANNELS,
    CLOSE_REASONS,
    CONSENT_SCOPES,
    COUNTRIES,
    EXPLOITATION_TYPES,
    FOLLOW_UP_METHODS,
    INDICATOR_CODES,
    MUNICIPALITIES,
    REGIONS,
    RISK_LEVELS,
    SERVICES,
    SEXES,
    SOURCES,
    STATUSES,
)
from domain.clinic_fields import CLINIC_ENTRY_FIELDS
from domain.errors import DomainError, InvalidTime
from domain.field_rules import (
    CLOCK_SKEW,
    CONTROL,
    EARLIEST,
    LATEST,
    LINE_BREAKS,
    LINE_LENGTH,
    LISTED_CODES,
    SINGLE_LINE_REFUSED,
    TEXT_LENGTH,
    Rule,
    code,
    codes,
    flag,
    line,
    lines,
    number,
    text,
)
from domain.identification import EARLIEST_BIRTH_YEAR, OLDEST_AGE

__all__ = [
    "CLOCK_SKEW",
    "CONTROL",
    "EARLIEST",
    "ENTRY_FIELDS",
    "LATEST",
    "LINE_BREAKS",
    "LINE_LENGTH",
    "LISTED_CODES",
    "PERSON_FIELDS",
    "SINGLE_LINE_REFUSED",
    "TEXT_LENGTH",
    "Rule",
    "check_entry",
    "check_moment",
    "check_person",
    "code",
    "codes",
    "flag",
    "line",
    "lines",
    "number",
    "text",
]

SUBJECT_REF = Rule(
    "subject_ref", min_length=1, max_length=64, pattern=r"[A-Za-z0-9][A-Za-z0-9._/-]*"
)
COUNTRY = code("country", COUNTRIES, "country")
# A case's owner: a user id, as tokens are issued for (``vatra token create``).
OWNER = Rule(
    "owner",
    min_length=1,
    max_length=LINE_LENGTH,
    pattern=r"[A-Za-z0-9][A-Za-z0-9._@-]*",
)
GIVEN_BY = frozenset({"subject", "guardian"})
REFERENCE = line("reference", required=False, max_length=TEXT_LENGTH)
REFERRAL_ID = line("referral_id")
OPTIONAL_REFERRAL_ID = line("referral_id", required=False)
SERVICE = code("service", SERVICES, "service")
# A note or a document of a case: a reference into the encrypted store.
ATTACHMENT_KINDS = frozenset({"note", "document"})
ATTACHMENT_ID = Rule(
    "attachment_id", min_length=36, max_length=36, pattern=r"[0-9a-f-]{36}"
)

# The person's attributes an identification takes: checked like every field,
# kept in the per-person encrypted store (``services.store.personal_data``),
# never in an event, on Kafka or in a read model. Sex, age and nationality
# together identify a person in a small region.
PERSON_FIELDS: Mapping[str, Rule] = {
    "sex": code("sex", SEXES, "sex"),
    "age": number("age", 0, OLDEST_AGE, optional=True),
    "birth_year": number("birth_year", EARLIEST_BIRTH_YEAR, LATEST.year, optional=True),
    "nationality": code("nationality", COUNTRIES, "country", optional=True),
}

# Entry type -> field -> rule, for every entry a person records.
ENTRY_FIELDS: Mapping[str, Mapping[str, Rule]] = {
    "Identified": {
        "subject_ref": SUBJECT_REF,
        "region": code("region", REGIONS, "region"),
        "mobile_unit": line("mobile_unit"),
        "worker_id": line("worker_id"),
        "municipality": code("municipality", MUNICIPALITIES, "municipality"),
        "is_minor": flag("is_minor"),
        "case_type": code("case type", CASE_TYPES, "case_type"),
        "protection_requested": flag("protection_requested"),
        "indicators": codes("indicator", INDICATOR_CODES, "indicator"),
        "exploitation_types": codes(
            "form of exploitation", EXPLOITATION_TYPES, "exploitation"
        ),
        "source": code("source", SOURCES, "source"),
    },
    "AuthorityNotified": {
        "authority": code("authority", AUTHORITIES, "authority"),
        "channel": code("channel", CHANNELS, "channel"),
        "recipient": line("recipient"),
        "reference": REFERENCE,
    },
    "AlertAcknowledged": {
        "authority": code("authority", AUTHORITIES, "authority"),
        "reference": REFERENCE,
    },
    "ConsentRecorded": {
        "scope": code("consent scope", CONSENT_SCOPES, "scope"),
        "given_by": code("consent giver", GIVEN_BY, "given_by"),
    },
    "ConsentWithdrawn": {"scope": code("consent scope", CONSENT_SCOPES, "scope")},
    "StatusDetermined": {"status": code("status", STATUSES, "status")},
    "RiskAssessed": {"level": code("risk level", RISK_LEVELS, "level")},
    "Referred": {
        "referral_id": REFERRAL_ID,
        "service": SERVICE,
        "agency": line("agency"),
        "consent_override_reason": text("consent_override_reason", required=False),
    },
    "ReferralAccepted": {"referral_id": REFERRAL_ID, "service": SERVICE},
    "ReferralDeclined": {
        "referral_id": REFERRAL_ID,
        "service": SERVICE,
        "reason": text("reason"),
    },
    "ReferralCompleted": {"referral_id": REFERRAL_ID, "service": SERVICE},
    "NeedsAssessed": {"needs": codes("service", SERVICES, "service")},
    "AssistancePlanAgreed": {
        "services": codes("service", SERVICES, "service", min_items=1)
    },
    "ServiceStarted": {"service": SERVICE, "referral_id": OPTIONAL_REFERRAL_ID},
    "ServiceCompleted": {"service": SERVICE, "referral_id": OPTIONAL_REFERRAL_ID},
    "ServiceDiscontinued": {
        "service": SERVICE,
        "referral_id": OPTIONAL_REFERRAL_ID,
        "reason": text("reason"),
    },
    "FollowUpCompleted": {
        "method": code("follow-up method", FOLLOW_UP_METHODS, "method"),
        "outcome": text("outcome", required=False),
    },
    "FollowUpMissed": {"reason": text("reason")},
    "ReturnedToCountry": {"country": COUNTRY, "assisted": flag("assisted")},
    "Transferred": {
        "to_region": code("region", REGIONS, "region"),
        "reason": text("reason"),
    },
    "Closed": {"reason": code("closing reason", CLOSE_REASONS, "close_reason")},
    "Reopened": {"reason": text("reason")},
    "PersonalDataErased": {"subject_ref": SUBJECT_REF, "reason": text("reason")},
    "AttachmentAdded": {
        "attachment_id": ATTACHMENT_ID,
        "kind": code("kind", ATTACHMENT_KINDS, "attachment_kind"),
    },
    "CaseAssigned": {
        "owner": OWNER,
        "previous_owner": line("previous_owner", required=False),
    },
    "EntryCorrected": {
        "field": line("field_name"),
        "value": Rule("value", max_length=2**16),
        "reason": text("reason"),
    },
    # The legal clinic's entries (``domain.clinic_fields``).
    **CLINIC_ENTRY_FIELDS,
}


def check_entry(entry_type: str, payload: Mapping[str, Any]) -> None:
    """Check every field of an entry a person records against its rule; an
    error names the field it is about."""
    rules = ENTRY_FIELDS.get(entry_type, {})
    for name, value in payload.items():
        rule = rules.get(name)
        if rule is not None:
            try:
                rule.check(value)
            except DomainError as error:
                raise error.about(name) from None


def check_person(attributes: Mapping[str, Any]) -> None:
    """Check each of the person's attributes against its rule."""
    for name, rule in PERSON_FIELDS.items():
        rule.check(attributes[name])


def check_moment(name: str, moment: datetime, *, now: datetime) -> datetime:
    """``moment`` in UTC if it has an offset and lies between ``EARLIEST`` and
    ``now`` (give or take the phones' clock skew)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidTime(
            f"{name} needs a time zone offset, e.g. +01:00 or Z",
            kind="time_without_offset",
            field=name,
        )
    if not EARLIEST <= moment <= LATEST:
        raise InvalidTime(
            f"{name} must be between 1990 and 2200",
            kind="time_out_of_range",
            field=name,
        )
    utc = moment.astimezone(UTC)
    if utc > now + CLOCK_SKEW:
        raise InvalidTime(
            f"{name} is in the future: a step can only be recorded once it has "
            "happened",
            kind="time_in_future",
            field=name,
        )
    return utc
