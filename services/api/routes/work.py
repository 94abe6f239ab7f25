"""The pages of work to do: each worker's task list, and the SOP dashboard.

- ``/tasks``: what is due next, soonest first, for the person looking: the
  outstanding SOP obligations of the cases they own; for a caseworker of an
  agency that receives referrals (a shelter), the referrals to that agency
  waiting for its answer; for the Responsible Authority, the status decisions
  due. Each item links to its case and to the form of the step that meets it.
- ``/dashboard`` (coordinators, the Responsible Authority, auditors): every
  overdue item with who must act, what is due soon, how many obligations were
  set aside (``/dashboard/set-aside`` lists them), and on-time rates.

Every list is a page of a bounded size with its total, read through indexes.
"""

from __future__ import annotations

import dataclasses

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from projections.compliance import compliance
from projections.obligation_rows import agency_key
from projections.work import (
    Tasks,
    due_soon_items,
    overdue_items,
    set_aside_items,
    tasks,
)
from services.api.auth import Context, CorrelationId, Viewer
from services.api.case_finder import readable_regions
from services.api.policy import (
    ALL_REGION_READERS,
    CASEWORKER_ROLES,
    Principal,
    may_oversee,
)
from services.api.routes.pages import render
from services.api.work_view import Paging, guide_for, page_number, work_items
from services.app.sop_actors import Actor

router = APIRouter(include_in_schema=False)

# Who has a task list: those who own cases, answer referrals or decide status.
TASK_ROLES = CASEWORKER_ROLES | (ALL_REGION_READERS - {"auditor"})


def may_have_tasks(principal: Principal) -> bool:
    return principal.role in TASK_ROLES


@router.get("/tasks", response_class=HTMLResponse)
def task_list(
    request: Request, ctx: Context, viewer: Viewer, correlation_id: CorrelationId
) -> HTMLResponse:
    """What is due next for the person looking, soonest first."""
    ctx.read(
        viewer, "page:tasks", may_have_tasks(viewer), correlation_id=correlation_id
    )
    ctx.read_models.refresh()
    now = ctx.clock.now()
    guide = guide_for(ctx.rulebook)
    whose = Tasks(
        owner=viewer.user_id,
        agency_key=_agency_key(viewer),
        agency_rules=guide.acted_by([Actor.AGENCY]),
        actor_rules=(
            guide.acted_by([Actor.RESPONSIBLE_AUTHORITY])
            if viewer.role == "responsible_authority"
            else ()
        ),
        regions=readable_regions(viewer),
    )
    paging = Paging(0, page_number(request.query_params.get("page")), viewer.language)
    with ctx.pool.connection() as conn:
        found = tasks(
            conn,
            whose,
            now,
            guide.in_force(now),
            limit=paging.size,
            offset=paging.offset,
        )
    return render(
        request,
        viewer.language,
        "tasks.html",
        viewer=viewer,
        items=work_items(found.rows, guide, viewer, now),
        paging=_total(paging, found.total),
        now=now,
    )


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard(
    request: Request, ctx: Context, viewer: Viewer, correlation_id: CorrelationId
) -> HTMLResponse:
    """SOP dashboard: every overdue item, then due soon, set aside, on-time rates."""
    ctx.read(
        viewer, "page:dashboard", may_oversee(viewer), correlation_id=correlation_id
    )
    ctx.read_models.refresh()
    now = ctx.clock.now()
    guide = guide_for(ctx.rulebook)
    rules = guide.in_force(now)
    params = request.query_params
    keep = list(params.items())
    late = Paging(0, page_number(params.get("page")), viewer.language, keep)
    soon = Paging(0, page_number(params.get("soon")), viewer.language, keep, "soon")
    with ctx.pool.connection() as conn:
        overdue = overdue_items(conn, now, rules, limit=late.size, offset=late.offset)
        due_soon = due_soon_items(conn, now, rules, limit=soon.size, offset=soon.offset)
        set_aside = set_aside_items(conn, now, rules, limit=1)
        by_region = compliance(conn, now, "region")
        by_rule = compliance(conn, now, "rule_id")
    return render(
        request,
        viewer.language,
        "dashboard.html",
        viewer=viewer,
        overdue=work_items(overdue.rows, guide, viewer, now),
        overdue_paging=_total(late, overdue.total),
        approaching=work_items(due_soon.rows, guide, viewer, now),
        approaching_paging=_total(soon, due_soon.total),
        set_aside_total=set_aside.total,
        by_region=by_region,
        by_rule=by_rule,
        now=now,
    )


@router.get("/dashboard/set-aside", response_class=HTMLResponse)
def set_aside_page(
    request: Request, ctx: Context, viewer: Viewer, correlation_id: CorrelationId
) -> HTMLResponse:
    """The obligations past their deadline that are no longer work to do."""
    ctx.read(
        viewer,
        "page:dashboard:set-aside",
        may_oversee(viewer),
        correlation_id=correlation_id,
    )
    ctx.read_models.refresh()
    now = ctx.clock.now()
    guide = guide_for(ctx.rulebook)
    paging = Paging(0, page_number(request.query_params.get("page")), viewer.language)
    with ctx.pool.connection() as conn:
        found = set_aside_items(
            conn, now, guide.in_force(now), limit=paging.size, offset=paging.offset
        )
    return render(
        request,
        viewer.language,
        "set_aside.html",
        viewer=viewer,
        items=work_items(found.rows, guide, viewer, now),
        paging=_total(paging, found.total),
        now=now,
    )


def _agency_key(viewer: Principal) -> str | None:
    """The viewer's agency, matched as the read model matches referrals."""
    # Shelter staff name their agency as a code of the catalogue (``--unit``),
    # other caseworkers of an agency by its name (``--agency``).
    name = viewer.agency or (viewer.unit if viewer.role == "shelter_staff" else None)
    return agency_key(name) if name else None


def _total(paging: Paging, total: int) -> Paging:
    return dataclasses.replace(paging, total=total)
