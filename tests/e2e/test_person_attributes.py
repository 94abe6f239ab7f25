"""The person's sex, age and nationality, over real HTTP: the identification
takes them, the encrypted personal-data store keeps them, the case page shows
them to those who work with the person; no event, answer or read model holds
them, and without a key nothing is recorded."""

from __future__ import annotations

import contextlib
import html
import re
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from domain.clock import ControlledClock
from domain.commands import Identify
from projections.timeline import timeline
from services.api.app import create_app
from services.api.context import ApiContext, api_context
from services.api.idempotency import correlation_id_for
from services.api.routes.commands import CASE_ID_NAMESPACE
from services.api.serve import ApiServer
from services.app.erasure import erase_personal_data
from services.config.bootstrap import Backbone, open_backbone
from services.config.settings import load_settings
from services.store.database import Database
from tests.e2e.helpers import IDENTIFICATION, USERS, Api, PageLogins, new_key

PERSONAL = {"sex", "age", "birth_year", "nationality"}
WORKER = {"actor_id": "mu-vlora-1", "actor_role": "mobile_unit"}


def _text(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


@contextlib.contextmanager
def _logged_in(base_url: str, logins: PageLogins, who: str) -> Iterator[httpx.Client]:
    """A browser logged in as ``who``: its session cookie opens the pages."""
    with contextlib.closing(logins.client(base_url, who)) as client:
        yield client


def test_the_store_keeps_the_persons_attributes_and_no_event_or_read_model_does(
    api: Api, backbone: Backbone, context: ApiContext
) -> None:
    case = api.identify(subject_ref="PV-ATTR-1", sex="male", age=41, nationality="XK")

    [opened] = context.service.events(case["case_id"])
    assert not PERSONAL & opened.payload.keys()
    backbone.follower.catch_up()
    with backbone.pool.connection() as conn:
        [row] = timeline(conn, uuid.UUID(case["case_id"]))
    assert not PERSONAL & set(row["details"])
    assert "male" not in row["summary"]
    kept = backbone.personal_data.read("PV-ATTR-1", **WORKER)
    assert (kept.sex, kept.age, kept.birth_year, kept.nationality) == (
        "male",
        41,
        None,
        "XK",
    )
    # Kept by the identifying worker, under the identification's correlation id.
    [kept_by] = [
        e
        for e in context.access_log.entries(case_id=case["case_id"])
        if e["view"] == "personal_data_update"
    ]
    assert (kept_by["actor_id"], kept_by["correlation_id"]) == (
        "mu-vlora-1",
        opened.correlation_id,
    )


def test_the_case_page_shows_the_person_to_those_working_with_them_only(
    api: Api, base_url: str, logins: PageLogins, context: ApiContext
) -> None:
    case = api.identify(subject_ref="PV-ATTR-2", sex="female", age=30)
    page = f"/cases/{case['case_id']}"

    with _logged_in(base_url, logins, "vlora_worker") as worker:
        albanian = _text(worker.get(page).text)
    assert "Personi femër, 30 vjeç, Shqipëri" in albanian
    with _logged_in(base_url, logins, "vlora_lawyer") as lawyer:
        assert "Person female, aged 30, Albania" in _text(lawyer.get(page).text)
    with _logged_in(base_url, logins, "auditor") as auditor:
        audited = auditor.get(page)
    assert audited.status_code == 200
    assert "Person" not in _text(audited.text)
    assert "female" not in audited.text

    reads = [
        (e["actor_id"], e["allowed"])
        for e in context.access_log.entries(case_id=case["case_id"])
        if e["view"] == "personal_data"
    ]
    assert sorted(reads) == [("lawyer-vlora-1", True), ("mu-vlora-1", True)]
    # The police see the case only through their alerts, which carry none.
    alerts = api.as_("vlora_police").get("/api/alerts")
    assert alerts.status_code == 200
    assert not any(PERSONAL & alert.keys() for alert in alerts.json())


def test_an_erased_person_is_not_identified_again_under_the_same_reference(
    api: Api, backbone: Backbone, context: ApiContext, logins: PageLogins
) -> None:
    case = api.identify(subject_ref="PV-ATTR-3")
    erase_personal_data(
        context.service,
        backbone.personal_data,
        case["case_id"],
        expected_version=case["version"],
        actor_id="coordinator-1",
        actor_role="coordinator",
        reason="the person asked for erasure",
    )
    again = api.as_("vlora_worker").post(
        "/api/cases", json={**IDENTIFICATION, "subject_ref": "PV-ATTR-3"}
    )
    assert again.status_code == 409
    assert again.json()["error"] == "subject_erased"
    assert "was not opened" in again.json()["message"]
    assert [c["case_id"] for c in api.as_("vlora_worker").get("/api/cases").json()] == [
        case["case_id"]
    ]
    with _logged_in(api.base_url, logins, "vlora_worker") as worker:
        text = _text(worker.get(f"/cases/{case['case_id']}").text)
    assert "Personi të dhënat u fshinë" in text


def test_a_retried_identification_keeps_the_person_once_and_records_once(
    api: Api, backbone: Backbone, context: ApiContext
) -> None:
    key = new_key()
    body = {**IDENTIFICATION, "subject_ref": "PV-ATTR-4", "age": 52}
    worker = api.as_("vlora_worker")
    first = worker.post("/api/cases", json=body, headers={"Idempotency-Key": key})
    again = worker.post("/api/cases", json=body, headers={"Idempotency-Key": key})
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert first.json() == again.json()

    # An attempt whose answer was lost after the person was kept and the case
    # saved: the retry keeps the same values again and finds the case.
    lost = new_key()
    correlation = correlation_id_for("mu-vlora-1", lost)
    case_id = uuid.uuid5(CASE_ID_NAMESPACE, correlation)
    retried = {**body, "subject_ref": "PV-ATTR-5"}
    context.service.open_case(
        Identify(**retried),
        case_id=case_id,
        occurred_at=context.clock.now(),
        correlation_id=correlation,
        **WORKER,
    )
    retry = worker.post("/api/cases", json=retried, headers={"Idempotency-Key": lost})
    assert retry.status_code == 201, retry.text
    assert retry.json()["case_id"] == str(case_id)
    assert len(context.service.events(str(case_id))) == 1
    assert len(worker.get("/api/cases").json()) == 2
    assert backbone.personal_data.read("PV-ATTR-5", **WORKER).age == 52


@pytest.fixture
def keyless(database: Database, clock: ControlledClock) -> Iterator[tuple[str, str]]:
    """The API on a backbone with no VATRA_PERSONAL_DATA_KEY; its URL and a
    worker's token."""
    settings = load_settings({"VATRA_LOG_LEVEL": "WARNING"})
    assert not settings.privacy.personal_data_key.get_secret_value()
    with open_backbone(settings, clock=clock, database=database) as backbone:
        context = api_context(backbone)
        user_id, role, regions, language = USERS["vlora_worker"]
        token = context.users.issue_token(user_id, role, regions, language)
        server = ApiServer(create_app(context))
        url = server.start()
        try:
            yield url, token
        finally:
            server.stop()


def test_without_a_personal_data_key_an_identification_is_refused_and_not_recorded(
    keyless: tuple[str, str],
) -> None:
    url, token = keyless
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=url, headers=headers, timeout=30) as worker:
        refused = worker.post("/api/cases", json=IDENTIFICATION)
        assert refused.status_code == 503
        answer: dict[str, Any] = refused.json()
        assert answer["error"] == "personal_data_unavailable"
        assert "VATRA_PERSONAL_DATA_KEY" in answer["message"]
        assert "female" not in answer["message"]
        assert worker.get("/api/cases").json() == []
