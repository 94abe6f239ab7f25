"""Loading generated cases by COPY: millions of events in minutes.

Each case is built on the aggregate (``bench.generator.build_case``), its
events encoded by the application's own mapper (transcoding, compression,
cipher as configured, the Kafka envelope beside each) and chained by its
recorder's hasher, exactly as a save would store them; then the rows go into
the events table and its chain table by ``COPY`` instead of one INSERT
pipeline per save, with the notification ids given in the order written (the
sequence moved past them at the end). The store is the one a save would
leave, faster: ``vatra verify`` walks it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any
from uuid import UUID

import psycopg
from psycopg import sql

from bench.generator import Script, build_case
from services.store.database import Database
from services.store.event_chain import GENESIS
from services.store.outbox import envelope_of

# Cases written per COPY (and per transaction).
CHUNK = 2000


def copy_load(
    db: Database,
    plan: Iterable[Script],
    app: Any,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Store every script's events in ``db`` by COPY; return how many.
    ``progress(cases)`` is told how many cases are stored after each COPY."""
    recorder = app.recorder
    hasher = recorder.hasher
    schema = recorder.datastore.schema
    events = sql.Identifier(schema, recorder.events_table_name)
    chain = sql.Identifier(schema, recorder.chain_table_name)
    total = 0
    cases = 0
    with (
        psycopg.connect(db.conninfo()) as conn,
        psycopg.connect(db.conninfo()) as chain_conn,
    ):
        conn.execute(sql.SQL("LOCK TABLE {} IN EXCLUSIVE MODE").format(events))
        top = conn.execute(
            sql.SQL("SELECT COALESCE(max(notification_id), 0) FROM {}").format(events)
        ).fetchone()
        head = chain_conn.execute(
            sql.SQL("SELECT seq, log_hash FROM {} ORDER BY seq DESC LIMIT 1").format(
                chain
            )
        ).fetchone()
        notification_id = int(top[0]) if top else 0
        seq, log_hash = (int(head[0]), bytes(head[1])) if head else (0, GENESIS)
        chunk: list[Script] = []
        copy_events = sql.SQL(
            "COPY {} (originator_id, originator_version, topic, state, "
            "envelope, notification_id) FROM STDIN"
        ).format(events)
        copy_chain = sql.SQL(
            "COPY {} (seq, originator_id, originator_version, notification_id, "
            "prev_hash, hash, log_hash, key_id) FROM STDIN"
        ).format(chain)

        def flush() -> None:
            nonlocal notification_id, seq, log_hash, total, cases
            with (
                conn.cursor().copy(copy_events) as rows,
                chain_conn.cursor().copy(copy_chain) as links,
            ):
                for script in chunk:
                    prev = GENESIS
                    for event in build_case(script).collect_events():
                        stored = app.mapper.to_stored_event(event)
                        notification_id += 1
                        seq += 1
                        case_id = UUID(str(stored.originator_id))
                        version = int(stored.originator_version)
                        rows.write_row(
                            (
                                case_id,
                                version,
                                stored.topic,
                                stored.state,
                                envelope_of(stored),
                                notification_id,
                            )
                        )
                        event_hash = hasher.event_hash(
                            prev,
                            case_id,
                            version,
                            notification_id,
                            stored.topic,
                            stored.state,
                            envelope_of(stored),
                        )
                        log_hash = hasher.log_hash(log_hash, event_hash)
                        links.write_row(
                            (
                                seq,
                                case_id,
                                version,
                                notification_id,
                                prev,
                                event_hash,
                                log_hash,
                                hasher.key_id,
                            )
                        )
                        prev = event_hash
                        total += 1
            cases += len(chunk)
            chunk.clear()
            if progress:
                progress(cases)

        for script in plan:
            chunk.append(script)
            if len(chunk) == CHUNK:
                flush()
        if chunk:
            flush()
        sequence = conn.execute(
            "SELECT pg_get_serial_sequence(%s, 'notification_id')",
            (f"{schema}.{recorder.events_table_name}",),
        ).fetchone()
        if sequence and sequence[0]:
            conn.execute("SELECT setval(%s, %s)", (sequence[0], notification_id))
        chain_conn.commit()
        conn.commit()
    return total
