"""The timeline lines of the legal clinic's events, in the reader's language
(``services.api.wording.LINES`` takes them in). A court is named by its label,
or as it was typed; a time of a hearing as the day and the hour in Tirana.
No line says what was said in a counselling session: no event holds it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from services.api.wording import Wording

Line = Callable[["Wording", Mapping[str, Any]], str]


def shown_time(value: object) -> str:
    """``2026-12-20T09:30`` as ``20.12.2026 09:30``; a day as ``20.12.2026``."""
    text = str(value or "")
    day, _, hour = text.partition("T")
    parts = day.split("-")
    if len(parts) != 3:
        return text
    shown = ".".join(reversed(parts))
    return f"{shown} {hour}" if hour else shown


def court(w: Wording, p: Mapping[str, Any]) -> str:
    """The court by its label, or its name as typed; "" if neither."""
    if p.get("court"):
        return w.code("court", p["court"])
    return str(p.get("court_name") or "")


def _companions(w: Wording, p: Mapping[str, Any]) -> str:
    people = [str(p.get(name) or "") for name in ("lawyer_id", "psychologist_id")]
    named = [person for person in people if person]
    return ", ".join(named) if named else w._("nobody")


def _scheduled(w: Wording, p: Mapping[str, Any]) -> str:
    return w._(
        "Hearing %(hearing)s scheduled at %(court)s on %(time)s; going with the "
        "person: %(who)s",
        hearing=p["hearing_id"],
        court=court(w, p),
        time=shown_time(p["hearing_at"]),
        who=_companions(w, p),
    )


def _postponed(w: Wording, p: Mapping[str, Any]) -> str:
    reason = w.code("postponement_reason", p["reason"])
    if p.get("hearing_at"):
        return w._(
            "Hearing %(hearing)s postponed to %(time)s (%(reason)s)",
            hearing=p["hearing_id"],
            time=shown_time(p["hearing_at"]),
            reason=reason,
        )
    return w._(
        "Hearing %(hearing)s postponed, no new date yet (%(reason)s)",
        hearing=p["hearing_id"],
        reason=reason,
    )


def _judgment(w: Wording, p: Mapping[str, Any]) -> str:
    outcome = w.code("outcome", p["outcome"])
    if p.get("sentence_months") is not None and p.get("judgment_public"):
        return w._(
            "Decision: %(outcome)s, sentence of %(months)s months (public judgment)",
            outcome=outcome,
            months=p["sentence_months"],
        )
    return w._("Decision: %(outcome)s", outcome=outcome)


def _order_issued(w: Wording, p: Mapping[str, Any]) -> str:
    if p.get("expires_on"):
        return w._(
            "Protection order issued by %(court)s, until %(day)s",
            court=p["court"],
            day=shown_time(p["expires_on"]),
        )
    return w._("Protection order issued by %(court)s", court=p["court"])


def _violated(w: Wording, p: Mapping[str, Any]) -> str:
    if p["reported_to_police"]:
        return w._("Protection order violated; reported to the police")
    return w._("Protection order violated")


CLINIC_LINES: dict[str, Line] = {
    "ProtectionOrderIssued": _order_issued,
    "ClinicIntakeRecorded": lambda w, p: w._(
        "Opened at the legal clinic, referred by %(source)s",
        source=w.code("referral_source", p["referral_source"]),
    ),
    "LegalConsultationHeld": lambda w, p: w._(
        "Legal consultation held (%(mode)s)",
        mode=w.code("session_mode", p["mode"]),
    ),
    "ComplaintFiled": lambda w, p: w._(
        "Complaint filed with %(authority)s",
        authority=w.code("justice_authority", p["filed_with"]),
    ),
    "CriminalProceedingsOpened": lambda w, p: w._(
        "Criminal proceedings opened, prosecutor's reference %(reference)s",
        reference=p["prosecutor_reference"],
    ),
    "HearingScheduled": _scheduled,
    "HearingCompanionsAssigned": lambda w, p: w._(
        "Going with the person to hearing %(hearing)s: %(who)s",
        hearing=p["hearing_id"],
        who=_companions(w, p),
    ),
    "HearingPostponed": _postponed,
    "HearingHeld": lambda w, p: w._(
        "Hearing %(hearing)s held; went with the person: %(who)s",
        hearing=p["hearing_id"],
        who=_companions(w, p),
    ),
    "StatementGiven": lambda w, p: w._(
        "%(kind)s given to %(authority)s",
        kind=w.code("statement_kind", p["kind"]).capitalize(),
        authority=w.code("justice_authority", p["given_to"]),
    ),
    "JudgmentGiven": _judgment,
    "AppealFiled": lambda w, p: w._(
        "Appeal filed by %(who)s", who=w.code("appellant", p["appealed_by"])
    ),
    "ProtectionOrderRequested": lambda w, p: w._(
        "%(kind)s requested from %(court)s",
        kind=w.code("order_kind", p["order_kind"]).capitalize(),
        court=court(w, p),
    ),
    "ProtectionOrderViolated": _violated,
    "CompensationClaimed": lambda w, p: w._(
        "Compensation of %(amount)s lek claimed from %(whom)s",
        amount=p["amount_lek"],
        whom=w.code("claimed_from", p["claimed_from"]),
    ),
    "CompensationAwarded": lambda w, p: w._(
        "Compensation of %(amount)s lek awarded", amount=p["amount_lek"]
    ),
    "CompensationPaid": lambda w, p: w._(
        "Compensation of %(amount)s lek paid", amount=p["amount_lek"]
    ),
    "LegalAidGranted": lambda w, p: w._(
        "Legal aid granted, provided by %(provider)s",
        provider=w.code("aid_provider", p["provided_by"]),
    ),
    "CounsellingSessionHeld": lambda w, p: w._(
        "Counselling session held (%(mode)s, %(minutes)s minutes)",
        mode=w.code("session_mode", p["mode"]),
        minutes=p["minutes"],
    ),
}
