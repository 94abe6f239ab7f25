"""Request dependencies: the context, the caller, the correlation id, the key.

The API takes ``Authorization: Bearer <token>``; the pages take a server-side
session (``services.accounts.sessions``) whose random id the log-in form
puts in an HttpOnly, SameSite=Strict cookie. The two never mix: a session
cookie does not authorise an API call, so another site cannot make a browser
call the API on someone's behalf, and an API token is not a session.
"""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from services.api.context import ApiContext, Unauthenticated
from services.api.policy import Principal

SESSION_COOKIE = "vatra_session"

bearer = HTTPBearer(
    auto_error=False,
    description="A token made with `vatra token create`; only its hash is stored.",
)


def get_context(request: Request) -> ApiContext:
    return cast(ApiContext, request.app.state.context)


# The dependencies that only look at the request are ``async``: FastAPI runs a
# plain ``def`` dependency in a worker thread, a hop each that costs more than
# the work.
async def context_of(request: Request) -> ApiContext:
    return get_context(request)


async def get_correlation_id(request: Request) -> str:
    return cast(str, request.state.correlation_id)


def api_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    """The caller of an API route, from its bearer token."""
    if credentials is None:
        raise Unauthenticated("send the header Authorization: Bearer <token>")
    principal = get_context(request).users.authenticate(credentials.credentials)
    if principal is None:
        raise Unauthenticated("the token is unknown or has been revoked")
    return principal


class LoginRequired(Exception):
    """A page was asked for without a valid session: show the log-in form."""


def page_viewer(request: Request) -> Principal | None:
    """The person a page request's session cookie names, if it is live."""
    session_id = request.cookies.get(SESSION_COOKIE, "")
    if not session_id:
        return None
    return get_context(request).sessions.principal(session_id)


def page_principal(request: Request) -> Principal:
    """The person looking at a page, from the session and their account now."""
    principal = page_viewer(request)
    if principal is None:
        raise LoginRequired
    return principal


async def idempotency_key(
    key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            min_length=1,
            max_length=200,
            pattern=r"^[\x21-\x7e]+$",
            description=(
                "Send a new random key with each request and the same key when "
                "you retry it: the retry gets the first answer and records nothing."
            ),
        ),
    ] = None,
) -> str | None:
    return key


Context = Annotated[ApiContext, Depends(context_of)]
Caller = Annotated[Principal, Depends(api_principal)]
# The bearer token as sent, for a route that calls ``api_principal`` itself in
# its own worker thread: a plain ``def`` dependency costs a hop to a thread
# and back before the route's own.
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
Viewer = Annotated[Principal, Depends(page_principal)]
CorrelationId = Annotated[str, Depends(get_correlation_id)]
IdempotencyKey = Annotated[str | None, Depends(idempotency_key)]
