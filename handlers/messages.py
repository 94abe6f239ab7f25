"""Alert messages from Jinja2 templates an administrator can edit.

``deploy/templates/<language>/<template>.txt`` holds three blocks:
``subject`` (one line), ``body`` (the e-mail and webhook text) and ``sms``
(short). The variables are the role's message context (see
``handlers.policy``) plus ``case_url``, ``ack_url`` (authorities only),
``accept_url`` and ``decline_url`` (the referral's answer forms, in the
referral alert only), ``recipient_label``, ``role`` and ``language``.
Filters: ``tirane`` shows an ISO time as ``dd.mm.yyyy HH:MM`` in
Europe/Tirane; ``tirane_long(language)`` as the language writes a day and a
time ("e enjte, 5 mars 2026, 10:00"); ``label(language)`` a code's name
(``rule_id``, ``failed_role``, ``missing_role``, ``channel``, ``case_type``,
``answer``) in that language.

Every template of every language is rendered once at start with sample
contexts, so a typo or an unknown variable is refused with the file and line
before any alert is due, rather than failing a real one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlencode
from uuid import UUID

import jinja2
from babel.dates import format_datetime

from domain.clock import TIRANE, local
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


# ``(kind, code, language) -> label``: names a code (kind ``rule``, ``role``,
# ``service``, ``channel``, ``case_type``, ``answer``...) in a language; the
# pages' own labels, passed in by the composition root.
Labels = Callable[[str, str, str], str]


def _code_as_is(_kind: str, code: str, _language: str) -> str:
    return code


class MessageTemplates:
    """The templates of ``folder``, checked at construction; ``labels`` names
    codes in the recipient's language (without it, a code is shown as is)."""

    def __init__(self, folder: Path | str, labels: Labels | None = None) -> None:
        self.folder = Path(folder)
        self.labels = labels or _code_as_is
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(self.folder),
            undefined=jinja2.StrictUndefined,
            autoescape=False,  # plain text, never HTML
            keep_trailing_newline=False,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters["tirane"] = _tirane
        self.env.filters["tirane_long"] = _tirane_long
        self.env.filters["label"] = lambda code, kind, language: self.labels(
            kind, str(code), language
        )
        self.check()

    def check(self) -> None:
        samples = sample_contexts()
        for language in LANGUAGES:
            for name in TEMPLATES:
                context = {
                    **samples[name],
                    **_links(name, "https://x", samples[name], "https://x/a"),
                }
                self.render(
                    language,
                    name,
                    {**context, "recipient_label": "", "role": ""}
                    | {"language": language},
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
        ack_url = ""
        if delivery.role in AUTHORITY_ROLES:
            token = self.ack_link.issue(delivery.delivery_id, delivery.created_at)
            ack_url = f"{self.public_url}/ack/{token}"
        links = _links(delivery.template, self.public_url, delivery.context, ack_url)
        context = {
            **delivery.context,
            **links,
            "recipient_label": contact.label,
            "role": delivery.role,
            "language": contact.language,
        }
        rendered = self.templates.render(contact.language, delivery.template, context)
        data = {
            **delivery.context,
            "template": delivery.template,
            "event_type": delivery.event_type,
            "role": delivery.role,
            **{name: url for name, url in links.items() if url},
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


def _links(
    name: str, public_url: str, context: Mapping[str, Any], ack_url: str
) -> dict[str, str]:
    """The links a message carries: its case, the acknowledgement (alerts to
    authorities) and the forms answering a referral (referral alerts)."""
    case_id = context["case_id"]
    links = {
        "case_url": f"{public_url}/cases/{case_id}",
        "ack_url": ack_url if name.startswith("identified_") else "",
        "accept_url": "",
        "decline_url": "",
    }
    if name == "referred":
        query = urlencode({"referral_id": context["referral_id"]})
        steps = f"{public_url}/cases/{case_id}/steps"
        links["accept_url"] = f"{steps}/accept-referral?{query}"
        links["decline_url"] = f"{steps}/decline-referral?{query}"
    return links


def _tirane(value: str | datetime) -> str:
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return local(moment).strftime("%d.%m.%Y %H:%M")


def _tirane_long(value: str | datetime, language: str) -> str:
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return format_datetime(
        moment, "EEEE, d MMMM y, HH:mm", tzinfo=TIRANE, locale=language
    )
