"""Alert texts in the recipient's language: every Albanian template renders
with no code, rule id or role code left, and an English one names the same
things in English."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from handlers.contexts import sample_contexts
from handlers.messages import MessageTemplates, Rendered
from handlers.policy import TEMPLATES
from services.api.wording import labeller
from tests.builders import RULEBOOK
from tests.codes import codes_in, known_codes

DEPLOY_TEMPLATES = Path(__file__).resolve().parents[2] / "deploy" / "templates"
LINKS = {
    "case_url": "https://x/cases/1",
    "ack_url": "https://x/ack/t",
    "accept_url": "https://x/a",
    "decline_url": "https://x/d",
}


def variants() -> list[tuple[str, dict[str, Any]]]:
    """Each template's sample context, with every branch it takes."""
    found = []
    for name, context in sample_contexts().items():
        found.append((name, context))
        if name == "deadline":
            found.append((name, {**context, "kind": "warning"}))
        if name == "referral_answered":
            found.append((name, {**context, "answer": "accepted", "reason": ""}))
        if name == "referred":
            found.append((name, {**context, "answer_by": ""}))
    return found


def render(language: str, name: str, context: dict[str, Any]) -> Rendered:
    templates = MessageTemplates(DEPLOY_TEMPLATES, labels=labeller(RULEBOOK))
    full = {**context, **LINKS, "recipient_label": "", "role": "", "language": language}
    return templates.render(language, name, full)


def typed(context: dict[str, Any]) -> set[str]:
    # What the directory and the people wrote: shown as written.
    keys = ("agency", "reason", "failed_recipient", "referral_id", "municipality")
    return {str(context[key]) for key in keys if context.get(key)}


@pytest.mark.parametrize(("name", "context"), variants())
def test_an_albanian_alert_names_no_code(name: str, context: dict[str, Any]) -> None:
    message = render("sq", name, context)
    text = "\n".join((message.subject, message.body, message.sms))
    assert codes_in(text, known_codes(RULEBOOK), typed(context)) == set(), text


def test_every_template_has_both_languages() -> None:
    for language in ("sq", "en"):
        for name in TEMPLATES:
            assert (DEPLOY_TEMPLATES / language / f"{name}.txt").is_file()


def test_a_deadline_alert_names_its_rule_by_title_in_the_recipients_language() -> None:
    context = sample_contexts()["deadline"]
    albanian = render("sq", "deadline", context)
    english = render("en", "deadline", context)
    assert "afat i humbur: Njoftimi i policisë" in albanian.subject
    assert "deadline missed: Police notified" in english.subject
    failed = sample_contexts()["notification_failed"]
    assert (
        "Oficeri i policisë kundër trafikimit"
        in render("sq", "notification_failed", failed).body
    )
    assert "Kanali:      e-mail" in render("sq", "notification_failed", failed).body
