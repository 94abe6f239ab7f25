"""What an identification records, and the rules across its fields.

A field's own bounds are its ``Rule`` (``domain.fields``); the rules here read
several fields at once: the municipality lies in the case's region; an age or a
birth year is given, and they agree; the minor flag fits the age at the
moment of the identification (``occurred_at``, read in Europe/Tirane).

The age and the birth year are the person's attributes: the identification
takes them, but its event does not record them (they go to the personal-data
store). So the rules on them are checked when the case is opened; a later
correction of the minor flag or of the time is not held to an age the case
does not know. The municipality is checked again when a correction changes
it. Entries recorded before the municipality was a code (read through
``upgrade_identified_v1``) keep what they had.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from datetime import datetime
from typing import Any

from domain.catalogue import MUNICIPALITIES, REGIONS
from domain.catalogue_files import EXPLOITATION_FORMS, INDICATORS, TERRITORY
from domain.clock import TIRANE
from domain.errors import InconsistentFields

ADULT_AGE = 18
OLDEST_AGE = 120
EARLIEST_BIRTH_YEAR = 1900

# Fields whose correction is checked against the others of the entry. A
# corrected region is not held to the municipality: a place typed wrongly is
# put right by correcting the region, then the municipality to one of the
# region's (the other order could never pass).
PLACE_FIELDS = frozenset({"municipality"})


def check_identification(
    fields: Mapping[str, Any], person: Mapping[str, Any], occurred_at: datetime
) -> None:
    """Check an identification's fields, and the person's attributes it
    takes (``person``: age and birth year), against one another."""
    check_place(fields["region"], fields["municipality"])
    check_age(person["age"], person["birth_year"], fields["is_minor"], occurred_at)


def check_corrected(fields: Mapping[str, Any], corrected: str) -> None:
    """Check an identification as a correction of ``corrected`` leaves it."""
    if corrected in PLACE_FIELDS and fields.get("municipality") in MUNICIPALITIES:
        check_place(fields["region"], fields["municipality"])


def check_place(region: str, municipality: str) -> None:
    """The municipality must be one of the region's."""
    if municipality not in TERRITORY.of_county(region):
        names = ", ".join(MUNICIPALITIES[m] for m in TERRITORY.of_county(region))
        raise InconsistentFields(
            f"{MUNICIPALITIES.get(municipality, municipality)} is not a municipality "
            f"of {REGIONS.get(region, region)}; its municipalities are {names}",
            ("municipality", "region"),
            kind="municipality_of_other_region",
            params={"region": REGIONS.get(region, region)},
        )


def possible_ages(birth_year: int, moment: datetime) -> tuple[int, int]:
    """The ages a person born in ``birth_year`` may have at ``moment``: one
    before their birthday in that year, the other from it on."""
    year = moment.astimezone(TIRANE).year
    return year - birth_year - 1, year - birth_year


def check_age(
    age: int | None, birth_year: int | None, is_minor: bool, occurred_at: datetime
) -> None:
    """An age or a birth year is given; they agree; the minor flag fits them.

    With a birth year alone the person may be 17 or 18 at the identification:
    then the minor flag is the worker's to set.
    """
    if age is None and birth_year is None:
        raise InconsistentFields(
            "give the person's age or birth year (an estimate if not known)",
            ("age", "birth_year"),
            kind="age_missing",
        )
    youngest, oldest = (age, age) if age is not None else (0, OLDEST_AGE)
    if birth_year is not None:
        youngest, oldest = possible_ages(birth_year, occurred_at)
        if oldest < 0:
            raise InconsistentFields(
                f"the birth year {birth_year} is after the identification",
                ("birth_year",),
                kind="birth_year_after",
            )
        if age is not None and not youngest <= age <= oldest:
            raise InconsistentFields(
                f"the age {age} does not agree with the birth year {birth_year}: "
                f"at the identification the person was {max(youngest, 0)} or "
                f"{oldest}",
                ("age", "birth_year"),
                kind="age_and_birth_year",
                params={"youngest": max(youngest, 0), "oldest": oldest},
            )
        if age is not None:
            youngest = oldest = age
    if is_minor and youngest >= ADULT_AGE:
        raise InconsistentFields(
            f"a person aged {youngest} is not a minor: a minor is under {ADULT_AGE}",
            ("is_minor",),
            kind="not_a_minor",
            params={"age": youngest},
        )
    if not is_minor and oldest < ADULT_AGE:
        raise InconsistentFields(
            f"a person aged {oldest} is a minor: mark the identification as a minor's",
            ("is_minor",),
            kind="a_minor",
            params={"age": oldest},
        )


def upgrade_identified_v1(fields: MutableMapping[str, Any]) -> None:
    """Read an identification recorded before version 2 as version 2 (in place).

    Its municipality, indicators and forms of exploitation were free text: a
    value that names a code of their catalogue (its code, its label or a known
    alias, without case or diacritics; a place name also in the definite form,
    "Vlora") becomes that code; any other value is kept as it was typed. A
    code reads as itself, so reading a version 2 value again changes nothing.
    """
    municipality = fields.get("municipality")
    if isinstance(municipality, str):
        fields["municipality"] = TERRITORY.match(municipality) or municipality
    for name, catalogue in (
        ("indicators", INDICATORS),
        ("exploitation_types", EXPLOITATION_FORMS),
    ):
        values = fields.get(name)
        if isinstance(values, list):
            codes = [
                catalogue.match(v) or v if isinstance(v, str) else v for v in values
            ]
            fields[name] = list(dict.fromkeys(codes))
