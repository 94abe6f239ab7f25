"""The acknowledgement link in an alert: ``/ack/{token}``.

The signed token is the authority (``handlers.acknowledgements``): no log-in.
Opening the link shows a button; only pressing it (a POST) records
``AlertAcknowledged``, because mail scanners and link previews open links on
their own and must not acknowledge an alert nobody has read.
"""

from __future__ import annotations

import html

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from domain.errors import DomainError
from handlers.acknowledgements import InvalidToken, acknowledge
from handlers.ports import CaseChanged
from services.api.context import ApiContext
from services.app.case_alerts import ServiceCaseAlerts

router = APIRouter(tags=["alerts"], include_in_schema=False)

PAGE = """<!doctype html>
<html lang="sq"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Vatra</title></head>
<body style="font-family:sans-serif;max-width:32em;margin:2em auto;padding:0 1em">
{body}
</body></html>"""


def _page(body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(PAGE.format(body=body), status_code=status)


def _context(request: Request) -> ApiContext:
    context: ApiContext = request.app.state.context
    return context


@router.get("/ack/{token}", response_class=HTMLResponse)
def confirm(token: str, request: Request) -> HTMLResponse:
    """Ask the authority to confirm that it received the alert."""
    context = _context(request)
    if context.ack_tokens is None:
        return _page("<p>Acknowledgement links are not enabled.</p>", 404)
    try:
        context.ack_tokens.verify(token)
    except InvalidToken as error:
        return _page(f"<p>{html.escape(error.message)}</p>", 400)
    return _page(
        "<h1>Konfirmo marrjen e njoftimit / Confirm you received the alert</h1>"
        f'<form method="post" action="/ack/{html.escape(token)}">'
        '<button type="submit" style="font-size: 1.2em; padding: .5em 1em">'
        "Konfirmo / Confirm</button></form>"
    )


@router.post("/ack/{token}", response_class=HTMLResponse)
def record(token: str, request: Request) -> HTMLResponse:
    """Record ``AlertAcknowledged`` on the case, once however often it is pressed."""
    context = _context(request)
    if context.ack_tokens is None:
        return _page("<p>Acknowledgement links are not enabled.</p>", 404)
    try:
        result = acknowledge(
            token,
            tokens=context.ack_tokens,
            pool=context.pool,
            cases=ServiceCaseAlerts(context.service),
            clock=context.clock,
        )
    except InvalidToken as error:
        return _page(f"<p>{html.escape(error.message)}</p>", 400)
    except (CaseChanged, DomainError):
        # The alert's delivery is still being recorded on the case, or the
        # case kept changing: nothing was recorded, and pressing again works.
        return _page(
            "<p>Konfirmimi nuk u regjistrua dot tani: njoftimi po regjistrohet "
            "ende. Ju lutemi shtypni përsëri pas pak. / Your acknowledgement "
            "could not be recorded just now: the alert is still being recorded. "
            "Please press again in a moment.</p>",
            409,
        )
    already = result["status"] == "already_acknowledged"
    return _page(
        "<h1>Faleminderit / Thank you</h1><p>"
        + (
            "Njoftimi ishte konfirmuar më parë. / The alert was already acknowledged."
            if already
            else "Marrja e njoftimit u regjistrua. / Your acknowledgement is recorded."
        )
        + "</p>"
    )
