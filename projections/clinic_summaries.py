"""The English timeline line of each of the legal clinic's events, as the
read model and the command line keep it (``projections.summaries``). Codes
are named by their catalogue labels; no line carries personal data.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from domain.clinic_codes import (
    APPELLANTS,
    AUTHORITIES_OF_JUSTICE,
    COURTS,
    ORDER_KINDS,
    OUTCOMES,
    POSTPONEMENT_REASONS,
    REFERRAL_SOURCES,
    SESSION_MODES,
    STATEMENT_KINDS,
)


def _court(p: Mapping[str, Any]) -> str:
    code = str(p.get("court") or "")
    return COURTS.get(code, code) if code else str(p.get("court_name") or "")


def _who(p: Mapping[str, Any]) -> str:
    named = [str(p[k]) for k in ("lawyer_id", "psychologist_id") if p.get(k)]
    return ", ".join(named) or "nobody"


def _judgment(p: Mapping[str, Any]) -> str:
    line = f"Decision: {OUTCOMES.get(p['outcome'], p['outcome'])}"
    if p.get("judgment_public") and p.get("sentence_months") is not None:
        line += f", sentence of {p['sentence_months']} months (public judgment)"
    return line


def _postponed(p: Mapping[str, Any]) -> str:
    to = f" to {p['hearing_at']}" if p.get("hearing_at") else ", no new date yet"
    reason = POSTPONEMENT_REASONS.get(p["reason"], p["reason"])
    return f"Hearing {p['hearing_id']} postponed{to} ({reason})"


def _order_issued(p: Mapping[str, Any]) -> str:
    until = f", until {p['expires_on']}" if p.get("expires_on") else ""
    return f"Protection order issued by {p['court']}{until}"


CLINIC_LINES: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "ProtectionOrderIssued": _order_issued,
    "ClinicIntakeRecorded": lambda p: (
        "Opened at the legal clinic, referred by "
        + REFERRAL_SOURCES.get(p["referral_source"], p["referral_source"])
    ),
    "LegalConsultationHeld": lambda p: (
        f"Legal consultation held ({SESSION_MODES.get(p['mode'], p['mode'])})"
    ),
    "ComplaintFiled": lambda p: (
        "Complaint filed with "
        + AUTHORITIES_OF_JUSTICE.get(p["filed_with"], p["filed_with"])
    ),
    "CriminalProceedingsOpened": lambda p: "Criminal proceedings opened",
    "HearingScheduled": lambda p: (
        f"Hearing {p['hearing_id']} scheduled at {_court(p)} on {p['hearing_at']}; "
        f"going with the person: {_who(p)}"
    ),
    "HearingCompanionsAssigned": lambda p: (
        f"Going with the person to hearing {p['hearing_id']}: {_who(p)}"
    ),
    "HearingPostponed": _postponed,
    "HearingHeld": lambda p: (
        f"Hearing {p['hearing_id']} held; went with the person: {_who(p)}"
    ),
    "StatementGiven": lambda p: (
        f"{STATEMENT_KINDS.get(p['kind'], p['kind']).capitalize()} given to "
        + AUTHORITIES_OF_JUSTICE.get(p["given_to"], p["given_to"])
    ),
    "JudgmentGiven": _judgment,
    "AppealFiled": lambda p: (
        f"Appeal filed by {APPELLANTS.get(p['appealed_by'], p['appealed_by'])}"
    ),
    "ProtectionOrderRequested": lambda p: (
        f"{ORDER_KINDS.get(p['order_kind'], p['order_kind']).capitalize()} "
        f"requested from {_court(p)}"
    ),
    "ProtectionOrderViolated": lambda p: (
        "Protection order violated"
        + ("; reported to the police" if p["reported_to_police"] else "")
    ),
    "CompensationClaimed": lambda p: f"Compensation of {p['amount_lek']} lek claimed",
    "CompensationAwarded": lambda p: f"Compensation of {p['amount_lek']} lek awarded",
    "CompensationPaid": lambda p: f"Compensation of {p['amount_lek']} lek paid",
    "LegalAidGranted": lambda p: "Legal aid granted",
    "CounsellingSessionHeld": lambda p: (
        f"Counselling session held ({SESSION_MODES.get(p['mode'], p['mode'])}, "
        f"{p['minutes']} minutes)"
    ),
}
