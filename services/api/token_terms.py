"""The terms of an API token: its name, its expiry, and how it is listed.

A token is named (unique among a user's tokens not revoked), carries its own
scope (role, regions, unit, agency: fixed when it is issued) and expires:
``DEFAULT_DAYS`` after it is issued unless told otherwise, at most
``MAX_DAYS``. An expiry given as a date means the end of that day in
Europe/Tirane.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from domain.clock import TIRANE
from services.app.errors import InvalidInput

DEFAULT_DAYS = 90
MAX_DAYS = 365
TOKEN_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
# ``last_used_at`` is written at most this often per token, not per request.
LAST_USED_STEP = timedelta(minutes=1)

# The columns added to ``api_tokens`` for named, scoped, expiring tokens. A
# token made before them keeps the scope its user had then, is named
# ``token-1``, ``token-2``... in the order it was made, and expires
# ``DEFAULT_DAYS`` after the migration.
MIGRATION = f"""
ALTER TABLE api_tokens ADD COLUMN IF NOT EXISTS name text;
ALTER TABLE api_tokens ADD COLUMN IF NOT EXISTS role text;
ALTER TABLE api_tokens ADD COLUMN IF NOT EXISTS regions text[];
ALTER TABLE api_tokens ADD COLUMN IF NOT EXISTS unit text;
ALTER TABLE api_tokens ADD COLUMN IF NOT EXISTS agency text;
ALTER TABLE api_tokens ADD COLUMN IF NOT EXISTS expires_at timestamptz;
ALTER TABLE api_tokens ADD COLUMN IF NOT EXISTS last_used_at timestamptz;
UPDATE api_tokens t SET role = u.role, regions = u.regions, unit = u.unit,
    agency = u.agency
FROM api_users u WHERE u.user_id = t.user_id AND t.role IS NULL;
UPDATE api_tokens t SET name = 'token-' || n.number
FROM (SELECT token_sha256, row_number() OVER (
          PARTITION BY user_id ORDER BY created_at, token_sha256) AS number
      FROM api_tokens) n
WHERE n.token_sha256 = t.token_sha256 AND t.name IS NULL;
UPDATE api_tokens SET expires_at = now() + interval '{DEFAULT_DAYS} days'
WHERE expires_at IS NULL;
CREATE UNIQUE INDEX IF NOT EXISTS api_tokens_live_name
    ON api_tokens (user_id, name) WHERE revoked_at IS NULL;
"""


@dataclass(frozen=True)
class TokenInfo:
    """A token as ``vatra token list`` shows it: never the token or its hash."""

    user_id: str
    name: str
    role: str
    regions: tuple[str, ...]
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


def check_name(name: str) -> str:
    if not TOKEN_NAME.match(name):
        raise InvalidInput(
            f"token name {name!r} is not valid (letters, digits, '.', '_' and '-', "
            "at most 64 characters)"
        )
    return name


def token_expiry(
    now: datetime, *, days: int | None = None, on: date | None = None
) -> datetime:
    """When a token issued ``now`` expires: ``days`` after it (``DEFAULT_DAYS``
    if neither is given) or at the end of the day ``on`` (Europe/Tirane);
    never more than ``MAX_DAYS`` ahead."""
    if days is not None and on is not None:
        raise InvalidInput("give --expires-in or --expires-at, not both")
    if on is not None:
        expires = datetime.combine(on + timedelta(days=1), time(0), tzinfo=TIRANE)
        if expires <= now:
            raise InvalidInput(f"--expires-at {on.isoformat()} has already passed")
        if on > (now + timedelta(days=MAX_DAYS)).astimezone(TIRANE).date():
            raise InvalidInput(
                f"--expires-at is at most {MAX_DAYS} days ahead, not {on.isoformat()}"
            )
        return expires
    days = DEFAULT_DAYS if days is None else days
    if not 1 <= days <= MAX_DAYS:
        raise InvalidInput(f"--expires-in is from 1 to {MAX_DAYS} days, not {days}")
    return now + timedelta(days=days)
