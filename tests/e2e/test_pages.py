"""The pages over real HTTP: log-in cookie, language per user, rights, history."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest

from domain.clock import ControlledClock
from projections.obligations import case_obligations
from projections.timeline import timeline
from services.api.context import ApiContext
from services.api.sop_view import facts_of_rows, judge
from services.cli.demo import demo_case_id, record_scenario
from tests.e2e.helpers import Api, PageLogins


@pytest.fixture
def demo(context: ApiContext, clock: ControlledClock) -> str:
    """The demo scenario, recorded up to the clock's now; returns its first case."""
    record_scenario(context.service, clock, clock.now())
    return str(demo_case_id())


@pytest.fixture
def browser_of(base_url: str, logins: PageLogins) -> Iterator[Any]:
    """Log in as a user through the form; returns their cookie-holding client."""
    clients: list[httpx.Client] = []

    def login(who: str) -> httpx.Client:
        client = logins.client(base_url, who)
        clients.append(client)
        return client

    yield login
    for client in clients:
        client.close()


def _csrf(page: str) -> str:
    """The session's token every form of a logged-in page carries."""
    found = re.search(r'name="csrf" value="([0-9a-f]{64})"', page)
    assert found is not None, "no csrf field"
    return found[1]


def _text(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def test_logging_in_sets_an_httponly_strict_cookie_that_opens_pages_not_the_api(
    base_url: str, tokens: dict[str, str], logins: PageLogins
) -> None:
    with httpx.Client(base_url=base_url) as client:
        assert client.get("/").headers["location"] == "/login"
        refused = client.post("/login", data={"token": tokens["vlora_worker"]})
        assert refused.status_code == 401  # a token is no password
        assert "Emri i përdoruesit ose fjalëkalimi është i gabuar" in refused.text
        client.cookies.set("vatra_session", tokens["vlora_worker"])
        assert client.get("/").status_code == 303  # nor a session
        client.cookies.clear()
        response = logins.log_in(client, "vlora_worker")
        assert response.status_code == 303
        cookie = response.headers["set-cookie"]
        assert "HttpOnly" in cookie
        assert "SameSite=strict" in cookie or "SameSite=Strict" in cookie
        assert tokens["vlora_worker"] not in client.get("/").text
        assert client.get("/").status_code == 200
        assert client.get("/api/cases").status_code == 401  # the cookie is no token
        csrf = _csrf(client.get("/").text)
        elsewhere = client.post(
            "/logout", data={"csrf": csrf}, headers={"Origin": "https://evil.example"}
        )
        assert elsewhere.status_code == 403
        assert client.post("/logout").status_code == 403  # without the form's token
        assert client.get("/").status_code == 200
        client.post("/logout", data={"csrf": csrf})
        assert client.get("/").status_code == 303


def test_a_caseworker_reads_the_timeline_in_albanian_with_sop_status_beside_steps(
    demo: str, browser_of: Any, context: ApiContext
) -> None:
    page = browser_of("vlora_worker").get(f"/cases/{demo}")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    text = _text(page.text)
    assert '<html lang="sq">' in page.text
    assert "U identifikua një i mitur (trafikim) në Vlorë" in text
    assert "U referua për Strehim dhe siguri në qendër pranë National Shelter" in text
    assert "✓ Njoftimi i policisë: përmbushur në kohë" in text
    assert "21 jan 2026, 09:00" in text  # 08:00 UTC shown in Tirane time
    assert "Personi femër, 15 vjeç, Shqipëri" in text  # from the personal-data store
    # Reading the page, the person and the text typed about them (the mobile
    # unit) are all in the access log.
    entries = context.access_log.entries(case_id=demo)
    assert [(e["actor_id"], e["view"]) for e in entries[:3]] == [
        ("mu-vlora-1", "personal_text"),
        ("mu-vlora-1", "personal_data"),
        ("mu-vlora-1", "page:timeline"),
    ]


def test_the_same_timeline_reads_in_english_for_an_english_speaking_user(
    demo: str, browser_of: Any
) -> None:
    text = _text(browser_of("vlora_lawyer").get(f"/cases/{demo}").text)
    assert "Identified a minor (trafficking) in Vlorë, Vlorë, via outreach" in text
    assert "✓ Police notified: met on time" in text


def test_log_in_returns_to_the_page_asked_for_and_never_to_another_site(
    demo: str, base_url: str, logins: PageLogins
) -> None:
    with httpx.Client(base_url=base_url) as client:
        asked = client.get(f"/cases/{demo}")
        assert asked.headers["location"] == f"/login?next=%2Fcases%2F{demo}"
        back = logins.log_in(client, "vlora_worker", next=f"/cases/{demo}")
        assert back.headers["location"] == f"/cases/{demo}"
    for elsewhere in ("https://evil.example/", "//evil.example", "/\\evil.example"):
        with httpx.Client(base_url=base_url) as client:
            form = client.get("/login", params={"next": elsewhere})
            assert 'name="next" value="/login' in form.text  # the language switch
            assert f'name="next" value="{html.escape(elsewhere)}"' not in form.text
            sent = logins.log_in(client, "vlora_worker", next=elsewhere)
            assert sent.headers["location"] == "/"


def test_police_opening_a_case_link_land_on_its_alert_or_a_recorded_refusal(
    demo: str, browser_of: Any, context: ApiContext
) -> None:
    vlora = browser_of("vlora_police")
    opened = vlora.get(f"/cases/{demo}")
    assert (opened.status_code, opened.headers["location"]) == (
        303,
        f"/alerts/{demo}",
    )
    page = vlora.get(f"/alerts/{demo}")
    assert page.status_code == 200
    assert "PV-VL" not in page.text
    assert "Konfirmo marrjen" in page.text
    # Another region's police: the alert view refuses, and says it was recorded.
    durres = browser_of("durres_police")
    refused = durres.get(durres.get(f"/cases/{demo}").headers["location"])
    assert refused.status_code == 403
    entry = context.access_log.entries(case_id=demo)[0]
    assert (entry["actor_id"], entry["view"], entry["allowed"]) == (
        "police-durres-1",
        "page:alert",
        False,
    )


def test_a_step_entered_late_is_marked_with_the_delay(
    demo: str, browser_of: Any
) -> None:
    # The Durrës demo case had its police notification typed in a day late.
    coordinator = browser_of("coordinator")
    home = coordinator.get("/").text
    durres = re.findall(r'href="/cases/([0-9a-f-]{36})"', home)
    texts = [_text(coordinator.get(f"/cases/{case}").text) for case in durres]
    assert sum("entered 24 hours later" in text for text in texts) == 1


def test_a_page_of_another_regions_case_is_refused_and_the_refusal_logged(
    demo: str, browser_of: Any, context: ApiContext
) -> None:
    page = browser_of("durres_worker").get(f"/cases/{demo}")
    assert page.status_code == 403
    assert "This attempt has been recorded in the access log." in page.text
    assert "PV-VL" not in page.text
    entry = context.access_log.entries(case_id=demo)[0]
    assert (entry["actor_id"], entry["view"], entry["allowed"]) == (
        "cw-durres-1",
        "page:timeline",
        False,
    )
    assert browser_of("durres_worker").get("/dashboard").status_code == 403
    assert browser_of("coordinator").get(f"/cases/{demo}/history").status_code == 403


def test_the_auditor_sees_the_case_as_it_stood_at_a_chosen_moment(
    demo: str, browser_of: Any, clock: ControlledClock
) -> None:
    auditor = browser_of("auditor")
    # Tirane time, as the form sends it: ten days after identification.
    moment = (clock.now() - timedelta(days=30)).strftime("%Y-%m-%dT%H:%M")
    then = _text(auditor.get(f"/cases/{demo}/history", params={"as_of": moment}).text)
    now = _text(auditor.get(f"/cases/{demo}/history").text)
    assert "Referral to Shelter accommodation and security accepted" in then
    assert "Assistance plan agreed" not in then
    assert "Assistance plan: open" in then
    assert "Assistance plan agreed" in now
    assert "Assistance plan: met on time" in now
    bad = auditor.get(f"/cases/{demo}/history", params={"as_of": "yesterday"})
    assert bad.status_code == 422
    assert "That is not a date and time: write it as 2026-03-01 14:30." in _text(
        bad.text
    )
    assert "as_of 'yesterday' is not a date and time" in _text(bad.text)


def test_police_see_alerts_without_the_subject_and_acknowledge_with_one_tap(
    demo: str, browser_of: Any, context: ApiContext, api: Api
) -> None:
    police = browser_of("vlora_police")
    home = police.get("/")
    assert home.status_code == 200
    assert "PV-VL" not in home.text
    assert "Njoftimet" in home.text
    forms = re.findall(
        r'action="/alerts/([0-9a-f-]{36})/acknowledge">\s*'
        r'<input type="hidden" name="key" value="([0-9a-f]+)">',
        home.text,
    )
    assert {case for case, _ in forms} == {
        demo,
        re.findall(r"/cases/([0-9a-f-]{36})", browser_of("vlora_worker").get("/").text)[
            1
        ],
    }
    case, key = next((c, k) for c, k in forms if c == demo)
    csrf = _csrf(home.text)
    before = len(context.service.app.case_events(case))
    for _tap in range(2):  # a double tap sends the form twice
        sent = police.post(
            f"/alerts/{case}/acknowledge", data={"key": key, "csrf": csrf}
        )
        assert sent.status_code == 303
    events = context.service.app.case_events(case)
    assert len(events) == before + 1
    assert type(events[-1]).__name__ == "AlertAcknowledged"
    forged = police.post(
        f"/alerts/{case}/acknowledge",
        data={"key": "k2", "csrf": csrf},
        headers={"Origin": "https://evil.example"},
    )
    assert forged.status_code == 403
    tokenless = police.post(f"/alerts/{case}/acknowledge", data={"key": "k3"})
    assert tokenless.status_code == 403
    assert len(context.service.app.case_events(case)) == before + 1


def test_the_timelines_sop_column_says_what_the_compliance_read_model_says(
    demo: str, context: ApiContext
) -> None:
    """The page judges obligations with the projection's own rule model."""
    now = context.clock.now()
    context.read_models.refresh()
    with context.pool.connection() as conn:
        case_ids = [
            row[0]
            for row in conn.execute(
                "SELECT DISTINCT case_id FROM case_timeline"
            ).fetchall()
        ]
        assert len(case_ids) == 7
        for case_id in case_ids:
            rows = timeline(conn, case_id)
            on_page = {
                o.obligation_id: str(o.status)
                for o in judge(
                    facts_of_rows(case_id, rows),
                    context.rulebook,
                    context.calendar,
                    now,
                )
            }
            in_read_model = {
                row["obligation_id"]: row["status"]
                for row in case_obligations(conn, case_id, now)
            }
            assert on_page == in_read_model, case_id
