"""Checking a log-in: the password, then the second factor, with lock-out.

Every failure (an unknown username, a wrong password, a locked or
deactivated account, a wrong second-factor code) is recorded with the
username tried, the time and the client's address, and gets the same answer.
An unknown username is verified against a dummy hash, so it takes as long as
a known one. ``lock_failures`` failures of one account within
``LOCK_WINDOW_MINUTES`` lock it (``AccountSettings``); a lock lasts
``lock_minutes`` or until an administrator lifts it, and even the right
password is refused while it lasts. Failures after a lock is lifted, a log-in
succeeds or a lock is set count afresh. ``address_failures`` from one address
within the window refuse every log-in from that address until they age out.
"""

from __future__ import annotations

from datetime import timedelta

import structlog
from psycopg_pool import ConnectionPool

from domain.clock import Clock
from services.accounts.passwords import MAX_INPUT, Passwords
from services.accounts.second_factor import SecretBox, matching_step
from services.config.account_settings import LOCK_WINDOW_MINUTES, AccountSettings

log = structlog.get_logger("vatra.accounts")
MAX_USERNAME = 100
MAX_ADDRESS = 100


class LogIns:
    """Checks passwords and second-factor codes; records and counts failures."""

    def __init__(
        self,
        pool: ConnectionPool,
        clock: Clock,
        settings: AccountSettings,
        passwords: Passwords,
        box: SecretBox,
    ) -> None:
        self.pool = pool
        self.clock = clock
        self.settings = settings
        self.passwords = passwords
        self.box = box
        self.window = timedelta(minutes=LOCK_WINDOW_MINUTES)

    def check_password(self, username: str, password: str, address: str) -> bool:
        """Whether ``username`` may go on to the second factor with
        ``password`` from ``address``; a refusal is recorded."""
        username = username.strip()
        address = address[:MAX_ADDRESS]
        if len(username) > MAX_USERNAME or len(password) > MAX_INPUT:
            self.fail(username[:MAX_USERNAME], address)
            return False
        now = self.clock.now()
        with self.pool.connection() as conn:
            row = conn.execute(
                "SELECT password_hash, status, locked_at FROM api_users "
                "WHERE user_id = %s",
                (username,),
            ).fetchone()
        stored, status, locked_at = row if row else (None, None, None)
        right = self.passwords.verify(stored, password)
        if (
            right
            and status == "active"
            and not self.settings.locked(locked_at, now)
            and not self.address_blocked(address)
        ):
            return True
        self.fail(username, address)
        return False

    def may_log_in(self, username: str, address: str) -> bool:
        """Whether ``username``, whom an OpenID provider has vouched for, may
        go on to the second factor from ``address``: an active account, not
        locked, from an address not blocked. A refusal is recorded."""
        username = username[:MAX_USERNAME]
        address = address[:MAX_ADDRESS]
        with self.pool.connection() as conn:
            row = conn.execute(
                "SELECT status, locked_at FROM api_users "
                "WHERE user_id = %s AND password_hash IS NOT NULL",
                (username,),
            ).fetchone()
        if (
            row is not None
            and row[0] == "active"
            and not self.settings.locked(row[1], self.clock.now())
            and not self.address_blocked(address)
        ):
            return True
        self.fail(username, address)
        return False

    def check_code(self, user_id: str, secret: str, code: str, address: str) -> bool:
        """Whether ``code`` is the next unused code of ``secret`` for the
        account; if so it is used up, else the failure is recorded."""
        now = self.clock.now()
        with self.pool.connection() as conn, conn.transaction():
            row = conn.execute(
                "SELECT totp_last_step, locked_at FROM api_users WHERE user_id = %s "
                "FOR UPDATE",
                (user_id,),
            ).fetchone()
            last_step, locked_at = row if row else (None, None)
            step = None
            if row is not None and not self.settings.locked(locked_at, now):
                step = matching_step(secret, code[:20], now, last_step)
            if step is not None:
                conn.execute(
                    "UPDATE api_users SET totp_last_step = %s WHERE user_id = %s",
                    (step, user_id),
                )
                return True
        self.fail(user_id, address)
        return False

    def fail(self, username: str, address: str) -> None:
        """Record a failure; lock the account if it has had too many."""
        now = self.clock.now()
        with self.pool.connection() as conn, conn.transaction():
            conn.execute(
                "INSERT INTO login_failures (username, address, at) "
                "VALUES (%s, %s, %s)",
                (username, address, now),
            )
            row = conn.execute(
                """
                SELECT count(*), u.locked_at FROM login_failures f, api_users u
                WHERE u.user_id = %(user)s AND f.username = u.user_id
                  AND f.at > GREATEST(%(since)s, u.unlocked_at, u.last_login_at,
                                      u.locked_at)
                GROUP BY u.locked_at
                """,
                {"user": username, "since": now - self.window},
            ).fetchone()
            if (
                row is not None
                and row[0] >= self.settings.lock_failures
                and not self.settings.locked(row[1], now)
            ):
                conn.execute(
                    "UPDATE api_users SET locked_at = %s WHERE user_id = %s",
                    (now, username),
                )
                log.warning("account_locked", failures=int(row[0]))

    def address_blocked(self, address: str) -> bool:
        """Whether ``address`` has failed too often within the window."""
        with self.pool.connection() as conn:
            row = conn.execute(
                "SELECT count(*) FROM login_failures WHERE address = %s AND at > %s",
                (address, self.clock.now() - self.window),
            ).fetchone()
        return bool(row and row[0] >= self.settings.address_failures)

    def second_factor(self, user_id: str) -> str | None:
        """The account's second-factor secret (opened), or None if not set up."""
        with self.pool.connection() as conn:
            row = conn.execute(
                "SELECT totp_secret FROM api_users WHERE user_id = %s", (user_id,)
            ).fetchone()
        if row is None or row[0] is None:
            return None
        return self.box.open(str(row[0]), user_id)

    def keep_second_factor(self, user_id: str, secret: str) -> None:
        with self.pool.connection() as conn:
            conn.execute(
                "UPDATE api_users SET totp_secret = %s WHERE user_id = %s",
                (self.box.seal(secret, user_id), user_id),
            )

    def must_change_password(self, user_id: str) -> bool:
        with self.pool.connection() as conn:
            row = conn.execute(
                "SELECT must_change_password FROM api_users WHERE user_id = %s",
                (user_id,),
            ).fetchone()
        return bool(row and row[0])
