"""The forms over real HTTP: every step of a case recorded through the pages,
in Albanian or English, safely (once, never over someone else's step)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from domain.clock import TIRANE, ControlledClock
from domain.commands import COMMANDS
from services.api.context import ApiContext
from services.api.form_model import specs_of
from services.api.form_texts import texts_of
from services.api.i18n import translator
from tests.e2e.helpers import Api, PageLogins
from tests.e2e.page_forms import Browser, form_of, text_of, words

# path -> the steps (through the API, as the mobile unit) that make it make sense.
CONSENT = ("consent", {"scope": "services", "given_by": "subject"})
REFER = (
    "refer",
    {"referral_id": "R-1", "service": "legal_assistance", "agency": "legal_clinic"},
)
START = ("start-service", {"service": "legal_assistance"})
BEFORE: dict[str, list[tuple[str, dict[str, Any]]]] = {
    "acknowledge": [
        (
            "notify",
            {"authority": "police", "channel": "phone", "recipient": "police-vlora"},
        )
    ],
    "withdraw-consent": [CONSENT],
    "accept-referral": [CONSENT, REFER],
    "decline-referral": [CONSENT, REFER],
    "complete-referral": [CONSENT, REFER, ("accept-referral", {"referral_id": "R-1"})],
    "complete-service": [START],
    "discontinue-service": [START],
    "follow-up": [("close", {"reason": "reintegrated"})],
    "missed-follow-up": [("close", {"reason": "reintegrated"})],
    "reopen": [("close", {"reason": "other"})],
    # The legal clinic's steps (recorded by its lawyer).
    **{
        path: [
            (
                "hearing",
                {
                    "hearing_id": "H-1",
                    "court": "first_instance_vlore",
                    "hearing_at": "2026-12-20T09:30",
                },
            )
        ]
        for path in ("hearing-companions", "hearing-held", "hearing-postponed")
    },
    "appeal": [("judgment", {"outcome": "acquittal"})],
    "protection-order-violated": [("protection-order", {"court": "Gjykata Vlorë"})],
}
# Who records a step, by its declaration (``recorded_by``): (Albanian, English).
STAFF: dict[str, tuple[str, str]] = {
    "responsible_authority": ("authority", "authority_en"),
    "lawyers": ("vlora_lawyer_sq", "vlora_lawyer"),
    "clinic_staff": ("vlora_lawyer_sq", "vlora_lawyer"),
    "psychologists": ("vlora_psychologist", "vlora_psychologist_en"),
}
RECORDED_BY = {c.declaration.path: c.declaration.recorded_by for c in COMMANDS.values()}
FORMS = sorted(
    c.declaration.path
    for c in COMMANDS.values()
    if c.declaration.path and c.declaration.path != "correct"
)


@pytest.fixture
def people(
    base_url: str, tokens: dict[str, str], context: ApiContext, logins: PageLogins
) -> Iterator[dict[str, Browser]]:
    """Logged-in page users: a mobile-unit worker (sq), a lawyer (en), the
    Responsible Authority in Albanian and in English."""
    tokens = {
        **tokens,
        "authority_en": context.users.issue_token(
            "ra-office-2", "responsible_authority", (), "en"
        ),
    }
    browsers = {
        who: Browser(base_url, logins, tokens[who])
        for who in (
            "vlora_worker",
            "vlora_lawyer",
            "vlora_lawyer_sq",
            "vlora_psychologist",
            "vlora_psychologist_en",
            "authority",
            "authority_en",
        )
    }
    yield browsers
    for browser in browsers.values():
        browser.close()


def case_for(api: Api, path: str) -> dict[str, Any]:
    case = api.identify()
    for step, fields in BEFORE.get(path, []):
        who = STAFF.get(RECORDED_BY[step], ("", "vlora_worker"))[1]
        case = api.step(who, case, step, **fields)
    return case


def _values_offered(page: str) -> set[str]:
    """The values of the form's choices (radio buttons, boxes, options)."""
    main = page.split("<main>", 1)[-1]
    choices = re.findall(r'type="(?:radio|checkbox)" name="\w+" value="([^"]*)"', main)
    options = re.findall(r'<option value="([^"]*)"', main)
    return {v for v in (*choices, *options) if v}


@pytest.mark.parametrize("path", FORMS)
def test_every_steps_form_reads_in_albanian_and_english_with_no_code_or_field_name(
    path: str, api: Api, people: dict[str, Browser]
) -> None:
    case = case_for(api, path)
    name = next(n for n, c in COMMANDS.items() if c.declaration.path == path)
    staff = STAFF.get(RECORDED_BY[path], ("vlora_worker", "vlora_lawyer"))
    for who, language in zip(staff, ("sq", "en"), strict=True):
        page = people[who].get(f"/cases/{case['case_id']}/steps/{path}")
        assert page.status_code == 200, (who, page.text)
        assert f'<html lang="{language}">' in page.text
        shown = text_of(page.text)
        for spec in specs_of(COMMANDS[name]):
            label, help_ = texts_of(name, spec.name) or ("", "")
            assert translator(language).gettext(label) in shown, spec.name
            assert translator(language).gettext(help_) in shown, spec.name
        if language == "sq":
            seen = set(words(shown))
            names = {spec.name for spec in specs_of(COMMANDS[name])}
            assert not names & seen, f"field names on the Albanian page: {names & seen}"
            codes = _values_offered(page.text)
            assert not codes & seen, f"codes on the Albanian page: {codes & seen}"


def test_the_identification_form_opens_a_case_and_the_timeline_confirms_it(
    people: dict[str, Browser], context: ApiContext
) -> None:
    worker = people["vlora_worker"]
    home = worker.get("/")
    assert 'href="/cases/new"' in home.text
    assert "Identifiko një person" in home.text
    form = worker.get("/cases/new").text
    # Only the worker's own region is offered; the time defaults to now (Tirana).
    regions = set(re.findall(r'name="region" value="([^"]+)"', form))
    assert regions == {"vlora"}
    # The municipalities under their county's name: Sarandë among Vlorë's.
    vlora = re.search(r'<optgroup label="Vlorë">(.*?)</optgroup>', form, re.S)
    assert vlora, "the municipalities are grouped by county"
    assert 'value="sarande"' in vlora[1]
    assert 'value="durres"' not in vlora[1]
    action, fields = form_of(form)
    assert ("occurred_at", "2026-03-02T09:00") in fields
    answer = worker.send(
        action,
        fields,
        subject_ref="PV-FORM-1",
        mobile_unit="vlora-unit",
        municipality="sarande",
        is_minor=True,
        age="15",
        sex="female",
        nationality="AL",
        indicators=["debt_bondage", "documents_withheld"],
    )
    assert answer.status_code == 303
    location = answer.headers["location"]
    match = re.fullmatch(r"/cases/([0-9a-f-]{36})\?done=new#v1", location)
    assert match, location
    (event,) = context.service.events(match[1])
    assert event.type == "Identified"
    assert event.payload["is_minor"] is True
    assert event.payload["indicators"] == ["debt_bondage", "documents_withheld"]
    assert "age" not in event.payload  # the person's, kept in the store
    assert event.occurred_at == datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    timeline = text_of(worker.get(location.split("#")[0]).text)
    assert "Rasti u hap: identifikimi u regjistrua." in timeline


def test_a_step_form_records_the_step_with_a_referral_id_the_system_makes(
    api: Api, people: dict[str, Browser], context: ApiContext
) -> None:
    case = case_for(api, "accept-referral")  # consent given, one referral R-1 made
    worker = people["vlora_lawyer"]
    path = f"/cases/{case['case_id']}/steps/refer"
    action, fields = worker.open(path)
    assert "referral_id" not in dict(fields)  # nobody types it
    answer = worker.send(
        action, fields, service="shelter_accommodation", agency="national_shelter"
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == (
        f"/cases/{case['case_id']}?done=refer#v{case['version'] + 1}"
    )
    referred = context.service.events(case["case_id"])[-1]
    assert (referred.type, referred.payload["referral_id"]) == ("Referred", "R-2")
    assert referred.payload["agency"] == "national_shelter"
    page = text_of(worker.get(f"/cases/{case['case_id']}", done="refer").text)
    assert "Done: Refer to a service." in page
    assert "Referred to Shelter accommodation and security at National Shelter" in page


def test_a_double_tap_records_once_and_both_taps_land_on_the_confirmation(
    api: Api, people: dict[str, Browser], context: ApiContext
) -> None:
    case = api.identify()
    worker = people["vlora_worker"]
    action, fields = worker.open(f"/cases/{case['case_id']}/steps/assess-risk")
    first = worker.send(action, fields, level="high")
    second = worker.send(action, fields, level="high")
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]
    assert [e.type for e in context.service.events(case["case_id"])] == [
        "Identified",
        "RiskAssessed",
    ]


def test_a_stale_form_shows_what_changed_and_records_when_sent_again(
    api: Api, people: dict[str, Browser], context: ApiContext
) -> None:
    case = api.identify()
    worker = people["vlora_worker"]
    action, fields = worker.open(f"/cases/{case['case_id']}/steps/assess-risk")
    # Meanwhile someone records the police notification.
    api.step(
        "vlora_lawyer",
        case,
        "notify",
        authority="police",
        channel="phone",
        recipient="police-vlora",
    )
    stale = worker.send(action, fields, level="medium")
    assert stale.status_code == 409
    shown = text_of(stale.text)
    assert (
        "Që kur e hapët këtë formular, për këtë rast u regjistruan hapa të tjerë."
        in shown
    )
    assert "Njoftim për: Oficeri i policisë kundër trafikimit (telefon)" in shown
    assert "lawyer-vlora-1" in shown
    assert len(context.service.events(case["case_id"])) == 2  # nothing overwritten
    action, fields = form_of(stale.text)
    assert ("level", "medium") in fields  # kept as it was filled in
    assert ("version", "2") in fields  # the new version
    again = worker.send(action, fields)
    assert again.status_code == 303
    assert again.headers["location"].endswith("?done=assess-risk#v3")
    assert context.service.events(case["case_id"])[-1].payload == {"level": "medium"}


def test_a_wrong_value_is_shown_beside_its_field_in_albanian_with_what_was_typed(
    people: dict[str, Browser], context: ApiContext
) -> None:
    worker = people["vlora_worker"]
    action, fields = worker.open("/cases/new")
    answer = worker.send(
        action,
        fields,
        subject_ref="Arta Hoxha",  # a name, with a space: not a reference
        mobile_unit="x" * 101,
        municipality="sarande",
        occurred_at="2026-03-02T12:00",  # three hours from now
    )
    assert answer.status_code == 422
    page = answer.text
    assert 'value="Arta Hoxha"' in page
    assert f'value="{"x" * 101}"' in page
    for field, error in (
        ("subject_ref", "Kjo nuk është në formën e pritur: shihni udhëzimin më sipër."),
        ("mobile_unit", "Jo më shumë se 100 shenja."),
        (
            "occurred_at",
            "Kjo kohë është në të ardhmen: një hap regjistrohet pasi të ketë ndodhur.",
        ),
    ):
        beside = re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', page)
        assert beside is not None, field
        assert beside[1] == error, field
        assert f'aria-describedby="{field}-help {field}-error"' in page
    seen = set(words(text_of(page)))
    assert (
        not {"subject_ref", "mobile_unit", "occurred_at", "pattern", "required"} & seen
    )
    assert context.service.app.recorder.max_notification_id() in (None, 0)


def test_a_step_set_before_the_identification_is_refused_beside_its_time(
    api: Api, people: dict[str, Browser], clock: ControlledClock
) -> None:
    case = api.identify()
    worker = people["vlora_worker"]
    earlier = (
        (clock.now() - timedelta(days=2)).astimezone(TIRANE).strftime("%Y-%m-%dT%H:%M")
    )
    answer = worker.submit(
        f"/cases/{case['case_id']}/steps/assess-risk", level="low", occurred_at=earlier
    )
    assert answer.status_code == 422
    assert re.search(
        r'id="occurred_at-error">Kjo është para identifikimit', answer.text
    )
    assert f'value="{earlier}"' in answer.text


def test_a_time_set_back_is_recorded_in_utc_from_tirana_time(
    api: Api, people: dict[str, Browser], context: ApiContext
) -> None:
    case = api.identify(occurred_at="2026-03-01T06:00:00+00:00")
    worker = people["vlora_worker"]
    answer = worker.submit(
        f"/cases/{case['case_id']}/steps/assess-risk",
        level="low",
        occurred_at="2026-03-01T22:30",  # Tirana, winter time (UTC+1)
    )
    assert answer.status_code == 303
    event = context.service.events(case["case_id"])[-1]
    assert event.occurred_at == datetime(2026, 3, 1, 21, 30, tzinfo=UTC)


def test_a_form_without_the_sessions_token_is_refused_and_records_nothing(
    api: Api, people: dict[str, Browser], context: ApiContext
) -> None:
    case = api.identify()
    worker = people["vlora_worker"]
    action, fields = worker.open(f"/cases/{case['case_id']}/steps/assess-risk")
    someone_elses = dict(people["vlora_lawyer"].open("/cases/new")[1])["csrf"]
    for csrf in (None, "0" * 64, someone_elses):
        refused = worker.send(action, fields, level="high", csrf=csrf)
        assert refused.status_code == 403
        assert "Ky formular ka skaduar ose nuk erdhi nga kjo faqe" in text_of(
            refused.text
        )
    assert len(context.service.events(case["case_id"])) == 1
    assert worker.client.post("/logout").status_code == 403
    assert worker.get("/").status_code == 200  # still logged in
