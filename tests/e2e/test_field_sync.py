"""Steps a phone kept while offline, sent over HTTP as the field page sends
them: in order, each recorded once, never over another worker's steps."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from domain.clock import ControlledClock
from domain.commands import RecordNotification
from services.api.context import ApiContext
from services.app.errors import CaseNotFound
from tests.e2e.conftest import START
from tests.e2e.helpers import IDENTIFICATION, Api, PageLogins
from tests.e2e.page_forms import Browser

CAPTURED = (START - timedelta(hours=3)).isoformat()


@pytest.fixture
def worker(
    base_url: str, tokens: dict[str, str], logins: PageLogins
) -> Iterator[Browser]:
    browser = Browser(base_url, logins, tokens["vlora_worker"])
    yield browser
    browser.close()


def _token(worker: Browser) -> str:
    answer = worker.get("/field/data/session")
    assert answer.status_code == 200, answer.text
    token: str = answer.json()["csrf"]
    return token


def _sync(worker: Browser, steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    answer = worker.client.post(
        "/field/data/sync",
        json={"steps": steps},
        headers={"X-CSRF-Token": _token(worker)},
    )
    assert answer.status_code == 200, answer.text
    answers: list[dict[str, Any]] = answer.json()["answers"]
    return answers


def _identification(case_id: str) -> dict[str, Any]:
    fields = {k: str(v) for k, v in IDENTIFICATION.items() if k != "is_minor"}
    fields |= {"case_type": "trafficking", "source": "outreach"}
    return {
        "step": "identify",
        "key": uuid.uuid4().hex,
        "case_id": case_id,
        "occurred_at": CAPTURED,
        "fields": fields,
    }


def _consent(case_id: str, version: int) -> dict[str, Any]:
    return {
        "step": "consent",
        "key": uuid.uuid4().hex,
        "case_id": case_id,
        "expected_version": version,
        "occurred_at": CAPTURED,
        "fields": {"scope": "services", "given_by": "subject"},
    }


def _notified_by_phone(case_id: str, version: int) -> dict[str, Any]:
    return {
        "step": "notify",
        "key": uuid.uuid4().hex,
        "case_id": case_id,
        "expected_version": version,
        "occurred_at": CAPTURED,
        "fields": {
            "authority": "police",
            "channel": "phone",
            "recipient": "police-vlora",
            "reference": "",
        },
    }


def test_queued_steps_are_recorded_in_order_once_even_when_sent_again(
    context: ApiContext, worker: Browser
) -> None:
    case_id = str(uuid.uuid4())
    steps = [
        _identification(case_id),
        _notified_by_phone(case_id, 1),
        _consent(case_id, 2),
    ]

    first = _sync(worker, steps)
    again = _sync(worker, steps)  # the answers were lost: the phone resends

    assert [a["status"] for a in first] == ["recorded"] * 3, first
    assert [a["version"] for a in first] == [1, 2, 3]
    assert all(a["case_id"] == case_id for a in first)
    assert [a["replayed"] for a in again] == [True] * 3
    assert [a["version"] for a in again] == [1, 2, 3]
    events = context.service.events(case_id)
    assert [e.type for e in events] == [
        "Identified",
        "AuthorityNotified",
        "ConsentRecorded",
    ]
    # Compliance reads when it happened, the timeline also when it was recorded.
    assert all(e.occurred_at.isoformat() == CAPTURED for e in events)
    assert all(e.recorded_at >= START for e in events)


def test_the_systems_alerts_recorded_meanwhile_are_no_conflict(
    context: ApiContext, worker: Browser
) -> None:
    case_id = str(uuid.uuid4())
    assert _sync(worker, [_identification(case_id)])[0]["version"] == 1
    context.service.run(
        RecordNotification(
            authority="police", channel="email", recipient="police-vlora"
        ),
        case_id,
        expected_version=1,
        actor_id="vatra-notifier",
        actor_role="system",
        occurred_at=START,
    )

    answers = _sync(worker, [_consent(case_id, 1)])

    assert answers[0]["status"] == "recorded"
    assert answers[0]["version"] == 3


def test_another_workers_step_is_listed_for_the_worker_to_decide(
    context: ApiContext, worker: Browser, api: Api, clock: ControlledClock
) -> None:
    case = api.identify()
    case_id = str(case["case_id"])
    # Someone else records a step while the phone is offline.
    other = api.as_("vlora_lawyer").post(
        f"/api/cases/{case_id}/consent",
        json={"scope": "services", "given_by": "subject", "expected_version": 1},
    )
    assert other.status_code == 200, other.text
    queued = _notified_by_phone(case_id, 1)
    queued["occurred_at"] = clock.now().isoformat()

    conflict, waiting = _sync(worker, [queued, _consent(case_id, 2)])

    assert conflict["status"] == "conflict"
    assert waiting == {"status": "waiting"}  # its case's next step waits
    assert conflict["version"] == 2
    assert len(conflict["changes"]) == 1
    assert "lawyer-vlora-1" in conflict["changes"][0]
    assert len(context.service.events(case_id)) == 2  # nothing recorded over it

    # The worker decides to record theirs after the other step.
    (resolved,) = _sync(worker, [{**queued, "expected_version": 2}])

    assert resolved["status"] == "recorded"
    assert resolved["version"] == 3
    assert [e.type for e in context.service.events(case_id)][-1] == (
        "AuthorityNotified"
    )


def test_a_refused_step_says_why_in_the_workers_language(worker: Browser) -> None:
    case_id = str(uuid.uuid4())
    step = _identification(case_id)
    step["fields"] = {**step["fields"], "municipality": "tirane"}

    refused, waiting = _sync(worker, [step, _consent(case_id, 1)])

    assert refused["status"] == "refused"
    assert waiting["status"] == "waiting"
    assert set(refused["errors"]) == {"municipality"}


def test_a_sync_without_the_pages_token_is_refused(
    context: ApiContext, worker: Browser
) -> None:
    case_id = str(uuid.uuid4())
    answer = worker.client.post(
        "/field/data/sync", json={"steps": [_identification(case_id)]}
    )
    assert answer.status_code == 403
    with pytest.raises(CaseNotFound):
        context.service.case(case_id)


def test_a_cases_later_steps_wait_for_its_conflict_and_other_cases_go_on(
    context: ApiContext, worker: Browser, api: Api, clock: ControlledClock
) -> None:
    held = str(api.identify()["case_id"])
    free = str(api.identify(subject_ref="PV-SYNC-FREE")["case_id"])
    other = api.as_("vlora_lawyer").post(
        f"/api/cases/{held}/consent",
        json={"scope": "services", "given_by": "subject", "expected_version": 1},
    )
    assert other.status_code == 200, other.text
    stale = {**_notified_by_phone(held, 1), "occurred_at": clock.now().isoformat()}
    elsewhere = {
        **_notified_by_phone(free, 1),
        "occurred_at": clock.now().isoformat(),
    }

    answers = _sync(worker, [stale, _consent(held, 2), elsewhere])

    assert [a["status"] for a in answers] == ["conflict", "waiting", "recorded"]
    assert len(context.service.events(held)) == 2  # nothing tried after it
    assert [e.type for e in context.service.events(free)][-1] == "AuthorityNotified"
