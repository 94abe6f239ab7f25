"""What the rule file's units mean across the spring clock change in Tirane.

Clocks go forward from 02:00 to 03:00 on Sunday 29 March 2026 (the last
Sunday of March): that Sunday has 23 hours.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import uuid4
from zoneinfo import ZoneInfo

from domain.facts import CaseFact
from domain.sop import load_calendar, load_rulebook, obligations_of
from domain.sop.patterns import Duration, DurationUnit

DEPLOY_SOP = Path(__file__).resolve().parents[2] / "deploy" / "sop"
CALENDAR = load_calendar(DEPLOY_SOP / "calendar.toml")
RULEBOOK = load_rulebook(DEPLOY_SOP)
TIRANE = ZoneInfo("Europe/Tirane")


def tirane(day: int, hour: int, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=TIRANE)


def test_24_hours_across_the_spring_change_are_elapsed_and_end_at_23_local() -> None:
    start = tirane(28, 22)

    due = Duration(24, DurationUnit.HOURS).after(start, CALENDAR)

    assert due - start == timedelta(hours=24)
    assert due.astimezone(TIRANE) == tirane(29, 23)
    assert due == datetime(2026, 3, 29, 21, tzinfo=UTC)


def test_a_day_across_the_spring_change_is_the_same_local_time_next_day() -> None:
    start = tirane(28, 22)

    due = Duration(1, DurationUnit.DAYS).after(start, CALENDAR)

    assert due.astimezone(TIRANE) == tirane(29, 22)
    assert due - start == timedelta(hours=23)


def test_30_days_from_march_keep_the_local_time_in_april() -> None:
    start = tirane(15, 9)

    due = Duration(30, DurationUnit.DAYS).after(start, CALENDAR)

    assert due.astimezone(TIRANE) == tirane(14, 9, month=4)
    assert due - start == timedelta(days=30) - timedelta(hours=1)


def test_an_identification_on_the_eve_of_the_change_is_due_24_elapsed_hours_later() -> (
    None
):
    at = tirane(28, 22).astimezone(UTC)
    identified = CaseFact(
        uuid4(),
        1,
        "Identified",
        at,
        at,
        {"is_minor": True, "region": "vlora", "municipality": "Vlorë"},
    )

    obligations = {
        o.rule_id: o for o in obligations_of([identified], RULEBOOK, CALENDAR, at)
    }

    assert obligations["ra-notified"].due_at.astimezone(TIRANE) == tirane(29, 23)
    assert obligations["cpu-notified"].due_at - at == timedelta(hours=24)
