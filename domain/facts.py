"""A case event seen as a plain fact: what the SOP rule model reasons about.

The rule model never touches aggregates or stored events; it reads facts. A fact
is built from any recorded case event (see ``domain.case.fact_of``) and from a
read-model row alike, so the same pure functions serve the aggregate, the
projections and the SOP clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID


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
