"""HTTP webhooks: a JSON POST signed with HMAC-SHA256 over timestamp and body.

Headers: ``X-Vatra-Timestamp`` (Unix seconds), ``X-Vatra-Signature``
(``v1=`` + hex HMAC-SHA256 of ``<timestamp>.<body>`` with the shared
secret), ``Idempotency-Key`` (the delivery id: the same on every resend).
A receiver recomputes the signature, compares in constant time, refuses a
timestamp more than five minutes off, and deduplicates on the key.
Redirects are not followed: a signed alert goes only where it was addressed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.error
import urllib.request
from typing import Any

from domain.clock import Clock
from handlers.channels.base import DeliveryError, OutgoingMessage

SIGNATURE_VERSION = "v1"


def signature(secret: bytes, timestamp: str, body: bytes) -> str:
    """``v1=<hex>``: HMAC-SHA256 of ``<timestamp>.<body>``."""
    digest = hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256)
    return f"{SIGNATURE_VERSION}={digest.hexdigest()}"


def verify(
    secret: bytes,
    timestamp: str,
    body: bytes,
    signed: str,
    *,
    now: float,
    tolerance: float = 300,
) -> bool:
    """What a receiver does: check the signature and that the time is recent."""
    try:
        age = abs(now - int(timestamp))
    except ValueError:
        return False
    return age <= tolerance and hmac.compare_digest(
        signature(secret, timestamp, body), signed
    )


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *_args: Any, **_kwargs: Any) -> None:
        return None


class WebhookChannel:
    """Posts the alert as JSON to the contact's URL."""

    name = "webhook"

    def __init__(self, secret: bytes, clock: Clock, *, timeout: float = 10.0) -> None:
        self.secret = secret
        self.clock = clock
        self.timeout = timeout
        self._opener = urllib.request.build_opener(_NoRedirects())

    def send(self, message: OutgoingMessage, address: str) -> None:
        body = {
            "delivery_id": str(message.delivery_id),
            "language": message.language,
            "subject": message.subject,
            "text": message.text,
            "alert": dict(message.data),
        }
        self.post(
            address, encode(body), str(message.delivery_id), message.correlation_id
        )

    def post(
        self, url: str, body: bytes, idempotency_key: str, correlation_id: str = ""
    ) -> None:
        """POST ``body`` signed; raise ``DeliveryError`` unless the answer is 2xx."""
        timestamp = str(int(self.clock.now().timestamp()))
        request = urllib.request.Request(
            url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "User-Agent": "vatra-backbone",
                "X-Vatra-Timestamp": timestamp,
                "X-Vatra-Signature": signature(self.secret, timestamp, body),
                "Idempotency-Key": idempotency_key,
                "X-Vatra-Correlation-Id": correlation_id,
            },
        )
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                status = int(response.status)
        except urllib.error.HTTPError as error:
            raise DeliveryError(f"HTTP {error.code}") from None
        except (urllib.error.URLError, OSError) as error:
            cause = getattr(error, "reason", error)
            raise DeliveryError(f"HTTP {type(cause).__name__}") from None
        if not 200 <= status < 300:
            raise DeliveryError(f"HTTP {status}")


def encode(body: dict[str, Any]) -> bytes:
    return json.dumps(body, ensure_ascii=False, sort_keys=True).encode("utf-8")
