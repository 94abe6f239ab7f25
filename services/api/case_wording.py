"""The timeline lines of a case's events, in the reader's language
(``services.api.wording.LINES`` takes them in, with the legal clinic's from
``services.api.clinic_wording``). A line that quotes typed text has it put in
by the page, which may read it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from services.api.wording import Wording

Line = Callable[["Wording", Mapping[str, Any]], str]


def _identified(w: Wording, p: Mapping[str, Any]) -> str:
    values = {
        "kind": w.code("case_type", p["case_type"]),
        "place": f"{w.municipality(p['municipality'])}, {w.region(p['region'])}",
        "source": w.code("source", p["source"]),
    }
    if p["is_minor"]:
        said = w._(
            "Identified a minor (%(kind)s) in %(place)s, via %(source)s",
            **values,
        )
    else:
        said = w._(
            "Identified an adult (%(kind)s) in %(place)s, via %(source)s",
            **values,
        )
    more = [
        w._("forms of exploitation: %(forms)s", forms=forms)
        if (forms := w.exploitation(p.get("exploitation_types")))
        else "",
        w._("indicators: %(indicators)s", indicators=indicators)
        if (indicators := w.indicators(p.get("indicators")))
        else "",
    ]
    return "; ".join([said, *(part for part in more if part)])


def _referred(w: Wording, p: Mapping[str, Any]) -> str:
    service, agency = w.service(p["service"]), w.agency(p["agency"])
    if p.get("consent_override_reason"):
        return w._(
            "Referred to %(service)s at %(agency)s without consent: %(reason)s",
            service=service,
            agency=agency,
            reason=p["consent_override_reason"],
        )
    return w._("Referred to %(service)s at %(agency)s", service=service, agency=agency)


def _assigned(w: Wording, p: Mapping[str, Any]) -> str:
    if p["previous_owner"]:
        return w._(
            "Case handed over from %(previous)s to %(owner)s",
            previous=p["previous_owner"],
            owner=p["owner"],
        )
    return w._("Case assigned to %(owner)s", owner=p["owner"])


def _returned(w: Wording, p: Mapping[str, Any]) -> str:
    country = w.country(p["country"])
    if p["assisted"]:
        return w._("Returned to %(country)s (assisted)", country=country)
    return w._("Returned to %(country)s", country=country)


def _corrected(w: Wording, p: Mapping[str, Any]) -> str:
    # The field's label and the values as words are put in by the page
    # (``services.api.correction_view``), which reads the corrected entry.
    if "new_shown" not in p:
        return w._(
            "Entry %(version)s corrected: %(reason)s",
            version=p["corrected_version"],
            reason=p["reason"],
        )
    values = {
        "version": p["corrected_version"],
        "field": p["field_label"],
        "new": p["new_shown"],
        "reason": p["reason"],
    }
    if "old_shown" in p:
        return w._(
            "Entry %(version)s corrected: %(field)s from %(old)s to %(new)s "
            "(%(reason)s)",
            old=p["old_shown"],
            **values,
        )
    return w._(
        "Entry %(version)s corrected: %(field)s is now %(new)s (%(reason)s)",
        **values,
    )


CASE_LINES: dict[str, Line] = {
    "Identified": _identified,
    "AuthorityNotified": lambda w, p: w._(
        "%(authority)s notified by %(channel)s",
        authority=w.authority(p["authority"]),
        channel=w.code("channel", p["channel"]),
    ),
    "NotificationFailed": lambda w, p: w._(
        "Alert to %(authority)s by %(channel)s failed after %(attempts)s attempts",
        authority=w.authority(p["authority"]),
        channel=w.code("channel", p["channel"]),
        attempts=p["attempts"],
    ),
    "AlertAcknowledged": lambda w, p: w._(
        "%(authority)s acknowledged the alert", authority=w.authority(p["authority"])
    ),
    "ConsentRecorded": lambda w, p: w._(
        "Consent to %(scope)s recorded (given by %(given_by)s)",
        scope=w.code("scope", p["scope"]),
        given_by=w.code("given_by", p["given_by"]),
    ),
    "ConsentWithdrawn": lambda w, p: w._(
        "Consent to %(scope)s withdrawn", scope=w.code("scope", p["scope"])
    ),
    "StatusDetermined": lambda w, p: w._(
        "Status determined: %(status)s", status=w.code("status", p["status"])
    ),
    "RiskAssessed": lambda w, p: w._(
        "Risk assessed as %(level)s", level=w.code("level", p["level"])
    ),
    "Referred": _referred,
    "ReferralAccepted": lambda w, p: w._(
        "Referral to %(service)s accepted", service=w.service(p["service"])
    ),
    "ReferralDeclined": lambda w, p: w._(
        "Referral to %(service)s declined: %(reason)s",
        service=w.service(p["service"]),
        reason=p["reason"],
    ),
    "ReferralCompleted": lambda w, p: w._(
        "Referral to %(service)s completed", service=w.service(p["service"])
    ),
    "NeedsAssessed": lambda w, p: w._(
        "Needs assessed: %(services)s", services=w.services(p["needs"])
    ),
    "AssistancePlanAgreed": lambda w, p: w._(
        "Assistance plan agreed: %(services)s", services=w.services(p["services"])
    ),
    "ServiceStarted": lambda w, p: w._(
        "%(service)s started", service=w.service(p["service"])
    ),
    "ServiceCompleted": lambda w, p: w._(
        "%(service)s completed", service=w.service(p["service"])
    ),
    "ServiceDiscontinued": lambda w, p: w._(
        "%(service)s discontinued: %(reason)s",
        service=w.service(p["service"]),
        reason=p["reason"],
    ),
    "ProtectionOrderIssued": lambda w, p: w._(
        "Protection order issued by %(court)s", court=p["court"]
    ),
    "FollowUpCompleted": lambda w, p: w._(
        "Follow-up by %(method)s: %(outcome)s",
        method=w.code("method", p["method"]),
        outcome=p["outcome"],
    ),
    "FollowUpMissed": lambda w, p: w._(
        "Follow-up missed: %(reason)s", reason=p["reason"]
    ),
    "ReturnedToCountry": _returned,
    "Transferred": lambda w, p: w._(
        "Transferred to %(region)s: %(reason)s",
        region=w.region(p["to_region"]),
        reason=p["reason"],
    ),
    "Closed": lambda w, p: w._(
        "Case closed: %(reason)s", reason=w.code("close_reason", p["reason"])
    ),
    "Reopened": lambda w, p: w._("Case reopened: %(reason)s", reason=p["reason"]),
    "EntryCorrected": _corrected,
    "PersonalDataErased": lambda w, p: w._(
        "Personal data erased: %(reason)s",
        reason=w.code("erasure_reason", p["reason"]),
    ),
    "AttachmentAdded": lambda w, p: (
        w._("Document added") if p["kind"] == "document" else w._("Note added")
    ),
    "DeadlineWarning": lambda w, p: w._(
        "SOP deadline near: %(rule)s",
        rule=w.rule(p["rule_id"], p.get("ruleset_version")),
    ),
    "DeadlineBreached": lambda w, p: w._(
        "SOP deadline missed: %(rule)s",
        rule=w.rule(p["rule_id"], p.get("ruleset_version")),
    ),
    "CaseAssigned": _assigned,
}
