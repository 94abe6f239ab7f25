"""Load a ``WorkingCalendar`` from its TOML file (``deploy/sop/calendar.toml``).

The format::

    time_zone = "Europe/Tirane"
    weekend = ["saturday", "sunday"]
    observe_weekend_holidays_on_next_working_day = true   # default true

    [[fixed]]                 # same day every year
    name = "Independence Day"
    month = 11
    day = 28

    [[easter]]                # relative to Easter Sunday
    name = "Orthodox Easter Monday"
    tradition = "orthodox"    # or "catholic"
    offset_days = 1
    observe_if_weekend = true # optional on every holiday kind but [[extra]]

    [[lunar]]                 # listed dates
    name = "Eid al-Fitr"
    dates = [2026-03-20, 2027-03-09]

    [[extra]]                 # a one-off day off decreed by the government
    name = "Day off"
    date = 2024-03-15
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from domain.sop.calendar import WorkingCalendar
from domain.sop.errors import CalendarFileError
from domain.sop.holidays import (
    EasterHoliday,
    EasterTradition,
    ExtraDayOff,
    FixedHoliday,
    HolidayRule,
    LunarHoliday,
)

WEEKDAYS = (
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
)
T = TypeVar("T")

_TOP_KEYS = {
    "time_zone",
    "weekend",
    "observe_weekend_holidays_on_next_working_day",
    "fixed",
    "easter",
    "lunar",
    "extra",
}
_ENTRY_KEYS = {
    "fixed": {"name", "month", "day", "observe_if_weekend"},
    "easter": {"name", "tradition", "offset_days", "observe_if_weekend"},
    "lunar": {"name", "dates", "observe_if_weekend"},
    "extra": {"name", "date"},
}


def load_calendar(path: Path | str) -> WorkingCalendar:
    """Read and validate a calendar file.

    Raises ``CalendarFileError`` naming the file, the entry and the problem.
    """
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise CalendarFileError(f"{path.name}: cannot read: {exc}") from exc
    try:
        return parse_calendar(data)
    except CalendarFileError as exc:
        raise CalendarFileError(f"{path.name}: {exc}") from exc


def parse_calendar(data: Mapping[str, object]) -> WorkingCalendar:
    """Build a calendar from an already-parsed TOML document."""
    _no_unknown_keys("the file", data, _TOP_KEYS)
    zone_name = _typed(data, "time_zone", str, "the file", default="Europe/Tirane")
    try:
        zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise CalendarFileError(f"unknown time_zone {zone_name!r}") from exc
    weekend_names = _typed(
        data, "weekend", list, "the file", default=["saturday", "sunday"]
    )
    weekend = []
    for name in weekend_names:
        if name not in WEEKDAYS:
            raise CalendarFileError(
                f"unknown weekend day {name!r} (expected one of {', '.join(WEEKDAYS)})"
            )
        weekend.append(WEEKDAYS.index(name))
    observe = _typed(
        data,
        "observe_weekend_holidays_on_next_working_day",
        bool,
        "the file",
        default=True,
    )
    rules: list[HolidayRule] = []
    for section in ("fixed", "easter", "lunar", "extra"):
        entries = _typed(data, section, list, "the file", default=[])
        for index, entry in enumerate(entries, start=1):
            where = f"[[{section}]] #{index}"
            if not isinstance(entry, dict):
                raise CalendarFileError(f"{where}: must be a table")
            _no_unknown_keys(where, entry, _ENTRY_KEYS[section])
            rules.append(_holiday(section, entry, where))
    try:
        return WorkingCalendar(
            rules, time_zone=zone, weekend=weekend, observe_weekend_holidays=observe
        )
    except ValueError as exc:
        raise CalendarFileError(str(exc)) from exc


def _holiday(section: str, entry: Mapping[str, object], where: str) -> HolidayRule:
    name = _typed(entry, "name", str, where)
    where = f"{where} ({name!r})"
    observe = _typed(entry, "observe_if_weekend", bool, where, default=True)
    if section == "fixed":
        month = _typed(entry, "month", int, where)
        day = _typed(entry, "day", int, where)
        try:
            return FixedHoliday(name, month, day, observe)
        except ValueError as exc:
            raise CalendarFileError(f"{where}: no such date {month}-{day}") from exc
    if section == "easter":
        tradition = _typed(entry, "tradition", str, where)
        if tradition not in {t.value for t in EasterTradition}:
            raise CalendarFileError(
                f"{where}: unknown tradition {tradition!r} "
                "(expected catholic or orthodox)"
            )
        offset = _typed(entry, "offset_days", int, where, default=0)
        return EasterHoliday(name, EasterTradition(tradition), offset, observe)
    if section == "lunar":
        dates = _typed(entry, "dates", list, where)
        if not dates or not all(_is_plain_date(d) for d in dates):
            raise CalendarFileError(f"{where}: dates must be a list of dates")
        return LunarHoliday(name, tuple(sorted(dates)), observe)
    day_off = entry.get("date")
    if not isinstance(day_off, date) or isinstance(day_off, datetime):
        raise CalendarFileError(f"{where}: date must be a date such as 2024-03-15")
    return ExtraDayOff(name, day_off)


def _is_plain_date(value: object) -> bool:
    # tomllib gives datetime (a date subclass) for date-times; only bare dates
    # make sense for a day off.
    return isinstance(value, date) and not isinstance(value, datetime)


def _typed(
    table: Mapping[str, object],
    key: str,
    kind: type[T],
    where: str,
    *,
    default: T | None = None,
) -> T:
    value = table.get(key)
    if value is None:
        if default is None:
            raise CalendarFileError(f"{where}: missing {key!r}")
        return default
    # bool is an int in Python; a month of `true` is still a mistake.
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise CalendarFileError(
            f"{where}: {key!r} must be a {kind.__name__}, not {value!r}"
        )
    return value


def _no_unknown_keys(where: str, table: Mapping[str, object], known: set[str]) -> None:
    unknown = sorted(set(table) - known)
    if unknown:
        raise CalendarFileError(
            f"{where}: unknown key(s) {', '.join(unknown)} "
            f"(expected {', '.join(sorted(known))})"
        )
