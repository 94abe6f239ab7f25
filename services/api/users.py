"""API users and their bearer tokens.

A token is a random string shown once, when it is created; only its SHA-256
is stored, so a copy of the database lets nobody in. The token is long and
random, so a plain (unsalted) hash is enough: there is nothing to guess.
Creating a token for a user sets the user's role, regions and language, and
for a Child Protection Unit the directory entry it is (``unit``); for a
shelter's staff, the agency they work for.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Sequence

from psycopg_pool import ConnectionPool

from domain.catalogue import AGENCIES, REGIONS
from domain.clock import Clock
from domain.fields import LINE_LENGTH
from projections.schema import run_ddl
from services.api.policy import API_ROLES, CASEWORKER_ROLES, REGIONAL_ROLES, Principal
from services.app.errors import InvalidInput

LANGUAGES = ("sq", "en")
TOKEN_PREFIX = "vatra_"
USER_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$")
# A directory entry id (``handlers.directory``).
UNIT_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
# Roles whose users are one office of the directory, named by its entry id.
UNIT_ROLES = frozenset({"child_protection_unit"})
# Roles whose users may name the agency they work for (a code of
# ``domain.catalogue.AGENCIES``): a shelter's staff answer its referrals.
AGENCY_ROLES = frozenset({"shelter_staff"})

DDL = """
CREATE TABLE IF NOT EXISTS api_users (
    user_id text PRIMARY KEY,
    role text NOT NULL,
    regions text[] NOT NULL,
    language text NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE TABLE IF NOT EXISTS api_tokens (
    token_sha256 text PRIMARY KEY,
    user_id text NOT NULL REFERENCES api_users (user_id),
    created_at timestamptz NOT NULL,
    revoked_at timestamptz
);
CREATE INDEX IF NOT EXISTS api_tokens_user ON api_tokens (user_id);
ALTER TABLE api_users ADD COLUMN IF NOT EXISTS unit text;
ALTER TABLE api_users ADD COLUMN IF NOT EXISTS agency text;
"""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


class Users:
    """Issues, checks and revokes bearer tokens."""

    def __init__(self, pool: ConnectionPool, clock: Clock) -> None:
        self.pool = pool
        self.clock = clock

    def create_tables(self) -> None:
        with self.pool.connection() as conn:
            run_ddl(conn, DDL)

    def issue_token(
        self,
        user_id: str,
        role: str,
        regions: Sequence[str] = (),
        language: str = "sq",
        unit: str | None = None,
        *,
        agency: str | None = None,
    ) -> str:
        """Create (or update) the user and a new token; return the token, once."""
        principal = check_user(user_id, role, regions, language, unit, agency)
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        now = self.clock.now()
        with self.pool.connection() as conn, conn.transaction():
            conn.execute(
                """
                INSERT INTO api_users
                    (user_id, role, regions, language, unit, agency, updated_at)
                VALUES (%s, %s, %s, %s, %s, %s, %s)
                ON CONFLICT (user_id) DO UPDATE SET role = EXCLUDED.role,
                    regions = EXCLUDED.regions, language = EXCLUDED.language,
                    unit = EXCLUDED.unit, agency = EXCLUDED.agency,
                    updated_at = EXCLUDED.updated_at
                """,
                (
                    principal.user_id,
                    principal.role,
                    sorted(principal.regions),
                    principal.language,
                    principal.unit,
                    principal.agency,
                    now,
                ),
            )
            conn.execute(
                "INSERT INTO api_tokens (token_sha256, user_id, created_at) "
                "VALUES (%s, %s, %s)",
                (token_hash(token), principal.user_id, now),
            )
        return token

    def authenticate(self, token: str) -> Principal | None:
        """The user a live token belongs to, or None."""
        if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
            return None
        with self.pool.connection() as conn:
            row = conn.execute(
                """
                SELECT u.user_id, u.role, u.regions, u.language, u.unit, u.agency
                FROM api_tokens t JOIN api_users u USING (user_id)
                WHERE t.token_sha256 = %s AND t.revoked_at IS NULL
                """,
                (token_hash(token),),
            ).fetchone()
        if row is None:
            return None
        user_id, role, regions, language, unit, agency = row
        return Principal(
            str(user_id),
            str(role),
            frozenset(regions),
            str(language),
            str(unit) if unit is not None else None,
            str(agency) if agency is not None else None,
        )

    def set_language(self, user_id: str, language: str) -> None:
        """The language the user's pages speak from now on (``sq`` or ``en``)."""
        if language not in LANGUAGES:
            raise InvalidInput(
                f"language {language!r} is not offered; languages: "
                f"{', '.join(LANGUAGES)}"
            )
        with self.pool.connection() as conn:
            conn.execute(
                "UPDATE api_users SET language = %s, updated_at = %s "
                "WHERE user_id = %s",
                (language, self.clock.now(), user_id),
            )

    def case_owners(self, region: str) -> list[str]:
        """The users who may own a case in ``region``: caseworkers of the
        region with a live token, by user id. (The choice an assignment
        offers: ``services.api.choices``.)"""
        with self.pool.connection() as conn:
            rows = conn.execute(
                """
                SELECT u.user_id FROM api_users u
                WHERE u.role = ANY(%s) AND %s = ANY(u.regions)
                  AND EXISTS (SELECT 1 FROM api_tokens t
                              WHERE t.user_id = u.user_id AND t.revoked_at IS NULL)
                ORDER BY u.user_id
                """,
                (sorted(CASEWORKER_ROLES), region),
            ).fetchall()
        return [str(row[0]) for row in rows]

    def revoke(self, user_id: str) -> int:
        """Revoke every live token of a user; return how many."""
        with self.pool.connection() as conn:
            cur = conn.execute(
                "UPDATE api_tokens SET revoked_at = %s "
                "WHERE user_id = %s AND revoked_at IS NULL",
                (self.clock.now(), user_id),
            )
            return cur.rowcount


def check_user(
    user_id: str,
    role: str,
    regions: Sequence[str],
    language: str,
    unit: str | None = None,
    agency: str | None = None,
) -> Principal:
    """The user as a principal, or an ``InvalidInput`` naming what is wrong."""
    if not USER_ID.match(user_id):
        raise InvalidInput(
            f"user {user_id!r} is not a valid user id (letters, digits, '.', '_', "
            "'@' and '-', at most 100 characters)"
        )
    if role not in API_ROLES:
        raise InvalidInput(
            f"role {role!r} cannot use the API; roles: {', '.join(sorted(API_ROLES))}"
        )
    unknown = sorted(set(regions) - REGIONS.keys())
    if unknown:
        raise InvalidInput(
            f"unknown region {unknown[0]!r}; regions: {', '.join(sorted(REGIONS))}"
        )
    if role in REGIONAL_ROLES and not regions:
        raise InvalidInput(f"a {role} token needs at least one --region")
    if language not in LANGUAGES:
        raise InvalidInput(
            f"language {language!r} is not offered; languages: {', '.join(LANGUAGES)}"
        )
    if role in UNIT_ROLES and not unit:
        raise InvalidInput(
            f"a {role} token needs --unit: the id of its entry in the directory"
        )
    if unit and role in AGENCY_ROLES and unit not in AGENCIES:
        raise InvalidInput(
            f"unit {unit!r} is not an agency; agencies: {', '.join(AGENCIES)}"
        )
    if unit and role not in UNIT_ROLES | AGENCY_ROLES:
        raise InvalidInput(
            "only a child_protection_unit or shelter_staff token takes --unit, "
            f"not a {role} token"
        )
    if unit and not UNIT_ID.match(unit):
        raise InvalidInput(f"unit {unit!r} is not a directory entry id")
    agency = " ".join((agency or "").split()) or None
    if agency and role not in CASEWORKER_ROLES:
        raise InvalidInput(f"only caseworkers take --agency, not a {role} token")
    if agency and len(agency) > LINE_LENGTH:
        raise InvalidInput(f"agency is at most {LINE_LENGTH} characters long")
    return Principal(user_id, role, frozenset(regions), language, unit or None, agency)
