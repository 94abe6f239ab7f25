"""Where a page sends someone next: the log-in form returns to the page that
asked for it, the language switch to the page it was pressed on.

Only a local path is followed (``/cases/...``, with its query string): a value
naming another site (``https://...``, ``//host``, ``/\\host``) or carrying a
control character is dropped, so a link can never turn the log-in form into
an open redirect.
"""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from starlette.requests import Request

MAX_NEXT = 2000


def local_path(value: str | None) -> str | None:
    """``value`` if it is a path on this site, else None."""
    if not value or len(value) > MAX_NEXT:
        return None
    if not value.startswith("/") or value.startswith("//") or "\\" in value:
        return None
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
        return None
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return None
    return value


def here(request: Request) -> str:
    """The path and query string of ``request``."""
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def login_url(next_path: str | None) -> str:
    """The log-in form that returns to ``next_path`` (a local path) afterwards."""
    target = local_path(next_path)
    if target is None or target == "/":
        return "/login"
    return "/login?" + urlencode({"next": target})
