"""A generated case load for the statistics tests, and counts computed from
its scripts alone (not from any read model), to check the tables against."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from statistics import median
from typing import Any

from bench.generator import Script, build_case, scripts
from projections.stats_person import age_band, keep_bands
from services.config.bootstrap import Backbone

CASES = 90
SEED = 7


def load(backbone: Backbone, cases: int = CASES) -> list[Script]:
    """Save the generated cases' events and, as the application service does
    when it opens a case, their banded attributes; then bring the read models
    up to date."""
    plan = list(scripts(cases, SEED))
    # A few cases a save: one save of them all is one very large pipeline.
    for first in range(0, len(plan), 10):
        backbone.app.save(*[build_case(s) for s in plan[first : first + 10]])
    with backbone.pool.connection() as conn:
        for s in plan:
            keep_bands(conn, s.case_id, s.steps[0].fields, s.start.year)
    backbone.follower.catch_up()
    return plan


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime

    def has(self, moment: datetime) -> bool:
        return self.start <= moment < self.end


YEAR_2025 = Period(datetime(2025, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC))


def identified(plan: list[Script], period: Period) -> list[dict[str, Any]]:
    """The identification fields of the cases identified in ``period``."""
    return [s.steps[0].fields for s in plan if period.has(s.start)]


def steps(
    plan: list[Script], period: Period, command: str
) -> Iterator[tuple[Script, Any]]:
    for s in plan:
        for step in s.steps:
            if step.command == command and period.has(s.start + step.at):
                yield s, step


def count_identified(plan: list[Script], period: Period, key: str) -> Counter[str]:
    found: Counter[str] = Counter()
    for fields in identified(plan, period):
        if key == "age_band":
            found[str(age_band(fields["age"]))] += 1
        elif key == "minor":
            found["minor" if fields["is_minor"] else "adult"] += 1
        elif key == "exploitation":
            found.update(fields["exploitation_types"])
        else:
            found[str(fields[key])] += 1
    return found


def count_steps(
    plan: list[Script], period: Period, command: str, field: str
) -> Counter[str]:
    return Counter(str(step.fields[field]) for _, step in steps(plan, period, command))


def answer_hours(plan: list[Script], period: Period, command: str) -> list[float]:
    """Hours from each referral to its answer, for answers in ``period``."""
    hours = []
    for s, step in steps(plan, period, command):
        referred = next(
            r
            for r in s.steps
            if r.command == "refer"
            and r.fields["referral_id"] == step.fields["referral_id"]
        )
        hours.append((step.at - referred.at).total_seconds() / 3600)
    return hours


def notify_hours(plan: list[Script], period: Period, authority: str) -> list[float]:
    return [
        step.at.total_seconds() / 3600
        for s in plan
        if period.has(s.start)
        for step in s.steps
        if step.command == "record_notification"
        and step.fields["authority"] == authority
    ]


def median_of(values: list[float]) -> float:
    return float(median(values))
