"""Which steps make sense on a case now, and the values each field may take.

A command's declaration says when it is offered (``Declaration.offered``, one
of the predicates here) and, beside a field, which values the case allows
(``choices``) or that the backbone makes the value itself (``made``). The
pages offer only those steps, with those choices; any other client can ask
the same. They read the case's state as someone about to record finds it: a
``Situation``. Who may record a command at all (role and region) is the
policy's business; this module adds what depends on the case: a referral is
answered while it is open, by the agency it went to.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from domain.case_corrections import correction_refused
from domain.case_state import CaseState, Referral
from domain.catalogue import AGENCIES, REGIONS, SERVICES

# A shelter's staff answer only the referrals made to their agency (the
# ``unit`` of their account); caseworkers of other roles may record the answer
# an agency gave them (by phone, in person).
AGENCY_STAFF = frozenset({"shelter_staff"})
# The steps that answer a referral, by command name.
REFERRAL_ANSWERS = frozenset(
    {"accept_referral", "decline_referral", "complete_referral"}
)


@dataclass(frozen=True)
class Situation:
    """A case as someone about to record a step on it finds it.

    ``role`` and ``unit`` are theirs (``unit``: the agency a shelter's staff
    work for). ``awaited`` holds the event types the case's unmet SOP
    obligations wait for (``FollowUpCompleted`` while a follow-up is due).
    """

    case: CaseState
    role: str
    unit: str | None = None
    awaited: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Option:
    """One value a field may take, and what it stands for (``about``: the
    codes of the fields that describe it, e.g. a referral's service and
    agency)."""

    value: str
    about: Mapping[str, str] = field(default_factory=dict)


Offered = Callable[[Situation], bool]
Choices = Callable[[Situation], list[Option]]
Made = Callable[[Situation], Any]


def choices(of: Choices) -> dict[str, Any]:
    """A command field's metadata: the values the case allows for it now."""
    return {"choices": of}


def made(by: Made) -> dict[str, Any]:
    """A command field's metadata: the backbone makes its value, nobody types it
    (a client of the API may still send its own)."""
    return {"made": by}


# -- when a step is offered ------------------------------------------------------


def case_open(s: Situation) -> bool:
    return not s.case.closed


def case_closed(s: Situation) -> bool:
    return s.case.closed


def consent_given(s: Situation) -> bool:
    return case_open(s) and bool(s.case.consents)


def alert_unacknowledged(s: Situation) -> bool:
    return case_open(s) and bool(unacknowledged_authorities(s))


def referral_to_answer(s: Situation) -> bool:
    return case_open(s) and bool(referrals_to_answer(s))


def referral_to_complete(s: Situation) -> bool:
    return case_open(s) and bool(referrals_to_complete(s))


def service_running(s: Situation) -> bool:
    return case_open(s) and bool(running_services(s))


def follow_up_due(s: Situation) -> bool:
    """A follow-up is due (an SOP obligation waits for one), and the case
    takes it: open, or closed as reintegrated."""
    takes_it = not s.case.closed or s.case.close_reason == "reintegrated"
    return takes_it and "FollowUpCompleted" in s.awaited


def entry_to_correct(s: Situation) -> bool:
    return case_open(s) and bool(correctable_entries(s))


# -- the values a field may take ------------------------------------------------


def consent_givers(s: Situation) -> list[Option]:
    """A minor's consent is given by a guardian."""
    givers = ("guardian",) if s.case.is_minor else ("subject", "guardian")
    return [Option(g) for g in givers]


def given_consents(s: Situation) -> list[Option]:
    return [Option(scope) for scope in sorted(s.case.consents)]


def unacknowledged_authorities(s: Situation) -> list[Option]:
    acknowledged = {
        entry.payload.get("authority")
        for entry in s.case.entries.values()
        if entry.type == "AlertAcknowledged"
    }
    return [Option(a) for a in sorted(s.case.notified - acknowledged)]


# How people tell an authority themselves; the backbone's own alerts (by
# webhook too) are recorded by the notifier.
CHANNELS_PEOPLE_USE = ("phone", "in_person", "email", "sms")


def channels_people_use(_s: Situation) -> list[Option]:
    return [Option(code) for code in CHANNELS_PEOPLE_USE]


def known_agencies(_s: Situation) -> list[Option]:
    return [Option(code) for code in AGENCIES]


def other_regions(s: Situation) -> list[Option]:
    return [Option(code) for code in REGIONS if code != s.case.region]


def _answers(s: Situation, referral: Referral) -> bool:
    if s.role in AGENCY_STAFF:
        return s.unit is not None and referral.agency == s.unit
    return True


def _referral_option(referral_id: str, referral: Referral) -> Option:
    return Option(referral_id, {"service": referral.service, "agency": referral.agency})


def _referrals(s: Situation, statuses: frozenset[str], *, own: bool) -> list[Option]:
    return [
        _referral_option(rid, r)
        for rid, r in s.case.referrals.items()
        if r.status in statuses and (not own or _answers(s, r))
    ]


def referrals_to_answer(s: Situation) -> list[Option]:
    """The open referrals the asker may accept or decline."""
    return _referrals(s, frozenset({"pending"}), own=True)


def referrals_to_complete(s: Situation) -> list[Option]:
    """The accepted referrals the asker may complete."""
    return _referrals(s, frozenset({"accepted"}), own=True)


def service_referrals(s: Situation) -> list[Option]:
    """The referrals a service step may name: any not declined."""
    return _referrals(s, frozenset({"pending", "accepted", "completed"}), own=False)


def services_to_start(s: Situation) -> list[Option]:
    return [Option(code) for code in SERVICES if s.case.services.get(code) != "started"]


def running_services(s: Situation) -> list[Option]:
    return [Option(code) for code in SERVICES if s.case.services.get(code) == "started"]


def correctable_entries(s: Situation) -> list[Option]:
    """The entries the asker may correct, newest first."""
    return [
        Option(str(version), {"entry": entry.type})
        for version, entry in sorted(s.case.entries.items(), reverse=True)
        if not correction_refused(s.role, entry)
    ]


# -- values the backbone makes ---------------------------------------------------


def next_referral_id(s: Situation) -> str:
    """A short referral id, unique within the case: ``R-1``, ``R-2``..."""
    n = len(s.case.referrals) + 1
    while f"R-{n}" in s.case.referrals:
        n += 1
    return f"R-{n}"
