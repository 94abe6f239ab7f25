"""Typed text of events recorded before it was kept apart, moved into the
person's encrypted store (``vatra move-texts``).

Events are immutable and hash-chained (``services.store.event_chain``): an
old event that holds a reason or an outcome inline keeps holding it, or its
chain would break. So moving copies the text: each such field's text is kept
in the person's store (``services.store.personal_texts``) under a new
reference, and the move is recorded in ``moved_texts`` (case, version,
field -> reference). Then the read models are scrubbed: the field is emptied
and its reference put in ``text_refs``, as for an event recorded since, and
the timeline's line is written again without it. Reads look the text up in
the store from then on, so erasing the person makes it "[erased]" on every
page, answer and export.

What remains: the old event itself, in the event store (encrypted at rest
when the event cipher is on, but with the cipher key, not the person's key,
so erasure does not reach it), and the old messages on Kafka until the
topic's retention drops them. The history and the export read events, and
show a moved field from the store too (``PersonalTexts.moved``). A person already erased
when the move runs gets a reference to nothing: the text reads "[erased]".

Moving again changes nothing (each field is moved once); a rebuild of the read
models from the events brings the inline text back into them, so
``vatra rebuild`` scrubs them again (``scrub_read_models``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from psycopg import Connection
from psycopg.types.json import Jsonb
from psycopg_pool import ConnectionPool

from domain.clock import Clock
from domain.events import CaseEvent, Identified, payload_of
from domain.typed_text import typed_fields
from projections.schema import run_ddl
from projections.summaries import line_of
from services.app.errors import SubjectErased
from services.store.personal_texts import PersonalTexts, new_text_ref

DDL = """
CREATE TABLE IF NOT EXISTS moved_texts (
    case_id uuid NOT NULL,
    version integer NOT NULL,
    field text NOT NULL,
    text_ref text NOT NULL,
    moved_at timestamptz NOT NULL,
    PRIMARY KEY (case_id, version, field)
)
"""
CORRELATION = "vatra-move-texts"


@dataclass(frozen=True)
class Moved:
    """What a move did: events with inline text, texts copied to the store
    now, and texts of people erased before (left unreadable)."""

    events: int
    texts: int
    erased: int


def create_table(pool: ConnectionPool) -> None:
    with pool.connection() as conn:
        run_ddl(conn, DDL)


def move_inline_texts(
    app: Application[UUID],
    pool: ConnectionPool,
    texts: PersonalTexts,
    clock: Clock,
    *,
    actor_id: str,
    actor_role: str,
    batch_size: int = 500,
) -> Moved:
    """Copy every inline typed text of the stored events into the store,
    record each move, then scrub the read models."""
    create_table(pool)
    subjects: dict[UUID, str] = {}
    entry_types: dict[tuple[UUID, int], str] = {}
    events = copied = erased = 0
    start = 0
    while notifications := app.recorder.select_notifications(
        start=start, limit=batch_size, inclusive_of_start=False
    ):
        start = notifications[-1].id
        for notification in notifications:
            event = app.mapper.to_domain_event(notification)
            if not isinstance(event, CaseEvent):
                continue
            case_id, version = event.originator_id, event.originator_version
            name = type(event).__name__
            entry_types[(case_id, version)] = name
            if isinstance(event, Identified):
                subjects[case_id] = event.subject_ref
            payload = payload_of(event)
            if payload.get("text_refs"):
                continue
            corrected = entry_types.get(
                (case_id, int(payload.get("corrected_version", 0))), ""
            )
            fields = typed_fields(name, event.actor_role, payload, corrected)
            if not fields:
                continue
            events += 1
            todo = [f for f in fields if f not in _moved_fields(pool, case_id, version)]
            if not todo:
                continue
            values = [
                json.loads(payload[f]) if f == "value" else payload[f] for f in todo
            ]
            try:
                refs = texts.keep(
                    subjects.get(case_id, ""),
                    values,
                    actor_id=actor_id,
                    actor_role=actor_role,
                    case_id=str(case_id),
                    correlation_id=CORRELATION,
                )
                copied += len(refs)
            except SubjectErased:
                # The person was erased: the text is theirs and is gone with
                # them; a reference to nothing reads as "[erased]".
                refs = [new_text_ref() for _ in todo]
                erased += len(refs)
            now = clock.now()
            with pool.connection() as conn, conn.cursor() as cur:
                cur.executemany(
                    "INSERT INTO moved_texts (case_id, version, field, text_ref, "
                    "moved_at) VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
                    [
                        (case_id, version, f, ref, now)
                        for f, ref in zip(todo, refs, strict=True)
                    ],
                )
    with pool.connection() as conn, conn.transaction():
        scrub_read_models(conn)
    return Moved(events, copied, erased)


def scrub_read_models(conn: Connection[Any]) -> int:
    """Empty every moved field in the read models (the timeline, its line,
    the SOP facts) and put its reference in ``text_refs``; how many rows
    changed."""
    if not _exists(conn):
        return 0
    rows = conn.execute(
        "SELECT case_id, version, jsonb_object_agg(field, text_ref) "
        "FROM moved_texts GROUP BY case_id, version"
    ).fetchall()
    changed = 0
    for case_id, version, refs in rows:
        timeline = conn.execute(
            "SELECT event_type, details FROM case_timeline "
            "WHERE case_id = %s AND version = %s",
            (case_id, version),
        ).fetchone()
        if timeline is not None:
            details = with_refs(timeline[1], refs)
            if details != timeline[1]:
                conn.execute(
                    "UPDATE case_timeline SET details = %s, summary = %s "
                    "WHERE case_id = %s AND version = %s",
                    (Jsonb(details), line_of(timeline[0], details), case_id, version),
                )
                changed += 1
        facts = conn.execute(
            "SELECT attributes FROM sop_case_facts WHERE case_id = %s AND version = %s",
            (case_id, version),
        ).fetchone()
        if facts is not None and with_refs(facts[0], refs) != facts[0]:
            conn.execute(
                "UPDATE sop_case_facts SET attributes = %s "
                "WHERE case_id = %s AND version = %s",
                (Jsonb(with_refs(facts[0], refs)), case_id, version),
            )
            changed += 1
    return changed


def with_refs(payload: Mapping[str, Any], refs: Mapping[str, str]) -> dict[str, Any]:
    """``payload`` with each field of ``refs`` emptied and referenced."""
    changed = dict(payload)
    for field in refs:
        changed[field] = json.dumps("") if field == "value" else ""
    changed["text_refs"] = {**dict(payload.get("text_refs") or {}), **refs}
    return changed


def _moved_fields(pool: ConnectionPool, case_id: UUID, version: int) -> set[str]:
    with pool.connection() as conn:
        return {
            field
            for (field,) in conn.execute(
                "SELECT field FROM moved_texts WHERE case_id = %s AND version = %s",
                (case_id, version),
            ).fetchall()
        }


def _exists(conn: Connection[Any]) -> bool:
    found = conn.execute("SELECT to_regclass('moved_texts') IS NOT NULL").fetchone()
    return bool(found and found[0])
