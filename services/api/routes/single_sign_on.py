"""Log-in through an OpenID provider, when single sign-on is configured.

1. ``GET /login/sso`` (the button on the log-in page; a plain form, no
   script) starts an attempt (``services.accounts.single_sign_on``), keeps
   its id in a cookie of its own and sends the browser to the provider.
2. The provider sends the browser back to ``GET /login/sso/callback``. A
   valid answer naming an active account here is a proved identity in place
   of the password: the log-in goes on with what is still owed, the second
   factor of this system included (the provider's own multi-factor is not
   taken in its place). Anything else gets the same answer as a wrong
   password, and is recorded as a failed log-in.

Both answer 404 when single sign-on is off.

The attempt's cookie is ``SameSite=Lax``, not ``Strict`` like the others:
the provider's redirect back is a cross-site navigation, on which a strict
cookie is not sent. It names the attempt only, and grants nothing by itself.
"""

from __future__ import annotations

from typing import Annotated

import structlog
from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response

from services.accounts.single_sign_on import (
    OpenIdProvider,
    ProviderUnavailable,
    SingleSignOnRefused,
)
from services.api.auth import Context
from services.api.context import ApiContext
from services.api.i18n import visitor_language
from services.api.next_page import MAX_NEXT, local_path
from services.api.routes.login import second_step, single_sign_on
from services.api.routes.pages import render
from services.api.session_cookie import clear_cookie, secure_cookie

log = structlog.get_logger("vatra.accounts")
router = APIRouter(include_in_schema=False)

FLOW_COOKIE = "vatra_sso"
FLOW_PATH = "/login/sso"
MAX_PARAMETER = 2048


def _provider(ctx: ApiContext) -> OpenIdProvider:
    if ctx.single_sign_on is None:
        raise HTTPException(404, "single sign-on is off")
    return ctx.single_sign_on


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _login_page(
    request: Request, ctx: ApiContext, status: int, next_path: str, **page: bool
) -> Response:
    response = render(
        request,
        visitor_language(request),
        "login.html",
        status,
        viewer=None,
        next=local_path(next_path) or "",
        single_sign_on=single_sign_on(ctx),
        **{"failed": False, **page},
    )
    clear_cookie(request, response, FLOW_COOKIE, FLOW_PATH)
    return response


@router.get("/login/sso", response_model=None)
def begin(
    request: Request,
    ctx: Context,
    next: Annotated[str, Query(max_length=MAX_NEXT)] = "",
) -> Response:
    """Send the browser to the OpenID provider to log in."""
    provider = _provider(ctx)
    try:
        flow_id, url = provider.begin(str(request.base_url), local_path(next) or "")
    except ProviderUnavailable as error:
        log.warning("single_sign_on_unavailable", reason=str(error))
        return _login_page(request, ctx, 503, next, unavailable=True)
    response = RedirectResponse(url, status_code=303)
    response.set_cookie(
        FLOW_COOKIE,
        flow_id,
        httponly=True,
        samesite="lax",
        secure=secure_cookie(request),
        path=FLOW_PATH,
    )
    return response


@router.get("/login/sso/callback", response_model=None)
def callback(
    request: Request,
    ctx: Context,
    state: Annotated[str, Query(max_length=MAX_PARAMETER)] = "",
    code: Annotated[str, Query(max_length=MAX_PARAMETER)] = "",
) -> Response:
    """The provider's answer: on to the second factor, or refused."""
    provider = _provider(ctx)
    address = _address(request)
    try:
        verified = provider.finish(request.cookies.get(FLOW_COOKIE, ""), state, code)
    except ProviderUnavailable as error:
        log.warning("single_sign_on_unavailable", reason=str(error))
        return _login_page(request, ctx, 503, "", unavailable=True)
    except SingleSignOnRefused as error:
        log.info("single_sign_on_refused", reason=str(error))
        ctx.logins.fail("", address)
        return _login_page(request, ctx, 401, "", failed=True)
    if not ctx.logins.may_log_in(verified.username, address):
        log.info("single_sign_on_refused", reason="no active account may log in")
        return _login_page(request, ctx, 401, verified.next_path, failed=True)
    response = second_step(request, ctx, verified.username, verified.next_path)
    clear_cookie(request, response, FLOW_COOKIE, FLOW_PATH)
    return response
