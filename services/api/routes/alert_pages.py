"""One alert as a page: where a link in an alert e-mail takes the police, a
Child Protection Unit or the Responsible Authority, with the acknowledge
button. The same minimum fields as the alert list; the read is recorded in
the access log (view ``page:alert``), and a refusal too.
"""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from services.api.auth import Context, CorrelationId, Viewer
from services.api.routes.alerts import open_alert
from services.api.routes.pages import render

router = APIRouter(include_in_schema=False)


@router.get("/alerts/{case_id}", response_class=HTMLResponse)
def alert_page(
    case_id: UUID,
    request: Request,
    ctx: Context,
    viewer: Viewer,
    correlation_id: CorrelationId,
) -> HTMLResponse:
    """The alert about one case, with the acknowledge button until it is pressed."""
    alert = open_alert(ctx, viewer, case_id, correlation_id, view="page:alert")
    return render(request, viewer.language, "alert.html", viewer=viewer, alert=alert)
