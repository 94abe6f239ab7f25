"""Corrections as the pages show them: which part of which entry, from which
value to which, worded in the reader's language.

An ``EntryCorrected`` event names the entry, the field and the new value; the
old value is the entry's (or the last correction's before it), so it is
found by reading the case's entries in order. The words go into the event's
details for the timeline line (``wording.LINES``): the field's label, the old
and the new value as a person reads them (codes by their labels, times in
Europe/Tirane).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from domain.commands import every_command
from domain.fields import ENTRY_FIELDS
from services.api.form_texts import texts_of
from services.api.form_view import code_label
from services.api.i18n import Formats
from services.api.wording import Wording

# Entry type -> the command that records it.
RECORDED_BY: dict[str, str] = {
    command.declaration.records.__name__: name
    for name, command in every_command().items()
}


class Entry(Protocol):
    """An entry of a case as a page has it (a timeline step)."""

    version: int
    event_type: str
    occurred_at: datetime
    details: dict[str, Any]


def field_label(w: Wording, entry_type: str, field: str) -> str:
    """What a field of an entry is called, in the reader's language."""
    texts = texts_of(RECORDED_BY.get(entry_type, ""), field)
    return w.t.gettext(texts[0]) if texts else w.t.gettext("this entry")


def value_shown(
    w: Wording, formats: Formats, entry_type: str, field: str, value: Any
) -> str:
    """A value of an entry's field as a person reads it."""
    if field == "occurred_at":
        return formats.when(value)
    if isinstance(value, bool):
        return w.t.gettext("yes") if value else w.t.gettext("no")
    rule = ENTRY_FIELDS.get(entry_type, {}).get(field)
    if isinstance(value, list):
        return ", ".join(code_label(w, field, rule, str(v)) for v in value) or "-"
    return code_label(w, field, rule, str(value)) if value != "" else "-"


@dataclass
class _Event:
    version: int
    event_type: str
    occurred_at: datetime
    details: dict[str, Any]


def show_corrections_in_events(
    w: Wording, language: str, events: Iterable[dict[str, Any]]
) -> None:
    """``show_corrections`` for events as the history gives them (``version``,
    ``type``, ``occurred_at`` as ISO 8601 text, ``payload``)."""
    show_corrections(
        w,
        language,
        [
            _Event(
                int(e["version"]),
                str(e["type"]),
                datetime.fromisoformat(str(e["occurred_at"])),
                e["payload"],
            )
            for e in events
        ],
    )


def show_corrections(w: Wording, language: str, entries: Iterable[Entry]) -> None:
    """Put into each correction's details the words its timeline line needs:
    the field's label, the old value and the new one."""
    formats = Formats(language)
    known: dict[int, Entry] = {}
    current: dict[tuple[int, str], Any] = {}
    for entry in sorted(entries, key=lambda e: e.version):
        known[entry.version] = entry
        if entry.event_type != "EntryCorrected":
            continue
        details = entry.details
        target = known.get(int(details.get("corrected_version", 0)))
        field = str(details.get("field", ""))
        if target is None:
            continue
        old = current.get(
            (target.version, field),
            target.occurred_at
            if field == "occurred_at"
            else target.details.get(field, None),
        )
        new = json.loads(str(details.get("value", "null")))
        current[(target.version, field)] = new
        details["field_label"] = field_label(w, target.event_type, field)
        details["new_shown"] = value_shown(w, formats, target.event_type, field, new)
        if old is not None:
            details["old_shown"] = value_shown(
                w, formats, target.event_type, field, old
            )
