"""Who may correct which entry of a case, and what a corrected value must be.

A correction passes exactly the checks of the field it corrects (the rules of
``domain.fields``; for ``occurred_at`` those of every step's time), and comes
from the same side of the work as the entry it corrects:

- entries the backbone recorded itself (``actor_role`` ``system``: the
  notifier's notifications and failures, the SOP clock's warnings and
  breaches), corrections and erasures are never corrected by hand; nor are
  assignments: a wrong one is put right by assigning the case again;
- caseworkers (``caseworker``, ``mobile_unit``, ``shelter_staff``, ``lawyer``,
  ``psychologist``) correct the entries caseworkers recorded;
- every other role (the Responsible Authority, the police, a Child Protection
  Unit, a coordinator) corrects only the entries its own role recorded: a
  status decision only the Responsible Authority.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Protocol

from domain.errors import (
    CorrectionError,
    InvalidTime,
    InvalidValue,
    NotPermitted,
    UnknownCode,
)
from domain.fields import ENTRY_FIELDS, check_moment
from domain.stamp import Stamp

CASEWORKERS = frozenset(
    {"caseworker", "mobile_unit", "shelter_staff", "lawyer", "psychologist"}
)
SYSTEM = "system"
# Entries nobody corrects, whoever recorded them.
NEVER_CORRECTED = frozenset(
    {
        "EntryCorrected",
        "PersonalDataErased",
        "NotificationFailed",
        "DeadlineWarning",
        "DeadlineBreached",
        "CaseAssigned",
        # A note or a document is added again, never corrected: its content
        # is in the personal-data store, not in the entry.
        "AttachmentAdded",
    }
)
# Fields of an entry that identify it or link it to others: never corrected.
UNCORRECTABLE = frozenset(
    {"referral_id", "subject_ref", "obligation_id", "rule_id", "corrected_version"}
)


class Corrected(Protocol):
    """What a correction needs to know of the entry it corrects."""

    type: str
    actor_role: str
    payload: dict[str, Any]


def side_of(role: str) -> str:
    """The side of the work a role records for."""
    return "caseworkers" if role in CASEWORKERS else role


def check_corrector(stamp: Stamp, entry: Corrected) -> None:
    """Refuse a correction from outside the side that recorded the entry."""
    refusal = correction_refused(stamp.actor_role, entry)
    if refusal == "recorded_by_system":
        raise NotPermitted(
            f"{entry.type} was recorded by the backbone itself and is never "
            "corrected by hand",
            kind=refusal,
        )
    if refusal == "never_corrected":
        raise NotPermitted(f"a {entry.type} entry is never corrected", kind=refusal)
    if refusal == "other_side":
        raise NotPermitted(
            f"this {entry.type} entry was recorded by {side_of(entry.actor_role)}; "
            "only they correct it",
            kind=refusal,
            params={"role": entry.actor_role},
        )


def correction_refused(role: str, entry: Corrected) -> str:
    """Why someone of ``role`` may not correct ``entry`` (a domain error's
    kind), or "" when they may."""
    if entry.actor_role == SYSTEM:
        return "recorded_by_system"
    if entry.type in NEVER_CORRECTED:
        return "never_corrected"
    if side_of(role) != side_of(entry.actor_role):
        return "other_side"
    return ""


def correctable_fields(entry: Corrected) -> list[str]:
    """The fields of ``entry`` a correction may change: those with a rule that
    neither identify nor link the entry, and when it happened."""
    rules = ENTRY_FIELDS.get(entry.type, {})
    names = [
        name for name in rules if name not in UNCORRECTABLE and name in entry.payload
    ]
    return [*names, "occurred_at"]


def checked_value(entry: Corrected, field_name: str, value: Any) -> str:
    """The new value of a field other than ``occurred_at``, as JSON text."""
    rules = ENTRY_FIELDS.get(entry.type, {})
    rule = rules.get(field_name)
    if rule is None or field_name in UNCORRECTABLE or field_name not in entry.payload:
        correctable = [
            *sorted(name for name in rules if name not in UNCORRECTABLE),
            "occurred_at",
        ]
        raise CorrectionError(
            f"{entry.type} has no correctable field {field_name!r}; "
            f"correctable: {', '.join(correctable)}",
            kind="not_correctable",
            field="field_name",
        )
    try:
        return json.dumps(rule.check(value))
    except UnknownCode as error:
        error.field = "value"
        raise
    except InvalidValue as error:
        raise CorrectionError(
            error.message, kind=error.kind, field="value", params=error.params
        ) from None


def checked_time(
    stamp: Stamp,
    entry: Corrected,
    value: Any,
    *,
    identified_at: datetime | None,
    first_step_at: datetime | None,
) -> str:
    """A corrected ``occurred_at`` as JSON text: a time any step could have."""
    if not isinstance(value, datetime):
        raise CorrectionError(
            "occurred_at must be corrected to a date and time",
            kind="wrong_type",
            field="value",
        )
    try:
        moment = check_moment("occurred_at", value, now=stamp.recorded_at)
    except InvalidTime as error:
        error.field = "value"
        raise
    if entry.type == "Identified":
        if first_step_at is not None and moment > first_step_at:
            raise InvalidTime(
                "the corrected identification is after a later step of the case",
                kind="identification_after_step",
                field="value",
            )
    elif identified_at is not None and moment < identified_at:
        raise InvalidTime(
            "the corrected time is before the identification",
            kind="before_identification",
            field="value",
        )
    return json.dumps(moment.isoformat())
