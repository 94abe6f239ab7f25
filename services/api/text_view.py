"""The text people typed, put back into the entries a page or the API shows.

The read models hold references only (``services.app.text_reading``): the
timeline page and ``GET /api/cases/{id}/timeline`` look the texts up at read
time, for the viewer, each read recorded in the access log by the store.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from psycopg import Connection

from projections.summaries import line_of
from projections.timeline import timeline, timeline_json
from services.api.context import ApiContext
from services.api.labels import N_
from services.api.policy import Principal
from services.app.text_reading import Reader, reveal, reveal_events

# What shows in place of a text erased with the person's data, or one the
# viewer's role may not see.
ERASED = N_("[erased]")
WITHHELD = N_("[withheld]")


def show_texts(
    ctx: ApiContext,
    viewer: Principal,
    case: Mapping[str, Any],
    rows: Sequence[Mapping[str, Any]],
    correlation_id: str,
    gettext: Any,
) -> None:
    """Put the texts of ``rows`` (timeline rows) in place for a page, in its
    language (``gettext``)."""
    reveal(
        ctx.service.texts,
        str(case["subject_ref"]),
        str(case["case_id"]),
        [row["details"] for row in rows],
        Reader(viewer.user_id, viewer.role, correlation_id),
        erased=gettext(ERASED),
        withheld=gettext(WITHHELD),
    )


def show_event_texts(
    ctx: ApiContext,
    viewer: Principal,
    case: Mapping[str, Any],
    events: Sequence[Mapping[str, Any]],
    correlation_id: str,
    gettext: Any,
) -> None:
    """The same for events read from the event store (a history)."""
    reveal_events(
        ctx.service.texts,
        str(case["subject_ref"]),
        str(case["case_id"]),
        events,
        Reader(viewer.user_id, viewer.role, correlation_id),
        erased=gettext(ERASED),
        withheld=gettext(WITHHELD),
    )


def show_entry_texts(
    ctx: ApiContext,
    viewer: Principal,
    case: Mapping[str, Any],
    entries: Sequence[Mapping[str, Any]],
    correlation_id: str,
    gettext: Any,
) -> None:
    """The same for the entries a correction form offers (each with its
    ``fields`` and their ``text_refs``): the text a worker is correcting."""
    holding = [
        {**entry["fields"], "text_refs": entry["text_refs"]}
        for entry in entries
        if entry.get("text_refs")
    ]
    show_texts(
        ctx, viewer, case, [{"details": h} for h in holding], correlation_id, gettext
    )
    for entry, shown in zip(
        [e for e in entries if e.get("text_refs")], holding, strict=True
    ):
        for field in entry["text_refs"]:
            entry["fields"][field] = shown[field]


def timeline_answer(
    ctx: ApiContext,
    conn: Connection[Any],
    viewer: Principal,
    case: Mapping[str, Any],
    correlation_id: str,
) -> bytes:
    """The API's timeline of ``case`` as JSON: joined by PostgreSQL when no
    entry holds a text reference, else built here with the texts in place
    (and each such entry's summary written from them)."""
    case_id = UUID(str(case["case_id"]))
    if not _has_refs(conn, case_id):
        return timeline_json(conn, case_id)
    rows = timeline(conn, case_id)
    reveal(
        ctx.service.texts,
        str(case["subject_ref"]),
        str(case_id),
        [row["details"] for row in rows],
        Reader(viewer.user_id, viewer.role, correlation_id),
    )
    return json.dumps([_entry(row) for row in rows], ensure_ascii=False).encode()


def _has_refs(conn: Connection[Any], case_id: UUID) -> bool:
    found = conn.execute(
        "SELECT EXISTS (SELECT 1 FROM case_timeline WHERE case_id = %s "
        "AND details->'text_refs' <> '{}'::jsonb)",
        (case_id,),
    ).fetchone()
    return bool(found and found[0])


def _entry(row: Mapping[str, Any]) -> dict[str, Any]:
    details = dict(row["details"])
    return {
        "version": row["version"],
        "event_type": row["event_type"],
        "occurred_at": _utc(row["occurred_at"]),
        "recorded_at": _utc(row["recorded_at"]),
        "actor_id": row["actor_id"],
        "actor_role": row["actor_role"],
        "correlation_id": row["correlation_id"],
        "summary": line_of(row["event_type"], details)
        if details.get("text_refs")
        else row["summary"],
        "details": details,
    }


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
