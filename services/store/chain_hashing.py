"""The chain's hashes and records (``services.store.event_chain`` writes them).

``ChainHasher`` computes a stored event's hash and the log's; ``chain_rows``
makes the chain records of events being inserted, from their notification
ids and the heads read inside the insert's transaction (``SELECT_HEADS``).
"""

from __future__ import annotations

import hashlib
import hmac
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import structlog
from eventsourcing.persistence import StoredEvent
from psycopg.rows import DictRow

from services.store.outbox import envelope_of

log = structlog.get_logger("vatra.chain")

# The first event of a case, and the first chain record of the log, link to this.
GENESIS = bytes(32)

# The length prefix of each part of a hashed message.
_LENGTH = struct.Struct(">Q").pack


class ChainHasher:
    """Computes chain hashes: HMAC-SHA256 with a key, plain SHA-256 without."""

    def __init__(self, key: str | None) -> None:
        self._key = key.encode() if key else None
        # Stored beside each record so that verifying with another key says so,
        # instead of calling every event altered. Never the key itself.
        self.key_id = (
            "hmac-sha256:"
            + hmac.new(self._key, b"vatra-chain-key-id", hashlib.sha256).hexdigest()[
                :16
            ]
            if self._key
            else "sha256"
        )

    def _digest(self, *parts: bytes) -> bytes:
        # Every part is length-prefixed: no two different inputs share bytes.
        message = b"".join([b for p in parts for b in (_LENGTH(len(p)), p)])
        if self._key is None:
            return hashlib.sha256(message).digest()
        # OpenSSL's one-shot HMAC: the same digest as hmac.new(...).digest().
        return hmac.digest(self._key, message, "sha256")

    def event_hash(
        self,
        prev_hash: bytes,
        originator_id: UUID,
        version: int,
        notification_id: int,
        topic: str,
        state: bytes,
        envelope: bytes | None = None,
    ) -> bytes:
        """The hash of one stored event, chained to the case's previous hash;
        of its stored envelope too, when it has one (``services.store.outbox``)."""
        parts = [
            prev_hash,
            originator_id.bytes,
            struct.pack(">q", version),
            struct.pack(">q", notification_id),
            topic.encode(),
            state,
        ]
        if envelope is None:
            return self._digest(b"vatra-chain-v1", *parts)
        return self._digest(b"vatra-chain-v2", *parts, envelope)

    def log_hash(self, prev_log_hash: bytes, event_hash: bytes) -> bytes:
        """The hash of the log: every event in the order it was recorded."""
        return self._digest(b"vatra-log-v1", prev_log_hash, event_hash)


@dataclass(frozen=True)
class ChainRecord:
    """One row of the chain table."""

    seq: int
    originator_id: UUID
    originator_version: int
    notification_id: int
    prev_hash: bytes
    hash: bytes
    log_hash: bytes
    key_id: str


def chain_rows(
    hasher: ChainHasher,
    stored_events: Sequence[StoredEvent],
    notification_ids: Sequence[int],
    heads: Sequence[DictRow],
) -> list[tuple[Any, ...]]:
    """The chain records of ``stored_events``, given the rows of
    ``SELECT_HEADS`` read inside the insert's transaction."""
    seq, log_hash, prev_hashes = heads_of(heads)
    rows: list[tuple[Any, ...]] = []
    for event, notification_id in zip(stored_events, notification_ids, strict=True):
        originator_id = uuid_of(event.originator_id)
        version = int(event.originator_version)
        prev_hash = prev_hashes.get((originator_id, version - 1))
        if prev_hash is None:
            prev_hash = GENESIS
            if version > 1:
                # Never block a caseworker's entry over this: the gap is
                # reported by ``vatra verify``.
                log.warning(
                    "chain_predecessor_missing",
                    case_id=str(originator_id),
                    version=version,
                )
        event_hash = hasher.event_hash(
            prev_hash,
            originator_id,
            version,
            notification_id,
            event.topic,
            event.state,
            envelope_of(event),
        )
        log_hash = hasher.log_hash(log_hash, event_hash)
        seq += 1
        prev_hashes[(originator_id, version)] = event_hash
        rows.append(
            (
                seq,
                originator_id,
                version,
                notification_id,
                prev_hash,
                event_hash,
                log_hash,
                hasher.key_id,
            )
        )
    return rows


def wanted(stored_events: Sequence[StoredEvent]) -> tuple[list[UUID], list[int]]:
    """The (case, version) whose hashes the events follow: ``SELECT_HEADS``'s
    two arrays."""
    later = [e for e in stored_events if e.originator_version > 1]
    return (
        [uuid_of(e.originator_id) for e in later],
        [int(e.originator_version) - 1 for e in later],
    )


def heads_of(
    rows: Sequence[DictRow],
) -> tuple[int, bytes, dict[tuple[UUID, int], bytes]]:
    """The log chain's last seq and hash, and the hashes the events follow,
    from the rows of ``SELECT_HEADS`` (the log head is the row without a case)."""
    seq, log_hash = 0, GENESIS
    prev_hashes: dict[tuple[UUID, int], bytes] = {}
    for row in rows:
        if row["originator_id"] is None:
            seq, log_hash = int(row["originator_version"]), bytes(row["hash"])
        else:
            key = (row["originator_id"], int(row["originator_version"]))
            prev_hashes[key] = bytes(row["hash"])
    return seq, log_hash, prev_hashes


def uuid_of(value: UUID | str) -> UUID:
    return value if isinstance(value, UUID) else UUID(str(value))
