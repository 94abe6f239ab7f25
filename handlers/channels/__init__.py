"""Delivery channels: e-mail (SMTP), signed HTTP webhooks, SMS via a gateway.

Each channel is one module implementing ``Channel`` from ``base``; adding a
channel is one new file plus a line in the composition (``services.workers.notifier``).
"""

from __future__ import annotations

from handlers.channels.base import Channel, DeliveryError, OutgoingMessage

__all__ = ["Channel", "DeliveryError", "OutgoingMessage"]
