"""The language switch in every page's header: Albanian or English.

A logged-in user's choice is kept with the user (``api_users.language``), so
every page and device speaks it from then on; before log-in (and after
log-out) a cookie keeps it. The form posts here from this site only (with
the session's token once logged in), then the browser goes back to the page
it was on.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from services.api.auth import SESSION_COOKIE, Context, page_viewer
from services.api.csrf import check_form, same_origin
from services.api.i18n import LANGUAGE_COOKIE, LANGUAGES
from services.api.next_page import MAX_NEXT, local_path
from services.app.errors import InvalidInput

router = APIRouter(include_in_schema=False)

LANGUAGE_COOKIE_SECONDS = 365 * 24 * 3600


@router.post("/language")
def choose_language(
    request: Request,
    ctx: Context,
    language: Annotated[str, Form(max_length=8)] = "",
    next: Annotated[str, Form(max_length=MAX_NEXT)] = "",
    csrf: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Speak ``language`` from now on, then go back to ``next`` (a local path)."""
    token = request.cookies.get(SESSION_COOKIE, "")
    # Logged in, the form carries the session's token; before, the origin is
    # all there is to check.
    if token:
        check_form(request, csrf)
    else:
        same_origin(request)
    if language not in LANGUAGES:
        raise InvalidInput(
            f"language {language!r} is not offered; languages: {', '.join(LANGUAGES)}"
        )
    viewer = page_viewer(request) if token else None
    if viewer is not None:
        ctx.users.set_language(viewer.user_id, language)
    response = RedirectResponse(local_path(next) or "/", status_code=303)
    response.set_cookie(
        LANGUAGE_COOKIE,
        language,
        max_age=LANGUAGE_COOKIE_SECONDS,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )
    return response
