"""Alerts for the police, Child Protection Units and the Responsible Authority.

An alerted authority sees the minimum: the case reference, region,
municipality, the minor flag and the times; never the subject reference.

``acknowledge`` is the one place an acknowledgement is recorded from outside.
The token route below calls it; a signed link in a notification (handlers/)
would add a route here that checks the link and calls ``acknowledge`` too.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse

from domain.commands import AcknowledgeAlert
from services.api import answers as a
from services.api import models as m
from services.api import queries
from services.api.auth import Caller, Context, CorrelationId, IdempotencyKey
from services.api.context import ApiContext
from services.api.idempotency import Answer
from services.api.policy import Principal, may_see_alert
from services.api.routes.commands import ERRORS, recorded_with, respond
from services.app.errors import VersionConflict

router = APIRouter(prefix="/api/alerts", tags=["police"], responses=ERRORS)

# An acknowledgement does not depend on what else the case recorded: when the
# caller names no version, a conflict means "reload and try again", up to this.
ACKNOWLEDGE_ATTEMPTS = 5


def alert_view(case: dict[str, Any], alert: dict[str, Any] | None) -> dict[str, Any]:
    """The minimum fields of an alert."""
    return {
        "case_id": case["case_id"],
        "region": case["region"],
        "municipality": case["municipality"],
        "is_minor": case["is_minor"],
        "identified_at": case["identified_at"],
        "notified_at": alert["notified_at"] if alert else None,
        "acknowledged_at": alert["acknowledged_at"] if alert else None,
    }


def visible_alerts(
    ctx: ApiContext, principal: Principal, correlation_id: str, view: str = "alerts"
) -> list[dict[str, Any]]:
    """The alerts sent to the caller's authority in their regions, logged."""
    authority = principal.alert_authority
    ctx.check(principal, view, authority is not None, correlation_id=correlation_id)
    assert authority is not None
    ctx.read_models.refresh()
    regions = None if principal.role == "responsible_authority" else principal.regions
    with ctx.pool.connection() as conn:
        candidates = queries.alerts(
            conn, authority, regions, recipient=_unit_of(principal)
        )
    shown = []
    for alert in candidates:
        # The read model names candidates; the aggregate decides.
        case = ctx.service.case(str(alert["case_id"]))
        if may_see_alert(principal, case):
            ctx.record(principal, view, correlation_id, case_id=alert["case_id"])
            shown.append(alert_view(case, alert))
    return shown


def _unit_of(principal: Principal) -> str | None:
    # A Child Protection Unit's list holds only the alerts sent to its entry;
    # a unit token without an entry is given none (an id no entry can have).
    if principal.role != "child_protection_unit":
        return None
    return principal.unit or "-"


def open_alert(
    ctx: ApiContext,
    principal: Principal,
    case_id: UUID,
    correlation_id: str,
    view: str = "alert",
) -> dict[str, Any]:
    """One alert's minimum fields, once the caller's right to it is checked."""
    case = ctx.service.case(str(case_id))
    ctx.read(
        principal,
        view,
        may_see_alert(principal, case),
        correlation_id=correlation_id,
        case_id=case_id,
    )
    authority = principal.alert_authority or ""
    if authority not in case["notified"]:
        raise HTTPException(404, f"no alert about case {case_id} was sent to you")
    ctx.read_models.refresh()
    with ctx.pool.connection() as conn:
        found = queries.alerts(
            conn,
            authority,
            None,
            limit=1,
            case_id=case_id,
            recipient=_unit_of(principal),
        )
    return alert_view(case, found[0] if found else None)


def acknowledge(
    ctx: ApiContext,
    request: Request,
    principal: Principal,
    case_id: UUID,
    body: m.AlertAcknowledgement,
    correlation_id: str,
    key: str | None,
) -> JSONResponse:
    """Record that the caller's authority acknowledged the alert about a case."""
    case = ctx.service.case(str(case_id))
    ctx.check(
        principal,
        "command:acknowledge_alert",
        may_see_alert(principal, case),
        correlation_id=correlation_id,
        case_id=case_id,
    )
    authority = principal.alert_authority or ""
    # The server's clock: an acknowledgement is recorded when it arrives.
    occurred_at: datetime = ctx.clock.now()

    def action(correlation: str) -> Answer:
        for attempt in range(ACKNOWLEDGE_ATTEMPTS):
            version = body.expected_version or ctx.service.case(str(case_id))["version"]
            try:
                result = ctx.service.run(
                    AcknowledgeAlert(authority=authority, reference=body.reference),
                    str(case_id),
                    expected_version=version,
                    actor_id=principal.user_id,
                    actor_role=principal.role,
                    occurred_at=occurred_at,
                    correlation_id=correlation,
                )
                return Answer(200, {**result, "correlation_id": correlation})
            except VersionConflict:
                earlier = recorded_with(ctx, case_id, correlation) if key else None
                if earlier is not None:
                    return Answer(200, {**earlier, "correlation_id": correlation})
                if body.expected_version is not None or (
                    attempt == ACKNOWLEDGE_ATTEMPTS - 1
                ):
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    return respond(ctx, request, principal, key, body, correlation_id, action)


@router.get("", response_model=list[a.Alert])
def list_alerts(
    ctx: Context, principal: Caller, correlation_id: CorrelationId
) -> list[dict[str, Any]]:
    """Alerts sent to you about cases of your regions, unacknowledged first."""
    return visible_alerts(ctx, principal, correlation_id)


@router.get("/{case_id}", response_model=a.Alert)
def read_alert(
    case_id: UUID, ctx: Context, principal: Caller, correlation_id: CorrelationId
) -> dict[str, Any]:
    """One alert: the minimum fields of the case."""
    return open_alert(ctx, principal, case_id, correlation_id)


@router.post("/{case_id}/acknowledge", response_model=m.Recorded)
def acknowledge_alert(
    request: Request,
    case_id: UUID,
    body: m.AlertAcknowledgement,
    ctx: Context,
    principal: Caller,
    correlation_id: CorrelationId,
    key: IdempotencyKey,
) -> JSONResponse:
    """Acknowledge an alert as the authority your role stands for."""
    return acknowledge(ctx, request, principal, case_id, body, correlation_id, key)
