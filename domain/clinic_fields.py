"""The bounds of every field of the legal clinic's entries, and which of them
hold text a person types (``domain.fields`` and ``domain.typed_text`` take
them in with the rest).

Times of a hearing are the local time in Tirana to the minute
(``YYYY-MM-DDTHH:MM``, as a ``datetime-local`` input gives it), the end of a
protection order a day (``YYYY-MM-DD``); the case checks that each is a real
date. Amounts are whole lek. A sentence is a number of months, recorded only
for a public judgment. Session content is never recorded: a counselling
session is its mode and its length.
"""

from __future__ import annotations

from collections.abc import Mapping

from domain.clinic_codes import (
    AID_PROVIDERS,
    APPELLANTS,
    AUTHORITIES_OF_JUSTICE,
    CLAIMED_FROM,
    COURTS,
    ORDER_KINDS,
    OUTCOMES,
    POSTPONEMENT_REASONS,
    REFERRAL_SOURCES,
    SESSION_MODES,
    STATEMENT_KINDS,
)
from domain.field_rules import TEXT_LENGTH, Rule, code, flag, line, number

# A local time in Tirana to the minute, and a day.
LOCAL_MINUTE_PATTERN = r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}"
DAY_PATTERN = r"\d{4}-\d{2}-\d{2}"
# Whole lek: a claim of up to one hundred million.
MOST_LEK = 100_000_000
# Months of a sentence: up to life (recorded as 600).
MOST_MONTHS = 600

HEARING_AT = Rule(
    "hearing_at", min_length=16, max_length=16, pattern=LOCAL_MINUTE_PATTERN
)
NEW_HEARING_AT = Rule(
    "hearing_at", max_length=16, pattern=f"(?:{LOCAL_MINUTE_PATTERN})?"
)
EXPIRES_ON = Rule("expires_on", max_length=10, pattern=f"(?:{DAY_PATTERN})?")
# Made by the backbone (``H-1``, ``H-2``...), like a referral id.
HEARING_ID = Rule("hearing_id", min_length=1, max_length=16, pattern=r"H-[0-9]{1,6}")
# A lawyer's or a psychologist's user id (who goes with the person); "" nobody.
COMPANION = Rule(
    "companion", max_length=100, pattern=r"(?:[A-Za-z0-9][A-Za-z0-9._@-]*)?"
)
COURT = code("court", COURTS, "court", optional=True)
COURT_NAME = line("court_name", required=False)
AMOUNT = number("amount_lek", 1, MOST_LEK)
REFERRAL_SOURCE = code("referral source", REFERRAL_SOURCES, "referral_source")
MODE = code("mode", SESSION_MODES, "session_mode")

CLINIC_ENTRY_FIELDS: Mapping[str, Mapping[str, Rule]] = {
    "ProtectionOrderIssued": {
        "court": line("court"),
        "reference": line("reference", required=False, max_length=TEXT_LENGTH),
        "expires_on": EXPIRES_ON,
    },
    "ClinicIntakeRecorded": {"referral_source": REFERRAL_SOURCE},
    "LegalConsultationHeld": {"mode": MODE},
    "ComplaintFiled": {
        "filed_with": code("authority", AUTHORITIES_OF_JUSTICE, "justice_authority")
    },
    "CriminalProceedingsOpened": {"prosecutor_reference": line("prosecutor_reference")},
    "HearingScheduled": {
        "hearing_id": HEARING_ID,
        "court": COURT,
        "court_name": COURT_NAME,
        "hearing_at": HEARING_AT,
        "lawyer_id": COMPANION,
        "psychologist_id": COMPANION,
    },
    "HearingCompanionsAssigned": {
        "hearing_id": HEARING_ID,
        "lawyer_id": COMPANION,
        "psychologist_id": COMPANION,
    },
    "HearingPostponed": {
        "hearing_id": HEARING_ID,
        "hearing_at": NEW_HEARING_AT,
        "reason": code("reason", POSTPONEMENT_REASONS, "postponement_reason"),
    },
    "HearingHeld": {
        "hearing_id": HEARING_ID,
        "lawyer_id": COMPANION,
        "psychologist_id": COMPANION,
    },
    "StatementGiven": {
        "kind": code("kind", STATEMENT_KINDS, "statement_kind"),
        "given_to": code("authority", AUTHORITIES_OF_JUSTICE, "justice_authority"),
    },
    "JudgmentGiven": {
        "court": COURT,
        "outcome": code("outcome", OUTCOMES, "outcome"),
        "judgment_public": flag("judgment_public"),
        "sentence_months": number("sentence_months", 0, MOST_MONTHS, optional=True),
    },
    "AppealFiled": {
        "appealed_by": code("appellant", APPELLANTS, "appellant"),
        "court": COURT,
    },
    "ProtectionOrderRequested": {
        "order_kind": code("order kind", ORDER_KINDS, "order_kind"),
        "court": COURT,
        "court_name": COURT_NAME,
    },
    "ProtectionOrderViolated": {"reported_to_police": flag("reported_to_police")},
    "CompensationClaimed": {
        "amount_lek": AMOUNT,
        "claimed_from": code("claimed from", CLAIMED_FROM, "claimed_from"),
    },
    "CompensationAwarded": {"amount_lek": AMOUNT},
    "CompensationPaid": {"amount_lek": AMOUNT},
    "LegalAidGranted": {"provided_by": code("provider", AID_PROVIDERS, "aid_provider")},
    "CounsellingSessionHeld": {"mode": MODE, "minutes": number("minutes", 10, 240)},
}

# Entry type -> the fields of the clinic's entries that hold typed text.
CLINIC_TYPED_TEXT: Mapping[str, frozenset[str]] = {
    "CriminalProceedingsOpened": frozenset({"prosecutor_reference"}),
    "HearingScheduled": frozenset({"court_name"}),
    "ProtectionOrderRequested": frozenset({"court_name"}),
}
