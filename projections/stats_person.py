"""The person's attributes as statistics count them: coded and banded, per case.

Sex, age and nationality are not in the events (``services.app.people``);
they are kept encrypted in the personal-data store. Counting them there would
mean decrypting every person's record for every figure, so when a case is
opened the application service also writes here the three values statistics
need, coarsened: the sex code, the age band (``AGE_BANDS``) and the
nationality code. No name, date, exact age or birth year, and no subject
reference: only the case id, which the events already carry.

The events cannot rebuild this table, so a rebuild of the statistics read
model leaves it alone; an erasure of the person clears the case's row
(``projections.statistics``), and the case then counts as "not recorded".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import pairwise
from typing import Any
from uuid import UUID

from psycopg import Connection, Cursor

DDL = """
CREATE TABLE IF NOT EXISTS stats_person (
    case_id uuid PRIMARY KEY,
    sex text,
    age_band text,
    nationality text
);
"""

# Lower bounds of the age bands (SOP.md): 0-11, 12-14, 15-17, 18-24, 25-34, 35+.
AGE_BANDS: tuple[int, ...] = (0, 12, 15, 18, 25, 35)
NOT_RECORDED = "not_recorded"


def band_names(bounds: Sequence[int] = AGE_BANDS) -> list[str]:
    """The bands' codes, youngest first: ``0-11`` ... ``35+``."""
    names = [f"{low}-{high - 1}" for low, high in pairwise(bounds)]
    return [*names, f"{bounds[-1]}+"]


def age_band(age: int | None, bounds: Sequence[int] = AGE_BANDS) -> str | None:
    """The band an age falls in; None when no age is known."""
    if age is None or age < 0:
        return None
    names = band_names(bounds)
    for index in range(len(bounds) - 1, -1, -1):
        if age >= bounds[index]:
            return names[index]
    return None


def banded(attributes: Mapping[str, Any], year: int) -> tuple[Any, ...]:
    """``(sex, age band, nationality)`` from an identification's attributes,
    the age from the birth year when only that was given (as of ``year``)."""
    age = attributes.get("age")
    birth_year = attributes.get("birth_year")
    if not isinstance(age, int) and isinstance(birth_year, int):
        age = year - birth_year
    sex = attributes.get("sex") or None
    nationality = attributes.get("nationality") or None
    return (sex, age_band(age if isinstance(age, int) else None), nationality)


def keep_bands(
    conn: Connection[Any], case_id: UUID, attributes: Mapping[str, Any], year: int
) -> None:
    """Write (or rewrite) a case's coded and banded attributes."""
    conn.execute(
        """
        INSERT INTO stats_person (case_id, sex, age_band, nationality)
        VALUES (%s, %s, %s, %s)
        ON CONFLICT (case_id) DO UPDATE SET sex = EXCLUDED.sex,
            age_band = EXCLUDED.age_band, nationality = EXCLUDED.nationality
        """,
        (case_id, *banded(attributes, year)),
    )


def clear_cases(cur: Cursor[Any], case_ids: Sequence[UUID]) -> None:
    """Forget the attributes of erased people's cases."""
    cur.execute("DELETE FROM stats_person WHERE case_id = ANY(%s)", (list(case_ids),))
