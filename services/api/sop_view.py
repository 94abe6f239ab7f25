"""A case's SOP obligations beside its steps: which step gave rise to which
obligation, and which step met it.

The obligations are computed by ``domain.sop.obligations_of`` (the function
the ``sop_obligations`` projection runs) from the same facts the projection
keeps, so a page shows the statuses ``projections.obligations`` reports, and
also the trigger and met-by versions it needs to put them beside the steps.
For a history view the facts are those recorded by the chosen moment, judged
at that moment, by the rule set in force then.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from domain.facts import CaseFact
from domain.sop import Obligation, RuleBook, WorkingCalendar, obligations_of

# A step entered this long after it happened is marked as entered late: a
# phone that kept steps offline for a quarter of an hour is worth saying,
# against rules counted in hours (the police are to be told within one).
LATE_ENTRY = timedelta(minutes=5)


@dataclass
class Step:
    """One step of a timeline, with the obligations it raised and met."""

    version: int
    event_type: str
    occurred_at: datetime
    recorded_at: datetime
    actor_id: str
    actor_role: str
    details: dict[str, Any]
    raised: list[Obligation] = field(default_factory=list)
    met: list[Obligation] = field(default_factory=list)

    @property
    def entered_late_by(self) -> timedelta | None:
        delay = self.recorded_at - self.occurred_at
        return delay if delay >= LATE_ENTRY else None


def facts_of_rows(case_id: UUID, rows: Iterable[Mapping[str, Any]]) -> list[CaseFact]:
    """Facts from timeline rows (or history events): what the rule model reads."""
    facts = []
    for row in rows:
        occurred, recorded = row["occurred_at"], row["recorded_at"]
        facts.append(
            CaseFact(
                case_id=case_id,
                version=int(row["version"]),
                type=str(row.get("event_type") or row.get("type")),
                occurred_at=_moment(occurred),
                recorded_at=_moment(recorded),
                attributes=dict(row.get("details") or row.get("payload") or {}),
            )
        )
    return facts


def judge(
    facts: Sequence[CaseFact],
    rulebook: RuleBook,
    calendar: WorkingCalendar,
    now: datetime,
) -> list[Obligation]:
    """The case's obligations and their status at ``now``."""
    if not facts or facts[0].type != "Identified":
        return []
    return obligations_of(facts, rulebook, calendar, now)


def steps_with_obligations(
    rows: Iterable[Mapping[str, Any]], obligations: Sequence[Obligation]
) -> list[Step]:
    """The timeline with each obligation beside the step that raised and met it."""
    steps = {
        int(row["version"]): Step(
            version=int(row["version"]),
            event_type=str(row.get("event_type") or row.get("type")),
            occurred_at=_moment(row["occurred_at"]),
            recorded_at=_moment(row["recorded_at"]),
            actor_id=str(row["actor_id"]),
            actor_role=str(row["actor_role"]),
            details=dict(row.get("details") or row.get("payload") or {}),
        )
        for row in rows
    }
    for obligation in obligations:
        if obligation.trigger_version in steps:
            steps[obligation.trigger_version].raised.append(obligation)
        if obligation.met_by_version in steps:
            steps[obligation.met_by_version].met.append(obligation)
    return [steps[v] for v in sorted(steps)]


def needing_attention(obligations: Sequence[Obligation]) -> list[Obligation]:
    """Overdue first, then due soon, then open; each soonest deadline first."""
    order = {"breached": 0, "warning": 1, "open": 2}
    pending = [o for o in obligations if str(o.status) in order and o.met_at is None]
    return sorted(pending, key=lambda o: (order[str(o.status)], o.due_at))


def _moment(value: datetime | str) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)
