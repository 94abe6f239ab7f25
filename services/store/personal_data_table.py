"""The ``personal_data`` table, and the destruction of data keys in it.

The store (``services.store.personal_data``) reads and writes the records;
``shred`` destroys a person's data key (crypto-shredding), in the caller's
transaction, for the store's own ``erase`` and for the erasure handler
(``DataKeyShredder``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from psycopg import Connection, Cursor

from projections.schema import run_ddl

DDL = """
CREATE TABLE IF NOT EXISTS personal_data (
    subject_ref text PRIMARY KEY,
    wrapped_key bytea,
    master_key_id text,
    record bytea,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    erased_at timestamptz,
    CHECK ((erased_at IS NULL) = (wrapped_key IS NOT NULL))
);
-- Text people typed about a person (reasons, outcomes, references), each
-- sealed with the person's data key (``services.store.personal_texts``).
CREATE TABLE IF NOT EXISTS personal_texts (
    text_ref text PRIMARY KEY,
    subject_ref text NOT NULL,
    sealed bytea NOT NULL,
    created_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS personal_texts_subject ON personal_texts (subject_ref);
-- The blind index of the person records (services.store.person_record): a
-- keyed hash of each folded name token and of the birth year, per person.
-- An erasure deletes a person's rows with their key.
CREATE TABLE IF NOT EXISTS person_index (
    subject_ref text NOT NULL,
    case_id uuid NOT NULL,
    token bytea NOT NULL,
    PRIMARY KEY (subject_ref, token)
);
CREATE INDEX IF NOT EXISTS person_index_token ON person_index (token);
"""


def shred(cur: Cursor[Any], subject_refs: Iterable[str], erased_at: datetime) -> int:
    """Destroy the data keys of ``subject_refs`` in the caller's transaction.

    A subject with nothing stored yet gets a tombstone, so nothing can be stored
    for them later. The texts sealed with those keys, unreadable from now on,
    are deleted too, and the blind index forgets them. Returns how many keys
    were destroyed now.
    """
    refs = sorted(set(subject_refs))
    if not refs:
        return 0
    cur.execute("DELETE FROM person_index WHERE subject_ref = ANY(%s)", (refs,))
    destroyed = cur.execute(
        "UPDATE personal_data SET wrapped_key = NULL, master_key_id = NULL, "
        "erased_at = %s, updated_at = %s "
        "WHERE subject_ref = ANY(%s) AND erased_at IS NULL",
        (erased_at, erased_at, refs),
    ).rowcount
    cur.execute(
        "INSERT INTO personal_data (subject_ref, created_at, updated_at, erased_at) "
        "SELECT ref, %s, %s, %s FROM unnest(%s::text[]) AS ref "
        "ON CONFLICT (subject_ref) DO NOTHING",
        (erased_at, erased_at, erased_at, refs),
    )
    cur.execute("DELETE FROM personal_texts WHERE subject_ref = ANY(%s)", (refs,))
    return max(destroyed, 0)


class DataKeyShredder:
    """``handlers.ports.DataKeys`` on this store's table: for the erasure handler."""

    def create(self, conn: Connection[Any]) -> None:
        run_ddl(conn, DDL)

    def destroy(
        self, cur: Cursor[Any], subject_refs: Iterable[str], erased_at: datetime
    ) -> int:
        return shred(cur, subject_refs, erased_at)
