"""The names a rule file may use: case event types, their attributes, roles.

The loader checks rule files against these so that a typo (``Identifed``,
``authoritty``) is reported when the file is loaded, not discovered months
later as an obligation that never fires. The event types and their attributes
are read from the event classes of ``domain.events``, so a new event or field
can be named by a rule as soon as it exists. They are read when a rule file is
first checked, not on import: a command that reads obligations from the read
models (``vatra timeline`` given an unknown case) never loads the classes.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache

# Attributes of the case as a whole: a trigger condition on one of these that
# the trigger event does not carry is looked up in the case's Identified fact.
CASE_EVENT_TYPE = "Identified"

ROLES = frozenset(
    {
        "coordinator",
        "unit_supervisor",
        "referring_worker",
        "case_manager",
        "lawyer",
        "psychologist",
    }
)


@cache
def event_attributes() -> Mapping[str, frozenset[str]]:
    """Event type -> its attribute names."""
    from domain.events import EVENT_TYPES, payload_fields  # noqa: PLC0415

    return {
        name: frozenset(payload_fields(event_type))
        for name, event_type in EVENT_TYPES.items()
    }


def known_event_types() -> frozenset[str]:
    """The names of the case's event types."""
    return frozenset(event_attributes())


def attributes_of(event_type: str) -> frozenset[str] | None:
    """The attribute names of ``event_type``; ``None`` for an unknown type."""
    return event_attributes().get(event_type)
