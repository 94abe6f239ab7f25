"""The personal-data store: who a pseudonymous ``subject_ref`` is, encrypted per person.

Events, Kafka and logs name a person only by ``subject_ref``. Their name, date
of birth, contacts and documents, and the sex, age or birth year and nationality
their identification took, live here, in PostgreSQL, each person's record
encrypted (AES-256-GCM) with a data key of their own; that key is stored
wrapped (encrypted) by the master key from ``VATRA_PERSONAL_DATA_KEY``, which
never reaches the database. Both ciphertexts are bound to the subject_ref, so
rows cannot be swapped between people (the keys and the sealing:
``services.store.personal_data_keys``).

Erasing a person destroys their data key (crypto-shredding): the record left
behind, and every copy of it in backups, cannot be decrypted by anyone, while
the case history, which holds none of it, stays intact and replays. Rotating
the master key (``rewrap``) and then destroying the old one extends that to the
wrapped keys in old backups. The table and the destruction of keys:
``services.store.personal_data_table``.

Every read, write and erasure goes to the access log (view ``personal_data``,
``personal_data_update``, ``personal_data_erasure``), refused attempts too.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, replace
from typing import Any

from psycopg import Connection
from psycopg_pool import ConnectionPool

from domain.clock import Clock
from projections.schema import run_ddl
from services.app.errors import (
    PersonalDataNotFound,
    PersonalDataUnavailable,
    ReadNotPermitted,
    SubjectErased,
)
from services.store.access_log import AccessLog
from services.store.personal_data_keys import (
    KeyRing,
    new_data_key,
    open_sealed,
    seal,
)
from services.store.personal_data_table import DDL, shred

# Roles that may read or change a person's personal data: the people working
# with them. Police, auditors and the system see cases by pseudonym only.
READERS = frozenset(
    {
        "caseworker",
        "mobile_unit",
        "shelter_staff",
        "lawyer",
        "psychologist",
        "coordinator",
        "responsible_authority",
        "child_protection_unit",
    }
)

# The person's attributes an identification takes (``domain.fields.PERSON_FIELDS``).
ATTRIBUTES = ("sex", "age", "birth_year", "nationality")


@dataclass(frozen=True)
class PersonalData:
    """Who a subject_ref is. Never leaves this module except to an allowed reader.

    ``sex``, ``age``, ``birth_year`` and ``nationality`` are those the
    identification took ("" or None: not given); records stored before they
    were kept read with them not given.
    """

    full_name: str = ""
    date_of_birth: str = ""
    contacts: tuple[str, ...] = ()
    documents: tuple[str, ...] = ()
    sex: str = ""
    age: int | None = None
    birth_year: int | None = None
    nationality: str = ""

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), ensure_ascii=False).encode()

    @classmethod
    def from_json(cls, data: bytes) -> PersonalData:
        raw: dict[str, Any] = json.loads(data)
        raw["contacts"] = tuple(raw.get("contacts", ()))
        raw["documents"] = tuple(raw.get("documents", ()))
        return cls(**raw)

    def attributes(self) -> dict[str, Any]:
        """The person's attributes, by name."""
        return {name: getattr(self, name) for name in ATTRIBUTES}


class PersonalDataStore:
    """Stores, reads and erases personal data; every access is in the access log."""

    def __init__(
        self,
        pool: ConnectionPool,
        access_log: AccessLog,
        clock: Clock,
        keys: KeyRing | None,
        *,
        readers: frozenset[str] = READERS,
    ) -> None:
        self.pool = pool
        self.access_log = access_log
        self.clock = clock
        self._keys = keys
        self.readers = readers

    def create_table(self) -> None:
        with self.pool.connection() as conn:
            run_ddl(conn, DDL)

    @property
    def key_ring(self) -> KeyRing | None:
        """The master keys (None: not configured), for the stores that seal
        with the same per-person data keys (``services.store.person_record``)."""
        return self._keys

    def store(
        self,
        subject_ref: str,
        data: PersonalData,
        *,
        actor_id: str,
        actor_role: str,
        case_id: str | None = None,
        correlation_id: str = "",
    ) -> None:
        """Store (or replace) who ``subject_ref`` is."""
        self._write(
            subject_ref,
            lambda _held: data,
            actor_id=actor_id,
            actor_role=actor_role,
            case_id=case_id,
            correlation_id=correlation_id,
        )

    def keep_attributes(
        self,
        subject_ref: str,
        attributes: Mapping[str, Any],
        *,
        actor_id: str,
        actor_role: str,
        case_id: str | None = None,
        correlation_id: str = "",
        then: Callable[[Connection[Any]], None] | None = None,
    ) -> None:
        """Set the person's ``attributes`` (sex, age, birth year, nationality)
        in their record, the rest of it as it was; a record is made if none is
        held. Doing it again with the same values changes nothing.

        ``then(conn)``: more writes committed with the record, or none of them.
        """
        unknown = set(attributes) - set(ATTRIBUTES)
        if unknown:
            raise ValueError(f"not attributes of a person: {sorted(unknown)}")
        self._write(
            subject_ref,
            lambda held: replace(held or PersonalData(), **attributes),
            actor_id=actor_id,
            actor_role=actor_role,
            case_id=case_id,
            correlation_id=correlation_id,
            then=then,
        )

    def _write(
        self,
        subject_ref: str,
        change: Callable[[PersonalData | None], PersonalData],
        *,
        actor_id: str,
        actor_role: str,
        case_id: str | None,
        correlation_id: str,
        then: Callable[[Connection[Any]], None] | None = None,
    ) -> None:
        """Seal ``change(the record held, if any)`` as the person's record;
        ``then(conn)`` in the same transaction.

        The write's access-log row commits with it; a write refused (the role,
        no key, the person erased) has its row on its own."""
        attempt = (
            "personal_data_update",
            subject_ref,
            actor_id,
            actor_role,
            case_id,
            correlation_id,
        )
        if actor_role not in self.readers or self._keys is None:
            self._permit(*attempt)
        keys = self._keyring()
        with self.pool.connection() as conn, conn.transaction():
            row = conn.execute(
                "SELECT wrapped_key, master_key_id, erased_at, record "
                "FROM personal_data WHERE subject_ref = %s FOR UPDATE",
                (subject_ref,),
            ).fetchone()
            erased = row is not None and row[2] is not None
            if not erased:
                self._permit(*attempt, conn=conn)
                self._seal(conn, row, subject_ref, change, keys, then)
        if erased:
            self._permit(*attempt)
            raise SubjectErased(
                f"the personal data of {subject_ref} was erased and cannot be "
                "stored again under that reference"
            )

    def _seal(
        self,
        conn: Connection[Any],
        row: tuple[Any, ...] | None,
        subject_ref: str,
        change: Callable[[PersonalData | None], PersonalData],
        keys: KeyRing,
        then: Callable[[Connection[Any]], None] | None,
    ) -> None:
        """Write ``change(the record in row)``, sealed, and ``then(conn)``."""
        aad = _record_aad(subject_ref)
        now = self.clock.now()
        held: PersonalData | None = None
        if row is None:
            data_key = new_data_key()
        else:
            data_key = keys.unwrap(subject_ref, bytes(row[0]), row[1])
            if row[3] is not None:
                held = PersonalData.from_json(open_sealed(data_key, bytes(row[3]), aad))
        record = seal(data_key, change(held).to_json(), aad)
        conn.execute(
            """
            INSERT INTO personal_data (subject_ref, wrapped_key, master_key_id,
                record, created_at, updated_at)
            VALUES (%s, %s, %s, %s, %s, %s)
            ON CONFLICT (subject_ref) DO UPDATE
                SET record = EXCLUDED.record, updated_at = EXCLUDED.updated_at
            """,
            (
                subject_ref,
                keys.wrap(subject_ref, data_key),
                keys.current_id,
                record,
                now,
                now,
            ),
        )
        if then is not None:
            then(conn)

    def read(
        self,
        subject_ref: str,
        *,
        actor_id: str,
        actor_role: str,
        case_id: str | None = None,
        correlation_id: str = "",
    ) -> PersonalData:
        """Who ``subject_ref`` is, for an allowed reader; recorded in the access log."""
        self._permit(
            "personal_data", subject_ref, actor_id, actor_role, case_id, correlation_id
        )
        with self.pool.connection() as conn:
            row = conn.execute(
                "SELECT wrapped_key, master_key_id, record, erased_at "
                "FROM personal_data WHERE subject_ref = %s",
                (subject_ref,),
            ).fetchone()
        if row is None or (row[2] is None and row[3] is None):
            raise PersonalDataNotFound(f"no personal data is held for {subject_ref}")
        if row[3] is not None:
            raise SubjectErased(
                f"the personal data of {subject_ref} was erased on "
                f"{row[3].date().isoformat()}"
            )
        keys = self._keyring()
        data_key = keys.unwrap(subject_ref, bytes(row[0]), row[1])
        return PersonalData.from_json(
            open_sealed(data_key, bytes(row[2]), _record_aad(subject_ref))
        )

    def erase(
        self,
        subject_ref: str,
        *,
        actor_id: str,
        actor_role: str,
        case_id: str | None = None,
        correlation_id: str = "",
    ) -> bool:
        """Destroy the person's data key; True if it existed until now.

        Idempotent. Use ``services.app.erasure.erase_personal_data``, which records
        the decision on the case first.
        """
        self.access_log.record(
            actor_id=actor_id,
            actor_role=actor_role,
            view="personal_data_erasure",
            case_id=case_id,
            subject_ref=subject_ref,
            correlation_id=correlation_id,
        )
        with self.pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
            return shred(cur, [subject_ref], self.clock.now()) > 0

    def status(self, subject_ref: str) -> dict[str, Any]:
        """Whether data is held or erased (no personal data: not an access)."""
        with self.pool.connection() as conn:
            row = conn.execute(
                "SELECT erased_at FROM personal_data WHERE subject_ref = %s",
                (subject_ref,),
            ).fetchone()
        if row is None:
            return {"subject_ref": subject_ref, "status": "none", "erased_at": None}
        erased = row[0]
        return {
            "subject_ref": subject_ref,
            "status": "erased" if erased else "held",
            "erased_at": erased.isoformat() if erased else None,
        }

    def rewrap(self) -> int:
        """Re-wrap every data key under the current master key; return how many.

        After this, an old master key can be destroyed: the wrapped keys in
        older backups (and of people erased since) become unreadable with it.
        """
        keys = self._keyring()
        done = 0
        with self.pool.connection() as conn, conn.transaction():
            rows = conn.execute(
                "SELECT subject_ref, wrapped_key, master_key_id FROM personal_data "
                "WHERE wrapped_key IS NOT NULL AND master_key_id <> %s FOR UPDATE",
                (keys.current_id,),
            ).fetchall()
            for subject_ref, wrapped, master_key_id in rows:
                data_key = keys.unwrap(subject_ref, bytes(wrapped), master_key_id)
                conn.execute(
                    "UPDATE personal_data SET wrapped_key = %s, master_key_id = %s "
                    "WHERE subject_ref = %s",
                    (keys.wrap(subject_ref, data_key), keys.current_id, subject_ref),
                )
                done += 1
        return done

    def _permit(
        self,
        view: str,
        subject_ref: str,
        actor_id: str,
        actor_role: str,
        case_id: str | None,
        correlation_id: str,
        conn: Connection[Any] | None = None,
    ) -> None:
        allowed = actor_role in self.readers
        self.access_log.record(
            actor_id=actor_id,
            actor_role=actor_role,
            view=view,
            case_id=case_id,
            subject_ref=subject_ref,
            allowed=allowed,
            correlation_id=correlation_id,
            conn=conn,
        )
        if not allowed:
            raise ReadNotPermitted(
                f"the role {actor_role!r} may not see personal data; the attempt "
                "was recorded"
            )

    def _keyring(self) -> KeyRing:
        if self._keys is None:
            raise PersonalDataUnavailable(
                "VATRA_PERSONAL_DATA_KEY is not set: personal data cannot be "
                "stored or read"
            )
        return self._keys


def _record_aad(subject_ref: str) -> bytes:
    return b"vatra-pd-record:" + subject_ref.encode()
