"""The log-in: a username and password, then the second factor; the log-out.

1. ``POST /login`` checks the password (``services.accounts.login``). Right,
   it starts a log-in in progress (its own short-lived cookie, good for the
   next steps only) and goes on to ``/login/next``; wrong, for whatever
   reason, the form says the same thing every time.
2. ``/login/next`` asks for what is still owed: a new password if the
   account has a one-time one, then the second factor, set up there if the
   account has none yet (the secret as text and as a QR code).
3. The right code starts the page session (``start_page_session``).

``next`` (a local path) travels along, so the person lands where they were
going. ``POST /logout`` ends the session on the server.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.accounts.passwords import MAX_INPUT, check_new_password
from services.accounts.second_factor import grouped, new_secret, qr_svg
from services.api.auth import SESSION_COOKIE, Context
from services.api.context import ApiContext
from services.api.csrf import FormRefused, check_form, same_origin, token_for
from services.api.i18n import visitor_language
from services.api.next_page import MAX_NEXT, local_path, login_url
from services.api.routes.pages import render
from services.api.session_cookie import (
    LOGIN_COOKIE,
    LOGIN_PATH,
    clear_cookie,
    set_cookie,
    start_page_session,
)
from services.app.errors import InvalidInput

router = APIRouter(include_in_schema=False)

Next = Annotated[str, Form(max_length=MAX_NEXT)]


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def single_sign_on(ctx: ApiContext) -> str | None:
    """The label of the single sign-on button ("" for the default), or None
    when single sign-on is off."""
    return ctx.single_sign_on.label if ctx.single_sign_on is not None else None


@router.get("/login", response_class=HTMLResponse)
def login_form(
    request: Request,
    ctx: Context,
    next: Annotated[str, Query(max_length=MAX_NEXT)] = "",
) -> HTMLResponse:
    """The log-in form; ``next`` is the page to return to afterwards."""
    return render(
        request,
        visitor_language(request),
        "login.html",
        viewer=None,
        failed=False,
        next=local_path(next) or "",
        single_sign_on=single_sign_on(ctx),
    )


@router.post("/login")
def login(
    request: Request,
    ctx: Context,
    # No NUL or other control character: no username holds one.
    username: Annotated[str, Form(max_length=200, pattern=r"^[^\x00-\x1f\x7f]*$")] = "",
    password: Annotated[str, Form(max_length=MAX_INPUT + 1)] = "",
    next: Next = "",
) -> Response:
    """Check the username and password; right, go on to the second factor."""
    # No session yet, so no form token to check: the origin is.
    same_origin(request)
    if not ctx.logins.check_password(username, password, _address(request)):
        return render(
            request,
            visitor_language(request),
            "login.html",
            401,
            viewer=None,
            failed=True,
            username=username.strip()[:100],
            next=local_path(next) or "",
            single_sign_on=single_sign_on(ctx),
        )
    login_id = ctx.sessions.start(username.strip(), stage="login")
    response = RedirectResponse(_next_step(next), status_code=303)
    set_cookie(request, response, LOGIN_COOKIE, login_id, LOGIN_PATH)
    return response


def _next_step(next_path: str) -> str:
    target = local_path(next_path)
    return "/login/next" + (login_url(target).removeprefix("/login") if target else "")


@router.get("/login/next", response_class=HTMLResponse, response_model=None)
def login_step(
    request: Request,
    ctx: Context,
    next: Annotated[str, Query(max_length=MAX_NEXT)] = "",
) -> Response:
    """What the log-in still needs: a new password, or the second factor."""
    return _step_page(request, ctx, local_path(next) or "", failed="")


def _step_page(
    request: Request,
    ctx: Context,
    next_path: str,
    failed: str,
    status: int = 200,
    login_id: str | None = None,
) -> Response:
    if login_id is None:
        login_id = request.cookies.get(LOGIN_COOKIE, "")
    progress = ctx.sessions.login_in_progress(login_id)
    if progress is None:
        return RedirectResponse(login_url(next_path), status_code=303)
    user_id = progress.user_id
    language = visitor_language(request)
    page = {"viewer": None, "next": next_path, "failed": failed}
    page["csrf"] = token_for(login_id)
    if ctx.logins.must_change_password(user_id):
        return render(request, language, "login_password.html", status, **page)
    secret = None
    if ctx.logins.second_factor(user_id) is None:
        if progress.new_secret is None:
            secret = new_secret()
            ctx.sessions.keep_new_secret(login_id, ctx.logins.box.seal(secret, user_id))
        else:
            secret = ctx.logins.box.open(progress.new_secret, user_id)
    return render(
        request,
        language,
        "login_code.html",
        status,
        **page,
        secret=grouped(secret) if secret else "",
        qr=qr_svg(secret, user_id) if secret else "",
        user_id=user_id,
    )


def second_step(
    request: Request, ctx: ApiContext, user_id: str, next_path: str
) -> Response:
    """Start a log-in in progress for ``user_id``, whose identity is proved
    (by the password or the OpenID provider), and answer with the page of
    what is still owed (a new password, the second factor) at once."""
    login_id = ctx.sessions.start(user_id, stage="login")
    response = _step_page(request, ctx, local_path(next_path) or "", "", 200, login_id)
    set_cookie(request, response, LOGIN_COOKIE, login_id, LOGIN_PATH)
    return response


def _check_login_form(request: Request, csrf: str) -> str:
    """The log-in in progress's id, if the form is its own."""
    same_origin(request)
    login_id = request.cookies.get(LOGIN_COOKIE, "")
    expected = token_for(login_id).encode() if login_id else b""
    if not expected or not hmac.compare_digest(csrf.encode(), expected):
        raise FormRefused("this form has expired or was not sent from this site")
    return login_id


@router.post("/login/password", response_model=None)
def choose_password(
    request: Request,
    ctx: Context,
    password: Annotated[str, Form(max_length=MAX_INPUT + 1)] = "",
    again: Annotated[str, Form(max_length=MAX_INPUT + 1)] = "",
    csrf: Annotated[str, Form(max_length=200)] = "",
    next: Next = "",
) -> Response:
    """The person's own password, in place of the one-time one."""
    login_id = _check_login_form(request, csrf)
    progress = ctx.sessions.login_in_progress(login_id)
    if progress is None or not ctx.logins.must_change_password(progress.user_id):
        return RedirectResponse(_next_step(next), status_code=303)
    failed = "differ" if password != again else ""
    if not failed:
        try:
            check_new_password(password, progress.user_id)
        except InvalidInput:
            failed = "rules"
    if failed:
        return _step_page(request, ctx, local_path(next) or "", failed, 422)
    ctx.accounts.change_own_password(progress.user_id, password)
    return RedirectResponse(_next_step(next), status_code=303)


@router.post("/login/code", response_model=None)
def second_factor(
    request: Request,
    ctx: Context,
    code: Annotated[str, Form(max_length=20)] = "",
    csrf: Annotated[str, Form(max_length=200)] = "",
    next: Next = "",
) -> Response:
    """Check the code; right, the page session starts (and a second factor
    being set up is kept)."""
    login_id = _check_login_form(request, csrf)
    progress = ctx.sessions.login_in_progress(login_id)
    if progress is None:
        return RedirectResponse(login_url(local_path(next)), status_code=303)
    user_id = progress.user_id
    if ctx.logins.must_change_password(user_id):
        return RedirectResponse(_next_step(next), status_code=303)
    kept = ctx.logins.second_factor(user_id)
    secret = kept
    if secret is None and progress.new_secret is not None:
        secret = ctx.logins.box.open(progress.new_secret, user_id)
    if secret is None or not ctx.logins.check_code(
        user_id, secret, code, _address(request)
    ):
        return _step_page(request, ctx, local_path(next) or "", "code", 401)
    if kept is None:
        ctx.logins.keep_second_factor(user_id, secret)
    ctx.sessions.end(login_id)
    return start_page_session(request, user_id, next)


@router.post("/logout")
def logout(
    request: Request, ctx: Context, csrf: Annotated[str, Form(max_length=200)] = ""
) -> Response:
    """End the session on the server and forget its cookie."""
    check_form(request, csrf)
    ctx.sessions.end(request.cookies.get(SESSION_COOKIE, ""))
    response = RedirectResponse("/login", status_code=303)
    clear_cookie(request, response, SESSION_COOKIE, "/")
    return response
