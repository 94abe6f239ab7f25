"""HTTP webhooks: a JSON POST signed with HMAC-SHA256 over timestamp and body.

Each receiver has a secret of its own (``secret_env`` in the directory), so
no receiver can sign an alert another would accept. The body names the
receiver (``recipient``, its directory id): an alert signed for one receiver
is useless to any other, even one that shares its secret.

Headers: ``X-Vatra-Timestamp`` (Unix seconds), ``X-Vatra-Signature``
(``v1=`` + hex HMAC-SHA256 of ``<timestamp>.<body>``), ``Idempotency-Key``
(the delivery id: the same on every resend). While a secret is being rotated
the signature header carries two signatures, ``v1=<new>, v1=<old>``, one per
secret, so a receiver holding either one accepts the alert and receivers can
switch in their own time. A receiver recomputes the signature with each
secret it holds, accepts when one of them matches one given (compared in
constant time), refuses a timestamp more than five minutes off, checks that
``recipient`` is itself, and deduplicates on the key. Redirects are not
followed: a signed alert goes only where it was addressed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from domain.clock import Clock
from handlers.channels.base import DeliveryError, OutgoingMessage

SIGNATURE_VERSION = "v1"


@dataclass(frozen=True)
class WebhookKeys:
    """The secret shared with one receiver, and while it is rotated the one
    being retired (both sign each alert until ``previous`` is removed)."""

    current: bytes = field(repr=False)
    previous: bytes | None = field(default=None, repr=False)

    def signatures(self, timestamp: str, body: bytes) -> str:
        """The ``X-Vatra-Signature`` value: one ``v1=`` per secret, newest first."""
        keys = [self.current, *([self.previous] if self.previous else [])]
        return ", ".join(signature(key, timestamp, body) for key in keys)


def signature(secret: bytes, timestamp: str, body: bytes) -> str:
    """``v1=<hex>``: HMAC-SHA256 of ``<timestamp>.<body>``."""
    digest = hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256)
    return f"{SIGNATURE_VERSION}={digest.hexdigest()}"


def verify(
    secrets: Sequence[bytes],
    timestamp: str,
    body: bytes,
    signed: str,
    *,
    now: float,
    tolerance: float = 300,
) -> bool:
    """What a receiver does with the secrets it holds (one, or two while
    rotating): the time is recent and one signature given matches one of them."""
    try:
        age = abs(now - int(timestamp))
    except ValueError:
        return False
    given = [part.strip() for part in signed.split(",")]
    expected = [signature(secret, timestamp, body) for secret in secrets]
    matches = [hmac.compare_digest(e, g) for e in expected for g in given]
    return age <= tolerance and any(matches)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *_args: Any, **_kwargs: Any) -> None:
        return None


class WebhookChannel:
    """Posts the alert as JSON to the contact's URL, signed with its secret.

    ``keys`` holds each webhook contact's secret by its directory id.
    """

    name = "webhook"

    def __init__(
        self,
        keys: Mapping[str, WebhookKeys],
        clock: Clock,
        *,
        timeout: float = 10.0,
    ) -> None:
        self.keys = dict(keys)
        self.clock = clock
        self.timeout = timeout
        self._opener = urllib.request.build_opener(_NoRedirects())

    def send(self, message: OutgoingMessage, address: str) -> None:
        keys = self.keys.get(message.recipient)
        if keys is None:
            raise DeliveryError(f"no webhook secret for {message.recipient}")
        body = {
            "recipient": message.recipient,
            "delivery_id": str(message.delivery_id),
            "language": message.language,
            "subject": message.subject,
            "text": message.text,
            "alert": dict(message.data),
        }
        self.post(
            address,
            encode(body),
            keys,
            str(message.delivery_id),
            message.correlation_id,
        )

    def post(
        self,
        url: str,
        body: bytes,
        keys: WebhookKeys,
        idempotency_key: str,
        correlation_id: str = "",
    ) -> None:
        """POST ``body`` signed with ``keys``; raise ``DeliveryError`` unless
        the answer is 2xx."""
        timestamp = str(int(self.clock.now().timestamp()))
        request = urllib.request.Request(
            url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "User-Agent": "vatra-backbone",
                "X-Vatra-Timestamp": timestamp,
                "X-Vatra-Signature": keys.signatures(timestamp, body),
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
