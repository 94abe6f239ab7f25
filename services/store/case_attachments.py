"""Case notes and documents in the encrypted personal-data store.

A note's text and a document's bytes are personal data: each is sealed
(AES-256-GCM) with the data key of the person the case is about, under a
random ``attachment_id``. The case records only that a note or a document
was added, with that id (``AttachmentAdded``), never the text nor a file
name. Erasing the person destroys their key: every note and document of
theirs becomes unreadable, and the pages show "[erased]" where it was.

No file name is kept; a document keeps its type (checked by its first
bytes, never by its name) and size.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg_pool import ConnectionPool

from domain.clock import Clock
from projections.schema import run_ddl
from services.app.errors import PersonalDataUnavailable, SubjectErased
from services.store.person_record import subject_key
from services.store.personal_data_keys import KeyRing, open_sealed, seal
from services.store.personal_data_table import DDL as PERSONAL_DATA_DDL

DDL = """
CREATE TABLE IF NOT EXISTS case_attachments (
    attachment_id uuid PRIMARY KEY,
    subject_ref text NOT NULL,
    case_id uuid NOT NULL,
    kind text NOT NULL,
    media_type text NOT NULL,
    size integer NOT NULL,
    content bytea NOT NULL,
    added_at timestamptz NOT NULL,
    added_by text NOT NULL
);
CREATE INDEX IF NOT EXISTS case_attachments_case ON case_attachments (case_id);
"""

# The types a document may have, by the bytes it starts with.
DOCUMENT_TYPES: dict[str, bytes] = {
    "application/pdf": b"%PDF-",
    "image/jpeg": b"\xff\xd8\xff",
    "image/png": b"\x89PNG\r\n\x1a\n",
}
EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}
NOTE_TYPE = "text/plain; charset=utf-8"


def document_type(content: bytes) -> str | None:
    """The type of a document by its first bytes (None: not one allowed)."""
    for media_type, magic in DOCUMENT_TYPES.items():
        if content.startswith(magic):
            return media_type
    return None


@dataclass(frozen=True)
class Attachment:
    """A note or a document: its content, unless the person was erased."""

    attachment_id: str
    kind: str
    media_type: str
    size: int
    added_at: datetime
    added_by: str
    content: bytes | None

    @property
    def erased(self) -> bool:
        return self.content is None

    @property
    def text(self) -> str:
        return self.content.decode() if self.content is not None else ""


def _aad(attachment_id: str) -> bytes:
    return f"vatra-attachment:{attachment_id}".encode()


class CaseAttachments:
    """Keeps and reads the notes and documents of cases, sealed per person."""

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

    def _keyring(self) -> KeyRing:
        if self._keys is None:
            raise PersonalDataUnavailable(
                "VATRA_PERSONAL_DATA_KEY is not set: notes and documents cannot "
                "be stored or read"
            )
        return self._keys

    def keep(
        self,
        subject_ref: str,
        case_id: str,
        kind: str,
        media_type: str,
        content: bytes,
        *,
        actor_id: str,
    ) -> str:
        """Seal ``content`` with the person's key; return its new id."""
        keys = self._keyring()
        attachment_id = str(uuid.uuid4())
        now = self.clock.now()
        with self.pool.connection() as conn, conn.transaction():
            data_key = subject_key(conn, keys, subject_ref, now, create=True)
            assert data_key is not None
            conn.execute(
                "INSERT INTO case_attachments (attachment_id, subject_ref, case_id, "
                "kind, media_type, size, content, added_at, added_by) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                (
                    attachment_id,
                    subject_ref,
                    case_id,
                    kind,
                    media_type,
                    len(content),
                    seal(data_key, content, _aad(attachment_id)),
                    now,
                    actor_id,
                ),
            )
        return attachment_id

    def drop(self, attachment_id: str) -> None:
        """Forget a note or document whose adding could not be recorded."""
        with self.pool.connection() as conn:
            conn.execute(
                "DELETE FROM case_attachments WHERE attachment_id = %s",
                (attachment_id,),
            )

    def of_case(self, case_id: str, subject_ref: str) -> dict[str, Attachment]:
        """Every note and document of a case, by id; their content None
        once the person was erased."""
        keys = self._keyring()
        with self.pool.connection() as conn, conn.transaction():
            rows = conn.execute(
                "SELECT attachment_id, kind, media_type, size, added_at, added_by, "
                "content FROM case_attachments WHERE case_id = %s AND subject_ref = %s "
                "ORDER BY added_at",
                (case_id, subject_ref),
            ).fetchall()
            try:
                data_key = subject_key(
                    conn, keys, subject_ref, self.clock.now(), create=False
                )
            except SubjectErased:
                data_key = None
        return {str(row[0]): _attachment(row, data_key) for row in rows}


def _attachment(row: Any, data_key: bytes | None) -> Attachment:
    attachment_id = str(row[0])
    content = (
        open_sealed(data_key, bytes(row[6]), _aad(attachment_id))
        if data_key is not None
        else None
    )
    return Attachment(attachment_id, row[1], row[2], row[3], row[4], row[5], content)
