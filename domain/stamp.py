"""Who recorded a step, when it happened, and which request it belongs to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.catalogue import ROLES, check_code
from domain.clock import as_utc
from domain.errors import InvalidTime
from domain.fields import check_moment


@dataclass(frozen=True)
class Stamp:
    """The common facts of every recorded step.

    ``occurred_at`` is when it happened (entered by people, often late);
    ``recorded_at`` is the clock's "now" when the store takes it.
    """

    actor_id: str
    actor_role: str
    occurred_at: datetime
    recorded_at: datetime
    correlation_id: str

    def __post_init__(self) -> None:
        if not self.actor_id.strip():
            raise InvalidTime("every step needs the id of the person who recorded it")
        check_code("role", self.actor_role, ROLES)
        try:
            recorded = as_utc(self.recorded_at)
        except ValueError as error:
            raise InvalidTime(f"recorded_at: {error}") from None
        occurred = check_moment("occurred_at", self.occurred_at, now=recorded)
        object.__setattr__(self, "occurred_at", occurred)
        object.__setattr__(self, "recorded_at", recorded)

    def fields(self) -> dict[str, object]:
        """The event fields every case event carries."""
        return {
            "actor_id": self.actor_id,
            "actor_role": self.actor_role,
            "occurred_at": self.occurred_at,
            "correlation_id": self.correlation_id,
            "timestamp": self.recorded_at,
        }
