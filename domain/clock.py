"""Time, injected: every reading of "now" goes through a Clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

TIRANE = ZoneInfo("Europe/Tirane")


class Clock(Protocol):
    """Something that tells the current time as a timezone-aware UTC datetime."""

    def now(self) -> datetime: ...


class SystemClock:
    """The machine's clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class ControlledClock:
    """A clock that moves only when told to: tests and replays use it."""

    def __init__(self, start: datetime) -> None:
        self._now = as_utc(start)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> datetime:
        self._now += delta
        return self._now

    def set(self, moment: datetime) -> None:
        self._now = as_utc(moment)


def as_utc(moment: datetime) -> datetime:
    """The same instant in UTC; a naive datetime is refused, never guessed."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("a time without a time zone is ambiguous; add an offset")
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        # A local time at the very edge of the calendar (year 1 or 9999).
        raise ValueError("the time is outside the range of the calendar") from None


def local(moment: datetime) -> datetime:
    """The instant as shown to people in Albania (Europe/Tirane)."""
    return moment.astimezone(TIRANE)
