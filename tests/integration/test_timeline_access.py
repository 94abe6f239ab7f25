"""The timeline read and its access-log row: one row for each answer, no
answer without its row, and the caller's rights as the store has the case
now, whichever process recorded its events since this one last read it."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any
from uuid import UUID

import psycopg
import pytest

from domain.clock import ControlledClock
from services.api.context import ApiContext, Forbidden, api_context
from services.api.policy import Principal
from services.api.timeline_read import logged_timeline
from services.app.service import CaseApplication, CaseService
from services.config.bootstrap import Backbone
from tests.access_log_faults import REFUSE_TIMELINE_ROWS
from tests.builders import identify, step

COORDINATOR = {"actor_id": "coordinator-1", "actor_role": "coordinator"}
READER = Principal("mu-vlora-1", "mobile_unit", frozenset({"vlora"}), "en")


@pytest.fixture
def context(backbone: Backbone) -> ApiContext:
    return api_context(backbone)


@pytest.fixture
def plain(backbone: Backbone, clock: ControlledClock) -> CaseService:
    """Records cases with their typed text in the events (as a store from
    before the typed-text store holds them): no entry holds a reference."""
    return CaseService(backbone.app, clock, people=backbone.service.people)


def _read(backbone: Backbone, context: ApiContext, case_id: str) -> list[Any]:
    backbone.follower.catch_up()
    answer = logged_timeline(context, READER, UUID(case_id), "corr-timeline")
    entries: list[Any] = json.loads(answer)
    return entries


def _rows(context: ApiContext, case_id: str) -> list[tuple[str, bool]]:
    """The case's timeline reads in the access log, oldest first."""
    return [
        (e["actor_id"], e["allowed"])
        for e in reversed(context.access_log.entries(case_id=case_id))
        if e["view"] == "timeline"
    ]


def _elsewhere(
    backbone: Backbone,
    clock: ControlledClock,
    case: dict[str, Any],
    command: str,
    **fields: Any,
) -> None:
    """Another process (its own application on the same store) records a step
    of ``case``: this one's kept copy of the case knows nothing of it."""
    other = CaseApplication(env=backbone.database.eventsourcing_env())
    try:
        service = CaseService(other, clock)
        step(service, clock, case, command, timedelta(hours=1), **fields)
    finally:
        other.close()


def test_each_answer_has_its_own_row(
    backbone: Backbone, context: ApiContext, plain: CaseService, clock: ControlledClock
) -> None:
    case = identify(plain, clock, subject_ref="PV-ROWS-1", mobile_unit="unit-rows")

    answers = [_read(backbone, context, case["case_id"]) for _ in range(3)]

    assert answers[0] == answers[1] == answers[2]
    [entry] = answers[0]
    assert (entry["version"], entry["event_type"]) == (1, "Identified")
    assert entry["details"]["mobile_unit"] == "unit-rows"
    assert _rows(context, case["case_id"]) == [("mu-vlora-1", True)] * 3


def test_typed_text_is_shown_and_the_read_recorded_once(
    backbone: Backbone, context: ApiContext, clock: ControlledClock
) -> None:
    case = identify(
        backbone.service, clock, subject_ref="PV-TYPED-2", mobile_unit="unit-typed"
    )

    [entry] = _read(backbone, context, case["case_id"])

    assert entry["details"]["text_refs"]
    assert entry["details"]["mobile_unit"] == "unit-typed"
    assert _rows(context, case["case_id"]) == [("mu-vlora-1", True)]


@pytest.mark.parametrize("read_before", [True, False], ids=["read before", "first"])
def test_a_read_whose_row_cannot_be_written_is_not_answered(
    backbone: Backbone,
    context: ApiContext,
    plain: CaseService,
    clock: ControlledClock,
    read_before: bool,
) -> None:
    case = identify(plain, clock, subject_ref="PV-NOROW-1")
    if read_before:
        _read(backbone, context, case["case_id"])
    with psycopg.connect(backbone.database.conninfo(), autocommit=True) as conn:
        conn.execute(REFUSE_TIMELINE_ROWS)

    with pytest.raises(psycopg.errors.DiskFull):
        _read(backbone, context, case["case_id"])

    assert _rows(context, case["case_id"]) == [("mu-vlora-1", True)] * read_before


def test_a_step_recorded_elsewhere_since_the_last_read_is_shown(
    backbone: Backbone, context: ApiContext, plain: CaseService, clock: ControlledClock
) -> None:
    case = identify(plain, clock, subject_ref="PV-NEWER-1")
    _read(backbone, context, case["case_id"])
    _elsewhere(backbone, clock, case, "assign", actor=COORDINATOR, owner="cw-vlora-2")

    entries = _read(backbone, context, case["case_id"])

    assert [e["event_type"] for e in entries] == ["Identified", "CaseAssigned"]
    assert _rows(context, case["case_id"]) == [("mu-vlora-1", True)] * 2


def test_a_case_moved_elsewhere_out_of_the_readers_region_is_refused(
    backbone: Backbone, context: ApiContext, plain: CaseService, clock: ControlledClock
) -> None:
    case = identify(plain, clock, subject_ref="PV-MOVED-1", region="vlora")
    _read(backbone, context, case["case_id"])
    _elsewhere(backbone, clock, case, "transfer", to_region="berat", reason="moved")

    with pytest.raises(Forbidden):
        _read(backbone, context, case["case_id"])

    # The refusal recorded, as for any view; no read.
    assert _rows(context, case["case_id"]) == [
        ("mu-vlora-1", True),
        ("mu-vlora-1", False),
    ]
