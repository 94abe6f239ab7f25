"""Acknowledgement links: a signed token per alert, and recording the answer.

A token is ``<delivery id hex>.<expiry, Unix seconds>.<signature>``, the
signature being base64url HMAC-SHA256 (settings secret) of the first two
parts. It names the alert, not the person; it expires (default 30 days after
the alert was queued, so every resend of an alert carries the same link).
``acknowledge`` verifies it and records ``AlertAcknowledged`` on the case,
once: acknowledging twice is answered "already acknowledged".
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import structlog
from psycopg_pool import ConnectionPool

from domain.clock import Clock
from domain.errors import AlreadyAcknowledged
from handlers import ledger
from handlers.policy import AUTHORITY_ROLES
from handlers.ports import CaseAlerts, CaseChanged

log = structlog.get_logger("vatra.notify")

_CONTEXT = b"vatra-ack.v1."


class InvalidToken(Exception):
    """The acknowledgement link is malformed, altered, expired or unknown."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class AckTokens:
    """Issues and verifies acknowledgement tokens."""

    def __init__(self, secret: bytes, clock: Clock, valid_for: timedelta) -> None:
        self.secret = secret
        self.clock = clock
        self.valid_for = valid_for

    def issue(self, delivery_id: UUID, issued_at: datetime) -> str:
        expires = int((issued_at + self.valid_for).timestamp())
        payload = f"{delivery_id.hex}.{expires}"
        return f"{payload}.{self._sign(payload)}"

    def verify(self, token: str) -> UUID:
        """The delivery id the token names; ``InvalidToken`` if it is not good."""
        parts = token.strip().split(".")
        if len(parts) != 3:
            raise InvalidToken("this acknowledgement link is not valid")
        payload = f"{parts[0]}.{parts[1]}"
        if not token.isascii():  # compare_digest takes ASCII text only
            raise InvalidToken("this acknowledgement link is not valid")
        if not hmac.compare_digest(self._sign(payload), parts[2]):
            raise InvalidToken("this acknowledgement link is not valid")
        try:
            delivery_id = UUID(hex=parts[0])
            expires = int(parts[1])
        except ValueError:
            raise InvalidToken("this acknowledgement link is not valid") from None
        if self.clock.now().timestamp() > expires:
            raise InvalidToken("this acknowledgement link has expired")
        return delivery_id

    def _sign(self, payload: str) -> str:
        digest = hmac.new(self.secret, _CONTEXT + payload.encode(), hashlib.sha256)
        return base64.urlsafe_b64encode(digest.digest()).rstrip(b"=").decode()


def acknowledge(
    token: str,
    *,
    tokens: AckTokens,
    pool: ConnectionPool,
    cases: CaseAlerts,
    clock: Clock,
    attempts: int = 5,
) -> dict[str, Any]:
    """Record that the authority an alert went to acknowledged it.

    Returns the case id, the authority and ``status``: ``acknowledged``, or
    ``already_acknowledged`` when the link was used before. Raises
    ``InvalidToken`` for a bad link, ``CaseChanged`` when the case kept
    changing under every attempt.
    """
    delivery_id = tokens.verify(token)
    with pool.connection() as conn, conn.cursor() as cur:
        delivery = ledger.find(cur, delivery_id)
    if delivery is None or delivery.role not in AUTHORITY_ROLES:
        raise InvalidToken("this acknowledgement link names no alert to an authority")
    case_id = str(delivery.case_id)
    result = {"case_id": case_id, "authority": delivery.role}
    conflict = CaseChanged(f"case {case_id} kept changing")
    for _attempt in range(attempts):
        facts = cases.facts(case_id)
        if str(delivery_id) in facts.acknowledged:
            return {**result, "status": "already_acknowledged"}
        try:
            cases.record_acknowledged(
                case_id,
                expected_version=facts.version,
                occurred_at=clock.now(),
                delivery_id=str(delivery_id),
                authority=delivery.role,
                acknowledged_by=delivery.recipient,
            )
        except CaseChanged as error:
            conflict = error
            continue  # another writer saved first: reload and decide again
        except AlreadyAcknowledged:
            return {**result, "status": "already_acknowledged"}
        log.info(
            "alert_acknowledged",
            case_id=case_id,
            delivery_id=str(delivery_id),
            authority=delivery.role,
        )
        return {**result, "status": "acknowledged"}
    raise conflict
