"""The steps a case offers someone now, as plain values.

Read from the case's state by the command table's own predicates and choice
functions (``domain.offering``), so the pages, the API and any other client
offer the same steps with the same choices. Who may record a command at all
(role, region) is the policy's business (``services.api.policy``); this says
what the case allows.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from domain.case import Case
from domain.case_corrections import correctable_fields
from domain.commands import COMMANDS
from domain.offering import Option, Situation, correctable_entries


def offers_of(
    case: Case, *, role: str, unit: str | None, awaited: Collection[str]
) -> dict[str, Any]:
    """What ``case`` offers someone of ``role`` (and ``unit``), given the event
    types its unmet SOP obligations wait for (``awaited``):

    - ``version``: the case version the offer was read at;
    - ``offered``: command name -> ``choices`` (field -> the values allowed,
      each ``{"value", "about"}``) and ``made`` (field -> the value the
      backbone makes), for every command sent over HTTP that makes sense now;
    - ``entries``: the entries someone of ``role`` may correct, newest first,
      each with its type, time and the current value of each correctable field.
    """
    situation = Situation(case, role, unit, frozenset(awaited))
    offered: dict[str, Any] = {}
    for name, command in COMMANDS.items():
        declaration = command.declaration
        if declaration.path is None or not declaration.offered(situation):
            continue
        offered[name] = {
            "choices": {
                field: [_plain(option) for option in of(situation)]
                for field, of in command.choices().items()
            },
            "made": {field: by(situation) for field, by in command.made().items()},
        }
    return {
        "case_id": str(case.id),
        "version": case.version,
        "offered": offered,
        "entries": [_entry(case, option) for option in correctable_entries(situation)],
    }


def _plain(option: Option) -> dict[str, Any]:
    return {"value": option.value, "about": dict(option.about)}


def _entry(case: Case, option: Option) -> dict[str, Any]:
    version = int(option.value)
    entry = case.entries[version]
    values: dict[str, Any] = {}
    for name in correctable_fields(entry):
        value = entry.occurred_at if name == "occurred_at" else entry.payload[name]
        values[name] = value.isoformat() if isinstance(value, datetime) else value
    # The fields whose typed text is kept apart: their references.
    refs = {
        name: ref
        for name, ref in dict(entry.payload.get("text_refs") or {}).items()
        if name in values
    }
    return {"version": version, "type": entry.type, "fields": values, "text_refs": refs}
