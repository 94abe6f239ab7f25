"""The chain hashes and the per-case check, without a database."""

from __future__ import annotations

from uuid import UUID

from services.audit.verify import StoredRow, check_case
from services.store.event_chain import GENESIS, ChainHasher, ChainRecord

CASE = UUID("6b0f8a4e-5d0c-4a8e-9c1e-3f2b7d9a1c55")


def chain_of(hasher: ChainHasher, rows: list[StoredRow]) -> list[ChainRecord]:
    records, prev = [], GENESIS
    for seq, row in enumerate(rows, start=1):
        digest = hasher.event_hash(
            prev, CASE, row.version, row.notification_id, row.topic, row.state
        )
        records.append(
            ChainRecord(
                seq,
                CASE,
                row.version,
                row.notification_id,
                prev,
                digest,
                b"",
                hasher.key_id,
            )
        )
        prev = digest
    return records


def rows(n: int) -> list[StoredRow]:
    return [
        StoredRow(v, 100 + v, "domain.events:X", b'{"v": %d}' % v)
        for v in range(1, n + 1)
    ]


def test_a_keyed_chain_differs_from_an_unkeyed_one_and_names_its_key_not_the_key() -> (
    None
):
    keyed, plain = ChainHasher("k" * 40), ChainHasher(None)
    args = (GENESIS, CASE, 1, 1, "t", b"s")
    assert keyed.event_hash(*args) != plain.event_hash(*args)
    assert keyed.event_hash(*args) != ChainHasher("j" * 40).event_hash(*args)
    assert plain.key_id == "sha256"
    assert keyed.key_id.startswith("hmac-sha256:")
    assert "k" * 8 not in keyed.key_id


def test_moving_bytes_between_topic_and_state_changes_the_hash() -> None:
    hasher = ChainHasher(None)
    assert hasher.event_hash(GENESIS, CASE, 1, 1, "ab", b"c") != hasher.event_hash(
        GENESIS, CASE, 1, 1, "a", b"bc"
    )


def test_an_intact_case_has_no_findings() -> None:
    hasher = ChainHasher(None)
    stored = rows(4)
    assert check_case(CASE, stored, chain_of(hasher, stored), hasher) == []


def test_each_kind_of_tampering_is_named_at_its_version() -> None:
    hasher = ChainHasher(None)
    stored = rows(5)
    chain = chain_of(hasher, stored)
    altered = StoredRow(2, 102, "domain.events:X", b'{"v": 99}')
    # Versions 3 and 4 swapped: each row keeps its position and content.
    swapped = [
        StoredRow(3, stored[3].notification_id, stored[3].topic, stored[3].state),
        StoredRow(4, stored[2].notification_id, stored[2].topic, stored[2].state),
    ]
    tampered = [stored[0], altered, *swapped]
    tampered.append(StoredRow(6, 200, "domain.events:X", b"{}"))  # 5 gone, 6 forged
    found = [(f.kind, f.version) for f in check_case(CASE, tampered, chain, hasher)]
    assert found == [
        ("altered", 2),
        ("reordered", 3),
        ("reordered", 4),
        ("removed", 5),
        ("inserted", 6),
    ]
