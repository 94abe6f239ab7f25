"""The working-day calendar: weekends, public holidays, local time.

Deadlines measured in working days skip Saturdays, Sundays and Albanian public
holidays, counted in Europe/Tirane local time. The holidays are data (see
``deploy/sop/calendar.toml`` and ``calendar_file``); this module only does the
arithmetic.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from domain.sop.holidays import Holiday, HolidayRule, LunarHoliday

SATURDAY = 5
SUNDAY = 6
ONE_DAY = timedelta(days=1)


class WorkingCalendar:
    """Which local dates are working days, and deadline arithmetic over them.

    A public holiday that falls on a weekend day is made up for, when
    ``observe_weekend_holidays`` is on (Albanian practice), by a substitute day
    off on the next day that is neither a weekend day nor a holiday nor another
    substitute: 28 and 29 November 2026 (Saturday, Sunday) give Monday 30
    November and Tuesday 1 December off. Holidays falling on the same weekend
    date get one substitute between them. Rules with ``observe_if_weekend``
    off are never made up for (Easter Sunday: its Monday is already a holiday).
    """

    def __init__(
        self,
        holidays: Iterable[HolidayRule] = (),
        *,
        time_zone: ZoneInfo | str = "Europe/Tirane",
        weekend: Iterable[int] = (SATURDAY, SUNDAY),
        observe_weekend_holidays: bool = True,
    ) -> None:
        self.time_zone = (
            time_zone if isinstance(time_zone, ZoneInfo) else ZoneInfo(time_zone)
        )
        self.weekend = frozenset(weekend)
        if not self.weekend <= set(range(7)) or len(self.weekend) == 7:
            raise ValueError(f"weekend must be some of the weekdays 0-6: {weekend}")
        self.rules: tuple[HolidayRule, ...] = tuple(holidays)
        self.observe_weekend_holidays = observe_weekend_holidays
        # Holidays are recomputed per year at most once; the calendar itself
        # never changes after construction.
        self._by_year: dict[int, tuple[Holiday, ...]] = {}
        self._days_off: dict[int, frozenset[date]] = {}

    def holidays_in(self, year: int) -> list[Holiday]:
        """Every day off of ``year`` that is a holiday or a substitute for one.

        Sorted by date; a date shared by two holidays appears once per name.
        Weekend days that are not holidays are not listed.
        """
        if year not in self._by_year:
            self._by_year[year] = self._compute_holidays(year)
        return list(self._by_year[year])

    def is_working_day(self, day: date) -> bool:
        """Whether ``day`` is a working day.

        A ``datetime`` (which must be timezone-aware) is first converted to its
        local date in the calendar's time zone.
        """
        local = self.local_date(day) if isinstance(day, datetime) else day
        return local.weekday() not in self.weekend and local not in self._off(
            local.year
        )

    def covers(self, year: int) -> bool:
        """Whether every lunar holiday has a listed date in ``year``.

        Working-day arithmetic in a year that is not covered silently treats
        the missing Eid as a working day; the SOP clock should warn about it.
        """
        return all(
            rule.has_date_in(year)
            for rule in self.rules
            if isinstance(rule, LunarHoliday)
        )

    def local_date(self, moment: datetime) -> date:
        """The date of ``moment`` in the calendar's time zone."""
        return require_aware(moment).astimezone(self.time_zone).date()

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after ``day``."""
        candidate = day + ONE_DAY
        while not self.is_working_day(candidate):
            candidate += ONE_DAY
        return candidate

    def add_working_days(self, start: datetime, n: int) -> datetime:
        """The moment ``n`` working days after ``start``, in UTC.

        Semantics, all in the calendar's local time (Europe/Tirane):

        - If ``start`` falls on a working day, the result is the same local
          time of day on the n-th working day after the start's local date
          (Monday 10:00 + 5 working days = next Monday 10:00 in a week without
          holidays; ``n = 0`` gives ``start`` itself).
        - If ``start`` falls on a weekend day or holiday, counting starts at
          00:00 on the next working day: the result is 00:00 local on the n-th
          working day after that day, so n whole working days are available
          (Saturday 6 June 2026 14:00 + 5 = Monday 15 June 00:00: all of
          Monday 8 to Friday 12; ``n = 0`` gives Monday 8 June 00:00).

        The result is always at a local time on a working day. Daylight-saving
        changes happen on Sundays in Europe, so the wall time always exists.
        """
        if n < 0:
            raise ValueError(f"n must not be negative: {n}")
        local = require_aware(start).astimezone(self.time_zone)
        day = local.date()
        wall = local.time().replace(tzinfo=None)
        if not self.is_working_day(day):
            day = self.next_working_day(day)
            wall = time(0, 0)
        for _ in range(n):
            day = self.next_working_day(day)
        return datetime.combine(day, wall, tzinfo=self.time_zone).astimezone(UTC)

    def add_days(self, start: datetime, n: int) -> datetime:
        """The same local time of day ``n`` calendar days after ``start``, in UTC.

        Calendar days are counted on the local date, so a deadline does not
        drift by an hour across a daylight-saving change. A local time that
        does not exist on the target date (the spring-forward hour) resolves as
        ``zoneinfo`` does (fold 0: one hour later on the wall clock).
        """
        if n < 0:
            raise ValueError(f"n must not be negative: {n}")
        local = require_aware(start).astimezone(self.time_zone)
        target = datetime.combine(
            local.date() + timedelta(days=n),
            local.time().replace(tzinfo=None),
            tzinfo=self.time_zone,
        )
        return target.astimezone(UTC)

    def _off(self, year: int) -> frozenset[date]:
        if year not in self._days_off:
            self._days_off[year] = frozenset(h.day for h in self.holidays_in(year))
        return self._days_off[year]

    def _compute_holidays(self, year: int) -> tuple[Holiday, ...]:
        # The year before is included because a late-December weekend holiday
        # can be made up for in early January.
        raw = sorted(
            (day, rule.name, rule.observe_if_weekend)
            for rule in self.rules
            for y in (year - 1, year)
            for day in rule.dates_in(y)
        )
        found = [Holiday(day, name) for day, name, _ in raw]
        if self.observe_weekend_holidays:
            found += self._substitutes(raw)
        return tuple(
            sorted(
                (h for h in found if h.day.year == year),
                key=lambda h: (h.day, h.name),
            )
        )

    def _substitutes(self, raw: list[tuple[date, str, bool]]) -> list[Holiday]:
        taken = {day for day, _, _ in raw}
        made_up: set[date] = set()
        substitutes = []
        for day, name, observe in raw:
            if not observe or day.weekday() not in self.weekend or day in made_up:
                continue
            made_up.add(day)
            substitute = day + ONE_DAY
            while substitute.weekday() in self.weekend or substitute in taken:
                substitute += ONE_DAY
            taken.add(substitute)
            substitutes.append(Holiday(substitute, f"{name} (observed)", day))
        return substitutes


def require_aware(moment: datetime) -> datetime:
    """Return ``moment``, refusing a naive datetime (whose zone is a guess)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"a timezone-aware datetime is required: {moment!r}")
    return moment
