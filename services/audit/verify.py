"""``vatra verify``: walk every case's event chain and report any tampering.

Reads the events table and its chain table (``services.store.event_chain``) in one
repeatable-read snapshot and reports, naming the case and the version:

- **altered**: a stored event no longer hashes to what was recorded;
- **removed**: a version is missing, or a chain record names an event that is
  gone; a gap in the log's sequence (a case's last event deleted together with
  its chain record);
- **reordered**: an event moved to another version;
- **inserted**: an event with no chain record (written straight into the
  database, or its chain record was deleted);
- **chain**: a chain record that does not follow its predecessor;
- **key**: chain records written with another key than the one verifying.

The newest chain record (the log head) is reported too: writing it down
somewhere else (a signed report, a ticket) lets a later run also show that
nothing was cut from the very end.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from psycopg import Connection, IsolationLevel
from psycopg.rows import dict_row
from psycopg.sql import SQL, Composed, Identifier
from psycopg_pool import ConnectionPool

from services.render import table
from services.store.event_chain import GENESIS, ChainHasher, ChainRecord, chain_table


@dataclass(frozen=True)
class StoredRow:
    """One row of the events table, as stored."""

    version: int
    notification_id: int
    topic: str
    state: bytes
    envelope: bytes | None = None  # the stored Kafka envelope, if any


@dataclass(frozen=True)
class Finding:
    """One thing found wrong; ``case_id`` and ``version`` say where, if known."""

    kind: str
    case_id: UUID | None
    version: int | None
    detail: str


@dataclass
class VerifyReport:
    """What ``verify_chain`` found."""

    cases: int = 0
    events: int = 0
    findings: list[Finding] = field(default_factory=list)
    head_seq: int = 0
    head_hash: str = ""

    @property
    def ok(self) -> bool:
        return not self.findings


def verify_chain(
    pool: ConnectionPool,
    events_table: str,
    hasher: ChainHasher,
    *,
    progress: Callable[[int, int], None] | None = None,
    batch_size: int = 500,
) -> VerifyReport:
    """Verify every case's chain and the log chain; ``progress(cases, total)``."""
    report = VerifyReport()
    with pool.connection() as conn:
        conn.isolation_level = IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        try:
            with conn.transaction():
                _check_keys(conn, events_table, hasher, report)
                _check_log(conn, events_table, hasher, report)
                _check_cases(conn, events_table, hasher, report, progress, batch_size)
        finally:
            conn.isolation_level = None
            conn.read_only = None
    return report


def check_case(
    case_id: UUID,
    events: Sequence[StoredRow],
    chain: Sequence[ChainRecord],
    hasher: ChainHasher,
) -> list[Finding]:
    """What is wrong with one case's events against its chain records."""
    by_version = {e.version: e for e in events}
    links = {c.originator_version: c for c in chain}
    by_position = {c.notification_id: c for c in chain}
    last = max([*by_version, *links], default=0)
    findings: list[Finding] = []

    def found(kind: str, version: int, detail: str) -> None:
        findings.append(Finding(kind, case_id, version, detail))

    for version in range(1, last + 1):
        event, link = by_version.get(version), links.get(version)
        if event is None:
            found(
                "removed",
                version,
                "the event and its chain record are gone"
                if link is None
                else f"the event (position {link.notification_id}) was deleted; "
                "its chain record remains",
            )
        elif link is None or not _matches(hasher, case_id, link, event, version):
            moved = by_position.get(event.notification_id)
            if (
                moved is not None
                and moved.originator_version != version
                and _matches(hasher, case_id, moved, event, moved.originator_version)
            ):
                found(
                    "reordered",
                    version,
                    f"the event recorded as version {moved.originator_version} "
                    f"(position {event.notification_id}) now stands at {version}",
                )
            elif link is None:
                found(
                    "inserted",
                    version,
                    f"no chain record for the event at position "
                    f"{event.notification_id}: written straight into the database, "
                    "or its chain record was deleted",
                )
            elif link.key_id == hasher.key_id:
                found(
                    "altered",
                    version,
                    f"the stored event (position {event.notification_id}) differs "
                    "from what was recorded",
                )
        if link is not None and link.key_id == hasher.key_id:
            before = GENESIS if version == 1 else _hash_of(links.get(version - 1))
            if before is not None and link.prev_hash != before:
                found(
                    "chain",
                    version,
                    "its chain record does not follow the previous version's: "
                    "a chain record was altered",
                )
    return findings


def case_chain(
    conn: Connection[Any], events_table: str, case_id: UUID
) -> tuple[list[StoredRow], list[ChainRecord]]:
    """One case's stored events and chain records, by version."""
    stored = [
        StoredRow(int(r[0]), int(r[1]), r[2] or "", bytes(r[3] or b""), _bytes(r[4]))
        for r in conn.execute(
            SQL(
                "SELECT originator_version, notification_id, topic, state, envelope "
                "FROM {} "
                "WHERE originator_id = %s ORDER BY originator_version"
            ).format(Identifier(events_table)),
            (case_id,),
        )
    ]
    links = [
        _chain_record(r)
        for r in conn.execute(
            SQL(
                "SELECT seq, originator_id, originator_version, notification_id, "
                "prev_hash, hash, log_hash, key_id FROM {} "
                "WHERE originator_id = %s ORDER BY originator_version"
            ).format(Identifier(chain_table(events_table))),
            (case_id,),
        )
    ]
    return stored, links


def _chain_record(row: Sequence[Any]) -> ChainRecord:
    return ChainRecord(
        int(row[0]),
        row[1],
        int(row[2]),
        int(row[3]),
        bytes(row[4]),
        bytes(row[5]),
        bytes(row[6]),
        row[7],
    )


def _matches(
    hasher: ChainHasher,
    case_id: UUID,
    link: ChainRecord,
    event: StoredRow,
    version: int,
) -> bool:
    if link.key_id != hasher.key_id:
        return True  # cannot judge with this key: reported once as "key"
    expected = hasher.event_hash(
        link.prev_hash,
        case_id,
        version,
        event.notification_id,
        event.topic,
        event.state,
        event.envelope,
    )
    return expected == link.hash


def _bytes(value: Any) -> bytes | None:
    return None if value is None else bytes(value)


def _hash_of(link: ChainRecord | None) -> bytes | None:
    return None if link is None else link.hash


def _check_keys(
    conn: Connection[Any], events_table: str, hasher: ChainHasher, report: VerifyReport
) -> None:
    rows = conn.execute(
        SQL("SELECT key_id, count(*) FROM {} GROUP BY key_id ORDER BY key_id").format(
            Identifier(chain_table(events_table))
        )
    ).fetchall()
    for key_id, count in rows:
        if key_id != hasher.key_id:
            report.findings.append(
                Finding(
                    "key",
                    None,
                    None,
                    f"{count} chain records were written with key {key_id}, "
                    f"verifying with {hasher.key_id}: set the VATRA_CHAIN_KEY they "
                    "were written with (their hashes are not judged)",
                )
            )


def _check_log(
    conn: Connection[Any], events_table: str, hasher: ChainHasher, report: VerifyReport
) -> None:
    """The log chain: gapless sequence, each log hash over the one before."""
    expected_seq, log_hash = 1, GENESIS
    with conn.cursor(name="vatra_verify_log", row_factory=dict_row) as cur:
        cur.itersize = 5000
        cur.execute(
            SQL(
                "SELECT seq, originator_id, originator_version, hash, log_hash, key_id "
                "FROM {} ORDER BY seq"
            ).format(Identifier(chain_table(events_table)))
        )
        for row in cur:
            seq = int(row["seq"])
            if seq != expected_seq:
                gone = f"{expected_seq}" + (
                    f" to {seq - 1}" if seq - 1 > expected_seq else ""
                )
                report.findings.append(
                    Finding(
                        "removed",
                        None,
                        None,
                        f"log chain records {gone} are gone, with the events they "
                        "recorded (a case's newest events deleted)",
                    )
                )
            elif row["key_id"] == hasher.key_id and bytes(
                row["log_hash"]
            ) != hasher.log_hash(log_hash, bytes(row["hash"])):
                report.findings.append(
                    Finding(
                        "chain",
                        row["originator_id"],
                        int(row["originator_version"]),
                        f"the log chain breaks at record {seq}: this chain record "
                        "or the one before it was altered",
                    )
                )
            expected_seq, log_hash = seq + 1, bytes(row["log_hash"])
            report.head_seq, report.head_hash = seq, log_hash.hex()


def _check_cases(
    conn: Connection[Any],
    events_table: str,
    hasher: ChainHasher,
    report: VerifyReport,
    progress: Callable[[int, int], None] | None,
    batch_size: int,
) -> None:
    events, chain = Identifier(events_table), Identifier(chain_table(events_table))
    ids = SQL("SELECT originator_id FROM {} UNION SELECT originator_id FROM {}").format(
        events, chain
    )
    total_row = conn.execute(SQL("SELECT count(*) FROM ({}) AS ids").format(ids))
    total = int(total_row.fetchone()[0])  # type: ignore[index]
    for batch in _case_batches(conn, ids, batch_size):
        stored: dict[UUID, list[StoredRow]] = defaultdict(list)
        for row in conn.execute(
            SQL(
                "SELECT originator_id, originator_version, notification_id, topic, "
                "state, envelope FROM {} WHERE originator_id = ANY(%s)"
            ).format(events),
            (batch,),
        ):
            stored[row[0]].append(
                StoredRow(
                    int(row[1]),
                    int(row[2]),
                    row[3] or "",
                    bytes(row[4] or b""),
                    _bytes(row[5]),
                )
            )
        links: dict[UUID, list[ChainRecord]] = defaultdict(list)
        for row in conn.execute(
            SQL(
                "SELECT seq, originator_id, originator_version, notification_id, "
                "prev_hash, hash, log_hash, key_id FROM {} "
                "WHERE originator_id = ANY(%s)"
            ).format(chain),
            (batch,),
        ):
            links[row[1]].append(_chain_record(row))
        for case_id in batch:
            report.findings += check_case(
                case_id, stored[case_id], links[case_id], hasher
            )
            report.events += len(stored[case_id])
        report.cases += len(batch)
        if progress:
            progress(report.cases, total)
    if progress and total == 0:
        progress(0, 0)


def _case_batches(
    conn: Connection[Any], ids: Composed, size: int
) -> Iterator[list[UUID]]:
    # A server-side cursor: the case ids are sorted once, read a batch at a time.
    with conn.cursor(name="vatra_verify_cases") as cur:
        cur.execute(SQL("SELECT originator_id FROM ({}) AS ids ORDER BY 1").format(ids))
        while batch := [row[0] for row in cur.fetchmany(size)]:
            yield batch


def verify_report(report: VerifyReport) -> str:
    """The report as people read it."""
    head = (
        f"log head: record {report.head_seq}, hash {report.head_hash}"
        if report.head_seq
        else "log head: no chain records yet"
    )
    summary = f"Verified {report.events:,} events in {report.cases:,} cases."
    if report.ok:
        return f"{summary} Every chain is intact.\n{head}"
    rows = [
        (
            str(f.case_id) if f.case_id else "-",
            f.version if f.version is not None else "-",
            f.kind,
            f.detail,
        )
        for f in report.findings
    ]
    return (
        f"{summary} {len(report.findings)} problems found:\n\n"
        f"{table(['case', 'version', 'what', 'detail'], rows)}\n\n{head}"
    )
