"""The page session's cookies, and the one way a session starts.

``start_page_session`` is what every way of logging in ends with (the
password and second-factor form today; a single sign-on callback could call
it the same way): a new server-side session, its id in the cookie, and the
browser sent on to where it was going.

The cookies are HttpOnly and SameSite=Strict, and Secure unless the request
came over plain HTTP to a loopback address (``127.0.0.1``, ``::1``,
``localhost``: the tests and ``vatra demo --serve``), where no browser would
send a Secure cookie back. Anywhere else a plain-HTTP log-in gets a Secure
cookie the browser keeps only over HTTPS: serve the pages over HTTPS
(``VATRA_API_TLS_*``, or a proxy in front).
"""

from __future__ import annotations

import ipaddress

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from services.api.auth import SESSION_COOKIE, get_context
from services.api.next_page import local_path

# A log-in in progress: the password was right, the second factor is owed.
LOGIN_COOKIE = "vatra_login"
LOGIN_PATH = "/login"


def _loopback(host: str | None) -> bool:
    if not host:
        return False
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def secure_cookie(request: Request) -> bool:
    """Whether the session cookies get the Secure attribute (see above)."""
    return request.url.scheme == "https" or not _loopback(request.url.hostname)


def set_cookie(
    request: Request, response: Response, name: str, value: str, path: str = "/"
) -> None:
    # A session cookie (no Max-Age): the browser forgets it when it closes,
    # and the server ends it on its own terms (idle and absolute expiry).
    response.set_cookie(
        name,
        value,
        httponly=True,
        samesite="strict",
        secure=secure_cookie(request),
        path=path,
    )


def clear_cookie(request: Request, response: Response, name: str, path: str) -> None:
    response.delete_cookie(
        name,
        path=path,
        httponly=True,
        samesite="strict",
        secure=secure_cookie(request),
    )


def start_page_session(request: Request, user_id: str, next_path: str) -> Response:
    """Start a page session for ``user_id``, who has just proved who they are,
    and send the browser to ``next_path`` (a local path; else the start page)."""
    ctx = get_context(request)
    session_id = ctx.sessions.start(user_id)
    response = RedirectResponse(local_path(next_path) or "/", status_code=303)
    set_cookie(request, response, SESSION_COOKIE, session_id)
    clear_cookie(request, response, LOGIN_COOKIE, LOGIN_PATH)
    return response
