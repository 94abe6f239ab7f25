"""The person record over real HTTP: recorded and corrected through the
pages and the API under the same bounds, kept only in the encrypted store,
read by those who work the case (others with a reason, the alerted
authorities only the fields they need), every read in the access log, and
found by a folded name through the blind index."""

from __future__ import annotations

import base64
import re
from typing import Any

import httpx
import pytest

from services.api.context import ApiContext
from services.config.bootstrap import Backbone
from services.store.personal_data_keys import KeyRing, generate_master_key
from tests.e2e.helpers import Api, PageLogins, form_token, page_text

NAME = {"given_names": "Ëngjëllushe", "family_name": "Çela"}
PHONE = "+355 69 123 4567"
RECORD: dict[str, Any] = {
    **NAME,
    "aliases": ["Lushja"],
    "birth_year": 1999,
    "sex": "female",
    "nationality": "AL",
    "languages": ["sq", "it"],
    "phone": PHONE,
    "address": "Rruga e Detit 4, Sarandë",
    "document_type": "identity_card",
    "document_number": "I12345678A",
}


def _put(api: Api, who: str, case: dict[str, Any], **query: str) -> httpx.Response:
    return api.as_(who).put(
        f"/api/cases/{case['case_id']}/person", json=RECORD, params=query
    )


def test_a_worker_records_the_person_on_the_page_and_no_event_holds_them(
    api: Api,
    base_url: str,
    tokens: dict[str, str],
    logins: PageLogins,
    context: ApiContext,
) -> None:
    case = api.identify(subject_ref="PV-PR-1")
    with logins.logged_in(base_url, tokens["vlora_lawyer"]) as lawyer:
        timeline = lawyer.get(f"/cases/{case['case_id']}").text
        assert f'href="/cases/{case["case_id"]}/person"' in timeline
        form = lawyer.get(f"/cases/{case['case_id']}/person/edit")
        assert form.status_code == 200
        sent = lawyer.post(
            f"/cases/{case['case_id']}/person/edit",
            data={
                "csrf": form_token(form.text),
                **NAME,
                "aliases": "Lushja\nLusha",
                "birth_year": "1999",
                "phone": PHONE,
                "languages": ["sq", "it"],
                "nationality": "AL",
            },
        )
        assert sent.status_code == 303, page_text(sent.text)
        shown = page_text(lawyer.get(sent.headers["location"]).text)
    assert "Ëngjëllushe" in shown
    assert PHONE in shown
    assert "Albanian, Italian" in shown
    assert "Lusha" in shown

    events = context.service.events(case["case_id"])
    assert len(events) == 1
    assert "Ëngjëllushe" not in repr([e.payload for e in events])
    with context.pool.connection() as conn:
        stored = conn.execute("SELECT record FROM person_records").fetchall()
    assert stored
    assert all(b"engj" not in bytes(r[0]).lower() for r in stored)


def test_the_page_and_the_api_refuse_the_same_values(
    api: Api,
    base_url: str,
    tokens: dict[str, str],
    logins: PageLogins,
) -> None:
    case = api.identify(subject_ref="PV-PR-2")
    bad = api.as_("vlora_worker").put(
        f"/api/cases/{case['case_id']}/person",
        json={**RECORD, "phone": "call me maybe", "languages": ["xx"]},
    )
    assert bad.status_code == 422
    fields = {e["field"].split(".")[0] for e in bad.json()["errors"]}
    assert fields >= {"phone", "languages"}
    with logins.logged_in(base_url, tokens["vlora_lawyer"]) as lawyer:
        form = lawyer.get(f"/cases/{case['case_id']}/person/edit").text
        refused = lawyer.post(
            f"/cases/{case['case_id']}/person/edit",
            data={"csrf": form_token(form), **NAME, "phone": "call me maybe"},
        )
    assert refused.status_code == 422
    assert "This is not in the expected form" in page_text(refused.text)
    assert "call me maybe" in refused.text  # kept as typed, to correct it


def test_readers_outside_the_region_give_a_reason_and_see_their_minimum(
    api: Api,
    base_url: str,
    tokens: dict[str, str],
    logins: PageLogins,
    context: ApiContext,
) -> None:
    case = api.identify(subject_ref="PV-PR-3")
    assert _put(api, "vlora_worker", case).status_code == 200
    url = f"/api/cases/{case['case_id']}/person"

    assert api.as_("durres_worker").get(url).status_code == 403
    assert api.as_("coordinator").get(url).status_code == 422
    read = api.as_("coordinator").get(url, params={"reason": "coordination"})
    assert read.status_code == 200
    assert read.json()["fields"]["phone"] == PHONE
    authority = api.as_("authority").get(url, params={"reason": "status_decision"})
    assert authority.json()["fields"]["document_number"] == "I12345678A"
    assert "phone" not in authority.json()["fields"]
    police = api.as_("vlora_police").get(url).json()["fields"]
    assert police["family_name"] == "Çela"
    assert not {"phone", "address", "guardian_name"} & police.keys()
    assert api.as_("durres_police").get(url).status_code == 403

    with logins.logged_in(base_url, tokens["coordinator"]) as coordinator:
        asked = coordinator.get(f"/cases/{case['case_id']}/person")
        assert "Why do you read the person record?" in page_text(asked.text)
        assert "Çela" not in asked.text
        shown = coordinator.get(
            f"/cases/{case['case_id']}/person", params={"reason": "transfer"}
        )
        assert "Çela" in shown.text

    reads = {
        (e["actor_id"], e["allowed"], e["reason"])
        for e in context.access_log.entries(case_id=case["case_id"])
        if e["view"] in ("person", "page:person")
    }
    assert ("coordinator-1", True, "coordination") in reads
    assert ("coordinator-1", True, "transfer") in reads
    assert ("ra-office-1", True, "status_decision") in reads
    assert ("police-vlora-1", True, "alert") in reads
    assert ("cw-durres-1", False, None) in reads


def test_a_correction_keeps_the_earlier_values_for_the_auditor(api: Api) -> None:
    case = api.identify(subject_ref="PV-PR-4")
    assert _put(api, "vlora_worker", case).json()["version"] == 1
    again = _put(api, "vlora_worker", case)
    assert again.json()["version"] == 1  # the same values change nothing
    corrected = api.as_("vlora_worker").put(
        f"/api/cases/{case['case_id']}/person",
        json={**RECORD, "phone": "+355 68 000 1111"},
    )
    assert corrected.json()["version"] == 2
    url = f"/api/cases/{case['case_id']}/person"
    worker = api.as_("vlora_worker").get(url).json()
    assert worker["fields"]["phone"] == "+355 68 000 1111"
    assert worker["history"] == []
    audited = api.as_("auditor").get(url, params={"reason": "audit"}).json()
    assert [h["fields"]["phone"] for h in audited["history"]] == [PHONE]


@pytest.mark.parametrize("typed", ["engjellushe cela", "CELA", "Çela Ëngjëllushe"])
def test_a_person_is_found_by_a_folded_name_without_reading_anyone(
    api: Api, typed: str
) -> None:
    case = api.identify(subject_ref="PV-PR-5")
    other = api.identify(subject_ref="PV-PR-6")
    assert _put(api, "vlora_worker", case).status_code == 200
    api.as_("vlora_worker").put(
        f"/api/cases/{other['case_id']}/person",
        json={**RECORD, "given_names": "Drita", "family_name": "Hoxha"},
    )
    found = api.as_("vlora_worker").post("/api/people/search", json={"name": typed})
    assert found.json() == [
        {
            "known_elsewhere": False,
            "case_id": case["case_id"],
            "subject_ref": "PV-PR-5",
            "region": "vlora",
        }
    ]
    elsewhere = api.as_("durres_worker").post(
        "/api/people/search", json={"name": typed}
    )
    assert elsewhere.json() == [
        {"known_elsewhere": True, "case_id": None, "subject_ref": None, "region": None}
    ]
    wrong_year = api.as_("vlora_worker").post(
        "/api/people/search", json={"name": typed, "birth_year": 2001}
    )
    assert wrong_year.json() == []


def test_the_search_page_is_offered_before_opening_a_case(
    api: Api,
    base_url: str,
    tokens: dict[str, str],
    logins: PageLogins,
) -> None:
    case = api.identify(subject_ref="PV-PR-7")
    assert _put(api, "vlora_worker", case).status_code == 200
    with logins.logged_in(base_url, tokens["durres_worker"]) as durres:
        assert 'href="/people/search"' in durres.get("/cases/new").text
        form = durres.get("/people/search").text
        assert 'method="post" action="/people/search"' in form
        page = durres.post(
            "/people/search", data={"csrf": form_token(form), "name": "engjellushe"}
        )
    assert page.status_code == 200
    text = page_text(page.text)
    assert "Known in another region: ask the coordinator." in text
    assert "PV-PR-7" not in text
    assert "vlora" not in page.text.lower()


def test_without_a_key_nothing_is_recorded(
    api: Api, backbone: Backbone, context: ApiContext
) -> None:
    case = api.identify(subject_ref="PV-PR-8")
    assert context.people is not None
    keys = context.people._keys
    context.people._keys = None
    try:
        refused = _put(api, "vlora_worker", case)
    finally:
        context.people._keys = keys
    assert refused.status_code == 503


def test_a_first_record_starts_from_what_the_identification_took(
    api: Api,
    base_url: str,
    tokens: dict[str, str],
    logins: PageLogins,
) -> None:
    case = api.identify(subject_ref="PV-PR-9", sex="female", age=None, birth_year=1990)
    with logins.logged_in(base_url, tokens["vlora_lawyer"]) as lawyer:
        form = lawyer.get(f"/cases/{case['case_id']}/person/edit").text
    assert 'value="1990"' in form
    assert re.search(r'value="female"\s+checked', form)
    assert re.search(r'<option value="AL" selected>', form)


def test_the_police_reach_the_person_from_their_alert(
    api: Api,
    base_url: str,
    tokens: dict[str, str],
    logins: PageLogins,
) -> None:
    case = api.identify(subject_ref="PV-PR-10")
    api.step(
        "vlora_worker",
        case,
        "notify",
        authority="police",
        channel="phone",
        recipient="police",
    )
    assert _put(api, "vlora_worker", case).status_code == 200
    with logins.logged_in(base_url, tokens["vlora_police"]) as police:
        alert = police.get(f"/alerts/{case['case_id']}")
        assert f'href="/cases/{case["case_id"]}/person"' in alert.text
        person = page_text(police.get(f"/cases/{case['case_id']}/person").text)
    assert "Çela" in person
    assert PHONE not in person
    assert "Shihni vetëm fushat që i duhen rolit tuaj." in person


def test_after_a_master_key_rotation_the_index_is_rebuilt_and_finds_people_again(
    api: Api, context: ApiContext
) -> None:
    case = api.identify(subject_ref="PV-PR-11")
    assert _put(api, "vlora_worker", case).status_code == 200
    assert context.people is not None
    old = context.people.keyring()
    rotated = KeyRing(generate_master_key(), [base64.b64encode(old.current).decode()])
    context.people._keys = rotated
    try:
        search = {"name": "cela"}
        assert (
            api.as_("vlora_worker").post("/api/people/search", json=search).json() == []
        )
        assert context.people.reindex() == 1
        found = api.as_("vlora_worker").post("/api/people/search", json=search)
        assert [hit["case_id"] for hit in found.json()] == [case["case_id"]]
    finally:
        context.people._keys = old


def test_the_auditor_reads_the_reason_in_the_access_log(api: Api) -> None:
    case = api.identify(subject_ref="PV-PR-12")
    assert _put(api, "vlora_worker", case).status_code == 200
    url = f"/api/cases/{case['case_id']}/person"
    assert api.as_("coordinator").get(url, params={"reason": "transfer"}).is_success
    entries = api.as_("auditor").get(
        "/api/access-log", params={"case_id": case["case_id"]}
    )
    assert entries.status_code == 200
    assert {
        (e["actor_id"], e["reason"]) for e in entries.json() if e["view"] == "person"
    } == {("coordinator-1", "transfer")}
