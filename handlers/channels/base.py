"""The small protocol every delivery channel implements."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from uuid import UUID


@dataclass(frozen=True)
class OutgoingMessage:
    """One rendered alert, ready for any channel.

    ``delivery_id`` is derived from (event id, recipient, channel): every
    resend of the same alert carries the same id, so a receiver that
    deduplicates on it sees one message. ``data`` is the structured alert for
    machine receivers (webhooks); it holds the same facts as the text.
    """

    delivery_id: UUID
    language: str
    subject: str
    text: str
    short_text: str
    data: Mapping[str, Any] = field(default_factory=dict)
    # The request that led to the alert, so it can be followed end to end.
    correlation_id: str = ""
    # The contact's directory id: a webhook names it in its signed body.
    recipient: str = ""


class DeliveryError(Exception):
    """A send failed. ``reason`` is safe to log and to record on the case: a
    status code or an error class, never an address or message content."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Channel(Protocol):
    """Delivers a message to an address of its kind, or raises ``DeliveryError``.

    ``send`` returns only once the receiving server accepted the message.
    """

    name: str

    def send(self, message: OutgoingMessage, address: str) -> None: ...
