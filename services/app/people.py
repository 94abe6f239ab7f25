"""The person's attributes an identification takes, kept outside the events.

Sex, age or birth year and nationality together identify a victim in a small
region, so no event, Kafka message, read model or log line carries them. The
command takes them (``Command.personal_attributes``), the case checks them,
and the application service keeps them in the encrypted personal-data store
(``services.app.ports.PersonalAttributes``) before it saves the case's first
event, with the same actor and correlation id. If the store refuses, nothing
is recorded.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from domain.case import Case
from domain.stamp import Stamp
from services.app.errors import (
    PersonalDataError,
    PersonalDataNotFound,
    PersonalDataUnavailable,
    SubjectErased,
)
from services.app.ports import PersonalAttributes

if TYPE_CHECKING:
    from domain.commands import OpeningCommand

NO_STORE = (
    "VATRA_PERSONAL_DATA_KEY is not set: the person's attributes cannot be "
    "stored, so the case was not opened"
)


def keep_attributes(
    people: PersonalAttributes | None,
    command: OpeningCommand,
    case: Case,
    stamp: Stamp,
) -> None:
    """Store the person's attributes ``command`` carries for the new ``case``;
    a ``PersonalDataError`` (nothing may then be recorded) if they cannot be."""
    attributes = command.personal_attributes()
    if not attributes:
        return
    if people is None:
        raise PersonalDataUnavailable(NO_STORE)
    try:
        people.keep(
            case.subject_ref,
            attributes,
            actor_id=stamp.actor_id,
            actor_role=stamp.actor_role,
            case_id=str(case.id),
            correlation_id=stamp.correlation_id,
        )
    except PersonalDataError as refused:
        raise type(refused)(f"{refused.message}; the case was not opened") from None


def person_facts(
    people: PersonalAttributes | None,
    case: Mapping[str, Any],
    *,
    actor_id: str,
    actor_role: str,
    correlation_id: str,
) -> dict[str, Any]:
    """What a viewer may see of the person's attributes of ``case`` (its
    summary): ``status`` ``hidden`` (their role may not: nothing is read),
    ``unavailable`` (no key configured), ``not_recorded``, ``erased``, or
    ``held`` with ``sex``, ``age``, ``birth_year`` and ``nationality``.

    Every read is in the access log (the store records it).
    """
    if people is None:
        return {"status": "unavailable"}
    if not people.may_read(actor_role):
        return {"status": "hidden"}
    try:
        attributes = people.read(
            str(case["subject_ref"]),
            actor_id=actor_id,
            actor_role=actor_role,
            case_id=str(case["case_id"]),
            correlation_id=correlation_id,
        )
    except PersonalDataUnavailable:
        return {"status": "unavailable"}
    except PersonalDataNotFound:
        return {"status": "not_recorded"}
    except SubjectErased:
        return {"status": "erased"}
    return {"status": "held", **attributes}
