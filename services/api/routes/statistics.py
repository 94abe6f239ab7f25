"""The statistics page and its downloads, for coordinators, the Responsible
Authority and auditors.

``/statistics`` shows every table of a period (``preset=report``: the report
inputs for GRETA and TIP) with charts drawn on the server (SVG, each with the
table of its numbers); ``/statistics/download`` gives the same tables as CSV
or Excel. Every figure is published with small-cell protection
(``services.stats.tables.publish``); ``exact=1`` on a download, for auditors
only, gives the unsuppressed tables, and is recorded in the access log as
such. Every view is in the access log.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from domain.catalogue import CASE_TYPES, REGIONS
from domain.clock import TIRANE
from services.api.auth import Context, CorrelationId, Viewer
from services.api.policy import Principal, may_oversee
from services.api.routes.pages import PAGE_HEADERS, error_page, render
from services.api.wording import Wording
from services.stats.charts import chart_of
from services.stats.formats import to_csv, to_xlsx
from services.stats.heading import describe, suppression_note
from services.stats.period import KINDS, Choice, PeriodError, choose
from services.stats.sets import tables
from services.stats.tables import Published, publish

router = APIRouter(include_in_schema=False)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"


def may_read_unsuppressed(principal: Principal) -> bool:
    """The unsuppressed export is for auditors only."""
    return principal.role == "auditor"


def _published(
    ctx: Context, choice: Choice, w: Wording, *, exact: bool = False
) -> list[Published]:
    ctx.read_models.refresh()
    with ctx.pool.connection() as conn:
        found = tables(conn, choice.filters(), ctx.clock.now(), w, choice.preset)
    return [publish(t, ctx.stats_threshold, exact=exact) for t in found]


def _choice(request: Request, ctx: Context) -> Choice:
    today = ctx.clock.now().astimezone(TIRANE).date()
    return choose(dict(request.query_params), today)


@router.get("/statistics", response_class=HTMLResponse)
def statistics_page(
    request: Request, ctx: Context, viewer: Viewer, correlation_id: CorrelationId
) -> HTMLResponse:
    """Statistics of a period, region and case type, small cells suppressed."""
    ctx.read(
        viewer, "page:statistics", may_oversee(viewer), correlation_id=correlation_id
    )
    try:
        choice = _choice(request, ctx)
    except PeriodError as error:
        return error_page(request, 422, str(error), kind="bad_request")
    w = Wording.of(viewer.language, ctx.rulebook)
    published = _published(ctx, choice, w)
    return render(
        request,
        viewer.language,
        "statistics.html",
        viewer=viewer,
        choice=choice,
        kinds=KINDS,
        regions=sorted(REGIONS),
        case_types=sorted(CASE_TYPES),
        tables=[
            (p, chart_of(p, w._("The numbers are in the table below.")))
            for p in published
        ],
        suppression_note=suppression_note(w, ctx.stats_threshold),
        threshold=ctx.stats_threshold,
        query=request.url.query,
        may_export_exact=may_read_unsuppressed(viewer),
    )


@router.get("/statistics/download")
def statistics_download(
    request: Request, ctx: Context, viewer: Viewer, correlation_id: CorrelationId
) -> Response:
    """The page's tables as CSV (``format=csv``) or Excel (``format=xlsx``);
    ``exact=1``: unsuppressed, auditors only, recorded as such."""
    exact = request.query_params.get("exact") == "1"
    view = "statistics:unsuppressed" if exact else "statistics:download"
    allowed = may_read_unsuppressed(viewer) if exact else may_oversee(viewer)
    ctx.read(viewer, view, allowed, correlation_id=correlation_id)
    fmt = request.query_params.get("format", "csv")
    try:
        choice = _choice(request, ctx)
        if fmt not in ("csv", "xlsx"):
            raise PeriodError("format is csv or xlsx")
    except PeriodError as error:
        return error_page(request, 422, str(error), kind="bad_request")
    w = Wording.of(viewer.language, ctx.rulebook)
    published = _published(ctx, choice, w, exact=exact)
    heading = describe(choice, w, ctx.stats_threshold, exact=exact)
    name = f"vatra-statistics-{choice.first}-{choice.last}"
    if exact:
        name += "-unsuppressed"
    headers = {
        **PAGE_HEADERS,
        "Content-Disposition": f'attachment; filename="{name}.{fmt}"',
    }
    if fmt == "xlsx":
        body = to_xlsx(heading, published, w._("About"))
        return Response(body, media_type=XLSX, headers=headers)
    return Response(to_csv(heading, published), media_type=CSV, headers=headers)
