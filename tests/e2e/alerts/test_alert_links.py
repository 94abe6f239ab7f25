"""The links in alert e-mails, followed as the people who receive them would:
sent through a real SMTP server, opened without a session, logged in, and
back on the page the e-mail named."""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import quote

from babel.dates import format_datetime
from fastapi.testclient import TestClient

from domain.clock import TIRANE
from domain.commands import Identify
from domain.facts import fact_of
from domain.sop import obligations_of
from services.api.app import create_app
from services.api.context import ApiContext, api_context
from services.config.bootstrap import Backbone
from services.workers.notifier import Notifier
from tests.builders import SUBJECT_REF, events_of, execute, identify_minor_in_vlora
from tests.e2e.alerts.alert_helpers import wait_for
from tests.e2e.alerts.conftest import (
    LEGAL_CLINIC,
    POLICE_VLORA,
    SHELTER_VLORA,
    Receivers,
    running,
)
from tests.e2e.helpers import PageLogins

PUBLIC = "https://vatra.example.org"
WORKER = {"actor_id": "mu-vlora-1", "actor_role": "mobile_unit"}


def browser(context: ApiContext) -> TestClient:
    """A browser on the public address that shows each redirect."""
    return TestClient(create_app(context), base_url=PUBLIC, follow_redirects=False)


def links_in(text: str) -> list[str]:
    """The local paths of the links to this site in a message."""
    return [m[1] for m in re.finditer(re.escape(PUBLIC) + r"(/\S+)", text)]


def test_the_case_link_in_a_police_alert_leads_after_log_in_to_the_alert_and_its_button(
    live: Backbone, notifier: Notifier, receivers: Receivers
) -> None:
    context = api_context(live)
    token = context.users.issue_token("police-vlora-1", "police", ["vlora"], "sq")
    client = browser(context)
    with running(notifier.workers(embedded=True)):
        case = identify_minor_in_vlora(live.service, live.clock)
        case_id = case["case_id"]
        wait_for(lambda: bool(receivers.smtp.to(POLICE_VLORA)), 10, "the police e-mail")
        wait_for(
            lambda: any(
                e.authority == "police"
                for e in events_of(live.service, case_id, "AuthorityNotified")
            ),
            10,
            "the police notification recorded on the case",
        )
    [mail] = receivers.smtp.to(POLICE_VLORA)
    case_link = f"/cases/{case_id}"
    assert case_link in links_in(mail.text)

    opened = client.get(case_link)
    assert opened.status_code == 303
    assert opened.headers["location"] == f"/login?next={quote(case_link, safe='')}"
    form = client.get(opened.headers["location"])
    assert form.status_code == 200
    assert f'name="next" value="{case_link}"' in form.text

    logged_in = PageLogins(context).log_in(client, token, next=case_link)
    assert (logged_in.status_code, logged_in.headers["location"]) == (303, case_link)
    # The police read alerts, not timelines: the case's alert, not a 403.
    redirected = client.get(case_link)
    assert redirected.status_code == 303
    alert_link = f"/alerts/{case_id}"
    assert redirected.headers["location"] == alert_link
    page = client.get(alert_link)
    assert page.status_code == 200
    assert "Konfirmo marrjen" in page.text
    assert SUBJECT_REF not in page.text
    key = re.search(r'name="key" value="([0-9a-f]+)"', page.text)
    assert key, page.text
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text)
    assert csrf, page.text

    pressed = client.post(
        f"/alerts/{case_id}/acknowledge",
        data={"key": key[1], "next": alert_link, "csrf": csrf[1]},
    )
    assert (pressed.status_code, pressed.headers["location"]) == (303, alert_link)
    after = client.get(alert_link).text
    assert "Konfirmuar" in after
    assert 'name="key"' not in after
    [acknowledged] = events_of(live.service, case_id, "AlertAcknowledged")
    assert acknowledged.authority == "police"


def test_a_referral_e_mail_says_by_when_to_answer_and_links_to_accept_and_decline(
    live: Backbone, notifier: Notifier, receivers: Receivers
) -> None:
    context = api_context(live)
    token = context.users.issue_token(
        "shelter-vlora-1", "shelter_staff", ["vlora"], "sq"
    )
    client = browser(context)
    with running(notifier.workers(embedded=True)):
        case = live.service.open_case(
            Identify(
                subject_ref="PV-REF-LINK",
                region="vlora",
                mobile_unit="vlora-unit",
                municipality="vlore",
                is_minor=False,
                sex="female",
                age=30,
                nationality="AL",
            ),
            occurred_at=live.clock.now(),
            **WORKER,
        )
        case_id = case["case_id"]
        for referral_id, agency in (
            ("ref-s", "Vlora Shelter"),
            ("ref-l", "Legal Clinic"),
        ):
            execute(
                live.service,
                "refer",
                case_id,
                occurred_at=live.clock.now(),
                referral_id=referral_id,
                service="shelter_accommodation",
                agency=agency,
                consent_override_reason="immediate danger",
                **WORKER,
            )
        wait_for(
            lambda: (
                bool(receivers.smtp.to(SHELTER_VLORA))
                and bool(receivers.smtp.to(LEGAL_CLINIC))
            ),
            10,
            "the referral e-mails",
        )
    facts = [fact_of(e) for e in live.service.app.case_events(case_id)]
    due = {
        o.trigger_version: o.due_at
        for o in obligations_of(facts, live.rulebook, live.calendar)
        if o.rule_id == "referral-answered"
    }
    referred = {
        e.referral_id: e.originator_version
        for e in events_of(live.service, case_id, "Referred")
    }

    def by_when(referral_id: str, language: str) -> str:
        moment: datetime = due[referred[referral_id]]
        return format_datetime(
            moment, "EEEE, d MMMM y, HH:mm", tzinfo=TIRANE, locale=language
        )

    [albanian] = receivers.smtp.to(SHELTER_VLORA)
    text = " ".join(albanian.text.split())
    assert f"Ju lutemi përgjigjuni deri më {by_when('ref-s', 'sq')}" in text
    assert "(ora e Tiranës)" in text
    [english] = receivers.smtp.to(LEGAL_CLINIC)
    assert f"Please answer by {by_when('ref-l', 'en')}" in english.text

    steps = f"/cases/{case_id}/steps"
    accept = f"{steps}/accept-referral?referral_id=ref-s"
    decline = f"{steps}/decline-referral?referral_id=ref-s"
    assert {accept, decline} <= set(links_in(albanian.text))

    # A page opened without a session sends the browser to the log-in form
    # with where it was going (the police test above follows one); the form
    # keeps the referral's address, query string and all.
    form = client.get("/login", params={"next": accept}).text
    assert f'name="next" value="{accept}"' in form
    logged_in = PageLogins(context).log_in(client, token, next=accept)
    # Back to the accept form of that referral, its query string kept.
    assert (logged_in.status_code, logged_in.headers["location"]) == (303, accept)
