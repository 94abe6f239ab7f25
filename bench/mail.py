"""A real SMTP server on 127.0.0.1 that notes when it accepted each message.

The alert-latency figure stops its clock when the mail server has taken the
whole message (the end of DATA), as a real mail server would before it
answers 250. Only the time, the correlation id and the size are kept: the
bench never holds an alert's text.
"""

from __future__ import annotations

import smtplib
import socket
import threading
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from email.policy import default as default_policy
from types import TracebackType

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

LOOPBACK = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass(frozen=True)
class Accepted:
    """One message as the server took it: ``at`` is ``time.monotonic()``."""

    at: float
    correlation_id: str
    size: int


@dataclass
class TimingSink:
    """aiosmtpd handler: accepts everything, notes the moment of each."""

    accepted: list[Accepted] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(
        self, _server: SMTP, _session: Session, envelope: Envelope
    ) -> str:
        at = time.monotonic()
        raw = bytes(envelope.original_content or b"")
        headers = BytesHeaderParser(policy=default_policy).parsebytes(raw)
        correlation_id = str(headers.get("X-Vatra-Correlation-Id", ""))
        with self.lock:
            self.accepted.append(Accepted(at, correlation_id, len(raw)))
        return "250 OK"

    def with_prefix(self, prefix: str) -> list[Accepted]:
        with self.lock:
            return [a for a in self.accepted if a.correlation_id.startswith(prefix)]


class MailServer:
    """aiosmtpd on 127.0.0.1, on a free port, for the duration of a block."""

    def __init__(self) -> None:
        self.sink = TimingSink()
        self.port = free_port()
        self.controller = Controller(self.sink, hostname=LOOPBACK, port=self.port)

    def __enter__(self) -> MailServer:
        self.controller.start()
        return self

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _error: BaseException | None,
        _tb: TracebackType | None,
    ) -> None:
        self.controller.stop()

    def raw_send(self, size: int, tag: str) -> float:
        """Send one message of about ``size`` bytes as the e-mail channel does
        (a new connection, send, QUIT); return the seconds to the server's accept."""
        message = EmailMessage()
        message["From"] = "alerts@bench.invalid"
        message["To"] = "baseline@bench.invalid"
        message["Subject"] = "bench baseline"
        message["X-Vatra-Correlation-Id"] = tag
        message.set_content("")
        line = "x" * 71 + "\n"
        message.set_content(line * max((size - len(bytes(message))) // len(line), 1))
        started = time.monotonic()
        with smtplib.SMTP(LOOPBACK, self.port, timeout=10) as smtp:
            smtp.send_message(message)
        [accepted] = [a for a in self.sink.with_prefix(tag) if a.correlation_id == tag]
        return accepted.at - started
