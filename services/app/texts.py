"""Typed text kept apart from the events: the writing side.

The case checks every field a person types against its rule
(``domain.fields``), then triggers its events with the text in them. Before
they are saved, ``keep_typed_text`` takes out the text of each field that
holds typed text (``domain.typed_text``), keeps it in the person's encrypted
store (``services.app.ports.TypedTexts``) with the same actor and correlation
id, and has the event record the field empty and its reference in
``text_refs``. If the store refuses, nothing is recorded. A text kept for a
step that is then not saved (another writer saved first) is referenced by
nothing; it goes with the person's key like the rest.

Without a store (no ``VATRA_PERSONAL_DATA_KEY``: a demo or a development
database; production mode refuses to start so) the text stays in the event,
as events recorded before it was kept apart hold it.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from domain.case import Case
from domain.events import CaseEvent, payload_of
from domain.stamp import Stamp
from domain.typed_text import Known, typed_fields
from services.app.errors import PersonalDataError
from services.app.ports import TypedTexts


def keep_typed_text(
    texts: TypedTexts | None,
    case: Case,
    stamp: Stamp,
    known: Known | None = None,
) -> None:
    """Move the typed text of ``case``'s pending events into ``texts``;
    ``known``: whether a value is an id of the running backbone (asked only
    about a field that would otherwise be kept apart)."""
    if texts is None:
        return
    pending: list[Any] = case.pending_events
    for index, event in enumerate(pending):
        if isinstance(event, CaseEvent):
            pending[index] = _kept_apart(texts, case, stamp, event, known)


def _kept_apart(
    texts: TypedTexts,
    case: Case,
    stamp: Stamp,
    event: CaseEvent,
    known: Known | None,
) -> CaseEvent:
    payload = payload_of(event)
    name = type(event).__name__
    corrected = ""
    if "corrected_version" in payload:
        entry = case.entries.get(int(payload["corrected_version"]))
        corrected = entry.type if entry is not None else ""
    fields = typed_fields(name, event.actor_role, payload, corrected, known)
    if not fields:
        return event
    values = [json.loads(payload[f]) if f == "value" else payload[f] for f in fields]
    try:
        refs = texts.keep(
            case.subject_ref,
            values,
            actor_id=stamp.actor_id,
            actor_role=stamp.actor_role,
            case_id=str(case.id),
            correlation_id=stamp.correlation_id,
        )
    except PersonalDataError as refused:
        raise type(refused)(f"{refused.message}; nothing was recorded") from None
    changes: dict[str, Any] = {
        f: json.dumps("") if f == "value" else "" for f in fields
    }
    changes["text_refs"] = dict(zip(fields, refs, strict=True))
    return dataclasses.replace(event, **changes)
