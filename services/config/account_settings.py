"""Settings of the page log-in: sessions, lock-out, password hashing.

Listed in the README's Settings table with their defaults and bounds. A value
outside its bounds is refused when read, naming the variable, so no
deployment runs with sessions that never end or a lock-out that never locks.
``load_account_settings`` is called by ``services.config.settings.load_settings``
with the same environment mapping.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any

from pydantic import BeforeValidator, Field

from services.config.environment import EnvironmentSettings, one_of
from services.config.single_sign_on_settings import (
    SingleSignOnSettings,
    load_single_sign_on,
)

# The password hashing profiles (``services.accounts.passwords``): ``strong``
# is argon2id with OWASP's first recommended parameters; ``fast`` is only for
# test suites, and production mode refuses it.
PASSWORD_HASHING = ("strong", "fast")


def _within(low: int, high: int) -> Any:
    def check(raw: Any) -> Any:
        try:
            value = int(str(raw).strip())
        except ValueError:
            raise ValueError(f"must be a whole number (got {raw!r})") from None
        if not low <= value <= high:
            raise ValueError(f"must be from {low} to {high} (got {raw!r})")
        return value

    return BeforeValidator(check)


class AccountVariables(EnvironmentSettings):
    """The log-in's environment variables, each with its default and bounds."""

    session_idle_minutes: Annotated[int, _within(5, 480)] = Field(
        30, alias="VATRA_SESSION_IDLE_MINUTES"
    )
    session_max_hours: Annotated[int, _within(1, 24)] = Field(
        12, alias="VATRA_SESSION_MAX_HOURS"
    )
    lock_failures: Annotated[int, _within(3, 20)] = Field(
        5, alias="VATRA_LOGIN_LOCK_FAILURES"
    )
    lock_minutes: Annotated[int, _within(0, 1440)] = Field(
        30, alias="VATRA_LOGIN_LOCK_MINUTES"
    )
    address_failures: Annotated[int, _within(5, 1000)] = Field(
        30, alias="VATRA_LOGIN_ADDRESS_FAILURES"
    )
    password_hashing: Annotated[str, BeforeValidator(one_of(*PASSWORD_HASHING))] = (
        Field("strong", alias="VATRA_PASSWORD_HASHING")
    )


@dataclass(frozen=True)
class AccountSettings:
    """How long a page session lasts and when failed log-ins lock an account.

    A session ends after ``session_idle_minutes`` without a request, and
    ``session_max_hours`` after its log-in whatever happens. ``lock_failures``
    failed log-ins of one account within ``LOCK_WINDOW_MINUTES`` lock it for
    ``lock_minutes`` (0: until an administrator lifts the lock);
    ``address_failures`` from one client address within the window refuse
    every log-in from it until the window has passed.
    """

    session_idle_minutes: int = 30
    session_max_hours: int = 12
    lock_failures: int = 5
    lock_minutes: int = 30
    address_failures: int = 30
    password_hashing: str = "strong"
    # Log-in through an OpenID provider; None: off.
    single_sign_on: SingleSignOnSettings | None = None

    def locked(self, locked_at: datetime | None, now: datetime) -> bool:
        """Whether an account locked at ``locked_at`` is still locked ``now``."""
        if locked_at is None:
            return False
        minutes = self.lock_minutes
        return minutes == 0 or now < locked_at + timedelta(minutes=minutes)


# The window in which failed log-ins are counted.
LOCK_WINDOW_MINUTES = 15


def load_account_settings(env: Mapping[str, str]) -> AccountSettings:
    v = AccountVariables.read(env)
    return AccountSettings(
        session_idle_minutes=v.session_idle_minutes,
        session_max_hours=v.session_max_hours,
        lock_failures=v.lock_failures,
        lock_minutes=v.lock_minutes,
        address_failures=v.address_failures,
        password_hashing=v.password_hashing,
        single_sign_on=load_single_sign_on(env),
    )
