"""What every case event is: ``CaseEvent``, the base of the events of
``domain.events`` and ``domain.clinic_events``, with who recorded it, when it
happened and the request it belongs to.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from eventsourcing.domain import Aggregate


class AppliesEvents(Protocol):
    """What a case event evolves: the state of ``domain.case_state.CaseState``."""

    def apply_event(self, event: CaseEvent) -> None: ...


def no_text_refs(state: dict[str, Any]) -> None:
    """Upcast an event stored before typed text was kept apart: its text is
    inline, in its own fields, and it has no references."""
    state.setdefault("text_refs", {})


class CaseEvent(Aggregate.Event):
    """Base of every case event."""

    actor_id: str
    actor_role: str
    occurred_at: datetime
    correlation_id: str

    def apply(self, aggregate: Any) -> None:
        state: AppliesEvents = aggregate
        state.apply_event(self)
