"""What the pages say about events and codes, in the reader's language.

The CLI's timeline lines (``projections.summaries``) are English and stored in
the read model; the pages build their own line from the event's fields, so
caseworkers read their case in Albanian. Free text (reasons, outcomes) is
shown as it was entered. No line adds personal data: events hold none.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from domain.catalogue import (
    AGENCIES,
    AUTHORITIES,
    MUNICIPALITIES,
    REGIONS,
    ROLES,
    SERVICES,
)
from domain.catalogue_files import EXPLOITATION_FORMS, INDICATORS, CodeList
from domain.sop import RuleBook
from services.api.case_wording import CASE_LINES
from services.api.clinic_labels import CLINIC_CODE_LABELS
from services.api.clinic_wording import CLINIC_LINES
from services.api.countries import country_names
from services.api.i18n import Translator, translator
from services.api.labels import FIELD_LABELS, MORE_ROLES, N_, SERVICE_STATES

# Codes without a label in the catalogue, with the English the pages show.
CODE_LABELS: Mapping[str, Mapping[str, str]] = {
    "case_type": {
        "trafficking": N_("trafficking"),
        "domestic_violence": N_("domestic violence"),
        "gender_based_violence": N_("gender-based violence"),
    },
    "sex": {
        "female": N_("female"),
        "male": N_("male"),
        "not_recorded": N_("not recorded or other"),
    },
    "source": {
        "outreach": N_("outreach"),
        "community_report": N_("a community report"),
        "hotline": N_("the hotline"),
        "police": N_("the police"),
        "self": N_("self-referral"),
        "referral": N_("a referral"),
    },
    "channel": {
        "email": N_("e-mail"),
        "webhook": N_("webhook"),
        "sms": N_("SMS"),
        "phone": N_("phone"),
        "in_person": N_("in person"),
    },
    "scope": {"services": N_("services"), "data_sharing": N_("data sharing")},
    "attachment_kind": {"note": N_("note"), "document": N_("document")},
    # The reasons the erasure pages give (``services.api.erasure_flow``).
    "erasure_reason": {
        "person_asked": N_("the person asked for their data to be erased"),
        "retention_ended": N_("the time the data may be kept has ended"),
        "recorded_in_error": N_("the person was recorded by mistake"),
        "ordered": N_("a court or the data protection authority ordered it"),
    },
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
    "answer": {"accepted": N_("accepted"), "declined": N_("declined")},
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
    **CLINIC_CODE_LABELS,
}

Line = Callable[["Wording", Mapping[str, Any]], str]


def labeller(rulebook: RuleBook | None) -> Callable[[str, str, str], str]:
    """``(kind, code, language) -> label``: the pages' labels, for the alert
    e-mails (``handlers.messages.Labels``)."""

    def label(kind: str, code: str, language: str) -> str:
        return Wording(translator(language), rulebook, language).label(kind, code)

    return label


class Wording:
    """Labels and timeline lines in one language.

    With the ``rulebook``, an SOP rule is named by its title in ``language``.
    """

    def __init__(
        self,
        translator: Translator,
        rulebook: RuleBook | None = None,
        language: str = "sq",
    ) -> None:
        self.t = translator
        self.rulebook = rulebook
        self.language = language

    @classmethod
    def of(cls, language: str, rulebook: RuleBook | None) -> Wording:
        """The wording of ``language``, naming rules from ``rulebook``."""
        return cls(translator(language), rulebook, language)

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

    def agency(self, code: object) -> str:
        """An agency by its label; a name given before agencies were codes
        as it was given."""
        label = AGENCIES.get(str(code))
        return self.t.gettext(label) if label else str(code)

    def role(self, code: object) -> str:
        english = ROLES.get(str(code)) or MORE_ROLES.get(str(code), str(code))
        return self.t.gettext(english)

    def field(self, name: object) -> str:
        return self.t.gettext(FIELD_LABELS.get(str(name), str(name)))

    def service_state(self, state: object) -> str:
        return self.t.gettext(SERVICE_STATES.get(str(state), str(state)))

    def rule(self, rule_id: object, version: str | None = None) -> str:
        """An SOP rule's title: of ``version`` if given, else the newest one
        that has the rule; its id only if no rule set knows it."""
        if self.rulebook is not None:
            rulesets = self.rulebook.rulesets
            for ruleset in reversed(rulesets):
                if version is not None and ruleset.version != version:
                    continue
                try:
                    return ruleset.rule(str(rule_id)).title.in_language(self.language)
                except KeyError:
                    continue
            if version is not None:
                return self.rule(rule_id)
        return str(rule_id)

    def label(self, kind: str, code: object) -> str:
        """Any code by its kind: ``rule``, ``role``, ``service``, ``authority``,
        ``region``, ``field`` or a kind of ``CODE_LABELS``."""
        rule: Callable[[object], str] = self.rule
        named: Callable[[object], str] | None = {
            "rule": rule,
            "role": self.role,
            "service": self.service,
            "authority": self.authority,
            "region": self.region,
            "field": self.field,
        }.get(kind)
        return named(code) if named else self.code(kind, code)

    def region(self, code: object) -> str:
        return REGIONS.get(str(code), str(code))  # place names read the same

    def municipality(self, code: object) -> str:
        # Text recorded before municipalities were codes is shown as typed.
        return MUNICIPALITIES.get(str(code), str(code))

    def country(self, code: object) -> str:
        return country_names(self.language).get(str(code), str(code))

    def _listed(self, catalogue: CodeList, codes: object) -> str:
        if not isinstance(codes, list):
            return ""
        index = 0 if self.language == "en" else 1
        return ", ".join(
            catalogue.labels[c][index] if c in catalogue.labels else str(c)
            for c in codes
        )

    def indicators(self, codes: object) -> str:
        return self._listed(INDICATORS, codes)

    def exploitation(self, codes: object) -> str:
        return self._listed(EXPLOITATION_FORMS, codes)

    def age(self, age: object, birth_year: object) -> str:
        """The age, or the birth year when only that was given; "" if neither."""
        if isinstance(age, int):
            return self._("aged %(age)s", age=age)
        if isinstance(birth_year, int):
            return self._("born in %(year)s", year=birth_year)
        return ""

    def person(self, p: Mapping[str, Any]) -> str:
        """The person's attributes as read from the personal-data store
        (``services.app.people.person_facts``): sex, age and nationality, those
        recorded ("female, aged 16, Albania"); or why they are not shown."""
        status = p.get("status", "held")
        if status == "unavailable":
            return self._("not available")
        if status == "erased":
            return self._("data erased")
        sex = p.get("sex") or "not_recorded"
        facts = [
            self.code("sex", sex) if sex != "not_recorded" else "",
            self.age(p.get("age"), p.get("birth_year")),
            self.country(p["nationality"]) if p.get("nationality") else "",
        ]
        return ", ".join(fact for fact in facts if fact) or self._("not recorded")

    def obligation(self, status: object) -> str:
        return self.code("obligation", status)

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


LINES: dict[str, Line] = {**CASE_LINES, **CLINIC_LINES}
