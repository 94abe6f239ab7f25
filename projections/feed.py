"""The event-feed interface every projection and handler is written against.

A feed hands over case events in batches, each with its position in the
event store's total order (the notification id). The notification-log
follower and the Kafka consumer are two runners of the same projections.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from psycopg import Connection, Cursor

from domain.events import CaseEvent


@dataclass(frozen=True)
class Delivered:
    """A case event as a feed delivers it, with its position in the store."""

    position: int
    event: CaseEvent


class Projection(Protocol):
    """A read model in PostgreSQL, fed in batches inside one transaction.

    ``apply`` must be idempotent: a feed may deliver an event again (a relay
    re-sends a tail, a consumer re-reads after a rebalance), and the result
    must be the same as if it had been delivered once.
    """

    name: str
    tables: tuple[str, ...]

    def create(self, conn: Connection[Any]) -> None:
        """Create the read model's tables if they do not exist."""

    def apply(self, cur: Cursor[Any], batch: Sequence[Delivered]) -> None:
        """Apply a batch of events in the caller's transaction."""
