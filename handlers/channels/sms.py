"""SMS through an HTTP gateway, reached by the signed webhook channel.

The gateway gets ``{"to": number, "text": short text, "delivery_id": id}``
with the same signature and ``Idempotency-Key`` headers as any webhook, so a
gateway that deduplicates sends one SMS per alert.
"""

from __future__ import annotations

from handlers.channels.base import OutgoingMessage
from handlers.channels.webhook import WebhookChannel, encode

SMS_LIMIT = 480  # three concatenated SMS: enough for an alert and a link


class SmsChannel:
    name = "sms"

    def __init__(self, webhooks: WebhookChannel, gateway_url: str) -> None:
        self.webhooks = webhooks
        self.gateway_url = gateway_url

    def send(self, message: OutgoingMessage, address: str) -> None:
        body = {
            "to": address,
            "text": message.short_text[:SMS_LIMIT],
            "delivery_id": str(message.delivery_id),
        }
        self.webhooks.post(
            self.gateway_url,
            encode(body),
            str(message.delivery_id),
            message.correlation_id,
        )
