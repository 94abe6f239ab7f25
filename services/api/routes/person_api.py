"""The person record over HTTP: read it, record or correct it, see what
corrections replaced, and find a person by name. The body is checked by the
rules the pages' form takes (``domain.person_record``), so the OpenAPI
document lists every bound; the same rights and access log as the pages.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field, create_model

from domain.errors import DomainError
from domain.fields import LATEST, LINE_LENGTH
from domain.identification import EARLIEST_BIRTH_YEAR
from domain.person_record import (
    LIST_FIELDS,
    NUMBER_FIELDS,
    PERSON_RECORD,
    check_record,
)
from services.api.auth import Caller, Context, CorrelationId
from services.api.bounds import Bounded
from services.api.models import Body
from services.api.person_access import READ_REASONS
from services.api.person_reads import read_person, search_people, write_person
from services.api.routes.commands import ERRORS
from services.app.errors import InvalidInput

router = APIRouter(tags=["person record"], responses=ERRORS)

REASON_DOC = (
    "Why you read it, when you do not work the case in its region "
    "(coordinator, Responsible Authority, auditor): one of "
    + ", ".join(READ_REASONS)
    + ". Kept in the access log."
)
Reason = Annotated[str, Query(max_length=40, description=REASON_DOC)]


def _field(name: str) -> tuple[Any, Any]:
    rule = PERSON_RECORD[name]
    if name in NUMBER_FIELDS:
        return Annotated[int | None, Bounded(rule)], Field(default=None)
    if name in LIST_FIELDS:
        return Annotated[list[str], Bounded(rule)], Field(default_factory=list)
    if rule.min_length > 0:
        return Annotated[str, Bounded(rule)], Field(...)
    return Annotated[str, Bounded(rule)], Field(default="")


PersonRecordBody: type[Body] = create_model(  # type: ignore[call-overload]
    "PersonRecord",
    __base__=Body,
    __doc__=(
        "Who the person is. Kept only in the encrypted personal-data store, "
        "never in an event; each save is a new version, the earlier ones kept."
    ),
    __module__=__name__,
    **{name: _field(name) for name in PERSON_RECORD},
)


class PersonRecordAnswer(BaseModel):
    """The person record as you may see it: only the fields your role needs."""

    case_id: UUID
    status: str = Field(description="held, none (not recorded yet) or erased")
    version: int
    recorded_at: datetime | None
    recorded_by: str
    fields: dict[str, Any]
    history: list[dict[str, Any]] = Field(
        default_factory=list, description="Earlier versions, newest first (auditors)."
    )


class PersonSaved(BaseModel):
    case_id: UUID
    version: int


class PersonFound(BaseModel):
    """A match: the case, if you may read it; else only that one is known."""

    known_elsewhere: bool
    case_id: UUID | None = None
    subject_ref: str | None = None
    region: str | None = None


@router.get("/api/cases/{case_id}/person", response_model=PersonRecordAnswer)
def get_person(
    case_id: UUID,
    ctx: Context,
    principal: Caller,
    correlation_id: CorrelationId,
    reason: Reason = "",
) -> dict[str, Any]:
    """The person a case is about, as your role may see them (access-logged)."""
    view = read_person(ctx, principal, case_id, "person", correlation_id, reason)
    return {
        "case_id": case_id,
        "status": view.status,
        "version": view.version,
        "recorded_at": view.recorded_at,
        "recorded_by": view.recorded_by,
        "fields": view.fields,
        "history": list(view.history),
    }


@router.put("/api/cases/{case_id}/person", response_model=PersonSaved)
def put_person(
    case_id: UUID,
    body: PersonRecordBody,  # type: ignore[valid-type]
    ctx: Context,
    principal: Caller,
    correlation_id: CorrelationId,
    reason: Reason = "",
) -> dict[str, Any]:
    """Record or correct who the person is: the whole record, as a new
    version (the same values again change nothing)."""
    try:
        record = check_record(body.model_dump())  # type: ignore[attr-defined]
    except DomainError as error:
        raise InvalidInput(f"{error.field}: {error.message}") from None
    version = write_person(
        ctx, principal, case_id, record, "person_update", correlation_id, reason
    )
    return {"case_id": case_id, "version": version}


class PersonSearch(Body):
    """A name or alias, and optionally the year of birth. Sent in the body,
    never in the address, so no log of addresses holds it."""

    name: Annotated[str, Field(min_length=1, max_length=LINE_LENGTH)]
    birth_year: Annotated[int | None, Field(ge=EARLIEST_BIRTH_YEAR, le=LATEST.year)] = (
        None
    )


@router.post("/api/people/search", response_model=list[PersonFound])
def find_people(
    body: PersonSearch,
    ctx: Context,
    principal: Caller,
    correlation_id: CorrelationId,
) -> list[dict[str, Any]]:
    """Is this person already known? Matches folded name tokens ("cela"
    finds "Çela") and the birth year through the blind index, without
    decrypting anyone; cases you may not read show only as known elsewhere."""
    return search_people(
        ctx, principal, body.name, body.birth_year, "person_search", correlation_id
    )
