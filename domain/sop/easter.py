"""Easter Sunday by the Gregorian and the Julian computus.

Albania keeps both Catholic and Orthodox Easter as public holidays, so the
working-day calendar computes both rather than listing them year by year.
"""

from __future__ import annotations

from datetime import date, timedelta


def catholic_easter(year: int) -> date:
    """Easter Sunday of the Western churches (Gregorian computus).

    The anonymous Gregorian algorithm (Meeus/Jones/Butcher), valid for every
    Gregorian year.
    """
    golden = year % 19
    century, year_of_century = divmod(year, 100)
    leap_centuries, century_rest = divmod(century, 4)
    moon_correction = (century + 8) // 25
    sun_correction = (century - moon_correction + 1) // 3
    epact = (19 * golden + century - leap_centuries - sun_correction + 15) % 30
    leap_years, year_rest = divmod(year_of_century, 4)
    weekday_shift = (32 + 2 * century_rest + 2 * leap_years - epact - year_rest) % 7
    late = (golden + 11 * epact + 22 * weekday_shift) // 451
    month, day = divmod(epact + weekday_shift - 7 * late + 114, 31)
    return date(year, month, day + 1)


def orthodox_easter(year: int) -> date:
    """Easter Sunday of the Orthodox churches, as a Gregorian date.

    Meeus' Julian algorithm gives the date in the Julian calendar; the
    difference between the two calendars (13 days in 1900-2099) is then added.
    Julian Easter always falls after the Julian 29 February, so the difference
    of ``year`` applies.
    """
    golden = (19 * (year % 19) + 15) % 30
    weekday_shift = (2 * (year % 4) + 4 * (year % 7) - golden + 34) % 7
    month, day = divmod(golden + weekday_shift + 114, 31)
    julian_to_gregorian = year // 100 - year // 400 - 2
    return date(year, month, day + 1) + timedelta(days=julian_to_gregorian)
