"""Accounts, log-ins and page sessions against a real PostgreSQL, with the
clock moved by the test: lock-out, throttling by address, expiry, and the
sessions that end when an account changes."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import psycopg
import pyotp
import pytest
from psycopg_pool import ConnectionPool

from domain.clock import ControlledClock
from projections.schema import run_ddl
from services.accounts.accounts import Accounts
from services.accounts.login import LogIns
from services.accounts.passwords import Passwords
from services.accounts.schema import DDL
from services.accounts.second_factor import STEP_SECONDS, SecretBox, step_of
from services.accounts.sessions import LOGIN, Sessions
from services.api.users import Users
from services.config.account_settings import AccountSettings
from services.store.database import Database
from tests.keys import PERSONAL_DATA_KEY

START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
PASSWORD = "correct horse battery staple"
HOME, ELSEWHERE = "192.0.2.10", "198.51.100.7"


@dataclass
class Parts:
    pool: ConnectionPool
    clock: ControlledClock
    accounts: Accounts
    logins: LogIns
    sessions: Sessions

    def person(self, user_id: str = "mu-vlora-1", role: str = "mobile_unit") -> str:
        regions = ["vlora"] if role != "coordinator" else []
        self.accounts.create("admin-1", user_id, role, regions, "sq")
        self.accounts.change_own_password(user_id, PASSWORD)
        return user_id


def parts_with(pool: ConnectionPool, settings: AccountSettings) -> Parts:
    clock = ControlledClock(START)
    passwords = Passwords("fast")
    box = SecretBox(__import__("base64").b64decode(PERSONAL_DATA_KEY))
    return Parts(
        pool,
        clock,
        Accounts(pool, clock, settings, passwords),
        LogIns(pool, clock, settings, passwords, box),
        Sessions(pool, clock, settings),
    )


@pytest.fixture
def pool(database: Database) -> Iterator[ConnectionPool]:
    with ConnectionPool(database.conninfo(), min_size=1, max_size=4) as made:
        Users(made, ControlledClock(START)).create_tables()
        with made.connection() as conn:
            run_ddl(conn, DDL)
        yield made


@pytest.fixture
def parts(pool: ConnectionPool) -> Parts:
    return parts_with(pool, AccountSettings())


def test_five_failures_lock_the_account_even_against_the_right_password_until_the_lock_ends(  # noqa: E501
    parts: Parts,
) -> None:
    user = parts.person()
    for _ in range(4):
        assert not parts.logins.check_password(user, "wrong guess", HOME)
    assert parts.logins.check_password(user, PASSWORD, HOME)  # not locked yet
    for _ in range(5):
        assert not parts.logins.check_password(user, "wrong guess", HOME)
    assert not parts.logins.check_password(user, PASSWORD, HOME)
    account = parts.accounts.get(user)
    assert account is not None
    assert account.locked
    parts.clock.advance(timedelta(minutes=29, seconds=59))
    assert not parts.logins.check_password(user, PASSWORD, ELSEWHERE)
    parts.clock.advance(timedelta(minutes=1))
    assert parts.logins.check_password(user, PASSWORD, ELSEWHERE)


def test_failures_older_than_the_window_do_not_count(parts: Parts) -> None:
    user = parts.person()
    for _ in range(4):
        assert not parts.logins.check_password(user, "wrong guess", HOME)
    parts.clock.advance(timedelta(minutes=15, seconds=1))
    assert not parts.logins.check_password(user, "wrong guess", HOME)
    assert parts.logins.check_password(user, PASSWORD, HOME)


def test_a_lock_without_an_end_lasts_until_an_administrator_lifts_it(
    pool: ConnectionPool,
) -> None:
    parts = parts_with(pool, replace(AccountSettings(), lock_minutes=0))
    user = parts.person()
    for _ in range(5):
        parts.logins.check_password(user, "wrong guess", HOME)
    parts.clock.advance(timedelta(days=30))
    assert not parts.logins.check_password(user, PASSWORD, HOME)
    parts.accounts.unlock("admin-1", user)
    assert parts.logins.check_password(user, PASSWORD, HOME)
    with pool.connection() as conn:
        rows = conn.execute(
            "SELECT actor_id, action, target_id FROM account_audit ORDER BY id"
        ).fetchall()
    assert rows[-1] == ("admin-1", "unlock", user)


def test_an_address_that_fails_too_often_is_refused_for_every_account(
    pool: ConnectionPool,
) -> None:
    parts = parts_with(pool, replace(AccountSettings(), address_failures=5))
    user = parts.person()
    for n in range(5):
        assert not parts.logins.check_password(f"guess-{n}", "anything", HOME)
    assert not parts.logins.check_password(user, PASSWORD, HOME)
    assert parts.logins.check_password(user, PASSWORD, ELSEWHERE)
    parts.clock.advance(timedelta(minutes=16))
    assert parts.logins.check_password(user, PASSWORD, HOME)


def test_every_failure_is_recorded_with_name_time_and_address_and_kept(
    parts: Parts, database: Database
) -> None:
    user = parts.person()
    parts.person("cw-durres-1")
    parts.accounts.set_status("admin-1", "cw-durres-1", active=False)
    assert not parts.logins.check_password("nobody", PASSWORD, HOME)
    assert not parts.logins.check_password(user, "wrong guess", HOME)
    assert not parts.logins.check_password("cw-durres-1", PASSWORD, ELSEWHERE)
    assert not parts.logins.check_password("x" * 500, PASSWORD, HOME)
    with parts.pool.connection() as conn:
        rows = conn.execute(
            "SELECT username, address, at FROM login_failures ORDER BY id"
        ).fetchall()
    assert rows == [
        ("nobody", HOME, START),
        (user, HOME, START),
        ("cw-durres-1", ELSEWHERE, START),
        ("x" * 100, HOME, START),
    ]
    with psycopg.connect(database.conninfo(), autocommit=True) as conn:
        for statement in (
            "DELETE FROM login_failures",
            "UPDATE login_failures SET address = 'elsewhere'",
            "DELETE FROM account_audit",
        ):
            with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
                conn.execute(statement)


def test_a_session_ends_when_idle_and_at_its_absolute_end(parts: Parts) -> None:
    user = parts.person()
    session = parts.sessions.start(user)
    for _ in range(24):  # a request every 29 minutes keeps it going ...
        parts.clock.advance(timedelta(minutes=29))
        assert parts.sessions.principal(session) is not None
    parts.clock.advance(timedelta(minutes=29))  # ... up to twelve hours
    assert parts.sessions.principal(session) is None
    idle = parts.sessions.start(user)
    parts.clock.advance(timedelta(minutes=30))
    assert parts.sessions.principal(idle) is None


def test_a_session_acts_with_the_account_as_it_is_now(parts: Parts) -> None:
    user = parts.person()
    session = parts.sessions.start(user)
    assert not parts.accounts.edit("admin-1", user, "mobile_unit", ["vlora"], "en")
    principal = parts.sessions.principal(session)
    assert principal is not None
    assert principal.language == "en"
    assert parts.accounts.edit("admin-1", user, "lawyer", ["vlora"], "en")
    assert parts.sessions.principal(session) is None  # a role change ends it
    with parts.pool.connection() as conn:
        (detail,) = conn.execute(
            "SELECT detail FROM account_audit WHERE action = 'edit' ORDER BY id DESC"
        ).fetchone() or (None,)
    assert detail == {"role": ["mobile_unit", "lawyer"]}


@pytest.mark.parametrize(
    "change",
    ["deactivate", "reset_password", "reset_second_factor", "own_password"],
)
def test_every_session_of_the_account_ends_when_it_changes(
    parts: Parts, change: str
) -> None:
    user = parts.person()
    other = parts.person("mu-vlora-2")
    sessions = [parts.sessions.start(user), parts.sessions.start(user)]
    kept = parts.sessions.start(other)
    if change == "deactivate":
        parts.accounts.set_status("admin-1", user, active=False)
    elif change == "reset_password":
        assert parts.accounts.reset_password("admin-1", user) != PASSWORD
    elif change == "reset_second_factor":
        parts.accounts.reset_second_factor("admin-1", user)
    else:
        parts.accounts.change_own_password(user, "another long passphrase")
    assert [parts.sessions.principal(s) for s in sessions] == [None, None]
    assert parts.sessions.principal(kept) is not None


def test_a_log_in_in_progress_grants_no_page_and_lasts_five_minutes(
    parts: Parts,
) -> None:
    user = parts.person()
    pending = parts.sessions.start(user, stage=LOGIN)
    assert parts.sessions.principal(pending) is None
    assert parts.sessions.login_in_progress(pending) is not None
    parts.clock.advance(timedelta(minutes=5))
    assert parts.sessions.login_in_progress(pending) is None


def test_a_code_works_once_and_the_secret_is_kept_sealed(parts: Parts) -> None:
    user = parts.person()
    secret = pyotp.random_base32()
    parts.logins.keep_second_factor(user, secret)
    code = pyotp.TOTP(secret).at(parts.clock.now())
    assert parts.logins.check_code(user, secret, code, HOME)
    assert not parts.logins.check_code(user, secret, code, HOME)  # used up
    earlier = pyotp.TOTP(secret).at((step_of(parts.clock.now()) - 1) * STEP_SECONDS)
    assert not parts.logins.check_code(user, secret, earlier, HOME)
    parts.clock.advance(timedelta(seconds=STEP_SECONDS))
    assert parts.logins.check_code(
        user, secret, pyotp.TOTP(secret).at(parts.clock.now()), HOME
    )
    assert parts.logins.second_factor(user) == secret
    with parts.pool.connection() as conn:
        (stored,) = conn.execute(
            "SELECT totp_secret FROM api_users WHERE user_id = %s", (user,)
        ).fetchone() or ("",)
    assert secret not in stored


def test_a_deactivated_persons_api_tokens_are_refused_until_reactivated(
    parts: Parts,
) -> None:
    users = Users(parts.pool, parts.clock)
    token = users.issue_token("mu-vlora-1", "mobile_unit", ["vlora"], "sq")
    user = parts.person()
    assert users.authenticate(token) is not None
    parts.accounts.set_status("admin-1", user, active=False)
    assert users.authenticate(token) is None
    parts.accounts.set_status("admin-1", user, active=True)
    assert users.authenticate(token) is not None
