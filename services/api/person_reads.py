"""Reading and writing a case's person record for the pages and the API
alike: the viewer's rights checked (``services.api.person_access``), every
read and write in the access log with who, when and why, and only the fields
the viewer may see handed back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from services.api.context import ApiContext, Forbidden
from services.api.person_access import (
    PersonAccess,
    person_access,
    reason_for,
    shown,
)
from services.api.policy import CASEWORKER_ROLES, Principal, may_read_case
from services.app.errors import PersonalDataUnavailable, SubjectErased
from services.store.person_record import PersonRecords


@dataclass(frozen=True)
class PersonView:
    """A case's person record as one viewer may see it.

    ``status``: ``held`` (``fields`` hold what they may see), ``none`` (no
    record yet) or ``erased``. ``history``: earlier versions, for auditors.
    """

    case: dict[str, Any]
    access: PersonAccess
    status: str
    fields: dict[str, Any]
    version: int = 0
    recorded_at: datetime | None = None
    recorded_by: str = ""
    history: tuple[dict[str, Any], ...] = ()


def records_of(ctx: ApiContext) -> PersonRecords:
    if ctx.people is None or not ctx.people.available:
        raise PersonalDataUnavailable(
            "VATRA_PERSONAL_DATA_KEY is not set: person records cannot be "
            "stored or read"
        )
    return ctx.people


def permitted(
    ctx: ApiContext,
    viewer: Principal,
    case_id: UUID,
    view: str,
    correlation_id: str,
    reason: str,
    *,
    write: bool = False,
) -> tuple[dict[str, Any], PersonAccess]:
    """The case and the viewer's access to its person record, once the right
    to ``view`` it (and the reason, if one is needed) is checked and the
    access recorded; a refusal (403) is recorded too."""
    case = ctx.service.case(str(case_id))
    access = person_access(viewer, case)
    allowed = access.may_write if write else access.may_read
    if not allowed:
        ctx.access_log.record(
            actor_id=viewer.user_id,
            actor_role=viewer.role,
            view=view,
            case_id=str(case_id),
            subject_ref=str(case["subject_ref"]),
            allowed=False,
            correlation_id=correlation_id,
        )
        raise Forbidden(f"a {viewer.role} may not use {view} for this case")
    why = reason_for(access, viewer, reason)
    ctx.access_log.record(
        actor_id=viewer.user_id,
        actor_role=viewer.role,
        view=view,
        case_id=str(case_id),
        subject_ref=str(case["subject_ref"]),
        correlation_id=correlation_id,
        reason=why,
    )
    return case, access


def read_person(
    ctx: ApiContext,
    viewer: Principal,
    case_id: UUID,
    view: str,
    correlation_id: str,
    reason: str,
) -> PersonView:
    """The case's person record as ``viewer`` may see it (access-logged)."""
    records = records_of(ctx)
    case, access = permitted(ctx, viewer, case_id, view, correlation_id, reason)
    try:
        versions = records.versions(str(case["subject_ref"]))
    except SubjectErased:
        return PersonView(case, access, "erased", {})
    if not versions:
        return PersonView(case, access, "none", {})
    newest = versions[-1]
    history = (
        tuple(
            {
                "version": v.version,
                "recorded_at": v.recorded_at,
                "recorded_by": v.recorded_by,
                "fields": shown(v.record, access),
            }
            for v in reversed(versions[:-1])
        )
        if access.history
        else ()
    )
    return PersonView(
        case,
        access,
        "held",
        shown(newest.record, access),
        newest.version,
        newest.recorded_at,
        newest.recorded_by,
        history,
    )


def write_person(
    ctx: ApiContext,
    viewer: Principal,
    case_id: UUID,
    record: dict[str, Any],
    view: str,
    correlation_id: str,
    reason: str,
) -> int:
    """Record or correct the case's person record (``record`` checked
    beforehand); the same values again change nothing. Returns its version."""
    records = records_of(ctx)
    case, _access = permitted(
        ctx, viewer, case_id, view, correlation_id, reason, write=True
    )
    subject_ref = str(case["subject_ref"])
    newest = records.current(subject_ref)
    if newest is not None and newest.record == record:
        return newest.version
    return records.record(
        subject_ref,
        str(case_id),
        record,
        actor_id=viewer.user_id,
        actor_role=viewer.role,
    )


def search_people(
    ctx: ApiContext,
    viewer: Principal,
    name: str,
    birth_year: int | None,
    view: str,
    correlation_id: str,
) -> list[dict[str, Any]]:
    """The cases whose person matches ``name`` (folded tokens) and
    ``birth_year``: ``case_id``, ``region`` and ``subject_ref`` for those the
    viewer may read, only ``known_elsewhere`` for the others. Recorded in the
    access log (the search, never what was typed)."""
    records = records_of(ctx)
    ctx.check(viewer, view, may_search(viewer), correlation_id=correlation_id)
    ctx.record(viewer, view, correlation_id)
    found = []
    for hit in records.find(name, birth_year):
        case = ctx.service.case(hit["case_id"])
        if may_read_case(viewer, str(case["region"])):
            found.append(
                {
                    "case_id": str(case["case_id"]),
                    "subject_ref": str(case["subject_ref"]),
                    "region": str(case["region"]),
                    "known_elsewhere": False,
                }
            )
        else:
            found.append({"known_elsewhere": True})
    return found


def may_search(viewer: Principal) -> bool:
    """Who looks for a person before opening a case: those who open or
    coordinate cases."""
    return viewer.role in CASEWORKER_ROLES | {"coordinator", "responsible_authority"}
