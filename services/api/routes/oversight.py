"""SOP oversight for coordinators, the Responsible Authority and auditors:
compliance per rule or region, overdue obligations, deadlines coming up.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from projections.compliance import compliance, near_deadline, overdue
from services.api import answers as a
from services.api.auth import Caller, Context, CorrelationId
from services.api.policy import may_oversee
from services.api.routes.commands import ERRORS

router = APIRouter(prefix="/api/sop", tags=["coordinators"], responses=ERRORS)

Limit = Annotated[int, Query(ge=1, le=500)]


@router.get("/compliance", response_model=list[a.ComplianceRow])
def read_compliance(
    ctx: Context,
    principal: Caller,
    correlation_id: CorrelationId,
    by: Literal["rule_id", "region"] = "rule_id",
) -> list[dict[str, Any]]:
    """Obligations per rule (or region): open, due soon, met, late, missed."""
    ctx.check(
        principal, "compliance", may_oversee(principal), correlation_id=correlation_id
    )
    ctx.read_models.refresh()
    with ctx.pool.connection() as conn:
        return compliance(conn, ctx.clock.now(), by)


@router.get("/overdue", response_model=list[a.DeadlineItem])
def read_overdue(
    ctx: Context, principal: Caller, correlation_id: CorrelationId, limit: Limit = 50
) -> list[dict[str, Any]]:
    """Obligations past their deadline and still unmet, most overdue first."""
    ctx.read(
        principal, "overdue", may_oversee(principal), correlation_id=correlation_id
    )
    ctx.read_models.refresh()
    with ctx.pool.connection() as conn:
        rows = overdue(conn, ctx.clock.now(), limit)
    return [{**row, "seconds": row["overdue_by"].total_seconds()} for row in rows]


@router.get("/approaching", response_model=list[a.DeadlineItem])
def read_approaching(
    ctx: Context, principal: Caller, correlation_id: CorrelationId, limit: Limit = 50
) -> list[dict[str, Any]]:
    """Obligations past their warning point, not yet due, soonest first."""
    ctx.read(
        principal, "approaching", may_oversee(principal), correlation_id=correlation_id
    )
    ctx.read_models.refresh()
    with ctx.pool.connection() as conn:
        rows = near_deadline(conn, ctx.clock.now(), limit)
    return [{**row, "seconds": row["due_in"].total_seconds()} for row in rows]
