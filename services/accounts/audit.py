"""The administrators' audit trail: who did what to which account, and when.

Append-only (a trigger refuses updates and deletes). A row never holds a
password or a second-factor secret: an edit names the fields it changed with
their old and new values, a reset only that it happened.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg import Connection
from psycopg.types.json import Jsonb
from psycopg_pool import ConnectionPool

# What an administrator can do to an account (the ``action`` of a row).
ACTIONS = (
    "create",
    "edit",
    "deactivate",
    "reactivate",
    "reset_password",
    "reset_second_factor",
    "unlock",
)


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    actor_id: str
    action: str
    target_id: str
    detail: dict[str, Any]


def record(
    conn: Connection[Any],
    at: datetime,
    actor_id: str,
    action: str,
    target_id: str,
    detail: dict[str, Any] | None = None,
) -> None:
    """Add a row, in the caller's transaction (it commits with the change)."""
    assert action in ACTIONS, action
    conn.execute(
        "INSERT INTO account_audit (at, actor_id, action, target_id, detail) "
        "VALUES (%s, %s, %s, %s, %s)",
        (at, actor_id, action, target_id, Jsonb(detail or {})),
    )


def trail(pool: ConnectionPool, limit: int = 200, offset: int = 0) -> list[AuditEntry]:
    """The newest rows first."""
    with pool.connection() as conn:
        rows = conn.execute(
            "SELECT at, actor_id, action, target_id, detail FROM account_audit "
            "ORDER BY id DESC LIMIT %s OFFSET %s",
            (limit, offset),
        ).fetchall()
    return [AuditEntry(at, str(a), str(b), str(c), dict(d)) for at, a, b, c, d in rows]
