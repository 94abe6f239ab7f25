"""SMS through an HTTP gateway, reached as a signed webhook.

The gateway gets ``{"to": number, "text": short text, "delivery_id": id,
"recipient": contact id}`` signed with the gateway's own secret
(``VATRA_SMS_GATEWAY_SECRET``) and with the same headers as any webhook, so a
gateway that deduplicates on ``Idempotency-Key`` sends one SMS per alert.
"""

from __future__ import annotations

from handlers.channels.base import OutgoingMessage
from handlers.channels.webhook import WebhookChannel, WebhookKeys, encode

SMS_LIMIT = 480  # three concatenated SMS: enough for an alert and a link


class SmsChannel:
    name = "sms"

    def __init__(
        self, webhooks: WebhookChannel, gateway_url: str, keys: WebhookKeys
    ) -> None:
        self.webhooks = webhooks
        self.gateway_url = gateway_url
        self.keys = keys

    def send(self, message: OutgoingMessage, address: str) -> None:
        body = {
            "to": address,
            "text": message.short_text[:SMS_LIMIT],
            "delivery_id": str(message.delivery_id),
            "recipient": message.recipient,
        }
        self.webhooks.post(
            self.gateway_url,
            encode(body),
            self.keys,
            str(message.delivery_id),
            message.correlation_id,
        )
