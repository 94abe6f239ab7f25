"""Helpers for the SOP clock tests: build a clock, read what it recorded."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from domain.events import DeadlineBreached, DeadlineWarning
from projections.compliance import case_obligations
from services.app.service import CaseService
from services.config.bootstrap import Backbone
from services.workers.sop_clock import SopClock

DeadlineMark = tuple[str, str, datetime, datetime]


def sop_clock_for(backbone: Backbone, **overrides: Any) -> SopClock:
    """A clock as embedded mode runs it: catching up before deciding, 1 s ticks."""
    options: dict[str, Any] = {
        "interval": 1.0,
        "catch_up": backbone.follower.catch_up,
        **overrides,
    }
    return SopClock(
        backbone.service,
        backbone.pool,
        backbone.clock,
        backbone.rulebook,
        backbone.calendar,
        **options,
    )


def deadline_marks(
    service: CaseService, case: dict[str, Any], rule_id: str | None = None
) -> list[DeadlineMark]:
    """(event type, obligation id, occurred_at, due_at) of the clock's events."""
    return [
        (type(e).__name__, e.obligation_id, e.occurred_at, e.due_at)
        for e in service.app.case_events(case["case_id"])
        if isinstance(e, DeadlineWarning | DeadlineBreached)
        and (rule_id is None or e.rule_id == rule_id)
    ]


def breaches_by_obligation(service: CaseService, case_id: str) -> dict[str, int]:
    """How many DeadlineBreached events each obligation of the case has."""
    counts: dict[str, int] = {}
    for event in service.app.case_events(case_id):
        if isinstance(event, DeadlineBreached):
            counts[event.obligation_id] = counts.get(event.obligation_id, 0) + 1
    return counts


def obligation_rows(
    backbone: Backbone, case: dict[str, Any], now: datetime | None = None
) -> dict[str, dict[str, Any]]:
    """The case's obligations in the read model (brought up to date first)."""
    backbone.follower.catch_up()
    with backbone.pool.connection() as conn:
        rows = case_obligations(
            conn, UUID(case["case_id"]), now or backbone.clock.now()
        )
    return {row["obligation_id"]: row for row in rows}
