"""The kinds of public holiday a working-day calendar is built from.

Each kind answers one question: on which dates of a given year does it fall?
The calendar then decides which dates are days off (see ``calendar``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from domain.sop.easter import catholic_easter, orthodox_easter


class EasterTradition(StrEnum):
    """Which computus an Easter-relative holiday follows."""

    CATHOLIC = "catholic"
    ORTHODOX = "orthodox"


@dataclass(frozen=True)
class Holiday:
    """One day off in a given year.

    ``observed_for`` is set on a substitute day off: the weekend date of the
    holiday it makes up for.
    """

    day: date
    name: str
    observed_for: date | None = None


@dataclass(frozen=True)
class FixedHoliday:
    """A holiday on the same day and month every year (e.g. 28 November)."""

    name: str
    month: int
    day: int
    observe_if_weekend: bool = True

    def __post_init__(self) -> None:
        # 2024 is a leap year, so 29 February is accepted here and simply
        # skipped in other years.
        date(2024, self.month, self.day)

    def dates_in(self, year: int) -> list[date]:
        """The holiday's date in ``year`` (none for 29 Feb in a common year)."""
        try:
            return [date(year, self.month, self.day)]
        except ValueError:
            return []


@dataclass(frozen=True)
class EasterHoliday:
    """A holiday a fixed number of days from Easter Sunday (0 = the Sunday)."""

    name: str
    tradition: EasterTradition
    offset_days: int = 0
    observe_if_weekend: bool = True

    def dates_in(self, year: int) -> list[date]:
        """The holiday's date in ``year``, by the tradition's computus."""
        easter = (
            catholic_easter(year)
            if self.tradition is EasterTradition.CATHOLIC
            else orthodox_easter(year)
        )
        return [easter + timedelta(days=self.offset_days)]


@dataclass(frozen=True)
class LunarHoliday:
    """A holiday whose dates are listed, not computed (Eid al-Fitr, Eid al-Adha).

    The Islamic calendar depends on moon sightings, so the dates are data that
    an administrator confirms each year; a year without a listed date has no
    such holiday, and ``WorkingCalendar.covers`` reports it.
    """

    name: str
    dates: tuple[date, ...]
    observe_if_weekend: bool = True

    def dates_in(self, year: int) -> list[date]:
        """The listed dates that fall in ``year``."""
        return [day for day in self.dates if day.year == year]

    def has_date_in(self, year: int) -> bool:
        """Whether the list names a date in ``year``."""
        return any(day.year == year for day in self.dates)


@dataclass(frozen=True)
class ExtraDayOff:
    """A one-off day off decreed by the government (a bridge day, say)."""

    name: str
    day: date
    # A decreed day off is already a weekday; it is never made up for.
    observe_if_weekend: bool = False

    def dates_in(self, year: int) -> list[date]:
        """The day, if it falls in ``year``."""
        return [self.day] if self.day.year == year else []


HolidayRule = FixedHoliday | EasterHoliday | LunarHoliday | ExtraDayOff
