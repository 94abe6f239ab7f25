"""The access log: every read of a case or of personal data, for auditors.

Who read what, when, through which view, and whether it was allowed. Reads
are not case events (they would make every read a write to the case and turn
two readers into a version conflict): they go to an append-only table that
refuses updates and deletes, and in the full mode to the access-log topic.
No personal data is written here: a case id or a pseudonymous subject
reference, never a name.
"""

from __future__ import annotations

import uuid
from contextlib import nullcontext
from typing import Any

from psycopg import Connection
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from domain.clock import Clock
from projections.schema import run_ddl

DDL = """
CREATE TABLE IF NOT EXISTS access_log (
    id bigserial PRIMARY KEY,
    access_id uuid NOT NULL UNIQUE,
    occurred_at timestamptz NOT NULL,
    actor_id text NOT NULL,
    actor_role text NOT NULL,
    view text NOT NULL,
    case_id uuid,
    subject_ref text,
    allowed boolean NOT NULL,
    correlation_id text NOT NULL
);
CREATE INDEX IF NOT EXISTS access_log_case ON access_log (case_id, occurred_at);
-- Why someone outside the case's region read it: a code, never free text.
ALTER TABLE access_log ADD COLUMN IF NOT EXISTS reason text;
CREATE OR REPLACE FUNCTION access_log_is_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'access_log is append-only';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS access_log_append_only ON access_log;
CREATE TRIGGER access_log_append_only BEFORE UPDATE OR DELETE ON access_log
    FOR EACH ROW EXECUTE FUNCTION access_log_is_append_only();
"""


class AccessLog:
    """Records and lists reads of cases and of personal data."""

    def __init__(self, pool: ConnectionPool, clock: Clock) -> None:
        self.pool = pool
        self.clock = clock

    def create_table(self) -> None:
        with self.pool.connection() as conn:
            run_ddl(conn, DDL)

    def record(
        self,
        *,
        actor_id: str,
        actor_role: str,
        view: str,
        case_id: str | None = None,
        subject_ref: str | None = None,
        allowed: bool = True,
        correlation_id: str = "",
        conn: Connection[Any] | None = None,
        reason: str | None = None,
    ) -> str:
        """Record one read (or a refused attempt); return its access id.

        On ``conn`` the record is part of the caller's transaction: it commits
        with the read it records, or neither does.
        """
        access_id = uuid.uuid4()
        with nullcontext(conn) if conn is not None else self.pool.connection() as on:
            on.execute(
                """
                INSERT INTO access_log (
                    access_id, occurred_at, actor_id, actor_role, view, case_id,
                    subject_ref, allowed, correlation_id, reason
                ) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
                """,
                (
                    access_id,
                    self.clock.now(),
                    actor_id,
                    actor_role,
                    view,
                    case_id,
                    subject_ref,
                    allowed,
                    correlation_id or uuid.uuid4().hex,
                    reason,
                ),
            )
        return str(access_id)

    def entries(
        self, *, case_id: str | None = None, limit: int = 100
    ) -> list[dict[str, Any]]:
        """The newest reads, of one case or of all, newest first."""
        with self.pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
            if case_id is None:
                cur.execute(
                    "SELECT * FROM access_log ORDER BY id DESC LIMIT %s", (limit,)
                )
            else:
                cur.execute(
                    "SELECT * FROM access_log WHERE case_id = %s "
                    "ORDER BY id DESC LIMIT %s",
                    (case_id, limit),
                )
            return cur.fetchall()
