"""The HTTP edge: what every request meets before any route, token or parser.

- ``BodyLimit`` refuses a body larger than the cap (413): a declared
  ``Content-Length`` is refused before a byte of the body is read, and a
  streamed (chunked) body as soon as the bytes read pass the cap.
- ``SecurityHeaders`` adds a strict content security policy and no-store
  caching to every answer: pages and API answers carry case data. The
  field-capture app under ``/field/`` may also run its own script files (its
  service worker among them), and its files without case data may be kept.

Both are plain ASGI: no task or stream per request.
"""

from __future__ import annotations

import contextlib
import json
import re

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# The pages use no script and one inline style sheet; forms post to this site.
CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "Cache-Control": "no-store",
    # Not "no-referrer": browsers then send "Origin: null" with the forms, and
    # the pages' same-origin check could not tell our forms from others.
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
}
# The browsable API document (only when enabled) runs Swagger UI's scripts and
# style sheet, served by this server and from nowhere else.
DOCS_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; connect-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
# The field-capture app (``routes.field``, under /field/) runs its own script
# files, its service worker and its manifest, from this server only; no
# inline script. Other pages keep the policy above.
FIELD_PREFIX = "/field/"
FIELD_CSP = (
    "default-src 'none'; script-src 'self'; connect-src 'self'; "
    "worker-src 'self'; manifest-src 'self'; img-src 'self'; "
    "style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'"
)
# The app's files carry no case data: the browser may keep them, asking the
# server whether they changed before each use (a new version reaches phones).
FIELD_FILES = frozenset(
    FIELD_PREFIX + name
    for name in ("sw.js", "app.js", "vault.js", "manifest.webmanifest", "icon.svg")
)
KNOWN_METHODS = frozenset(
    {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"}
)


def method_label(method: str) -> str:
    """A metric label for ``method``: made-up methods share ``other``."""
    return method if method in KNOWN_METHODS else "other"


class _TooLarge(Exception):
    pass


# The document uploads (``routes.attachments``): their bodies may be larger.
UPLOADS = re.compile(r"^/(api/)?cases/[^/]+/documents$")
# Room for the form's other fields and the multipart framing of an upload.
UPLOAD_FRAMING = 64 * 1024


class BodyLimit:
    """Refuse request bodies larger than ``max_bytes`` with 413, unread; a
    document upload may carry up to ``upload_bytes`` (and its framing)."""

    def __init__(self, app: ASGIApp, max_bytes: int, upload_bytes: int = 0) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.upload_bytes = upload_bytes + UPLOAD_FRAMING

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = (
            max(self.max_bytes, self.upload_bytes)
            if UPLOADS.match(scope.get("path", ""))
            else self.max_bytes
        )
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await self._refuse(send)
            return
        received = 0
        exceeded = False
        started = False

        async def counted() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    exceeded = True
                    raise _TooLarge
            return message

        async def answer(message: Message) -> None:
            nonlocal started
            if exceeded:
                return  # the app's answer to the cut-off body is replaced
            started = started or message["type"] == "http.response.start"
            await send(message)

        with contextlib.suppress(_TooLarge):
            await self.app(scope, counted, answer)
        if exceeded and not started:
            await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        body = json.dumps(
            {
                "error": "body_too_large",
                "message": f"the request body may be at most {self.max_bytes} bytes",
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


class SecurityHeaders:
    """Add ``SECURITY_HEADERS`` to every answer; the API document's pages get
    ``DOCS_CSP`` and the field-capture app ``FIELD_CSP`` instead of the pages'
    policy."""

    def __init__(self, app: ASGIApp, docs: bool = False) -> None:
        self.app = app
        self.docs = docs

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        docs = self.docs and (path == "/docs" or path.startswith("/docs/"))
        field = path.startswith(FIELD_PREFIX)

        async def answer(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers[name] = value
                if docs:
                    headers["Content-Security-Policy"] = DOCS_CSP
                if field:
                    headers["Content-Security-Policy"] = FIELD_CSP
                if path in FIELD_FILES:
                    headers["Cache-Control"] = "no-cache"
            await send(message)

        await self.app(scope, receive, answer)
