"""Alert messages from Jinja2 templates an administrator can edit.

``deploy/templates/<language>/<template>.txt`` holds three blocks:
``subject`` (one line), ``body`` (the e-mail and webhook text) and ``sms``
(short). The variables are the role's message context (see
``handlers.policy``) plus ``case_url``, ``ack_url`` (authorities only),
``recipient_label`` and ``role``. Filters: ``tirane`` shows an ISO time as
``dd.mm.yyyy HH:MM`` in Europe/Tirane.

Every template of every language is rendered once at start with sample
contexts, so a typo or an unknown variable is refused with the file and line
before any alert is due, rather than failing a real one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol
from uuid import UUID

import jinja2

from domain.clock import local
from handlers.channels.base import OutgoingMessage
from handlers.contexts import sample_contexts
from handlers.directory import LANGUAGES, Contact
from handlers.ledger import Delivery
from handlers.policy import AUTHORITY_ROLES, TEMPLATES

BLOCKS = ("subject", "body", "sms")


class TemplateError(ValueError):
    """A template is missing or broken; the message names the file."""


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str
    sms: str


class MessageTemplates:
    """The templates of ``folder``, checked at construction."""

    def __init__(self, folder: Path | str) -> None:
        self.folder = Path(folder)
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(self.folder),
            undefined=jinja2.StrictUndefined,
            autoescape=False,  # plain text, never HTML
            keep_trailing_newline=False,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters["tirane"] = _tirane
        self.check()

    def check(self) -> None:
        samples = sample_contexts()
        for language in LANGUAGES:
            for name in TEMPLATES:
                context = {
                    **samples[name],
                    **_links(name, "https://x/c", "https://x/a"),
                }
                self.render(
                    language, name, {**context, "recipient_label": "", "role": ""}
                )

    def render(self, language: str, name: str, context: Mapping[str, Any]) -> Rendered:
        path = self.folder / language / f"{name}.txt"
        try:
            template = self.env.get_template(f"{language}/{name}.txt")
            missing = [b for b in BLOCKS if b not in template.blocks]
            if missing:
                raise TemplateError(f"{path}: missing block(s) {', '.join(missing)}")
            parts = {
                block: "".join(
                    template.blocks[block](template.new_context(dict(context)))
                ).strip()
                for block in BLOCKS
            }
        except jinja2.TemplateNotFound:
            raise TemplateError(f"{path}: template not found") from None
        except jinja2.TemplateSyntaxError as error:
            raise TemplateError(
                f"{path}: line {error.lineno}: {error.message}"
            ) from None
        except jinja2.UndefinedError as error:
            raise TemplateError(f"{path}: {error.message}") from None
        return Rendered(" ".join(parts["subject"].split()), parts["body"], parts["sms"])


class MessageRenderer:
    """Turns a ledger row into the message for its contact."""

    def __init__(
        self,
        templates: MessageTemplates,
        public_url: str,
        ack_link: AckLinks,
    ) -> None:
        self.templates = templates
        self.public_url = public_url.rstrip("/")
        self.ack_link = ack_link

    def render(self, delivery: Delivery, contact: Contact) -> OutgoingMessage:
        case_url = f"{self.public_url}/cases/{delivery.case_id}"
        ack_url = ""
        if delivery.role in AUTHORITY_ROLES:
            token = self.ack_link.issue(delivery.delivery_id, delivery.created_at)
            ack_url = f"{self.public_url}/ack/{token}"
        context = {
            **delivery.context,
            **_links(delivery.template, case_url, ack_url),
            "recipient_label": contact.label,
            "role": delivery.role,
        }
        rendered = self.templates.render(contact.language, delivery.template, context)
        data = {
            **delivery.context,
            "template": delivery.template,
            "event_type": delivery.event_type,
            "role": delivery.role,
            "case_url": case_url,
            "ack_url": ack_url,
        }
        return OutgoingMessage(
            delivery_id=delivery.delivery_id,
            language=contact.language,
            subject=rendered.subject,
            text=rendered.body,
            short_text=rendered.sms,
            data=data,
            correlation_id=delivery.correlation_id,
            recipient=contact.id,
        )


class AckLinks(Protocol):
    """What issues acknowledgement tokens (``handlers.acknowledgements``)."""

    def issue(self, delivery_id: UUID, issued_at: datetime) -> str: ...


def _links(name: str, case_url: str, ack_url: str) -> dict[str, str]:
    authority = name.startswith("identified_")
    return {"case_url": case_url, "ack_url": ack_url if authority else ""}


def _tirane(value: str | datetime) -> str:
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return local(moment).strftime("%d.%m.%Y %H:%M")
