"""A case event seen as a plain fact: what the SOP rule model reasons about.

The rule model never touches aggregates or stored events; it reads facts. A fact
is built from any recorded case event (see ``fact_of``) and from a
read-model row alike, so the same pure functions serve the aggregate, the
projections and the SOP clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

if TYPE_CHECKING:
    from domain.events import CaseEvent


@dataclass(frozen=True)
class CaseFact:
    """One recorded case event, reduced to what rules need.

    ``type`` is the event class name (``"Identified"``, ``"Referred"``...).
    ``occurred_at`` is when it happened in the world (entered by people, maybe
    late); ``recorded_at`` is when the store took it. Both are timezone-aware UTC.
    ``attributes`` holds the event's own fields (``is_minor``, ``referral_id``,
    ``service``, ``authority``, ``reason``...), without the actor and
    correlation fields every event carries.
    """

    case_id: UUID
    version: int
    type: str
    occurred_at: datetime
    recorded_at: datetime
    attributes: Mapping[str, object] = field(default_factory=dict)


def fact_of(event: CaseEvent) -> CaseFact:
    """The event as a fact for the SOP rule model."""
    # Imported here: the rule model reads facts, and only what holds an
    # event (which has loaded its classes) makes one of it.
    from domain.events import payload_of  # noqa: PLC0415

    return CaseFact(
        case_id=event.originator_id,
        version=event.originator_version,
        type=type(event).__name__,
        occurred_at=event.occurred_at,
        recorded_at=event.timestamp,
        attributes=payload_of(event),
    )
