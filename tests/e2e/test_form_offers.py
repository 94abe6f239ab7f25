"""Which steps the pages offer whom, and when; corrections through the pages;
and the pages taking exactly the commands the API takes."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from domain.commands import COMMANDS, OPENING_COMMANDS
from services.api.context import ApiContext
from services.api.form_model import specs_of
from tests.e2e.helpers import Api, PageLogins
from tests.e2e.page_forms import Browser, form_of, text_of


@pytest.fixture
def pages(
    base_url: str, tokens: dict[str, str], context: ApiContext, logins: PageLogins
) -> Iterator[dict[str, Browser]]:
    """Logged-in page users, all reading English: a mobile-unit worker, the
    National Shelter's staff, the Responsible Authority."""
    made = {
        "worker": context.users.issue_token(
            "mu-vlora-9", "mobile_unit", ["vlora"], "en"
        ),
        "shelter": context.users.issue_token(
            "shelter-1", "shelter_staff", ["vlora"], "en", "national_shelter"
        ),
        "authority": context.users.issue_token(
            "ra-office-9", "responsible_authority", [], "en"
        ),
        "sq_worker": tokens["vlora_worker"],
    }
    browsers = {who: Browser(base_url, logins, token) for who, token in made.items()}
    yield browsers
    for browser in browsers.values():
        browser.close()


def steps_offered(page: str) -> list[str]:
    """The paths of the steps the timeline offers (the "Record a step" list)."""
    offered = page.split('<ul class="offer">', 1)
    if len(offered) == 1:
        return []
    return re.findall(
        r'<li><a class="step" href="/cases/[0-9a-f-]{36}/steps/([a-z-]+)"', offered[1]
    )


def choices(page: str, field: str) -> list[str]:
    main = page.split("<main>", 1)[-1]
    return re.findall(rf'name="{field}" value="([^"]+)"', main) + re.findall(
        r'<option value="([^"]+)"', main if f'name="{field}"' in main else ""
    )


def two_referrals(api: Api) -> dict[str, Any]:
    case = api.identify()
    case = api.step(
        "vlora_worker", case, "consent", scope="services", given_by="subject"
    )
    case = api.step(
        "vlora_worker",
        case,
        "refer",
        referral_id="R-1",
        service="legal_assistance",
        agency="legal_clinic",
    )
    return api.step(
        "vlora_worker",
        case,
        "refer",
        referral_id="R-2",
        service="shelter_accommodation",
        agency="national_shelter",
    )


def test_shelter_staff_answer_only_the_open_referrals_made_to_their_agency(
    api: Api, pages: dict[str, Browser], context: ApiContext
) -> None:
    case = two_referrals(api)
    shelter = pages["shelter"]
    timeline = shelter.get(f"/cases/{case['case_id']}").text
    assert {"accept-referral", "decline-referral"} <= set(steps_offered(timeline))
    assert "complete-referral" not in steps_offered(timeline)
    # Beside the step: the SOP obligation it meets, for their referral only.
    shown = text_of(timeline)
    assert "Shelter accommodation and security · National Shelter open · due" in shown
    assert "Legal assistance · Legal Clinic" not in shown
    accept = shelter.get(f"/cases/{case['case_id']}/steps/accept-referral").text
    assert choices(accept, "referral_id") == ["R-2"]

    action, fields = form_of(accept)
    refused = shelter.send(action, fields, referral_id="R-1")
    assert refused.status_code == 422
    assert re.search(
        r'id="referral_id-error">This choice is not open on this case now.<',
        refused.text,
    )
    assert len(context.service.events(case["case_id"])) == case["version"]

    assert shelter.send(action, fields, referral_id="R-2").status_code == 303
    timeline = shelter.get(f"/cases/{case['case_id']}").text
    assert "accept-referral" not in steps_offered(timeline)  # R-1 is not theirs
    assert "complete-referral" in steps_offered(timeline)
    gone = shelter.get(f"/cases/{case['case_id']}/steps/accept-referral")
    assert gone.status_code == 409
    assert "This step is not possible on this case now." in text_of(gone.text)
    # The mobile unit can still record the clinic's answer, given by phone.
    worker = pages["worker"].get(f"/cases/{case['case_id']}/steps/accept-referral")
    assert choices(worker.text, "referral_id") == ["R-1"]


def test_only_the_responsible_authority_is_offered_the_status_decision(
    api: Api, pages: dict[str, Browser]
) -> None:
    case = api.identify()
    worker_steps = steps_offered(pages["worker"].get(f"/cases/{case['case_id']}").text)
    assert "determine-status" not in worker_steps
    assert {"notify", "consent", "refer", "close"} <= set(worker_steps)
    assert (
        pages["worker"]
        .get(f"/cases/{case['case_id']}/steps/determine-status")
        .status_code
        == 403
    )
    authority_steps = steps_offered(
        pages["authority"].get(f"/cases/{case['case_id']}").text
    )
    assert authority_steps == ["determine-status"]
    sent = pages["authority"].submit(
        f"/cases/{case['case_id']}/steps/determine-status", status="victim"
    )
    assert sent.status_code == 303


def test_a_closed_case_offers_only_reopening_and_the_follow_ups_due(
    api: Api, pages: dict[str, Browser]
) -> None:
    case = api.identify()
    closed = api.step("vlora_worker", case, "close", reason="other")
    page = pages["worker"].get(f"/cases/{closed['case_id']}").text
    assert steps_offered(page) == ["reopen"]
    assert (
        pages["worker"].get(f"/cases/{closed['case_id']}/steps/assess-risk").status_code
        == 409
    )

    other = api.identify(subject_ref="PV-E2E-0002")
    assert "follow-up" not in steps_offered(
        pages["worker"].get(f"/cases/{other['case_id']}").text
    )
    api.step("vlora_worker", other, "close", reason="reintegrated")
    page = pages["worker"].get(f"/cases/{other['case_id']}").text
    assert steps_offered(page) == ["follow-up", "missed-follow-up", "reopen"]
    assert "Monthly follow-up after closure open · due" in text_of(page)


def test_the_obligation_beside_a_step_leads_to_its_form_filled_in(
    api: Api, pages: dict[str, Browser], context: ApiContext
) -> None:
    case = api.identify(is_minor=True)
    page = pages["worker"].get(f"/cases/{case['case_id']}").text
    link = re.search(
        r'<a href="(/cases/[0-9a-f-]{36}/steps/notify\?authority=police)">'
        r"Police anti-trafficking officer</a>",
        page,
    )
    assert link is not None
    form = pages["worker"].get(link[1]).text
    assert 'value="police" checked' in form
    action, fields = form_of(form)
    sent = pages["worker"].send(
        action, fields, channel="phone", recipient="police-vlora"
    )
    assert sent.status_code == 303
    notified = context.service.events(case["case_id"])[-1]
    assert notified.payload["authority"] == "police"
    page = pages["worker"].get(f"/cases/{case['case_id']}").text
    assert "notify?authority=police" not in page
    assert "notify?authority=child_protection_unit" in page


def test_a_correction_picks_the_entry_and_the_part_and_the_timeline_shows_both_values(
    api: Api, pages: dict[str, Browser], context: ApiContext
) -> None:
    case = api.identify()
    worker = pages["sq_worker"]
    timeline = worker.get(f"/cases/{case['case_id']}").text
    entry = f"/cases/{case['case_id']}/steps/correct?corrected_version=1"
    assert f'href="{entry}"' in timeline
    parts = worker.get(entry)
    assert parts.status_code == 200
    assert "Bashkia: Sarandë" in text_of(parts.text)
    assert "Lloji i rastit: trafikim" in text_of(parts.text)
    form = worker.get(f"{entry}&field_name=case_type")
    assert "Lloji i rastit tani është: trafikim" in text_of(form.text)
    assert 'value="domestic_violence"' in form.text  # the field's own widget
    action, fields = form_of(form.text)
    refused = worker.send(action, fields, value="domestic_violence")
    assert refused.status_code == 422  # the reason is required
    assert re.search(r'id="reason-error">Plotësojeni këtë fushë.<', refused.text)
    action, fields = form_of(refused.text)
    sent = worker.send(action, fields, reason="Gabim në shtypje")
    assert sent.status_code == 303
    assert sent.headers["location"].endswith("?done=correct#v2")
    correction = context.service.events(case["case_id"])[-1]
    assert correction.payload["field"] == "case_type"
    shown = text_of(worker.get(f"/cases/{case['case_id']}").text)
    assert (
        "Regjistrimi 1 u korrigjua: Lloji i rastit nga trafikim në dhunë në familje "
        "(Gabim në shtypje)"
    ) in shown
    # The Responsible Authority corrects only its own entries: none here.
    assert "correct" not in steps_offered(
        pages["authority"].get(f"/cases/{case['case_id']}").text
    )
    assert (
        "corrected_version"
        not in pages["authority"].get(f"/cases/{case['case_id']}").text
    )


def test_every_form_field_is_a_field_of_the_commands_body_in_the_openapi_document(
    base_url: str,
) -> None:
    document = httpx.get(f"{base_url}/openapi.json").json()
    schemas = document["components"]["schemas"]

    def body(path: str) -> set[str]:
        operation = document["paths"][path]["post"]
        ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        return set(schemas[ref.rsplit("/", 1)[-1]]["properties"])

    for name, command in {**OPENING_COMMANDS, **COMMANDS}.items():
        path = command.declaration.path
        if path is None:
            continue
        opening = f"/{path}" if path else ""
        api_path = "/api/cases" + (
            f"/{{case_id}}/{path}" if name in COMMANDS else opening
        )
        form_fields = {spec.name for spec in specs_of(command)}
        assert form_fields <= body(api_path), (name, form_fields - body(api_path))


def test_a_corrected_time_and_flag_use_their_own_widgets_and_read_in_tirana_time(
    api: Api, pages: dict[str, Browser], context: ApiContext
) -> None:
    case = api.identify()
    worker = pages["sq_worker"]
    entry = f"/cases/{case['case_id']}/steps/correct?corrected_version=1"
    form = worker.get(f"{entry}&field_name=occurred_at").text
    assert 'type="datetime-local" id="value" name="value"' in form
    action, fields = form_of(form)
    sent = worker.send(
        action, fields, value="2026-03-01T20:00", reason="Ndodhi një ditë më parë"
    )
    assert sent.status_code == 303
    form = worker.get(f"{entry}&field_name=is_minor").text
    assert 'type="checkbox" id="value" name="value"' in form
    action, fields = form_of(form)
    assert (
        worker.send(action, fields, value=True, reason="Mosha u verifikua").status_code
        == 303
    )
    corrections = [e.payload for e in context.service.events(case["case_id"])[1:]]
    assert [(c["field"], c["value"]) for c in corrections] == [
        ("occurred_at", '"2026-03-01T19:00:00+00:00"'),
        ("is_minor", "true"),
    ]
    shown = text_of(worker.get(f"/cases/{case['case_id']}").text)
    assert (
        "Regjistrimi 1 u korrigjua: Kur ndodhi nga 2 mar 2026, 09:00 në 1 mar 2026, "
        "20:00 (Ndodhi një ditë më parë)"
    ) in shown
    assert (
        "Regjistrimi 1 u korrigjua: Personi është i mitur (nën 18 vjeç) nga jo në po"
    ) in shown
