"""Group commit without a database: eventsourcing's in-memory store."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

import pytest

from domain.clock import ControlledClock
from domain.commands import Identify
from services.app.service import CaseApplication, CaseService
from tests.fakes import KeptAttributes

MOMENT = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def test_a_caller_alone_saves_at_once_in_its_own_thread_and_starts_no_thread(
    app: CaseApplication, monkeypatch: pytest.MonkeyPatch
) -> None:
    saved_in: list[int] = []
    original = app.recorder.insert_events

    def insert(stored: Any, **kwargs: Any) -> Any:
        saved_in.append(threading.get_ident())
        return original(stored, **kwargs)

    monkeypatch.setattr(app.recorder, "insert_events", insert)
    threads_before = threading.enumerate()
    service = CaseService(app, ControlledClock(MOMENT), people=KeptAttributes())

    case = service.open_case(
        Identify(
            subject_ref="PV-1",
            region="vlora",
            mobile_unit="vlora-unit",
            municipality="vlore",
            is_minor=False,
            sex="female",
            age=30,
            nationality="AL",
        ),
        actor_id="mu-1",
        actor_role="mobile_unit",
        occurred_at=MOMENT,
    )

    assert saved_in == [threading.get_ident()]
    assert case["version"] == 1
    assert app.group_commit.queued == 0
    assert threading.enumerate() == threads_before
