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

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
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
from domain.errors import DomainError, InvalidTime, InvalidValue, UnknownCode
from domain.identification import EARLIEST_BIRTH_YEAR, OLDEST_AGE

# Times before this are typing mistakes, and far-off years overflow on the way
# to UTC or to a deadline; the store keeps nothing outside this range.
EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)

# Characters that break a line in some reader (an e-mail, a log, a page):
# refused in single-line fields, so nobody can add a line to an alert.
LINE_BREAKS = frozenset("\n\r\x0b\x0c\x85\u2028\u2029")
# Control characters PostgreSQL text or a reader mishandles: refused everywhere.
CONTROL = frozenset(chr(c) for c in range(32) if chr(c) not in "\t\n\r") | {"\x7f"}
SINGLE_LINE_REFUSED = CONTROL | LINE_BREAKS | {"\t"}

# Phones in the field run a little fast or slow; a step "in the future" by less
# than this is taken as clock skew, not as a mistake.
CLOCK_SKEW = timedelta(minutes=5)

LINE_LENGTH = 100  # a name, a reference, a place
LISTED_CODES = 30  # an error lists the codes of a shorter list
TEXT_LENGTH = 500  # a reason, an outcome


@dataclass(frozen=True)
class Rule:
    """The bounds of one field: ``kind`` is ``str``, ``bool``, ``int`` or ``list``.

    A ``str`` field has a length (``min_length`` 1 means required), a code
    list or a pattern; a single-line one refuses line breaks and tabs. A code
    list's ``codelist`` names it, so the labels of its codes can be looked up
    in both languages (``services.api.code_lists``). An ``int`` field lies between
    ``minimum`` and ``maximum``. An ``optional`` field may also be left out:
    ``None`` for an ``int``, ``""`` for a code. A ``list`` field holds
    ``min_items`` to ``max_items`` items, each checked by ``item``.
    """

    label: str
    kind: type = str
    min_length: int = 0
    max_length: int = LINE_LENGTH
    multiline: bool = False
    codes: Collection[str] | None = None
    pattern: str | None = None
    item: Rule | None = None
    min_items: int = 0
    max_items: int = 0
    codelist: str = ""
    minimum: int | None = None
    maximum: int | None = None
    optional: bool = False

    def check(self, value: Any) -> Any:
        """Return ``value`` if it keeps to the rule; else raise a domain error
        whose ``kind`` says which bound it broke."""
        if value is None and self.optional and self.kind is int:
            return value
        if type(value) is not self.kind:
            raise InvalidValue(
                f"{self.label} takes a {self.kind.__name__}, "
                f"not a {type(value).__name__}",
                kind="wrong_type",
            )
        if isinstance(value, list):
            self._check_items(value)
        elif isinstance(value, str):
            self._check_text(value)
        elif isinstance(value, int):
            self._check_number(value)
        return value

    def _check_number(self, number: int) -> None:
        low = self.minimum if self.minimum is not None else -(2**31)
        high = self.maximum if self.maximum is not None else 2**31 - 1
        if not low <= number <= high:
            raise InvalidValue(
                f"{self.label} is a number from {low} to {high}",
                kind="number_range",
                params={"min": low, "max": high},
            )

    def _check_items(self, items: list[Any]) -> None:
        assert self.item is not None
        if not self.min_items <= len(items) <= self.max_items:
            raise InvalidValue(
                f"{self.label} takes {self.min_items} to {self.max_items} items, "
                f"not {len(items)}",
                kind="item_count",
                params={"min": self.min_items, "max": self.max_items},
            )
        for item in items:
            self.item.check(item)

    def _check_text(self, text: str) -> None:
        if self.codes is not None:
            if text == "" and self.optional:
                return
            if text not in self.codes:
                if len(self.codes) > LISTED_CODES:
                    raise UnknownCode(
                        f"unknown {self.label} {text!r}: not one of the "
                        f"{len(self.codes)} codes of its list"
                    )
                known = ", ".join(sorted(self.codes))
                raise UnknownCode(
                    f"unknown {self.label} {text!r}; known {self.label}s: {known}"
                )
            return
        if len(text) > self.max_length:
            raise InvalidValue(
                f"{self.label} is at most {self.max_length} characters long",
                kind="too_long",
                params={"max": self.max_length},
            )
        if self.min_length and not text.strip():
            raise InvalidValue(f"{self.label} is required", kind="required")
        refused = CONTROL if self.multiline else SINGLE_LINE_REFUSED
        if any(ch in refused for ch in text):
            what = "" if self.multiline else ", line breaks or tabs"
            raise InvalidValue(
                f"{self.label} must not contain control characters{what}",
                kind="control_characters" if self.multiline else "line_breaks",
            )
        if self.pattern is not None and not re.fullmatch(self.pattern, text):
            raise InvalidValue(
                f"{self.label} must match {self.pattern}", kind="pattern"
            )
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise InvalidValue(
                f"{self.label} must be valid Unicode text", kind="not_unicode"
            ) from None


def line(label: str, *, required: bool = True, max_length: int = LINE_LENGTH) -> Rule:
    """One line of text: a name, a reference, a place."""
    return Rule(label, min_length=1 if required else 0, max_length=max_length)


def text(label: str, *, required: bool = True) -> Rule:
    """Free text that may span lines: a reason, an outcome."""
    return Rule(
        label, min_length=1 if required else 0, max_length=TEXT_LENGTH, multiline=True
    )


def code(
    label: str, codes: Collection[str], codelist: str, *, optional: bool = False
) -> Rule:
    """One code of the catalogue list ``codelist`` (``optional``: or ``""``)."""
    return Rule(
        label,
        codes=frozenset(codes),
        max_length=max(map(len, codes)),
        codelist=codelist,
        optional=optional,
    )


def codes(
    label: str, catalogue: Collection[str], codelist: str, *, min_items: int = 0
) -> Rule:
    """Distinct-purpose codes of one catalogue list, at most one of each."""
    return Rule(
        label,
        kind=list,
        item=code(label, catalogue, codelist),
        min_items=min_items,
        max_items=len(catalogue),
        codelist=codelist,
    )


def number(label: str, minimum: int, maximum: int, *, optional: bool = False) -> Rule:
    """A whole number from ``minimum`` to ``maximum`` (``optional``: or ``None``)."""
    return Rule(label, kind=int, minimum=minimum, maximum=maximum, optional=optional)


def lines(label: str, *, max_items: int) -> Rule:
    return Rule(label, kind=list, item=line(label), max_items=max_items)


def flag(label: str) -> Rule:
    return Rule(label, kind=bool)


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
    "ProtectionOrderIssued": {"court": line("court"), "reference": REFERENCE},
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
