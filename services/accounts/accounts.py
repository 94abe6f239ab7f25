"""People's accounts: what administrators (and ``vatra user``) do to them.

An account is a row of ``api_users`` with a password: its username is the
user id, and it holds the role, regions, agency, unit and language a page
session acts with (API tokens keep their own scope, ``services.api.users``).
Every change is written to the audit trail in the same transaction. A change
of password, role, regions, unit or agency, a second-factor reset and a
deactivation end every session of the account at once.

A new account, and one whose password an administrator resets, gets a
one-time password, returned once: its owner must choose their own at the next
log-in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from psycopg_pool import ConnectionPool

from domain.clock import Clock
from services.accounts import audit
from services.accounts.passwords import Passwords, check_new_password, one_time_password
from services.accounts.sessions import end_all
from services.api.policy import ADMINISTRATOR, Principal
from services.api.users import LANGUAGES, USER_ID, check_user
from services.app.errors import InvalidInput, ServiceError
from services.config.account_settings import AccountSettings

ACTIVE = "active"
DEACTIVATED = "deactivated"
_COLUMNS = """user_id, role, regions, language, unit, agency, status, locked_at,
    last_login_at, password_hash IS NOT NULL, totp_secret IS NOT NULL,
    must_change_password"""


class AccountNotFound(ServiceError):
    """No account has that username."""


class AccountExists(ServiceError):
    """An account with that username exists already."""


@dataclass(frozen=True)
class Account:
    user_id: str
    role: str
    regions: tuple[str, ...]
    language: str
    unit: str | None
    agency: str | None
    status: str
    locked: bool
    last_login_at: datetime | None
    has_password: bool
    second_factor: bool
    must_change_password: bool


def check_account(
    user_id: str,
    role: str,
    regions: Sequence[str],
    language: str,
    unit: str | None = None,
    agency: str | None = None,
) -> Principal:
    """The account's scope as a principal, or ``InvalidInput`` naming what is
    wrong (the same rules as a token's, and an administrator has no scope)."""
    if role != ADMINISTRATOR:
        return check_user(user_id, role, regions, language, unit or None, agency)
    if not USER_ID.match(user_id):
        raise InvalidInput(f"user {user_id!r} is not a valid user id")
    if language not in LANGUAGES:
        raise InvalidInput(f"language {language!r} is not offered")
    if regions or unit or agency:
        raise InvalidInput("an administrator has no regions, unit or agency")
    return Principal(user_id, role, frozenset(), language)


class Accounts:
    """Creates and changes accounts; each change is audited."""

    def __init__(
        self,
        pool: ConnectionPool,
        clock: Clock,
        settings: AccountSettings,
        passwords: Passwords,
    ) -> None:
        self.pool = pool
        self.clock = clock
        self.settings = settings
        self.passwords = passwords

    def get(self, user_id: str) -> Account | None:
        with self.pool.connection() as conn:
            row = conn.execute(
                f"SELECT {_COLUMNS} FROM api_users WHERE user_id = %s", (user_id,)
            ).fetchone()
        return self._account(row) if row else None

    def all(self) -> list[Account]:
        """Every account with a password, by username."""
        with self.pool.connection() as conn:
            rows = conn.execute(
                f"SELECT {_COLUMNS} FROM api_users "
                "WHERE password_hash IS NOT NULL ORDER BY user_id"
            ).fetchall()
        return [self._account(row) for row in rows]

    def _account(self, row: tuple[object, ...]) -> Account:
        (user_id, role, regions, language, unit, agency, status, locked_at) = row[:8]
        last_login, has_password, second_factor, must_change = row[8:]
        assert isinstance(locked_at, datetime | None)
        assert isinstance(regions, list)
        return Account(
            str(user_id),
            str(role),
            tuple(regions),
            str(language),
            str(unit) if unit else None,
            str(agency) if agency else None,
            str(status),
            self.settings.locked(locked_at, self.clock.now()),
            last_login if isinstance(last_login, datetime) else None,
            bool(has_password),
            bool(second_factor),
            bool(must_change),
        )

    def create(
        self,
        actor_id: str,
        user_id: str,
        role: str,
        regions: Sequence[str] = (),
        language: str = "sq",
        unit: str | None = None,
        agency: str | None = None,
    ) -> str:
        """A new account; return its one-time password (shown once)."""
        scope = check_account(user_id, role, regions, language, unit, agency)
        password = one_time_password()
        hashed = self.passwords.hash(password)
        now = self.clock.now()
        with self.pool.connection() as conn, conn.transaction():
            row = conn.execute(
                "SELECT password_hash IS NOT NULL FROM api_users WHERE user_id = %s "
                "FOR UPDATE",
                (user_id,),
            ).fetchone()
            if row is not None and row[0]:
                raise AccountExists(f"an account named {user_id!r} exists already")
            conn.execute(
                """
                INSERT INTO api_users (user_id, role, regions, language, unit,
                    agency, updated_at, created_at, password_hash, status,
                    must_change_password)
                VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, 'active', true)
                ON CONFLICT (user_id) DO UPDATE SET role = EXCLUDED.role,
                    regions = EXCLUDED.regions, language = EXCLUDED.language,
                    unit = EXCLUDED.unit, agency = EXCLUDED.agency,
                    updated_at = EXCLUDED.updated_at,
                    created_at = EXCLUDED.created_at,
                    password_hash = EXCLUDED.password_hash, status = 'active',
                    must_change_password = true
                """,
                (
                    user_id,
                    scope.role,
                    sorted(scope.regions),
                    scope.language,
                    scope.unit,
                    scope.agency,
                    now,
                    now,
                    hashed,
                ),
            )
            audit.record(conn, now, actor_id, "create", user_id, _scope_detail(scope))
        return password

    def edit(
        self,
        actor_id: str,
        user_id: str,
        role: str,
        regions: Sequence[str],
        language: str,
        unit: str | None = None,
        agency: str | None = None,
    ) -> bool:
        """Change the account's scope and language; return whether its sessions
        ended (any change but the language ends them)."""
        scope = check_account(user_id, role, regions, language, unit, agency)
        new = _scope_detail(scope)
        now = self.clock.now()
        with self.pool.connection() as conn, conn.transaction():
            row = conn.execute(
                "SELECT role, regions, language, unit, agency FROM api_users "
                "WHERE user_id = %s AND password_hash IS NOT NULL FOR UPDATE",
                (user_id,),
            ).fetchone()
            if row is None:
                raise AccountNotFound(f"no account named {user_id!r}")
            names = ("role", "regions", "language", "unit", "agency")
            old = dict(zip(names, row, strict=True))
            old["regions"] = sorted(old["regions"])
            changed = {k: [old[k], new[k]] for k in new if old[k] != new[k]}
            if not changed:
                return False
            conn.execute(
                "UPDATE api_users SET role = %s, regions = %s, language = %s, "
                "unit = %s, agency = %s, updated_at = %s WHERE user_id = %s",
                (*(new[k] for k in old), now, user_id),
            )
            ended = set(changed) != {"language"}
            if ended:
                end_all(conn, user_id)
            audit.record(conn, now, actor_id, "edit", user_id, changed)
        return ended

    def set_status(self, actor_id: str, user_id: str, active: bool) -> None:
        """Deactivate (ending every session) or reactivate the account."""
        status = ACTIVE if active else DEACTIVATED
        self._change(
            actor_id,
            user_id,
            "reactivate" if active else "deactivate",
            "status = %s",
            (status,),
            end_sessions=not active,
        )

    def reset_password(self, actor_id: str, user_id: str) -> str:
        """A new one-time password (returned once); every session ends."""
        password = one_time_password()
        self._change(
            actor_id,
            user_id,
            "reset_password",
            "password_hash = %s, must_change_password = true",
            (self.passwords.hash(password),),
        )
        return password

    def reset_second_factor(self, actor_id: str, user_id: str) -> None:
        """Forget the second factor: set up again at the next log-in."""
        self._change(
            actor_id,
            user_id,
            "reset_second_factor",
            "totp_secret = NULL, totp_last_step = NULL",
            (),
        )

    def unlock(self, actor_id: str, user_id: str) -> None:
        """Lift a lock-out; the failures before it no longer count."""
        now = self.clock.now()
        self._change(
            actor_id,
            user_id,
            "unlock",
            "locked_at = NULL, unlocked_at = %s",
            (now,),
            end_sessions=False,
        )

    def _change(
        self,
        actor_id: str,
        user_id: str,
        action: str,
        assignments: str,
        values: tuple[object, ...],
        *,
        end_sessions: bool = True,
    ) -> None:
        now = self.clock.now()
        with self.pool.connection() as conn, conn.transaction():
            cur = conn.execute(
                f"UPDATE api_users SET {assignments}, updated_at = %s "
                "WHERE user_id = %s AND password_hash IS NOT NULL",
                (*values, now, user_id),
            )
            if cur.rowcount == 0:
                raise AccountNotFound(f"no account named {user_id!r}")
            if end_sessions:
                end_all(conn, user_id)
            audit.record(conn, now, actor_id, action, user_id)

    def change_own_password(self, user_id: str, password: str) -> None:
        """The owner's new password (at their first log-in, or after a reset);
        every other session of theirs ends."""
        check_new_password(password, user_id)
        hashed = self.passwords.hash(password)
        with self.pool.connection() as conn, conn.transaction():
            conn.execute(
                "UPDATE api_users SET password_hash = %s, "
                "must_change_password = false, updated_at = %s WHERE user_id = %s",
                (hashed, self.clock.now(), user_id),
            )
            conn.execute(
                "DELETE FROM page_sessions WHERE user_id = %s AND stage = 'page'",
                (user_id,),
            )


def _scope_detail(scope: Principal) -> dict[str, object]:
    return {
        "role": scope.role,
        "regions": sorted(scope.regions),
        "language": scope.language,
        "unit": scope.unit,
        "agency": scope.agency,
    }
