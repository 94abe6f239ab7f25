"""Counting obligations per rule, and the on-time rate."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from uuid import uuid4

from domain.sop import Counts, Obligation, ObligationStatus, RuleKind, summarise

T0 = datetime(2026, 6, 1, 8, tzinfo=UTC)
TEMPLATE = Obligation(
    obligation_id="police-notified@1",
    case_id=uuid4(),
    rule_id="police-notified",
    ruleset_version="2026.1",
    kind=RuleKind.DUE_WITHIN,
    trigger_version=1,
    trigger_type="Identified",
    triggered_at=T0,
    due_at=T0 + timedelta(hours=1),
    warn_at=T0 + timedelta(minutes=45),
    status=ObligationStatus.OPEN,
    met_at=None,
    met_by_version=None,
    breached_at=None,
    notify_on_breach=("coordinator",),
)


def obligations(rule_id: str, *statuses: ObligationStatus) -> list[Obligation]:
    return [replace(TEMPLATE, rule_id=rule_id, status=status) for status in statuses]


def test_obligations_are_counted_per_rule_and_status() -> None:
    summary = summarise(
        [
            *obligations(
                "police-notified",
                ObligationStatus.MET,
                ObligationStatus.MET,
                ObligationStatus.MET_LATE,
                ObligationStatus.BREACHED,
                ObligationStatus.OPEN,
                ObligationStatus.WARNING,
            ),
            *obligations("follow-up", ObligationStatus.CANCELLED),
        ]
    )

    assert summary == {
        "police-notified": Counts(open=1, met=2, met_late=1, warning=1, breached=1),
        "follow-up": Counts(cancelled=1),
    }
    assert summary["police-notified"].total == 6


def test_the_on_time_rate_is_met_over_everything_decided() -> None:
    counts = Counts(open=5, met=3, met_late=1, warning=2, breached=2, cancelled=4)

    assert counts.on_time_rate == 3 / 6


def test_the_on_time_rate_is_none_while_nothing_is_decided() -> None:
    assert Counts(open=2, warning=1, cancelled=1).on_time_rate is None


def test_an_empty_list_summarises_to_nothing() -> None:
    assert summarise([]) == {}
