"""What the handlers need from the rest of the backbone, in their own words.

Handlers never import ``services/``: the composition root passes in adapters
that satisfy these protocols (``services.app.case_alerts`` records alert
outcomes through the application service; ``services.store.personal_data``
destroys data keys). Tests pass fakes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from psycopg import Connection, Cursor


class CaseChanged(Exception):
    """Another writer saved the case first: read it again and decide again."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class OutcomeRefused(Exception):
    """The case will not take the outcome (no such case, a value out of bounds).

    ``kind`` names the refusal for logs (an error class name, never data).
    Rules of the case itself are raised as ``domain.errors.DomainError``.
    """

    def __init__(self, message: str, *, kind: str) -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind


@dataclass(frozen=True)
class AlertFacts:
    """What the alert handlers read of a case before they write to it.

    Each set holds the delivery ids (as text) whose outcome is on the case.
    """

    version: int
    identified_at: datetime
    notified: frozenset[str]
    failed: frozenset[str]
    acknowledged: frozenset[str]


class CaseAlerts(Protocol):
    """Records what happened to a case's alerts on the case itself.

    Every ``record_*`` writes at ``expected_version``, with the delivery id as
    correlation id, and raises ``CaseChanged`` if the case moved on since,
    ``OutcomeRefused`` or a ``DomainError`` if the case refuses it.
    """

    def facts(self, case_id: str) -> AlertFacts:
        """The case's version, identification time and recorded alert outcomes."""
        ...

    def record_notified(
        self,
        case_id: str,
        *,
        expected_version: int,
        occurred_at: datetime,
        delivery_id: str,
        authority: str,
        channel: str,
        recipient: str,
    ) -> None:
        """Record ``AuthorityNotified`` (the delivery id is its reference)."""
        ...

    def record_failed(
        self,
        case_id: str,
        *,
        expected_version: int,
        occurred_at: datetime,
        delivery_id: str,
        authority: str,
        channel: str,
        recipient: str,
        reason: str,
        attempts: int,
    ) -> None:
        """Record ``NotificationFailed``: the alert could not be delivered."""
        ...

    def record_acknowledged(
        self,
        case_id: str,
        *,
        expected_version: int,
        occurred_at: datetime,
        delivery_id: str,
        authority: str,
        acknowledged_by: str,
    ) -> None:
        """Record ``AlertAcknowledged`` by ``acknowledged_by`` in role ``authority``."""
        ...


class DataKeys(Protocol):
    """The personal-data store's data keys, in the caller's transaction."""

    def create(self, conn: Connection[Any]) -> None:
        """Create the store's table if it does not exist."""
        ...

    def destroy(
        self, cur: Cursor[Any], subject_refs: Iterable[str], erased_at: datetime
    ) -> int:
        """Destroy the data keys of ``subject_refs``; idempotent. Return how
        many were destroyed now."""
        ...
