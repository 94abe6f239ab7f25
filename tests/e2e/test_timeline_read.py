"""The timeline through the API: each answer's read recorded once, with or
without typed text in the case."""

from __future__ import annotations

from typing import Any

import psycopg

from domain.clock import ControlledClock
from services.api.context import ApiContext
from services.app.service import CaseService
from services.store.database import Database
from tests.access_log_faults import REFUSE_TIMELINE_ROWS
from tests.builders import identify
from tests.e2e.helpers import Api


def _timeline_reads(context: ApiContext, case_id: str) -> list[tuple[Any, ...]]:
    return [
        (e["actor_id"], e["allowed"])
        for e in context.access_log.entries(case_id=case_id, limit=100)
        if e["view"] == "timeline"
    ]


def test_a_case_without_typed_text_is_answered_whole_and_each_read_recorded(
    api: Api, context: ApiContext, clock: ControlledClock
) -> None:
    # Recorded where typed text stays in the events (as in a store from before
    # the typed-text store): the read models hold no text references.
    plain = CaseService(context.service.app, clock, people=context.service.people)
    case = identify(plain, clock, subject_ref="PV-PLAIN-1", mobile_unit="unit-7")
    worker = api.as_("vlora_worker")

    first = worker.get(f"/api/cases/{case['case_id']}/timeline")
    second = worker.get(f"/api/cases/{case['case_id']}/timeline")

    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    [entry] = first.json()
    assert entry["version"] == 1
    assert entry["event_type"] == "Identified"
    assert entry["details"]["text_refs"] == {}
    assert entry["details"]["mobile_unit"] == "unit-7"
    assert _timeline_reads(context, case["case_id"]) == [("mu-vlora-1", True)] * 2


def test_a_case_with_typed_text_shows_it_and_records_the_read_once(
    api: Api, context: ApiContext
) -> None:
    case = api.identify(subject_ref="PV-TYPED-1", mobile_unit="unit-typed")
    worker = api.as_("vlora_worker")

    answer = worker.get(f"/api/cases/{case['case_id']}/timeline")

    assert answer.status_code == 200
    [entry] = answer.json()
    assert entry["details"]["text_refs"]
    assert entry["details"]["mobile_unit"] == "unit-typed"
    assert _timeline_reads(context, case["case_id"]) == [("mu-vlora-1", True)]


def test_an_unknown_case_is_a_404_and_records_no_read(
    api: Api, context: ApiContext
) -> None:
    unknown = "00000000-0000-4000-8000-000000000024"
    answer = api.as_("vlora_worker").get(f"/api/cases/{unknown}/timeline")
    assert answer.status_code == 404
    assert _timeline_reads(context, unknown) == []


def test_a_read_whose_row_cannot_be_written_is_answered_without_the_timeline(
    api: Api, context: ApiContext, clock: ControlledClock, database: Database
) -> None:
    plain = CaseService(context.service.app, clock, people=context.service.people)
    case = identify(plain, clock, subject_ref="PV-NOROW-2", mobile_unit="unit-norow")
    worker = api.as_("vlora_worker")
    assert worker.get(f"/api/cases/{case['case_id']}/timeline").status_code == 200
    with psycopg.connect(database.conninfo(), autocommit=True) as conn:
        conn.execute(REFUSE_TIMELINE_ROWS)

    answer = worker.get(f"/api/cases/{case['case_id']}/timeline")

    assert answer.status_code == 503
    assert answer.json()["error"] == "unavailable"
    assert "unit-norow" not in answer.text
    assert _timeline_reads(context, case["case_id"]) == [("mu-vlora-1", True)]


def test_an_unknown_token_is_refused_before_the_case_is_looked_at(api: Api) -> None:
    anyone = "00000000-0000-4000-8000-000000000025"
    answer = api.as_("vlora_worker").get(
        f"/api/cases/{anyone}/timeline", headers={"Authorization": "Bearer nope"}
    )
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"] == "Bearer"
