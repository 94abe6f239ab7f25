"""What the pages say about events and codes, in the reader's language.

The CLI's timeline lines (``projections.summaries``) are English and stored in
the read model; the pages build their own line from the event's fields, so
caseworkers read their case in Albanian. Free text (reasons, outcomes) is
shown as it was entered. No line adds personal data: events hold none.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from domain.catalogue import AUTHORITIES, REGIONS, ROLES, SERVICES
from services.api.i18n import Translator


def N_(message: str) -> str:
    """Marks a text for the catalog; it is translated where it is shown."""
    return message


# Codes without a label in the catalogue, with the English the pages show.
CODE_LABELS: Mapping[str, Mapping[str, str]] = {
    "case_type": {
        "trafficking": N_("trafficking"),
        "domestic_violence": N_("domestic violence"),
        "gender_based_violence": N_("gender-based violence"),
    },
    "source": {
        "outreach": N_("outreach"),
        "community_report": N_("a community report"),
        "hotline": N_("the hotline"),
        "police": N_("the police"),
        "self": N_("self-referral"),
    },
    "channel": {
        "email": N_("e-mail"),
        "webhook": N_("webhook"),
        "sms": N_("SMS"),
        "phone": N_("phone"),
        "in_person": N_("in person"),
    },
    "scope": {"services": N_("services"), "data_sharing": N_("data sharing")},
    "given_by": {"subject": N_("the person"), "guardian": N_("a guardian")},
    "status": {
        "potential_victim": N_("potential victim"),
        "victim": N_("victim"),
        "not_victim": N_("not a victim"),
    },
    "level": {"low": N_("low"), "medium": N_("medium"), "high": N_("high")},
    "method": {"visit": N_("visit"), "phone": N_("phone"), "office": N_("office")},
    "close_reason": {
        "reintegrated": N_("reintegrated"),
        "returned": N_("returned"),
        "not_victim": N_("not a victim"),
        "lost_contact": N_("contact lost"),
        "transferred_out": N_("transferred out"),
        "other": N_("other"),
    },
    "obligation": {
        "open": N_("open"),
        "warning": N_("due soon"),
        "met": N_("met on time"),
        "met_late": N_("met late"),
        "breached": N_("overdue"),
        "cancelled": N_("cancelled"),
    },
    # The obligations of the default rule set (deploy/sop/rules-*.toml); a
    # rule added by an administrator shows under its id until it has a name.
    "rule": {
        "police-notified": N_("Police notified"),
        "ra-notified": N_("Responsible Authority notified"),
        "cpu-notified": N_("Child Protection Unit notified"),
        "referral-answered": N_("Referral answered"),
        "status-determined": N_("Status determined"),
        "needs-assessed": N_("Needs assessed"),
        "plan-agreed": N_("Assistance plan agreed"),
        "reflection-period": N_("Reflection period respected"),
        "follow-up": N_("Follow-up after reintegration"),
        "dv-protection-order": N_("Protection order issued"),
    },
    # Who must act on an obligation (services.app.sop_actors.Actor).
    "actor": {
        "case_owner": N_("the case owner"),
        "agency": N_("the agency referred to"),
        "responsible_authority": N_("the Responsible Authority"),
        "police": N_("the police"),
        "child_protection_unit": N_("the Child Protection Unit"),
    },
    # Why an obligation is no longer work to do (projections.work).
    "set_aside": {
        "cancelled": N_("cancelled by its rule"),
        "case_closed": N_("the case was closed"),
        "returned": N_("the person returned to a country"),
        "superseded": N_("the rule is no longer in force"),
    },
}

Line = Callable[["Wording", Mapping[str, Any]], str]


class Wording:
    """Labels and timeline lines in one language."""

    def __init__(self, translator: Translator) -> None:
        self.t = translator

    def _(self, message: str, **values: object) -> str:
        text = self.t.gettext(message)
        return text % values if values else text

    def code(self, kind: str, code: object) -> str:
        english = CODE_LABELS.get(kind, {}).get(str(code))
        return self.t.gettext(english) if english else str(code)

    def service(self, code: object) -> str:
        return self.t.gettext(SERVICES.get(str(code), str(code)))

    def authority(self, code: object) -> str:
        return self.t.gettext(AUTHORITIES.get(str(code), str(code)))

    def role(self, code: object) -> str:
        return self.t.gettext(ROLES.get(str(code), str(code)))

    def region(self, code: object) -> str:
        return REGIONS.get(str(code), str(code))  # place names read the same

    def obligation(self, status: object) -> str:
        return self.code("obligation", status)

    def rule(self, rule_id: object) -> str:
        """An SOP rule by its name in this language."""
        return self.code("rule", rule_id)

    def step(self, summary: str) -> str:
        """A step of a case (a command's summary) in this language."""
        return self.t.gettext(summary)

    def services(self, codes: object) -> str:
        return (
            ", ".join(self.service(c) for c in codes) if isinstance(codes, list) else ""
        )

    def line(self, event_type: str, p: Mapping[str, Any]) -> str:
        """One line for a timeline step; the event type if it has no line yet."""
        write = LINES.get(event_type)
        try:
            return write(self, p) if write else event_type
        except KeyError:
            # An older or newer shape of the event: say what it was, not crash.
            return event_type


def _identified(w: Wording, p: Mapping[str, Any]) -> str:
    values = {
        "kind": w.code("case_type", p["case_type"]),
        "place": f"{p['municipality']}, {w.region(p['region'])}",
        "source": w.code("source", p["source"]),
    }
    if p["is_minor"]:
        return w._(
            "Identified a minor (%(kind)s) in %(place)s, via %(source)s",
            **values,
        )
    return w._(
        "Identified an adult (%(kind)s) in %(place)s, via %(source)s",
        **values,
    )


def _referred(w: Wording, p: Mapping[str, Any]) -> str:
    service, agency = w.service(p["service"]), p["agency"]
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
    if p["assisted"]:
        return w._("Returned to %(country)s (assisted)", country=p["country"])
    return w._("Returned to %(country)s", country=p["country"])


LINES: dict[str, Line] = {
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
    "EntryCorrected": lambda w, p: w._(
        "Entry %(version)s corrected (%(field)s): %(reason)s",
        version=p["corrected_version"],
        field=p["field"],
        reason=p["reason"],
    ),
    "PersonalDataErased": lambda w, p: w._(
        "Personal data erased: %(reason)s", reason=p["reason"]
    ),
    "DeadlineWarning": lambda w, p: w._(
        "SOP deadline near: %(rule)s", rule=p["rule_id"]
    ),
    "DeadlineBreached": lambda w, p: w._(
        "SOP deadline missed: %(rule)s", rule=p["rule_id"]
    ),
    "CaseAssigned": _assigned,
}
