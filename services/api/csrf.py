"""Forms only this site's pages can send: a token bound to the session.

Every form a logged-in page shows carries ``csrf``, a keyed hash of the
session id (the HttpOnly cookie no script and no other site can read); every
page POST made with a session must send it back, besides coming from this
site's origin. Another site can make a browser post a form, but cannot know
the token, so a forged post is refused before it does anything. The token is
not the session id's SHA-256 (which names the session in the database), and
says nothing about it. The log-in's own forms carry the same kind of token
of the log-in in progress (``routes.login``).
"""

from __future__ import annotations

import hashlib
import hmac

from fastapi import Request

from services.api.auth import SESSION_COOKIE
from services.api.context import Forbidden

FIELD = "csrf"
_PURPOSE = b"vatra page forms"


def token_for(session: str) -> str:
    """The token the forms of ``session`` carry."""
    return hmac.new(session.encode(), _PURPOSE, hashlib.sha256).hexdigest()


def page_token(request: Request) -> str:
    """The token of the request's session ("" without one)."""
    session = request.cookies.get(SESSION_COOKIE, "")
    return token_for(session) if session else ""


class FormRefused(Forbidden):
    """A page form from another site, or without its session's token."""

    def __init__(self, message: str) -> None:
        super().__init__(message, recorded=False)


def same_origin(request: Request) -> None:
    """Refuse a form posted from another origin (a browser names it)."""
    origin = request.headers.get("origin")
    own = f"{request.url.scheme}://{request.url.netloc}"
    if origin is not None and origin != own:
        raise FormRefused("this form may only be sent from this site")


def check_form(request: Request, sent: str) -> None:
    """Refuse a page POST from another site or without its session's token."""
    same_origin(request)
    expected = page_token(request)
    if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise FormRefused("this form has expired or was not sent from this site")
