"""CaseViews keeps a bounded number of cases and replays only what is new."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

from domain.case import Case
from domain.events import CaseEvent
from services.app.case_views import CaseViews
from tests.builders import identified_case


def _case(case_id: UUID) -> Case:
    case = identified_case()
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
