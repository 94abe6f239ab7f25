"""API users and their bearer tokens.

A token is a random string shown once, when it is created; only its SHA-256
is stored, so a copy of the database lets nobody in. The token is long and
random, so a plain (unsalted) hash is enough: there is nothing to guess.

Each token is named and carries its own scope, fixed when it is issued: the
role, the regions, and for a Child Protection Unit the directory entry it is
(``unit``), for a shelter's staff the agency they work for. Issuing another
token for the user, with another role or regions, changes neither the scope
of the older tokens nor widens them: each keeps what it was issued with until
it expires or is revoked (revoke them to take a role away). The user's row
keeps the language their pages speak and the scope of their newest token,
unless it is a person's account (``services.accounts``): an account keeps
the scope its administrator gave it, and its pages act with that scope.
A token is refused once revoked or expired (``services.api.token_terms``), and
while its user's account is deactivated.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Sequence
from datetime import date

from psycopg_pool import ConnectionPool

from domain.catalogue import AGENCIES, REGIONS
from domain.clock import Clock
from domain.fields import LINE_LENGTH
from projections.schema import run_ddl
from services.api.policy import API_ROLES, CASEWORKER_ROLES, REGIONAL_ROLES, Principal
from services.api.token_memo import TokenMemo
from services.api.token_terms import (
    LAST_USED_STEP,
    MIGRATION,
    TokenInfo,
    check_name,
    token_expiry,
)
from services.app.errors import InvalidInput
from services.store.autocommit import autocommitted

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

DDL = (
    """
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
-- A person's account (``services.accounts``): a token issue leaves its scope
-- alone, and a deactivated account takes its tokens with it.
ALTER TABLE api_users ADD COLUMN IF NOT EXISTS password_hash text;
ALTER TABLE api_users ADD COLUMN IF NOT EXISTS status text NOT NULL DEFAULT 'active';
"""
    + MIGRATION
)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _digest_of(token: str) -> str | None:
    """The stored hash of ``token``; None for what cannot be one of ours."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    return token_hash(token)


class Users:
    """Issues, checks and revokes bearer tokens."""

    def __init__(self, pool: ConnectionPool, clock: Clock) -> None:
        self.pool = pool
        self.clock = clock
        # The tokens found live in the last minute (``services.api.token_memo``).
        self.memo = TokenMemo(clock)

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
        name: str | None = None,
        expires_in: int | None = None,
        expires_on: date | None = None,
    ) -> str:
        """Create (or update) the user and a new token with this scope; return
        the token, once. ``name`` (unique among the user's tokens not revoked)
        defaults to ``token-N``; the expiry to ``token_terms.DEFAULT_DAYS``."""
        principal = check_user(user_id, role, regions, language, unit, agency)
        if name is not None:
            check_name(name)
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        now = self.clock.now()
        expires_at = token_expiry(now, days=expires_in, on=expires_on)
        regions_kept = sorted(principal.regions)
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
                -- A person's account keeps the scope its administrator gave it.
                WHERE api_users.password_hash IS NULL
                """,
                (
                    principal.user_id,
                    principal.role,
                    regions_kept,
                    principal.language,
                    principal.unit,
                    principal.agency,
                    now,
                ),
            )
            # The upsert locks the user's row: their token issues take turns,
            # so a name found free stays free until this one commits.
            live = {
                str(row[0])
                for row in conn.execute(
                    "SELECT name FROM api_tokens "
                    "WHERE user_id = %s AND revoked_at IS NULL",
                    (principal.user_id,),
                )
            }
            if name is None:
                row = conn.execute(
                    "SELECT count(*) FROM api_tokens WHERE user_id = %s",
                    (principal.user_id,),
                ).fetchone()
                number = (row[0] if row else 0) + 1
                while f"token-{number}" in live:
                    number += 1
                name = f"token-{number}"
            if name in live:
                raise InvalidInput(
                    f"user {principal.user_id!r} already has a token named "
                    f"{name!r}; revoke it first or choose another --name"
                )
            conn.execute(
                """
                INSERT INTO api_tokens (token_sha256, user_id, name, role, regions,
                    unit, agency, created_at, expires_at)
                VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)
                """,
                (
                    token_hash(token),
                    principal.user_id,
                    name,
                    principal.role,
                    regions_kept,
                    principal.unit,
                    principal.agency,
                    now,
                    expires_at,
                ),
            )
        return token

    def authenticate(self, token: str) -> Principal | None:
        """The caller a live token speaks for, with the token's own scope, or
        None if it is unknown, revoked or expired."""
        digest = _digest_of(token)
        if digest is None:
            return None
        now = self.clock.now()
        # Each statement on its own: no BEGIN and COMMIT around the lookup.
        with autocommitted(self.pool) as conn:
            row = conn.execute(
                """
                SELECT u.user_id, t.role, t.regions, u.language, t.unit, t.agency,
                    t.last_used_at
                FROM api_tokens t JOIN api_users u USING (user_id)
                WHERE t.token_sha256 = %s AND t.revoked_at IS NULL
                  AND t.expires_at > %s AND u.status = 'active'
                """,
                (digest, now),
            ).fetchone()
            if row is None:
                return None
            user_id, role, regions, language, unit, agency, last_used = row
            if last_used is None or now - last_used >= LAST_USED_STEP:
                conn.execute(
                    "UPDATE api_tokens SET last_used_at = %s WHERE token_sha256 = %s",
                    (now, digest),
                )
        principal = Principal(
            str(user_id),
            str(role),
            frozenset(regions),
            str(language),
            str(unit) if unit is not None else None,
            str(agency) if agency is not None else None,
        )
        self.memo.keep(digest, principal)
        return principal

    def recent(self, token: str) -> tuple[Principal, str] | None:
        """The caller of ``token`` and its hash, if this process found it live
        less than a minute ago, without asking the store: only for a statement
        that checks the token again itself (``services.api.token_memo``)."""
        digest = _digest_of(token)
        if digest is None:
            return None
        principal = self.memo.recent(digest)
        return None if principal is None else (principal, digest)

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
        """The users who may own a case in ``region``: those with a live
        caseworker token or an active caseworker account for the region, by
        user id. (The choice an
        assignment offers: ``services.api.choices``.)"""
        with self.pool.connection() as conn:
            rows = conn.execute(
                """
                SELECT t.user_id FROM api_tokens t
                WHERE t.role = ANY(%(roles)s) AND %(region)s = ANY(t.regions)
                  AND t.revoked_at IS NULL AND t.expires_at > %(now)s
                UNION
                SELECT u.user_id FROM api_users u
                WHERE u.password_hash IS NOT NULL AND u.status = 'active'
                  AND u.role = ANY(%(roles)s) AND %(region)s = ANY(u.regions)
                ORDER BY 1
                """,
                {
                    "roles": sorted(CASEWORKER_ROLES),
                    "region": region,
                    "now": self.clock.now(),
                },
            ).fetchall()
        return [str(row[0]) for row in rows]

    def revoke(self, user_id: str, name: str | None = None) -> int:
        """Revoke the user's live token ``name``, or every live token of the
        user if no name is given; return how many."""
        with self.pool.connection() as conn:
            cur = conn.execute(
                """
                UPDATE api_tokens SET revoked_at = %(now)s
                WHERE user_id = %(user)s AND revoked_at IS NULL
                  AND (%(name)s::text IS NULL OR name = %(name)s)
                """,
                {"now": self.clock.now(), "user": user_id, "name": name},
            )
            return cur.rowcount

    def tokens(self, user_id: str | None = None) -> list[TokenInfo]:
        """Every token (of one user, if given), by user and creation time."""
        with self.pool.connection() as conn:
            rows = conn.execute(
                """
                SELECT user_id, name, role, regions, created_at, expires_at,
                    last_used_at, revoked_at
                FROM api_tokens WHERE %(user)s::text IS NULL OR user_id = %(user)s
                ORDER BY user_id, created_at, name
                """,
                {"user": user_id},
            ).fetchall()
        return [
            TokenInfo(
                str(user),
                str(name),
                str(role),
                tuple(regions),
                created,
                expires,
                used,
                revoked,
            )
            for user, name, role, regions, created, expires, used, revoked in rows
        ]


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
