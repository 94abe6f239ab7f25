"""Plain values read as case ids and moments, or refused with ``InvalidInput``.

Apart from ``services.app.plain`` so that a command which only reads (``vatra
timeline``) checks its arguments without loading the case and its events.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from services.app.errors import InvalidInput


def parse_case_id(value: str | UUID) -> UUID:
    if isinstance(value, UUID):
        return value
    try:
        return UUID(value)
    except (ValueError, AttributeError, TypeError):
        raise InvalidInput(
            f"case_id {value!r} is not a valid case id (a UUID)"
        ) from None


def parse_moment(name: str, value: str | datetime) -> datetime:
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(value)
        except (ValueError, TypeError):
            raise InvalidInput(
                f"{name} {value!r} is not a date and time (ISO 8601, e.g. "
                "2026-03-01T14:30:00+01:00)"
            ) from None
    if moment.tzinfo is None:
        raise InvalidInput(f"{name} needs a time zone offset, e.g. +01:00 or Z")
    return moment
