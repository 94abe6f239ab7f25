"""Typed text kept apart from the events: the reading side.

The read models hold, for an entry with typed text, the field empty and its
reference in ``text_refs`` (``services.app.texts``). Whoever shows an entry
(the timeline page, the API, the command line) calls ``reveal`` on its
details: each field named in ``text_refs`` gets its text, looked up at read
time for a reader allowed to see the person's data (the store records the
read in the access log), ``erased`` once the person's data was erased, or
``withheld`` for a reader who may not see it. A correction's ``value`` stays
JSON text, as the read models hold it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any

from services.app.errors import PersonalDataError
from services.app.ports import TypedTexts

ERASED = "[erased]"
WITHHELD = "[withheld]"


@dataclass(frozen=True)
class Reader:
    """Who reads, and why: what the access log records."""

    actor_id: str
    actor_role: str
    correlation_id: str


def reveal(
    texts: TypedTexts | None,
    subject_ref: str,
    case_id: str,
    entries: Iterable[MutableMapping[str, Any]],
    reader: Reader | None,
    *,
    erased: str = ERASED,
    withheld: str = WITHHELD,
) -> bool:
    """Put the text of every reference in ``entries`` (each an entry's
    details) in place of its empty field; True if any entry had references.

    ``reader`` None: nobody who may see the person's data, so ``withheld``.
    One read of the store for all the entries.
    """
    holding = [entry for entry in entries if entry.get("text_refs")]
    if not holding:
        return False
    refs = [ref for entry in holding for ref in entry["text_refs"].values()]
    found = _read(texts, subject_ref, case_id, refs, reader)
    for entry in holding:
        for field, ref in entry["text_refs"].items():
            text = found.get(ref) if found is not None else withheld
            shown = erased if text is None else text
            entry[field] = json.dumps(shown) if field == "value" else shown
    return True


def _read(
    texts: TypedTexts | None,
    subject_ref: str,
    case_id: str,
    refs: list[str],
    reader: Reader | None,
) -> dict[str, str | None] | None:
    """The texts by reference; None if the reader may not see them."""
    if texts is None or reader is None or not texts.may_read(reader.actor_role):
        return None
    try:
        return dict(
            texts.read(
                subject_ref,
                refs,
                actor_id=reader.actor_id,
                actor_role=reader.actor_role,
                case_id=case_id,
                correlation_id=reader.correlation_id,
            )
        )
    except PersonalDataError:
        # No key configured, or the role was refused after all: nothing shown.
        return None


def reveal_events(
    texts: TypedTexts | None,
    subject_ref: str,
    case_id: str,
    events: Iterable[Mapping[str, Any]],
    reader: Reader | None,
    *,
    erased: str = ERASED,
    withheld: str = WITHHELD,
) -> None:
    """``reveal`` for events read from the event store (each with its
    ``version`` and ``payload``): the text of an old event that was moved to
    the store (``vatra move-texts``) is read there too, never from the event,
    so it is erased with the person."""
    events = list(events)
    moved = texts.moved(case_id) if texts is not None else {}
    for event in events:
        refs = moved.get(int(event["version"]))
        if refs:
            payload = event["payload"]
            for field in refs:
                payload[field] = json.dumps("") if field == "value" else ""
            payload["text_refs"] = {**dict(payload.get("text_refs") or {}), **refs}
    reveal(
        texts,
        subject_ref,
        case_id,
        [event["payload"] for event in events],
        reader,
        erased=erased,
        withheld=withheld,
    )


def revealer(
    texts: TypedTexts | None, subject_ref: str, case_id: str, reader: Reader | None
) -> Callable[[list[dict[str, Any]]], object]:
    """``reveal`` for one case and reader, to hand to whoever shows entries
    (``services.cli.reports.timeline_report``)."""
    return lambda entries: reveal(texts, subject_ref, case_id, entries, reader)
