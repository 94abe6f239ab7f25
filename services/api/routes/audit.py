"""For auditors: a case as it stood at any moment, and the access log."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query

from services.api import answers as a
from services.api.auth import Caller, Context, CorrelationId
from services.api.context import ApiContext
from services.api.models import Moment
from services.api.policy import Principal, may_audit
from services.api.routes.commands import ERRORS
from services.api.sop_view import facts_of_rows, judge
from services.api.text_view import show_event_texts

router = APIRouter(prefix="/api", tags=["auditors"], responses=ERRORS)


def history_as_of(
    ctx: ApiContext,
    principal: Principal,
    case_id: UUID,
    as_of: datetime,
    correlation_id: str,
    view: str = "history",
    gettext: Callable[[str], str] = str,
) -> dict[str, Any]:
    """The case, its events and its obligations as anyone could see them at ``as_of``.

    The obligations are judged at ``as_of`` from the events recorded by then,
    by the rule set in force when each arose. Typed text shows for a role
    that may see the person's data (``services.api.text_view``), in the
    language of ``gettext``.
    """
    ctx.read(
        principal,
        view,
        may_audit(principal),
        correlation_id=correlation_id,
        case_id=case_id,
    )
    history = ctx.service.history(str(case_id), as_of)
    show_event_texts(
        ctx, principal, history["case"], history["events"], correlation_id, gettext
    )
    facts = facts_of_rows(case_id, history["events"])
    history["obligations"] = [
        {
            "obligation_id": o.obligation_id,
            "rule_id": o.rule_id,
            "ruleset_version": o.ruleset_version,
            "due_at": o.due_at,
            "status": str(o.status),
            "met_at": o.met_at,
            "met_by_version": o.met_by_version,
        }
        for o in judge(facts, ctx.rulebook, ctx.calendar, as_of)
    ]
    return history


@router.get("/cases/{case_id}/history", response_model=a.History)
def read_history(
    case_id: UUID,
    as_of: Annotated[Moment, Query(description="ISO 8601 with offset")],
    ctx: Context,
    principal: Caller,
    correlation_id: CorrelationId,
) -> dict[str, Any]:
    """A case as it stood at ``as_of``, with the events recorded by then."""
    return history_as_of(ctx, principal, case_id, as_of, correlation_id)


@router.get("/access-log", response_model=list[a.AccessEntry])
def read_access_log(
    ctx: Context,
    principal: Caller,
    correlation_id: CorrelationId,
    case_id: UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[dict[str, Any]]:
    """Who read which case, when, through which view, and whether it was allowed."""
    ctx.read(
        principal,
        "access_log",
        may_audit(principal),
        correlation_id=correlation_id,
        case_id=case_id,
    )
    return ctx.access_log.entries(
        case_id=str(case_id) if case_id else None, limit=limit
    )
