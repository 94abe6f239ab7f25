"""Text people typed about a person, sealed with that person's data key.

A reason, an outcome, a reference or a name typed into a step of a case may
carry a name or a phone number, so no event, Kafka message, read model or log
line holds it (``domain.typed_text``). The application service keeps each
such text here before it records the event, which carries only the text's
reference (``text_refs``). Each text is one row of ``personal_texts``, sealed
(AES-256-GCM) with the data key of the person the case is about, the key of
their record in ``personal_data`` (made here if they have no record yet), and
bound by its associated data to its reference and its person.

Erasing the person destroys that key (``services.store.personal_data_table``
``shred``): the texts can no longer be opened, by anyone, from the table or
any backup, and the rows are deleted. Reading a reference then gives ``None``
(shown as "[erased]").

The API, for any part of the backbone that keeps free text about a person
(case notes, outcomes, reasons):

- ``keep(subject_ref, texts, ...)``: seal each text, return one reference per
  text, in order; any role that may record a step may keep text.
- ``read(subject_ref, refs, ...)``: the texts by reference, ``None`` for one
  that cannot be read any more (erased); only ``may_read`` roles.
- ``moved(case_id)``: which inline texts of old events were moved here.

Every call names who and why (case, correlation id) and goes to the access
log: view ``personal_text_update`` for a keep, ``personal_text`` for a read
(refused attempts too). Refusals are ``services.app.errors`` errors.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence

from services.app.errors import ReadNotPermitted, SubjectErased
from services.store.outages import refused_as_events_are
from services.store.personal_data import PersonalDataStore
from services.store.personal_data_keys import (
    KeyRing,
    new_data_key,
    open_sealed,
    seal,
)

REF_PREFIX = "txt_"


def new_text_ref() -> str:
    """A new reference to a text: it says nothing of the text or the person."""
    return REF_PREFIX + uuid.uuid4().hex


def is_text_ref(value: object) -> bool:
    """Whether ``value`` is a reference ``new_text_ref`` makes."""
    return (
        isinstance(value, str)
        and value.startswith(REF_PREFIX)
        and len(value) == len(REF_PREFIX) + 32
    )


class PersonalTexts:
    """Typed text in the personal-data store ``people`` (its pool, keys, clock
    and access log): ``services.app.ports.TypedTexts``."""

    def __init__(self, people: PersonalDataStore) -> None:
        self.people = people

    def may_read(self, actor_role: str) -> bool:
        return actor_role in self.people.readers

    def keep(
        self,
        subject_ref: str,
        texts: Sequence[str],
        *,
        actor_id: str,
        actor_role: str,
        case_id: str,
        correlation_id: str,
    ) -> list[str]:
        """Seal each of ``texts`` with the person's key; their references.

        ``SubjectErased`` if the person's data was erased (no text can be
        kept about them any more); ``PersonalDataUnavailable`` without a key.
        PostgreSQL unable to take the write: refused as a refused event is.
        """
        with refused_as_events_are():
            return self._keep(
                subject_ref,
                texts,
                actor_id=actor_id,
                actor_role=actor_role,
                case_id=case_id,
                correlation_id=correlation_id,
            )

    def _keep(
        self,
        subject_ref: str,
        texts: Sequence[str],
        *,
        actor_id: str,
        actor_role: str,
        case_id: str,
        correlation_id: str,
    ) -> list[str]:
        self.people.access_log.record(
            actor_id=actor_id,
            actor_role=actor_role,
            view="personal_text_update",
            case_id=case_id,
            subject_ref=subject_ref,
            correlation_id=correlation_id,
        )
        keys = self._keys()
        now = self.people.clock.now()
        refs = [new_text_ref() for _ in texts]
        with self.people.pool.connection() as conn, conn.transaction():
            conn.execute(
                "INSERT INTO personal_data (subject_ref, wrapped_key, master_key_id, "
                "created_at, updated_at) VALUES (%s, %s, %s, %s, %s) "
                "ON CONFLICT (subject_ref) DO NOTHING",
                (
                    subject_ref,
                    keys.wrap(subject_ref, new_data_key()),
                    keys.current_id,
                    now,
                    now,
                ),
            )
            row = conn.execute(
                "SELECT wrapped_key, master_key_id FROM personal_data "
                "WHERE subject_ref = %s FOR SHARE",
                (subject_ref,),
            ).fetchone()
            if row is None or row[0] is None:
                raise SubjectErased(
                    f"the personal data of {subject_ref} was erased: no text can "
                    "be kept about them any more"
                )
            data_key = keys.unwrap(subject_ref, bytes(row[0]), row[1])
            with conn.cursor() as cur:
                cur.executemany(
                    "INSERT INTO personal_texts (text_ref, subject_ref, sealed, "
                    "created_at) VALUES (%s, %s, %s, %s)",
                    [
                        (
                            ref,
                            subject_ref,
                            seal(data_key, text.encode(), _aad(subject_ref, ref)),
                            now,
                        )
                        for ref, text in zip(refs, texts, strict=True)
                    ],
                )
        return refs

    def read(
        self,
        subject_ref: str,
        refs: Sequence[str],
        *,
        actor_id: str,
        actor_role: str,
        case_id: str,
        correlation_id: str,
    ) -> Mapping[str, str | None]:
        """The texts of ``refs`` about ``subject_ref``, for a reader allowed to
        see the person's data; ``None`` for a text erased (or never kept)."""
        allowed = self.may_read(actor_role)
        self.people.access_log.record(
            actor_id=actor_id,
            actor_role=actor_role,
            view="personal_text",
            case_id=case_id,
            subject_ref=subject_ref,
            allowed=allowed,
            correlation_id=correlation_id,
        )
        if not allowed:
            raise ReadNotPermitted(
                f"the role {actor_role!r} may not see personal data; the attempt "
                "was recorded"
            )
        found: dict[str, str | None] = dict.fromkeys(refs)
        if not refs:
            return found
        with self.people.pool.connection() as conn:
            key_row = conn.execute(
                "SELECT wrapped_key, master_key_id FROM personal_data "
                "WHERE subject_ref = %s",
                (subject_ref,),
            ).fetchone()
            if key_row is None or key_row[0] is None:
                return found
            rows = conn.execute(
                "SELECT text_ref, sealed FROM personal_texts "
                "WHERE subject_ref = %s AND text_ref = ANY(%s)",
                (subject_ref, list(refs)),
            ).fetchall()
        data_key = self._keys().unwrap(subject_ref, bytes(key_row[0]), key_row[1])
        for ref, sealed in rows:
            found[ref] = open_sealed(
                data_key, bytes(sealed), _aad(subject_ref, ref)
            ).decode()
        return found

    def moved(self, case_id: str) -> Mapping[int, Mapping[str, str]]:
        """The fields of the case's old events whose inline text was moved
        here (``services.store.moved_texts``): version -> field -> reference."""
        found: dict[int, dict[str, str]] = {}
        with self.people.pool.connection() as conn:
            exists = conn.execute(
                "SELECT to_regclass('moved_texts') IS NOT NULL"
            ).fetchone()
            if not (exists and exists[0]):
                return found
            for version, field, ref in conn.execute(
                "SELECT version, field, text_ref FROM moved_texts "
                "WHERE case_id = %s::uuid",
                (case_id,),
            ).fetchall():
                found.setdefault(version, {})[field] = ref
        return found

    def _keys(self) -> KeyRing:
        return self.people._keyring()


def _aad(subject_ref: str, text_ref: str) -> bytes:
    return b"vatra-pd-text:" + subject_ref.encode() + b":" + text_ref.encode()
