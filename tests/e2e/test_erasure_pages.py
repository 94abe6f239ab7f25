"""Erasing a person from the pages and the API takes two people with a role
that erases: one asks with a reason, another confirms. Then the person
record, the notes and the blind index are gone, and the case replays with
"[erased]" where the text was."""

from __future__ import annotations

import re
from typing import Any

from services.api.context import ApiContext
from tests.e2e.helpers import Api, PageLogins, form_token, page_text

RECORD = {"given_names": "Ëngjëllushe", "family_name": "Çela", "birth_year": 1999}


def _case_with_a_person_and_a_note(api: Api, ref: str) -> dict[str, Any]:
    case = api.identify(subject_ref=ref)
    worker = api.as_("vlora_worker")
    put = worker.put(f"/api/cases/{case['case_id']}/person", json=RECORD)
    assert put.status_code == 200
    note = worker.post(
        f"/api/cases/{case['case_id']}/notes", json={"text": "Çela is afraid."}
    )
    assert note.status_code == 201
    return case


def test_two_erasers_erase_on_the_pages_and_the_case_replays_with_the_text_gone(
    api: Api,
    base_url: str,
    tokens: dict[str, str],
    logins: PageLogins,
    context: ApiContext,
) -> None:
    case = _case_with_a_person_and_a_note(api, "PV-ER-1")
    page = f"/cases/{case['case_id']}/erase"
    with logins.logged_in(base_url, tokens["coordinator"]) as coordinator:
        assert page in coordinator.get(f"/cases/{case['case_id']}").text
        form = coordinator.get(page).text
        asked = coordinator.post(
            page, data={"csrf": form_token(form), "reason": "person_asked"}
        )
        assert asked.status_code == 303
        waiting = coordinator.get(page).text
    assert "Confirm the erasure" not in waiting  # not by the one who asked
    assert "Another coordinator or the Responsible Authority confirms it." in page_text(
        waiting
    )
    assert (
        "Çela"
        in api.as_("vlora_worker").get(f"/api/cases/{case['case_id']}/person").text
    )

    with logins.logged_in(base_url, tokens["authority"]) as authority:
        shown = authority.get(page).text
        action = re.search(r'action="([^"]+/confirm)"', shown)
        assert action
        confirmed = authority.post(action.group(1), data={"csrf": form_token(shown)})
        assert confirmed.status_code == 303

    with logins.logged_in(base_url, tokens["vlora_lawyer"]) as lawyer:
        timeline = page_text(lawyer.get(f"/cases/{case['case_id']}").text)
        person = page_text(lawyer.get(f"/cases/{case['case_id']}/person").text)
    assert "Personal data erased: the person asked for their data to be erased" in (
        timeline
    )
    assert "[erased]" in timeline
    assert "Çela" not in timeline
    assert "[erased]" in person
    assert "Çela" not in person
    found = api.as_("vlora_worker").post("/api/people/search", json={"name": "cela"})
    assert found.json() == []
    with context.pool.connection() as conn:
        [[left]] = conn.execute(
            "SELECT count(*) FROM person_index WHERE subject_ref = 'PV-ER-1'"
        ).fetchall()
    assert left == 0


def test_the_one_who_asked_cannot_confirm_and_a_request_can_be_withdrawn(
    api: Api,
) -> None:
    case = _case_with_a_person_and_a_note(api, "PV-ER-2")
    url = f"/api/cases/{case['case_id']}/erasure-requests"
    coordinator = api.as_("coordinator")
    assert coordinator.post(url, json={"reason": "because"}).status_code == 422
    asked = coordinator.post(url, json={"reason": "recorded_in_error"})
    assert asked.status_code == 201
    request_id = asked.json()["request_id"]
    again = coordinator.post(url, json={"reason": "recorded_in_error"})
    assert again.status_code == 422  # one request waits at a time

    same = coordinator.post(f"{url}/{request_id}/confirm")
    assert same.status_code == 422
    assert "second person" in same.json()["message"]
    withdrawn = api.as_("authority").post(f"{url}/{request_id}/withdraw")
    assert withdrawn.status_code == 204
    late = api.as_("authority").post(f"{url}/{request_id}/confirm")
    assert late.status_code == 422
    still = api.as_("vlora_worker").get(f"/api/cases/{case['case_id']}/person")
    assert still.json()["status"] == "held"

    asked = api.as_("authority").post(url, json={"reason": "retention_ended"})
    confirmed = coordinator.post(f"{url}/{asked.json()['request_id']}/confirm")
    assert confirmed.status_code == 200
    gone = api.as_("vlora_worker").get(f"/api/cases/{case['case_id']}/person")
    assert gone.json()["status"] == "erased"


def test_only_the_roles_that_erase_may_ask(
    api: Api,
    base_url: str,
    tokens: dict[str, str],
    logins: PageLogins,
    context: ApiContext,
) -> None:
    case = _case_with_a_person_and_a_note(api, "PV-ER-3")
    url = f"/api/cases/{case['case_id']}/erasure-requests"
    for who in ("vlora_worker", "auditor", "vlora_police"):
        refused = api.as_(who).post(url, json={"reason": "person_asked"})
        assert refused.status_code == 403, who
    with logins.logged_in(base_url, tokens["vlora_lawyer"]) as lawyer:
        assert lawyer.get(f"/cases/{case['case_id']}/erase").status_code == 403
        timeline = lawyer.get(f"/cases/{case['case_id']}").text
    assert f"/cases/{case['case_id']}/erase" not in timeline
    refusals = [
        e["actor_id"]
        for e in context.access_log.entries(case_id=case["case_id"])
        if e["view"].startswith("erasure") and not e["allowed"]
    ]
    assert sorted(refusals) == [
        "auditor-1",
        "lawyer-vlora-1",
        "mu-vlora-1",
        "police-vlora-1",
    ]
