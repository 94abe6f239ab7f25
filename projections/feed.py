"""The event-feed interface every projection and handler is written against.

A feed hands over case events in batches, each with its position in the
event store's total order (the notification id). The notification-log
follower and the Kafka consumer are two runners of the same projections.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any, Protocol

from psycopg import Connection, Cursor

if TYPE_CHECKING:
    from domain.events import CaseEvent


@dataclass(frozen=True)
class Delivered:
    """A case event as a feed delivers it, with its position in the store."""

    position: int
    event: CaseEvent

    # Several read models store the payload: each event's is built and
    # encoded once per batch, not once per projection.
    @cached_property
    def payload(self) -> dict[str, Any]:
        """The event's own fields (``domain.events.payload_of``)."""
        # Imported here: a reader of the read models (``projections.timeline``)
        # needs this module but no event class; a feed has loaded them.
        from domain.events import payload_of  # noqa: PLC0415

        return payload_of(self.event)

    @cached_property
    def payload_json(self) -> str:
        """The payload as the read models store it: JSON, times in ISO 8601."""
        return _PAYLOAD_ENCODER.encode(self.payload)


def _iso(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


# One encoder for every payload: ``json.dumps`` with options builds a new one
# per call, and a copy of the payload with its times converted cost as much.
_PAYLOAD_ENCODER = json.JSONEncoder(default=_iso)


class Projection(Protocol):
    """A read model in PostgreSQL, fed in batches inside one transaction.

    ``apply`` must be idempotent: a feed may deliver an event again (a relay
    re-sends a tail, a consumer re-reads after a rebalance), and the result
    must be the same as if it had been delivered once.

    A projection may also name ``read_indexes``: indexes its readers use and
    ``apply`` never does, which a rebuild makes once after replaying
    (``services.workers.follower``).
    """

    name: str
    tables: tuple[str, ...]

    def create(self, conn: Connection[Any]) -> None:
        """Create the read model's tables if they do not exist."""

    def apply(self, cur: Cursor[Any], batch: Sequence[Delivered]) -> None:
        """Apply a batch of events in the caller's transaction."""
