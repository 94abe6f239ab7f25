"""Who recorded a step, when it happened, and which request it belongs to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.catalogue import ROLES, check_code
from domain.clock import as_utc
from domain.errors import InvalidTime

# Phones in the field run a little fast or slow; a step "in the future" by less
# than this is taken as clock skew, not as a mistake.
CLOCK_SKEW = timedelta(minutes=5)


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
            occurred = as_utc(self.occurred_at)
            recorded = as_utc(self.recorded_at)
        except ValueError as error:
            raise InvalidTime(f"occurred_at: {error}") from None
        if occurred > recorded + CLOCK_SKEW:
            raise InvalidTime(
                "occurred_at is in the future: a step can only be recorded "
                "once it has happened"
            )
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
