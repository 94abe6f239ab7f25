"""CaseViews keeps a bounded number of cases and replays only what is new."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

from domain.case import Case
from domain.events import CaseEvent
from domain.stamp import Stamp
from services.case_views import CaseViews

MOMENT = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def _case(case_id: UUID) -> Case:
    stamp = Stamp("mu-1", "mobile_unit", MOMENT, MOMENT, "c-1")
    case = Case.identify(
        stamp,
        case_id=case_id,
        subject_ref="PV-1",
        region="vlora",
        mobile_unit="mu-vlora-1",
        worker_id="w-1",
        municipality="Vlorë",
        is_minor=False,
        case_type="trafficking",
        protection_requested=False,
        indicators=[],
        exploitation_types=[],
        source="outreach",
    )
    case.collect_events()
    return case


def _version(case: Case) -> dict[str, Any]:
    return {"version": case.version}


def test_only_the_last_cases_read_are_kept_and_a_kept_one_is_not_replayed() -> None:
    loads: list[UUID] = []

    def load(case_id: UUID) -> Case:
        loads.append(case_id)
        return _case(case_id)

    def newer(case_id: UUID, version: int) -> list[CaseEvent]:
        return []

    views = CaseViews(load, newer, size=2)
    first, second, third = uuid4(), uuid4(), uuid4()
    for case_id in (first, second, first, third, first, second):
        assert views.read(case_id, _version) == {"version": 1}
    # first stays (read most recently before third came); second was evicted.
    assert loads == [first, second, third, second]
