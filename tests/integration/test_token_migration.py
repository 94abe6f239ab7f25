"""Tokens made before tokens were named, scoped and expiring keep working."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import psycopg
from psycopg_pool import ConnectionPool

from domain.clock import ControlledClock
from services.api.users import Users, token_hash
from services.store.database import Database

BEFORE = """
CREATE TABLE api_users (
    user_id text PRIMARY KEY, role text NOT NULL, regions text[] NOT NULL,
    language text NOT NULL, updated_at timestamptz NOT NULL, unit text,
    agency text
);
CREATE TABLE api_tokens (
    token_sha256 text PRIMARY KEY,
    user_id text NOT NULL REFERENCES api_users (user_id),
    created_at timestamptz NOT NULL, revoked_at timestamptz
);
"""
OLD_TOKEN = "vatra_made-before-tokens-had-names-and-an-expiry-000000"


def test_an_older_token_keeps_its_scope_and_gets_a_name_and_an_expiry(
    database: Database,
) -> None:
    made = datetime(2025, 6, 1, 9, 0, tzinfo=UTC)
    with psycopg.connect(database.conninfo(), autocommit=True) as conn:
        conn.execute(BEFORE)
        conn.execute(
            "INSERT INTO api_users VALUES ('mu-vlora-1', 'mobile_unit', "
            "'{vlora}', 'sq', %s, NULL, NULL)",
            (made,),
        )
        conn.execute(
            "INSERT INTO api_tokens VALUES (%s, 'mu-vlora-1', %s, NULL)",
            (token_hash(OLD_TOKEN), made),
        )
        migrated_at = conn.execute("SELECT now()").fetchone()
    assert migrated_at is not None
    clock = ControlledClock(migrated_at[0])
    with ConnectionPool(database.conninfo(), min_size=1, max_size=2) as pool:
        users = Users(pool, clock)
        users.create_tables()
        users.create_tables()  # a second start changes nothing
        users.issue_token("mu-vlora-1", "coordinator", [], "en", name="oversight")
        old = users.authenticate(OLD_TOKEN)
        assert old is not None
        assert (old.role, old.regions) == ("mobile_unit", frozenset({"vlora"}))
        listed = {t.name: t for t in users.tokens("mu-vlora-1")}
        assert set(listed) == {"token-1", "oversight"}
        assert listed["token-1"].role == "mobile_unit"
        assert listed["token-1"].expires_at > migrated_at[0] + timedelta(days=89)
        clock.advance(timedelta(days=91))
        assert users.authenticate(OLD_TOKEN) is None
