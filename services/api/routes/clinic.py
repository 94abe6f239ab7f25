"""The legal clinic's page, ``/clinic``: the hearings of the coming weeks, each
with who goes with the person (and a way to name someone when nobody does),
and the open proceedings per lawyer. For the clinic's lawyers and
psychologists (their regions) and coordinators (every region).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from domain.clinic_commands import AssignHearingCompanions
from domain.clock import TIRANE
from projections.clinic import ClinicCase, clinic_cases
from services.api.auth import Context, CorrelationId, Viewer
from services.api.clinic_wording import shown_time
from services.api.policy import Principal
from services.api.routes.pages import render
from services.api.wording import Wording

router = APIRouter(include_in_schema=False)

# How far ahead the calendar of hearings looks.
CALENDAR_WEEKS = 6
CLINIC_ROLES = frozenset({"lawyer", "psychologist"})


def may_see_clinic(viewer: Principal) -> bool:
    return viewer.role in CLINIC_ROLES or viewer.role == "coordinator"


def _regions(viewer: Principal) -> Sequence[str] | None:
    return None if viewer.role == "coordinator" else sorted(viewer.regions)


def calendar(
    w: Wording, cases: Sequence[ClinicCase], now: datetime
) -> list[dict[str, Any]]:
    """The hearings not yet held from ``now`` to ``CALENDAR_WEEKS`` ahead,
    soonest first."""
    start = now.astimezone(TIRANE).strftime("%Y-%m-%dT%H:%M")
    end = (now + timedelta(weeks=CALENDAR_WEEKS)).astimezone(TIRANE)
    last = end.strftime("%Y-%m-%dT%H:%M")
    found = []
    for case in cases:
        for hearing in case.hearings:
            if hearing.held or not start <= hearing.hearing_at <= last:
                continue
            court = w.code("court", hearing.court) if hearing.court else ""
            who = (hearing.lawyer_id, hearing.psychologist_id)
            path = AssignHearingCompanions.declaration.path
            found.append(
                {
                    "at": hearing.hearing_at,
                    "shown": shown_time(hearing.hearing_at),
                    "court": court or w._("a court named on the case"),
                    "case": str(case.case_id),
                    "short_id": case.short_id,
                    "hearing": hearing.hearing_id,
                    "who": [person for person in who if person],
                    "assign": f"/cases/{case.case_id}/steps/{path}"
                    f"?hearing_id={hearing.hearing_id}",
                }
            )
    return sorted(found, key=lambda h: (h["at"], h["short_id"]))


def per_lawyer(cases: Sequence[ClinicCase]) -> list[dict[str, Any]]:
    """The cases with open proceedings, by the lawyer working each."""
    grouped: dict[str, list[ClinicCase]] = {}
    for case in cases:
        if case.proceedings_open:
            grouped.setdefault(case.lawyer, []).append(case)
    return [
        {
            "lawyer": lawyer,
            "cases": [
                {"case": str(c.case_id), "short_id": c.short_id}
                for c in sorted(found, key=lambda c: c.short_id)
            ],
        }
        for lawyer, found in sorted(grouped.items())
    ]


@router.get("/clinic", response_class=HTMLResponse)
def clinic_page(
    request: Request, ctx: Context, viewer: Viewer, correlation_id: CorrelationId
) -> HTMLResponse:
    """The hearings of the coming weeks and the open proceedings per lawyer."""
    ctx.read(
        viewer, "page:clinic", may_see_clinic(viewer), correlation_id=correlation_id
    )
    ctx.read_models.refresh()
    now = ctx.clock.now()
    with ctx.pool.connection() as conn:
        cases = clinic_cases(conn, _regions(viewer))
    w = Wording.of(viewer.language, ctx.rulebook)
    return render(
        request,
        viewer.language,
        "clinic.html",
        200,
        viewer=viewer,
        hearings=calendar(w, cases, now),
        lawyers=per_lawyer(cases),
        weeks=CALENDAR_WEEKS,
        now=now,
    )
