"""Alert outcomes reach their case once, through the port the handlers own."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from handlers.ledger import Delivery
from handlers.outcomes import CaseOutcomes
from handlers.ports import AlertFacts, CaseChanged, OutcomeRefused

IDENTIFIED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@dataclass
class FakeCases:
    """A case that records alert outcomes, changes under the writer on demand,
    or refuses them."""

    version: int = 1
    notified: set[str] = field(default_factory=set)
    failed: set[str] = field(default_factory=set)
    writes: list[dict[str, Any]] = field(default_factory=list)
    changes_under_writer: int = 0
    refuses: bool = False

    def facts(self, case_id: str) -> AlertFacts:
        return AlertFacts(
            version=self.version,
            identified_at=IDENTIFIED,
            notified=frozenset(self.notified),
            failed=frozenset(self.failed),
            acknowledged=frozenset(),
        )

    def _write(self, into: set[str], fields: dict[str, Any]) -> None:
        if self.refuses:
            raise OutcomeRefused("no such case", kind="CaseNotFound")
        if self.changes_under_writer:
            self.changes_under_writer -= 1
            self.version += 1
            raise CaseChanged("the case changed since it was read")
        assert fields["expected_version"] == self.version
        self.version += 1
        into.add(fields["delivery_id"])
        self.writes.append(fields)

    def record_notified(self, case_id: str, **fields: Any) -> None:
        self._write(self.notified, fields)

    def record_failed(self, case_id: str, **fields: Any) -> None:
        self._write(self.failed, fields)

    def record_acknowledged(self, case_id: str, **fields: Any) -> None:
        raise AssertionError("not an acknowledgement")


def delivered(
    outcome: str = "notified", *, finished: datetime | None = None
) -> Delivery:
    return Delivery(
        delivery_id=uuid.uuid4(),
        event_id=uuid.uuid4(),
        recipient="police-vlora",
        channel="email",
        role="police",
        template="identified",
        context={},
        case_id=uuid.uuid4(),
        case_version=1,
        event_type="Identified",
        event_occurred_at=IDENTIFIED,
        status="delivered" if outcome == "notified" else "failed",
        attempts=3,
        last_error=None if outcome == "notified" else "smtp refused",
        created_at=IDENTIFIED,
        finished_at=finished or IDENTIFIED + timedelta(minutes=4),
        outcome=outcome,
        correlation_id="req-1",
    )


def test_a_delivered_alert_is_recorded_on_its_case_once() -> None:
    cases = FakeCases()
    delivery = delivered()
    outcomes = CaseOutcomes(cases)
    assert outcomes.record(delivery) == "recorded"
    assert outcomes.record(delivery) == "already"
    [write] = cases.writes
    assert write["delivery_id"] == str(delivery.delivery_id)
    assert write["occurred_at"] == delivery.finished_at
    assert (write["authority"], write["channel"]) == ("police", "email")


def test_a_failed_alert_records_why_and_after_how_many_attempts() -> None:
    cases = FakeCases()
    assert CaseOutcomes(cases).record(delivered("failed")) == "recorded"
    [write] = cases.writes
    assert (write["reason"], write["attempts"]) == ("smtp refused", 3)


def test_an_outcome_is_never_dated_before_the_identification() -> None:
    cases = FakeCases()
    early = delivered(finished=IDENTIFIED - timedelta(minutes=2))
    CaseOutcomes(cases).record(early)
    assert cases.writes[0]["occurred_at"] == IDENTIFIED


def test_a_case_changed_by_another_writer_is_read_again_and_written() -> None:
    cases = FakeCases(changes_under_writer=2)
    assert CaseOutcomes(cases).record(delivered()) == "recorded"
    assert len(cases.writes) == 1


def test_a_case_that_keeps_changing_is_left_for_the_next_round() -> None:
    cases = FakeCases(changes_under_writer=10)
    with pytest.raises(CaseChanged):
        CaseOutcomes(cases, attempts=3).record(delivered())
    assert cases.writes == []


def test_a_refused_outcome_is_reported_not_retried() -> None:
    cases = FakeCases(refuses=True)
    assert CaseOutcomes(cases).record(delivered()) == "refused"
    assert cases.writes == []
