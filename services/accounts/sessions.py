"""Page sessions kept on the server.

The browser holds a random id (``secrets.token_urlsafe(32)``); the table holds
only its SHA-256, so a copy of the database resumes nobody's session. A
session ends after the idle time without a request, at its absolute end
whatever happens, on log-out, and whenever its account's password, role,
regions or second factor change or the account is deactivated
(``end_all``).

A log-in in progress (the password was right, the second factor is still
owed) is a session of stage ``login``: it lasts ``LOGIN_SECONDS``, is held in
a cookie of its own, and grants no page at all.

The principal of a page request is read from the account as it is now, so a
changed role or language applies at the next request.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from psycopg import Connection
from psycopg_pool import ConnectionPool

from domain.clock import Clock
from services.api.policy import Principal
from services.config.account_settings import AccountSettings

PAGE = "page"
LOGIN = "login"
LOGIN_SECONDS = 300
# A session's last request is written at most this often.
SEEN_STEP = timedelta(seconds=60)
MAX_ID = 100


def session_hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class LoginInProgress:
    """A log-in whose password was right: whose, and the second-factor
    secret being set up (sealed), if any."""

    user_id: str
    new_secret: str | None


class Sessions:
    """Starts, finds and ends page sessions."""

    def __init__(
        self, pool: ConnectionPool, clock: Clock, settings: AccountSettings
    ) -> None:
        self.pool = pool
        self.clock = clock
        self.idle = timedelta(minutes=settings.session_idle_minutes)
        self.longest = timedelta(hours=settings.session_max_hours)

    def start(self, user_id: str, stage: str = PAGE) -> str:
        """A new session (or log-in in progress) for ``user_id``; return its id,
        the only copy, for the cookie."""
        session_id = secrets.token_urlsafe(32)
        now = self.clock.now()
        with self.pool.connection() as conn:
            conn.execute(
                "INSERT INTO page_sessions "
                "(session_sha256, user_id, stage, created_at, seen_at) "
                "VALUES (%s, %s, %s, %s, %s)",
                (session_hash(session_id), user_id, stage, now, now),
            )
            if stage == PAGE:
                conn.execute(
                    "UPDATE api_users SET last_login_at = %s WHERE user_id = %s",
                    (now, user_id),
                )
        return session_id

    def principal(self, session_id: str) -> Principal | None:
        """Who a live page session is, from their account as it is now."""
        if not session_id or len(session_id) > MAX_ID:
            return None
        now = self.clock.now()
        digest = session_hash(session_id)
        with self.pool.connection() as conn:
            row = conn.execute(
                """
                SELECT u.user_id, u.role, u.regions, u.language, u.unit, u.agency,
                    s.seen_at
                FROM page_sessions s JOIN api_users u USING (user_id)
                WHERE s.session_sha256 = %s AND s.stage = %s
                  AND u.status = 'active' AND u.password_hash IS NOT NULL
                  AND s.seen_at > %s AND s.created_at > %s
                """,
                (digest, PAGE, now - self.idle, now - self.longest),
            ).fetchone()
            if row is None:
                return None
            user_id, role, regions, language, unit, agency, seen_at = row
            if now - seen_at >= SEEN_STEP:
                conn.execute(
                    "UPDATE page_sessions SET seen_at = %s WHERE session_sha256 = %s",
                    (now, digest),
                )
        return Principal(
            str(user_id),
            str(role),
            frozenset(regions),
            str(language),
            str(unit) if unit is not None else None,
            str(agency) if agency is not None else None,
        )

    def login_in_progress(self, session_id: str) -> LoginInProgress | None:
        """The log-in in progress ``session_id`` names, if it is still fresh
        and its account may still log in."""
        if not session_id or len(session_id) > MAX_ID:
            return None
        since = self.clock.now() - timedelta(seconds=LOGIN_SECONDS)
        with self.pool.connection() as conn:
            row = conn.execute(
                """
                SELECT s.user_id, s.new_secret FROM page_sessions s
                JOIN api_users u USING (user_id)
                WHERE s.session_sha256 = %s AND s.stage = %s AND s.created_at > %s
                  AND u.status = 'active'
                """,
                (session_hash(session_id), LOGIN, since),
            ).fetchone()
        if row is None:
            return None
        return LoginInProgress(str(row[0]), row[1])

    def keep_new_secret(self, session_id: str, sealed: str) -> None:
        with self.pool.connection() as conn:
            conn.execute(
                "UPDATE page_sessions SET new_secret = %s WHERE session_sha256 = %s",
                (sealed, session_hash(session_id)),
            )

    def end(self, session_id: str) -> None:
        """End one session (log-out) or log-in in progress."""
        if not session_id or len(session_id) > MAX_ID:
            return
        with self.pool.connection() as conn:
            conn.execute(
                "DELETE FROM page_sessions WHERE session_sha256 = %s",
                (session_hash(session_id),),
            )


def end_all(conn: Connection[Any], user_id: str) -> int:
    """End every session and log-in in progress of ``user_id``, in the
    caller's transaction; return how many."""
    cur = conn.execute("DELETE FROM page_sessions WHERE user_id = %s", (user_id,))
    return cur.rowcount
