"""The working-day calendar: Albanian holidays, Easter, working-day arithmetic."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.sop import (
    CalendarFileError,
    FixedHoliday,
    WorkingCalendar,
    catholic_easter,
    load_calendar,
    orthodox_easter,
)

TIRANE = ZoneInfo("Europe/Tirane")
CALENDAR_FILE = Path(__file__).resolve().parents[2] / "deploy" / "sop" / "calendar.toml"


@pytest.fixture(scope="module")
def calendar() -> WorkingCalendar:
    return load_calendar(CALENDAR_FILE)


def tirane(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=TIRANE)


@pytest.mark.parametrize(
    ("year", "catholic", "orthodox"),
    [
        (2000, date(2000, 4, 23), date(2000, 4, 30)),
        (2010, date(2010, 4, 4), date(2010, 4, 4)),
        (2021, date(2021, 4, 4), date(2021, 5, 2)),
        (2024, date(2024, 3, 31), date(2024, 5, 5)),
        (2025, date(2025, 4, 20), date(2025, 4, 20)),
        (2026, date(2026, 4, 5), date(2026, 4, 12)),
        (2027, date(2027, 3, 28), date(2027, 5, 2)),
    ],
)
def test_easter_sundays_match_the_published_dates(
    year: int, catholic: date, orthodox: date
) -> None:
    assert catholic_easter(year) == catholic
    assert orthodox_easter(year) == orthodox


@given(st.integers(min_value=1900, max_value=2099))
def test_easter_is_always_a_sunday_and_orthodox_never_precedes_catholic(
    year: int,
) -> None:
    assert catholic_easter(year).weekday() == 6
    assert orthodox_easter(year).weekday() == 6
    assert 0 <= (orthodox_easter(year) - catholic_easter(year)).days <= 35


def test_holidays_of_2026_include_easter_mondays_and_weekend_substitutes(
    calendar: WorkingCalendar,
) -> None:
    days_off = {h.day for h in calendar.holidays_in(2026)}

    assert {
        date(2026, 1, 1),
        date(2026, 1, 2),
        date(2026, 3, 16),  # Summer Day, Saturday 14 March, made up on Monday
        date(2026, 3, 20),  # Eid al-Fitr
        date(2026, 3, 23),  # Nevruz, Sunday 22 March, made up on Monday
        date(2026, 4, 6),  # Catholic Easter Monday
        date(2026, 4, 13),  # Orthodox Easter Monday
        date(2026, 5, 1),
        date(2026, 5, 27),  # Eid al-Adha
        date(2026, 9, 7),  # Mother Teresa Day, Saturday 5 Sep, made up on Monday
        date(2026, 11, 30),
        date(2026, 12, 1),
        date(2026, 12, 8),
        date(2026, 12, 25),
    } <= days_off


def test_independence_and_liberation_day_on_a_weekend_are_made_up_monday_and_tuesday(
    calendar: WorkingCalendar,
) -> None:
    substitutes = {
        h.day: h.observed_for for h in calendar.holidays_in(2026) if h.observed_for
    }

    assert substitutes[date(2026, 11, 30)] == date(2026, 11, 28)
    assert substitutes[date(2026, 12, 1)] == date(2026, 11, 29)
    assert calendar.is_working_day(date(2026, 11, 27))
    assert not calendar.is_working_day(date(2026, 11, 30))
    assert not calendar.is_working_day(date(2026, 12, 1))
    assert calendar.is_working_day(date(2026, 12, 2))


def test_working_days_skip_the_independence_weekend_and_its_substitutes(
    calendar: WorkingCalendar,
) -> None:
    friday = tirane(2026, 11, 27, 10, 30)

    due = calendar.add_working_days(friday, 1)

    assert due == tirane(2026, 12, 2, 10, 30)
    assert due.tzinfo is UTC


def test_working_days_skip_catholic_and_orthodox_easter_mondays(
    calendar: WorkingCalendar,
) -> None:
    assert calendar.add_working_days(tirane(2026, 4, 2, 9), 2) == tirane(2026, 4, 7, 9)
    assert calendar.add_working_days(tirane(2026, 4, 10, 9), 1) == tirane(
        2026, 4, 14, 9
    )


def test_coinciding_easters_give_one_monday_off_not_two(
    calendar: WorkingCalendar,
) -> None:
    assert not calendar.is_working_day(date(2025, 4, 21))
    assert calendar.is_working_day(date(2025, 4, 22))


def test_eid_on_a_sunday_is_made_up_on_monday(calendar: WorkingCalendar) -> None:
    assert not calendar.is_working_day(date(2025, 3, 31))


def test_start_on_a_non_working_day_counts_from_the_next_working_day_at_midnight(
    calendar: WorkingCalendar,
) -> None:
    saturday_afternoon = tirane(2026, 11, 28, 14, 0)

    assert calendar.add_working_days(saturday_afternoon, 0) == tirane(2026, 12, 2)
    assert calendar.add_working_days(saturday_afternoon, 1) == tirane(2026, 12, 3)


def test_zero_working_days_from_a_working_day_is_the_start_itself(
    calendar: WorkingCalendar,
) -> None:
    start = tirane(2026, 6, 3, 16, 45)

    assert calendar.add_working_days(start, 0) == start


def test_five_working_days_from_monday_is_the_next_monday_same_time(
    calendar: WorkingCalendar,
) -> None:
    assert calendar.add_working_days(tirane(2026, 6, 1, 10), 5) == tirane(
        2026, 6, 8, 10
    )


def test_working_day_deadline_keeps_local_time_across_daylight_saving(
    calendar: WorkingCalendar,
) -> None:
    # Clocks go forward on Sunday 29 March 2026.
    due = calendar.add_working_days(tirane(2026, 3, 27, 10), 1)

    assert due == tirane(2026, 3, 30, 10)
    assert due == datetime(2026, 3, 30, 8, tzinfo=UTC)


def test_calendar_days_keep_local_time_across_daylight_saving(
    calendar: WorkingCalendar,
) -> None:
    start = tirane(2026, 3, 28, 10)

    due = calendar.add_days(start, 1)

    assert due == tirane(2026, 3, 29, 10)
    assert due - start == timedelta(hours=23)


def test_local_date_of_a_late_utc_evening_is_the_next_day_in_tirane(
    calendar: WorkingCalendar,
) -> None:
    # 23:30 UTC on Friday 27 November is 00:30 on Saturday 28 in Tirane.
    moment = datetime(2026, 11, 27, 23, 30, tzinfo=UTC)

    assert calendar.local_date(moment) == date(2026, 11, 28)
    assert not calendar.is_working_day(moment)


def test_negative_working_days_are_refused(calendar: WorkingCalendar) -> None:
    with pytest.raises(ValueError, match="negative"):
        calendar.add_working_days(tirane(2026, 6, 1), -1)


def test_naive_datetimes_are_refused(calendar: WorkingCalendar) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        calendar.add_working_days(datetime(2026, 6, 1, 10), 1)


def test_lunar_dates_cover_2024_to_2032_only(calendar: WorkingCalendar) -> None:
    assert all(calendar.covers(year) for year in range(2024, 2033))
    assert not calendar.covers(2033)


def test_a_december_weekend_holiday_is_made_up_in_january() -> None:
    # 31 December 2022 was a Saturday.
    calendar = WorkingCalendar([FixedHoliday("Old Year's Day", 12, 31)])

    substitutes = [h for h in calendar.holidays_in(2023) if h.observed_for]

    assert [(h.day, h.observed_for) for h in substitutes] == [
        (date(2023, 1, 2), date(2022, 12, 31))
    ]


def test_weekend_holidays_are_not_made_up_when_the_setting_is_off(
    tmp_path: Path,
) -> None:
    path = tmp_path / "calendar.toml"
    path.write_text(
        "observe_weekend_holidays_on_next_working_day = false\n"
        '[[fixed]]\nname = "Independence Day"\nmonth = 11\nday = 28\n'
    )

    calendar = load_calendar(path)

    assert calendar.is_working_day(date(2026, 11, 30))
    assert [h.day for h in calendar.holidays_in(2026)] == [date(2026, 11, 28)]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('time_zone = "Europe/Tirana"\n', "unknown time_zone"),
        ('weekend = ["saturday", "sundae"]\n', "unknown weekend day 'sundae'"),
        (
            '[[fixed]]\nname = "X"\nmonth = 2\nday = 30\n',
            r"\[\[fixed\]\] #1.*no such date",
        ),
        ('[[fixed]]\nname = "X"\nmonth = 2\n', "missing 'day'"),
        ('[[easter]]\nname = "X"\ntradition = "coptic"\n', "unknown tradition"),
        ('[[lunar]]\nname = "Eid"\ndates = ["2026-03-20"]\n', "list of dates"),
        ('[[fixed]]\nname = "X"\nmonth = 1\nday = 1\ncolour = "red"\n', "colour"),
        ("holidays = []\n", "unknown key"),
        ("time_zone = \n", "cannot read"),
    ],
)
def test_a_bad_calendar_file_is_refused_with_the_file_and_the_problem(
    tmp_path: Path, text: str, problem: str
) -> None:
    path = tmp_path / "calendar.toml"
    path.write_text(text)

    with pytest.raises(CalendarFileError, match=rf"calendar\.toml: .*{problem}"):
        load_calendar(path)


moments = st.datetimes(
    min_value=datetime(2024, 1, 1),
    max_value=datetime(2032, 6, 30),
    timezones=st.just(UTC),
)


@given(start=moments, n=st.integers(min_value=0, max_value=60))
def test_adding_working_days_always_lands_on_a_working_day_not_before_the_start(
    calendar: WorkingCalendar, start: datetime, n: int
) -> None:
    due = calendar.add_working_days(start, n)

    assert calendar.is_working_day(calendar.local_date(due))
    assert due >= start


@given(
    start=moments,
    n=st.integers(min_value=0, max_value=40),
    more=st.integers(min_value=1, max_value=40),
)
def test_adding_working_days_is_strictly_monotonic_in_n(
    calendar: WorkingCalendar, start: datetime, n: int, more: int
) -> None:
    assert calendar.add_working_days(start, n) < calendar.add_working_days(
        start, n + more
    )


@given(
    start=moments,
    a=st.integers(min_value=0, max_value=30),
    b=st.integers(min_value=0, max_value=30),
)
def test_adding_working_days_in_two_steps_equals_adding_them_at_once(
    calendar: WorkingCalendar, start: datetime, a: int, b: int
) -> None:
    in_two_steps = calendar.add_working_days(calendar.add_working_days(start, a), b)

    assert in_two_steps == calendar.add_working_days(start, a + b)


def test_five_working_days_from_a_saturday_leave_monday_to_friday_whole(
    calendar: WorkingCalendar,
) -> None:
    assert calendar.add_working_days(tirane(2026, 6, 6, 14), 5) == tirane(2026, 6, 15)
