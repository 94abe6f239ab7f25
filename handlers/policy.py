"""Who is told what: the notification policy, as a pure function of one event.

- ``Identified``: the police of the case's region and the Responsible
  Authority; a minor also the Child Protection Unit of the municipality.
- An ``EntryCorrected`` that makes the person a minor: that CPU too.
- ``Referred``: the receiving agency; ``ReferralAccepted``/``ReferralDeclined``:
  the worker who referred.
- ``DeadlineWarning``/``DeadlineBreached``: the roles the rule names
  (``notify_on_breach``) and the coordinator.
- ``NotificationFailed``: the coordinator, unless the failed alert was itself
  to a coordinator (no loops).

Each message context carries only what its recipient's role needs
(``handlers.contexts``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain import events as ev
from domain.sop import RuleBook, WorkingCalendar
from handlers.contexts import (
    CaseContext,
    Unroutable,
    authority_context,
    cpu_context,
    deadline_context,
    failure_context,
    iso,
    police_context,
    referral_context,
    unroutable_context,
)
from handlers.directory import Contact, Directory
from handlers.referral_deadline import answer_due

# Roles whose delivered alert is recorded on the case as ``AuthorityNotified``.
AUTHORITY_ROLES = frozenset(
    {"police", "responsible_authority", "child_protection_unit"}
)

TEMPLATES = (
    "identified_police",
    "identified_responsible_authority",
    "identified_child_protection_unit",
    "referred",
    "referral_answered",
    "deadline",
    "notification_failed",
    "unroutable",
    # Scheduled by the intake's hearing reminders (``handlers.hearing_reminders``).
    "hearing_reminder",
)


@dataclass(frozen=True)
class ReferralRecord:
    """A referral as the notifier keeps it: who referred, to whom."""

    referral_id: str
    version: int
    referring_actor: str
    agency: str
    service: str


@dataclass(frozen=True)
class Intent:
    """One message to one contact, before it is rendered."""

    recipient: Contact
    role: str
    template: str
    context: Mapping[str, Any]


Outcome = tuple[list[Intent], list[Unroutable]]


@dataclass(frozen=True)
class _Rules:
    """The SOP rules (and the working days their deadlines count) a policy reads."""

    rulebook: RuleBook
    calendar: WorkingCalendar | None


def intents_for(
    event: ev.CaseEvent,
    case: CaseContext | None,
    referral: ReferralRecord | None,
    directory: Directory,
    rulebook: RuleBook,
    calendar: WorkingCalendar | None = None,
) -> Outcome:
    """The messages ``event`` calls for, and the required ones nobody can receive.

    With the working-day ``calendar``, a referral alert says by when the
    referral must be answered.
    """
    handler = _HANDLERS.get(type(event))
    if handler is None:
        return [], []
    rules = _Rules(rulebook, calendar)
    intents, unroutable = handler(event, case, referral, directory, rules)
    if unroutable and case is not None:
        # An alert the SOP requires reached nobody: the coordinator must know.
        coordinators = directory.coordinators()
        for missing in unroutable:
            context = unroutable_context(
                case, missing, type(event).__name__, event.occurred_at
            )
            intents += _to(coordinators, "coordinator", "unroutable", context)
    return _unique(intents), unroutable


def _identified(
    event: ev.CaseEvent,
    case: CaseContext | None,
    _referral: ReferralRecord | None,
    directory: Directory,
    _rules: _Rules,
) -> Outcome:
    assert isinstance(event, ev.Identified)
    context = CaseContext(
        event.originator_id,
        event.region,
        event.municipality,
        event.is_minor,
        event.case_type,
    )
    at = event.occurred_at
    intents: list[Intent] = []
    unroutable: list[Unroutable] = []
    police = directory.police(event.region)
    intents += _to(police, "police", "identified_police", police_context(context, at))
    if not police:
        unroutable.append(Unroutable("police", f"region {event.region}"))
    intents += _to(
        directory.responsible_authority(),
        "responsible_authority",
        "identified_responsible_authority",
        authority_context(context, at),
    )
    if event.is_minor:
        intents_cpu, missing = _cpu(context, at, directory)
        intents += intents_cpu
        unroutable += missing
    return intents, unroutable


def _corrected(
    event: ev.CaseEvent,
    case: CaseContext | None,
    _referral: ReferralRecord | None,
    directory: Directory,
    _rules: _Rules,
) -> Outcome:
    assert isinstance(event, ev.EntryCorrected)
    became_minor = (
        event.corrected_version == 1
        and event.field == "is_minor"
        and json.loads(event.value) is True
    )
    if case is None or not became_minor:
        return [], []
    return _cpu(case, event.occurred_at, directory)


def _cpu(case: CaseContext, at: datetime, directory: Directory) -> Outcome:
    units = directory.child_protection_unit(case.municipality)
    context = cpu_context(case, at)
    role = "child_protection_unit"
    intents = _to(units, role, "identified_child_protection_unit", context)
    missing = [] if units else [Unroutable(role, "municipality")]
    return intents, missing


def _referred(
    event: ev.CaseEvent,
    case: CaseContext | None,
    _referral: ReferralRecord | None,
    directory: Directory,
    rules: _Rules,
) -> Outcome:
    assert isinstance(event, ev.Referred)
    context = referral_context(
        event.originator_id, case, event.referral_id, event.service, event.agency
    )
    context["occurred_at"] = iso(event.occurred_at)
    due = (
        answer_due(event, case, rules.rulebook, rules.calendar)
        if rules.calendar
        else None
    )
    context["answer_by"] = iso(due) if due else ""
    return _to(directory.agency(event.agency), "agency", "referred", context), []


def _answered(
    event: ev.CaseEvent,
    case: CaseContext | None,
    referral: ReferralRecord | None,
    directory: Directory,
    _rules: _Rules,
) -> Outcome:
    assert isinstance(event, ev.ReferralAccepted | ev.ReferralDeclined)
    if referral is None:
        return [], []
    context = referral_context(
        event.originator_id,
        case,
        referral.referral_id,
        referral.service,
        referral.agency,
    )
    declined = isinstance(event, ev.ReferralDeclined)
    context["answer"] = "declined" if declined else "accepted"
    context["reason"] = event.reason if isinstance(event, ev.ReferralDeclined) else ""
    context["occurred_at"] = iso(event.occurred_at)
    worker = directory.worker(referral.referring_actor)
    return _to(worker, "referring_worker", "referral_answered", context), []


def _deadline(
    event: ev.CaseEvent,
    case: CaseContext | None,
    referral: ReferralRecord | None,
    directory: Directory,
    rules: _Rules,
) -> Outcome:
    assert isinstance(event, ev.DeadlineWarning | ev.DeadlineBreached)
    try:
        rule = rules.rulebook.version(event.ruleset_version).rule(event.rule_id)
        named = list(rule.notify_on_breach)
    except KeyError:
        named = []  # a rule this process does not know: the coordinator still hears
    region = case.region if case else ""
    intents: list[Intent] = []
    for role in [*named, "coordinator"]:
        if role == "referring_worker":
            contacts = directory.worker(referral.referring_actor) if referral else []
        else:
            contacts = directory.for_role(role, region)
        context = deadline_context(
            event.originator_id,
            case,
            kind="breach" if isinstance(event, ev.DeadlineBreached) else "warning",
            rule_id=event.rule_id,
            obligation_id=event.obligation_id,
            due_at=event.due_at,
            role=role,
            occurred_at=event.occurred_at,
        )
        intents += _to(contacts, role, "deadline", context)
    return intents, []


def _failed(
    event: ev.CaseEvent,
    case: CaseContext | None,
    _referral: ReferralRecord | None,
    directory: Directory,
    _rules: _Rules,
) -> Outcome:
    assert isinstance(event, ev.NotificationFailed)
    if event.authority == "coordinator":
        return [], []  # never alert about a failed coordinator alert: no loops
    context = failure_context(
        event.originator_id,
        case,
        failed_role=event.authority,
        channel=event.channel,
        failed_recipient=event.recipient,
        attempts=event.attempts,
        reason=event.reason,
        occurred_at=event.occurred_at,
    )
    coordinators = directory.coordinators()
    return _to(coordinators, "coordinator", "notification_failed", context), []


_Handler = Callable[
    [ev.CaseEvent, CaseContext | None, ReferralRecord | None, Directory, _Rules],
    Outcome,
]
_HANDLERS: Mapping[type[ev.CaseEvent], _Handler] = {
    ev.Identified: _identified,
    ev.EntryCorrected: _corrected,
    ev.Referred: _referred,
    ev.ReferralAccepted: _answered,
    ev.ReferralDeclined: _answered,
    ev.DeadlineWarning: _deadline,
    ev.DeadlineBreached: _deadline,
    ev.NotificationFailed: _failed,
}


def _to(
    contacts: list[Contact], role: str, template: str, context: Mapping[str, Any]
) -> list[Intent]:
    return [Intent(contact, role, template, dict(context)) for contact in contacts]


def _unique(intents: list[Intent]) -> list[Intent]:
    # A contact listed under two roles gets one message per event (its first).
    seen: set[tuple[str, str]] = set()
    unique = []
    for intent in intents:
        key = (intent.recipient.id, intent.recipient.channel)
        if key not in seen:
            seen.add(key)
            unique.append(intent)
    return unique
