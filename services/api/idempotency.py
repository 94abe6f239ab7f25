"""Idempotency keys: a retried POST returns the first answer, never records twice.

A client (a phone on a flaky connection) sends ``Idempotency-Key`` with each
POST and the same key when it retries. The first successful answer is stored
with the user, the key and a hash of the request; a retry gets the stored
answer back, and the same key with a different request is refused (422).

Requests with the same key are serialised by a PostgreSQL advisory lock held
for the whole request, so a double tap waits for the first and then replays
it. Only successes are stored: a refused request may be retried as it is.

One window remains: the event is saved, then the process dies before the
answer is stored. The retry then runs again, but with the correlation id
derived from the key (``correlation_id_for``), so the command route can find
the event the first attempt recorded and answer with it (see
``services.api.commands``) instead of recording the step twice.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from psycopg.types.json import Jsonb
from psycopg_pool import ConnectionPool

from domain.clock import Clock
from projections.schema import run_ddl
from services.app.errors import ServiceError

DDL = """
CREATE TABLE IF NOT EXISTS api_idempotency (
    user_id text NOT NULL,
    key text NOT NULL,
    request_sha256 text NOT NULL,
    status_code integer NOT NULL,
    response jsonb NOT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (user_id, key)
)
"""


class KeyReused(ServiceError):
    """The idempotency key was used before for a different request."""


@dataclass(frozen=True)
class Answer:
    """A response to send: its status, its JSON body, and whether it is replayed."""

    status_code: int
    body: dict[str, Any]
    replayed: bool = False


def correlation_id_for(user_id: str, key: str) -> str:
    """The correlation id every attempt of one idempotent request records."""
    return "idem-" + _digest(user_id, key)[:32]


def request_fingerprint(method: str, path: str, body: Any) -> str:
    """A hash of the request: same method, path and (parsed) body, same hash."""
    canonical = json.dumps(
        {"method": method, "path": path, "body": body},
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


class IdempotencyStore:
    """Stored answers to requests that carried an ``Idempotency-Key``."""

    def __init__(self, pool: ConnectionPool, clock: Clock) -> None:
        self.pool = pool
        self.clock = clock

    def create_table(self) -> None:
        with self.pool.connection() as conn:
            run_ddl(conn, DDL)

    def run(
        self,
        user_id: str,
        key: str,
        fingerprint: str,
        action: Callable[[], Answer],
    ) -> Answer:
        """The stored answer for (user, key), or ``action()``'s, stored if it succeeds.

        Raises ``KeyReused`` when the key was stored for another request.
        """
        lock = int.from_bytes(
            bytes.fromhex(_digest(user_id, key))[:8], "big", signed=True
        )
        with self.pool.connection() as conn, conn.transaction():
            # Held until commit: a concurrent retry waits here, then replays.
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (lock,))
            row = conn.execute(
                "SELECT request_sha256, status_code, response FROM api_idempotency "
                "WHERE user_id = %s AND key = %s",
                (user_id, key),
            ).fetchone()
            if row is not None:
                stored_fingerprint, status_code, body = row
                if stored_fingerprint != fingerprint:
                    raise KeyReused(
                        "Idempotency-Key: this key was already used for a different "
                        "request; use a new key for a new request"
                    )
                return Answer(int(status_code), dict(body), replayed=True)
            answer = action()
            if 200 <= answer.status_code < 300:
                conn.execute(
                    """
                    INSERT INTO api_idempotency (
                        user_id, key, request_sha256, status_code, response,
                        created_at
                    ) VALUES (%s, %s, %s, %s, %s, %s)
                    """,
                    (
                        user_id,
                        key,
                        fingerprint,
                        answer.status_code,
                        Jsonb(answer.body),
                        self.clock.now(),
                    ),
                )
            return answer


def _digest(user_id: str, key: str) -> str:
    return hashlib.sha256(f"{user_id}\0{key}".encode()).hexdigest()
