"""The command that opens a case: the identification of a person by a mobile
unit. Its fields are the ``Identified`` entry's, and the person's attributes
(sex, age or birth year, nationality), which the case checks but no event
records: the application service keeps them in the personal-data store. The
new case's id and the identifying worker (whoever records it) come with the
recording.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from domain import events as ev
from domain.case import Case
from domain.catalogue import SOURCES
from domain.command_declaration import (
    Declaration,
    OpeningCommand,
    about,
    personal,
    ruled,
)
from domain.fields import PERSON_FIELDS, code

# How a mobile unit comes to a person: any source but a referral, which is
# how a case opened at the legal clinic begins (``OpenClinicCase``).
FOUND_BY = frozenset(SOURCES - {"referral"})


@dataclass(frozen=True, kw_only=True)
class Identify(OpeningCommand):
    """Open a case for a person a mobile unit identified."""

    declaration = Declaration(
        Case.identify,
        ev.Identified,
        "Open a case",
        path="",
        actor_argument="worker_id",
    )
    subject_ref: str = field(metadata=about("A pseudonymous reference, never a name."))
    region: str
    mobile_unit: str
    municipality: str = field(metadata=about("A municipality of the region."))
    is_minor: bool = field(
        metadata=about("Under 18 at the identification; must fit the age.")
    )
    sex: str = field(
        metadata=personal(
            PERSON_FIELDS["sex"],
            "female, male, or not_recorded (not recorded, or other).",
        )
    )
    age: int | None = field(
        default=None,
        metadata=personal(
            PERSON_FIELDS["age"],
            "Age in years (an estimate if need be); or give birth_year.",
        ),
    )
    birth_year: int | None = field(
        default=None,
        metadata=personal(
            PERSON_FIELDS["birth_year"],
            "Year of birth; or give age. Both given, they must agree.",
        ),
    )
    nationality: str = field(
        metadata=personal(
            PERSON_FIELDS["nationality"],
            "ISO 3166-1 alpha-2 code (XK: Kosovo); empty if not known.",
        )
    )
    case_type: str = "trafficking"
    protection_requested: bool = False
    indicators: list[str] = field(default_factory=list)
    exploitation_types: list[str] = field(default_factory=list)
    source: str = field(
        default="outreach", metadata=ruled(code("source", FOUND_BY, "source"))
    )
