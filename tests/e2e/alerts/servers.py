"""Real receivers on 127.0.0.1 for the alert tests: an SMTP server and a webhook.

The webhook receiver checks signatures with its own code, written from the
contract in the README (HMAC-SHA256 of ``<timestamp>.<body>``, one ``v1=`` per
secret while rotating, the receiver named in the body), not with the sender's
helper, so a sender bug cannot hide behind a matching receiver bug.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import hashlib
import hmac
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

LOOPBACK = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass(frozen=True)
class Mail:
    """One message as the SMTP server received it."""

    recipients: tuple[str, ...]
    message: EmailMessage
    raw: bytes

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])

    @property
    def text(self) -> str:
        body = self.message.get_body(("plain",))
        assert body is not None
        return str(body.get_content())


@dataclass
class SmtpSink:
    """Accepts every message, or refuses those to ``refuse`` with 554; holds
    the answer to a message to ``stall`` until ``release`` is set (a receiver
    that hangs: the sender waits out its timeout)."""

    refuse: set[str] = field(default_factory=set)
    delay: float = 0.0
    stall: set[str] = field(default_factory=set)
    release: threading.Event = field(default_factory=threading.Event)
    stalling: int = 0
    received: list[Mail] = field(default_factory=list)
    refused: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(
        self, _server: SMTP, _session: Session, envelope: Envelope
    ) -> str:
        recipients = tuple(str(r) for r in envelope.rcpt_tos)
        if self.stall & set(recipients) and not self.release.is_set():
            with self.lock:
                self.stalling += 1
            while not self.release.is_set():
                await asyncio.sleep(0.02)
            return "451 4.3.0 Try again later"
        if self.refuse & set(recipients):
            with self.lock:
                self.refused += 1
            return "554 5.7.1 Message refused"
        raw = bytes(envelope.original_content or b"")
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        with self.lock:
            # Counted on receipt: a client killed right after this still counts.
            self.received.append(Mail(recipients, message, raw))
        if self.delay:
            await asyncio.sleep(self.delay)
        return "250 OK"

    def to(self, address: str) -> list[Mail]:
        with self.lock:
            return [m for m in self.received if address in m.recipients]

    def count(self) -> int:
        with self.lock:
            return len(self.received)


class SmtpServer:
    """aiosmtpd on 127.0.0.1, on a free port; ``smtp`` are aiosmtpd's SMTP
    options (``tls_context``, ``require_starttls``, ``authenticator``...)."""

    def __init__(self, sink: SmtpSink, **smtp: Any) -> None:
        self.sink = sink
        self.port = free_port()
        self.controller = Controller(sink, hostname=LOOPBACK, port=self.port, **smtp)

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.controller.stop()


@dataclass(frozen=True)
class Endpoint:
    """One receiver of the webhook server: the secrets it holds (two while a
    rotation overlaps) and the directory id it answers to (None: any, as an
    SMS gateway serving many contacts)."""

    secrets: tuple[bytes, ...]
    recipient: str | None = None


@dataclass(frozen=True)
class Hook:
    """One POST as the webhook receiver got it: ``verified`` when a signature
    matched one of the endpoint's secrets in time, ``addressed`` when the
    signed body names that endpoint's receiver."""

    path: str
    headers: dict[str, str]
    body: bytes
    verified: bool
    addressed: bool

    def json(self) -> Any:
        return json.loads(self.body)


class WebhookReceiver:
    """An HTTP server on 127.0.0.1 with one receiver per path (``endpoints``).

    Each POST is checked as the README tells a receiver to: 401 for a bad or
    stale signature, 403 for a body that names another receiver, 404 for a
    path with no receiver, ``statuses[path]`` (default 200) otherwise; every
    request is recorded.
    """

    def __init__(
        self, endpoints: dict[str, Endpoint], statuses: dict[str, int] | None = None
    ) -> None:
        self.endpoints = endpoints
        self.statuses = statuses or {}
        self.received: list[Hook] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                headers = {k.lower(): v for k, v in self.headers.items()}
                endpoint = receiver.endpoints.get(self.path)
                verified = endpoint is not None and receiver.verify(
                    endpoint, headers, body
                )
                addressed = verified and receiver.addressed(endpoint, body)
                with receiver.lock:
                    receiver.received.append(
                        Hook(self.path, headers, body, verified, addressed)
                    )
                if endpoint is None:
                    status = 404
                elif not verified:
                    status = 401
                elif not addressed:
                    status = 403
                else:
                    status = receiver.statuses.get(self.path, 200)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer((LOOPBACK, 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @staticmethod
    def verify(endpoint: Endpoint, headers: dict[str, str], body: bytes) -> bool:
        timestamp = headers.get("x-vatra-timestamp", "")
        given = [s.strip() for s in headers.get("x-vatra-signature", "").split(",")]
        if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > 300:
            return False
        for secret in endpoint.secrets:
            expected = hmac.new(
                secret, timestamp.encode() + b"." + body, hashlib.sha256
            ).hexdigest()
            if any(hmac.compare_digest(f"v1={expected}", s) for s in given):
                return True
        return False

    @staticmethod
    def addressed(endpoint: Endpoint | None, body: bytes) -> bool:
        if endpoint is None or endpoint.recipient is None:
            return True
        return bool(json.loads(body).get("recipient") == endpoint.recipient)

    def url(self, path: str) -> str:
        return f"http://{LOOPBACK}:{self.server.server_address[1]}{path}"

    def at(self, path: str) -> list[Hook]:
        with self.lock:
            return [h for h in self.received if h.path == path]

    def __enter__(self) -> WebhookReceiver:
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
