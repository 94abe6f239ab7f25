"""The acknowledgement link in an alert: ``/ack/{token}``.

The signed token is the authority (``handlers.acknowledgements``): no log-in.
Opening the link shows a button; only pressing it (a POST) records
``AlertAcknowledged``, because mail scanners and link previews open links on
their own and must not acknowledge an alert nobody has read. The page speaks
the language its reader chose with the switch, else the one their browser
asks for (Albanian by default).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from domain.errors import DomainError
from handlers.acknowledgements import InvalidToken, acknowledge
from handlers.ports import CaseChanged
from services.api.context import ApiContext
from services.api.i18n import visitor_language
from services.api.routes.pages import render
from services.app.case_alerts import ServiceCaseAlerts

router = APIRouter(tags=["alerts"], include_in_schema=False)


def _context(request: Request) -> ApiContext:
    context: ApiContext = request.app.state.context
    return context


def _page(
    request: Request, state: str, token: str = "", status: int = 200
) -> HTMLResponse:
    return render(
        request,
        visitor_language(request),
        "ack.html",
        status,
        viewer=None,
        state=state,
        token=token,
    )


@router.get("/ack/{token}", response_class=HTMLResponse)
def confirm(token: str, request: Request) -> HTMLResponse:
    """Ask the authority to confirm that it received the alert."""
    context = _context(request)
    if context.ack_tokens is None:
        return _page(request, "off", status=404)
    try:
        context.ack_tokens.verify(token)
    except InvalidToken:
        return _page(request, "invalid", status=400)
    return _page(request, "confirm", token)


@router.post("/ack/{token}", response_class=HTMLResponse)
def record(token: str, request: Request) -> HTMLResponse:
    """Record ``AlertAcknowledged`` on the case, once however often it is pressed."""
    context = _context(request)
    if context.ack_tokens is None:
        return _page(request, "off", status=404)
    try:
        result = acknowledge(
            token,
            tokens=context.ack_tokens,
            pool=context.pool,
            cases=ServiceCaseAlerts(context.service),
            clock=context.clock,
        )
    except InvalidToken:
        return _page(request, "invalid", status=400)
    except (CaseChanged, DomainError):
        # The alert's delivery is still being recorded on the case, or the
        # case kept changing: nothing was recorded, and pressing again works.
        return _page(request, "busy", token, 409)
    already = result["status"] == "already_acknowledged"
    return _page(request, "already" if already else "recorded")
