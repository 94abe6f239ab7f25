"""The person record in the encrypted personal-data store, its corrections
and the blind index that finds a person without decrypting anyone.

Each recording or correction is a new version of the record
(``person_records``), sealed (AES-256-GCM) with the person's own data key,
the key of their row in ``personal_data``. Earlier versions stay, so an
auditor reads what a correction replaced; erasing the person destroys that
key, and every version with it.

The blind index (``person_index``) holds, per person, a keyed hash
(HMAC-SHA-256) of each folded name token of their names and aliases and of
their birth year; the key is derived from the personal-data master key with
HKDF and never stored. Searching hashes the tokens typed the same way and
looks them up: nobody's record is decrypted to find a match.

Who may read or write, and the access log, are the callers' (``services.api
.person_access``): this module stores and reads.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from psycopg import Connection
from psycopg_pool import ConnectionPool

from domain.clock import Clock
from domain.person_record import name_tokens, record_tokens, year_of_birth
from projections.schema import run_ddl
from services.app.errors import PersonalDataUnavailable, SubjectErased
from services.store.personal_data_keys import (
    KeyRing,
    new_data_key,
    open_sealed,
    seal,
)
from services.store.personal_data_table import DDL as PERSONAL_DATA_DDL

DDL = """
CREATE TABLE IF NOT EXISTS person_records (
    subject_ref text NOT NULL,
    version integer NOT NULL,
    case_id uuid NOT NULL,
    record bytea NOT NULL,
    recorded_at timestamptz NOT NULL,
    recorded_by text NOT NULL,
    recorded_role text NOT NULL,
    PRIMARY KEY (subject_ref, version)
)
"""
INDEX_INFO = b"vatra-person-blind-index"


@dataclass(frozen=True)
class RecordVersion:
    """One version of a person record: the values, who recorded them, when."""

    version: int
    record: dict[str, Any]
    recorded_at: datetime
    recorded_by: str
    recorded_role: str


def index_key(keys: KeyRing) -> bytes:
    """The blind index's key: derived from the current master key (HKDF)."""
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=INDEX_INFO
    ).derive(keys.current)


def blind(key: bytes, kind: str, value: str) -> bytes:
    """The keyed hash of one name token (``n``) or birth year (``y``)."""
    return hmac.new(key, f"{kind}:{value}".encode(), hashlib.sha256).digest()


def subject_key(
    conn: Connection[Any],
    keys: KeyRing,
    subject_ref: str,
    now: datetime,
    *,
    create: bool,
) -> bytes | None:
    """The data key of ``subject_ref``, made (and stored wrapped) when none is
    held and ``create``; None when none is held. ``SubjectErased`` once the
    person was erased. To create, locks the person's row in the caller's
    transaction."""
    lock = " FOR UPDATE" if create else ""
    row = conn.execute(
        "SELECT wrapped_key, master_key_id, erased_at FROM personal_data "
        "WHERE subject_ref = %s" + lock,
        (subject_ref,),
    ).fetchone()
    if row is not None and row[2] is not None:
        raise SubjectErased(f"the personal data of {subject_ref} was erased")
    if row is not None:
        return keys.unwrap(subject_ref, bytes(row[0]), row[1])
    if not create:
        return None
    data_key = new_data_key()
    conn.execute(
        "INSERT INTO personal_data (subject_ref, wrapped_key, master_key_id, "
        "created_at, updated_at) VALUES (%s, %s, %s, %s, %s)",
        (subject_ref, keys.wrap(subject_ref, data_key), keys.current_id, now, now),
    )
    return data_key


def _aad(subject_ref: str, version: int) -> bytes:
    return f"vatra-person-record:{subject_ref}:{version}".encode()


class PersonRecords:
    """Records, corrects, reads and finds person records."""

    def __init__(
        self, pool: ConnectionPool, clock: Clock, keys: KeyRing | None
    ) -> None:
        self.pool = pool
        self.clock = clock
        self._keys = keys

    def create_tables(self) -> None:
        with self.pool.connection() as conn:
            run_ddl(conn, PERSONAL_DATA_DDL)
            run_ddl(conn, DDL)

    @property
    def available(self) -> bool:
        return self._keys is not None

    def keyring(self) -> KeyRing:
        if self._keys is None:
            raise PersonalDataUnavailable(
                "VATRA_PERSONAL_DATA_KEY is not set: personal data cannot be "
                "stored or read"
            )
        return self._keys

    def record(
        self,
        subject_ref: str,
        case_id: str,
        record: dict[str, Any],
        *,
        actor_id: str,
        actor_role: str,
    ) -> int:
        """Store ``record`` (checked beforehand: ``domain.person_record``) as
        the person's newest version, and index it; return its version."""
        keys = self.keyring()
        now = self.clock.now()
        with self.pool.connection() as conn, conn.transaction():
            data_key = subject_key(conn, keys, subject_ref, now, create=True)
            assert data_key is not None
            row = conn.execute(
                "SELECT coalesce(max(version), 0) FROM person_records "
                "WHERE subject_ref = %s",
                (subject_ref,),
            ).fetchone()
            version = int(row[0] if row else 0) + 1
            sealed = seal(
                data_key,
                json.dumps(record, ensure_ascii=False).encode(),
                _aad(subject_ref, version),
            )
            conn.execute(
                "INSERT INTO person_records (subject_ref, version, case_id, record, "
                "recorded_at, recorded_by, recorded_role) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s)",
                (subject_ref, version, case_id, sealed, now, actor_id, actor_role),
            )
            self._index(conn, keys, subject_ref, case_id, record)
        return version

    def _index(
        self,
        conn: Connection[Any],
        keys: KeyRing,
        subject_ref: str,
        case_id: str,
        record: dict[str, Any],
    ) -> None:
        key = index_key(keys)
        tokens = [blind(key, "n", token) for token in record_tokens(record)]
        year = year_of_birth(record)
        if year is not None:
            tokens.append(blind(key, "y", str(year)))
        conn.execute("DELETE FROM person_index WHERE subject_ref = %s", (subject_ref,))
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO person_index (subject_ref, case_id, token) "
                "VALUES (%s, %s, %s) ON CONFLICT DO NOTHING",
                [(subject_ref, case_id, token) for token in tokens],
            )

    def reindex(self) -> int:
        """Rebuild the blind index under the current master key, from each
        person's newest record; return how many people it holds. Run after
        rotating ``VATRA_PERSONAL_DATA_KEY`` (with ``PersonalDataStore.rewrap``):
        the index's key is derived from the master key, so until then people
        recorded before the rotation are not found."""
        keys = self.keyring()
        with self.pool.connection() as conn:
            newest = conn.execute(
                "SELECT DISTINCT ON (subject_ref) subject_ref, case_id "
                "FROM person_records ORDER BY subject_ref, version DESC"
            ).fetchall()
        done = 0
        for subject_ref, case_id in newest:
            try:
                current = self.current(subject_ref)
            except SubjectErased:
                continue
            if current is None:
                continue
            with self.pool.connection() as conn, conn.transaction():
                self._index(conn, keys, subject_ref, str(case_id), current.record)
            done += 1
        return done

    def versions(self, subject_ref: str) -> list[RecordVersion]:
        """Every version of the person's record, oldest first (none: ``[]``);
        ``SubjectErased`` once the person was erased."""
        keys = self.keyring()
        with self.pool.connection() as conn, conn.transaction():
            data_key = subject_key(
                conn, keys, subject_ref, self.clock.now(), create=False
            )
            if data_key is None:
                return []
            rows = conn.execute(
                "SELECT version, record, recorded_at, recorded_by, recorded_role "
                "FROM person_records WHERE subject_ref = %s ORDER BY version",
                (subject_ref,),
            ).fetchall()
        return [
            RecordVersion(
                version=int(version),
                record=json.loads(
                    open_sealed(data_key, bytes(sealed), _aad(subject_ref, version))
                ),
                recorded_at=at,
                recorded_by=by,
                recorded_role=role,
            )
            for version, sealed, at, by, role in rows
        ]

    def current(self, subject_ref: str) -> RecordVersion | None:
        """The newest version of the person's record, if any."""
        found = self.versions(subject_ref)
        return found[-1] if found else None

    def find(self, text: str, birth_year: int | None = None) -> list[dict[str, Any]]:
        """The people whose names (and aliases) hold every folded token of
        ``text``, born in ``birth_year`` if given: ``subject_ref`` and
        ``case_id`` of each, without decrypting anyone's record."""
        tokens = name_tokens(text)
        if not tokens:
            return []
        key = index_key(self.keyring())
        wanted = [blind(key, "n", token) for token in tokens]
        if birth_year is not None:
            wanted.append(blind(key, "y", str(birth_year)))
        with self.pool.connection() as conn:
            rows = conn.execute(
                "SELECT subject_ref, case_id FROM person_index "
                "WHERE token = ANY(%s) GROUP BY subject_ref, case_id "
                "HAVING count(DISTINCT token) = %s ORDER BY subject_ref LIMIT 50",
                (wanted, len(wanted)),
            ).fetchall()
        return [{"subject_ref": ref, "case_id": str(case)} for ref, case in rows]
