"""Erasure requests awaiting a second person (four eyes).

Erasing a person cannot be undone, so on the pages and the API it takes two
people with a role that erases: one asks, with a reason (a code, never free
text: it goes into the case's ``PersonalDataErased`` and on to Kafka), and a
different one confirms. A case has at most one request pending; a request is
confirmed or withdrawn once. The table keeps who asked and who decided.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg.errors import UniqueViolation
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from domain.clock import Clock
from projections.schema import run_ddl
from services.app.errors import InvalidInput

DDL = """
CREATE TABLE IF NOT EXISTS erasure_requests (
    request_id uuid PRIMARY KEY,
    case_id uuid NOT NULL,
    reason text NOT NULL,
    requested_by text NOT NULL,
    requested_role text NOT NULL,
    requested_at timestamptz NOT NULL,
    decided_by text,
    decided_role text,
    decided_at timestamptz,
    outcome text CHECK (outcome IN ('confirmed', 'withdrawn'))
);
CREATE UNIQUE INDEX IF NOT EXISTS erasure_requests_pending
    ON erasure_requests (case_id) WHERE outcome IS NULL;
"""


class ErasureRefused(InvalidInput):
    """An erasure request that cannot be made or decided as asked."""

    def __init__(self, message: str, kind: str) -> None:
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True)
class ErasureRequest:
    request_id: str
    case_id: str
    reason: str
    requested_by: str
    requested_role: str
    requested_at: datetime


class ErasureRequests:
    """The pending and decided erasure requests of cases."""

    def __init__(self, pool: ConnectionPool, clock: Clock) -> None:
        self.pool = pool
        self.clock = clock

    def create_table(self) -> None:
        with self.pool.connection() as conn:
            run_ddl(conn, DDL)

    def ask(self, case_id: str, reason: str, *, actor_id: str, actor_role: str) -> str:
        """A new pending request; refused while another is pending."""
        request_id = str(uuid.uuid4())
        try:
            with self.pool.connection() as conn:
                conn.execute(
                    "INSERT INTO erasure_requests (request_id, case_id, reason, "
                    "requested_by, requested_role, requested_at) "
                    "VALUES (%s, %s, %s, %s, %s, %s)",
                    (
                        request_id,
                        case_id,
                        reason,
                        actor_id,
                        actor_role,
                        self.clock.now(),
                    ),
                )
        except UniqueViolation:
            raise ErasureRefused(
                "an erasure of this person is already waiting for confirmation",
                kind="erasure_pending",
            ) from None
        return request_id

    def pending(self, case_id: str) -> ErasureRequest | None:
        """The request of the case waiting for a second person, if any."""
        with self.pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
            row = cur.execute(
                "SELECT request_id, case_id, reason, requested_by, requested_role, "
                "requested_at FROM erasure_requests "
                "WHERE case_id = %s AND outcome IS NULL",
                (case_id,),
            ).fetchone()
        if row is None:
            return None
        return _request(row)

    def decide(
        self,
        request_id: str,
        outcome: str,
        *,
        actor_id: str,
        actor_role: str,
        effect: Callable[[ErasureRequest], None] | None = None,
    ) -> ErasureRequest:
        """Confirm (by someone other than who asked) or withdraw a pending
        request; refused if it is not pending any more. ``effect`` (the
        erasure itself) runs while the request is held: if it fails, the
        request stays pending."""
        with self.pool.connection() as conn, conn.transaction():
            with conn.cursor(row_factory=dict_row) as cur:
                row: dict[str, Any] | None = cur.execute(
                    "SELECT request_id, case_id, reason, requested_by, requested_role, "
                    "requested_at FROM erasure_requests "
                    "WHERE request_id = %s AND outcome IS NULL FOR UPDATE",
                    (request_id,),
                ).fetchone()
            if row is None:
                raise ErasureRefused(
                    "this erasure request is no longer waiting", kind="erasure_decided"
                )
            if outcome == "confirmed" and row["requested_by"] == actor_id:
                raise ErasureRefused(
                    "a second person confirms an erasure, not the one who asked",
                    kind="erasure_same_person",
                )
            request = _request(row)
            if effect is not None:
                effect(request)
            conn.execute(
                "UPDATE erasure_requests SET outcome = %s, decided_by = %s, "
                "decided_role = %s, decided_at = %s WHERE request_id = %s",
                (outcome, actor_id, actor_role, self.clock.now(), request_id),
            )
        return request


def _request(row: dict[str, Any]) -> ErasureRequest:
    return ErasureRequest(
        request_id=str(row["request_id"]),
        case_id=str(row["case_id"]),
        reason=str(row["reason"]),
        requested_by=str(row["requested_by"]),
        requested_role=str(row["requested_role"]),
        requested_at=row["requested_at"],
    )
