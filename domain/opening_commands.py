"""The command that opens a case: the identification of a person by a mobile
unit. Its fields are the ``Identified`` entry's; the new case's id and the
identifying worker (whoever records it) come with the recording.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from domain import events as ev
from domain.case import Case
from domain.command_declaration import Declaration, OpeningCommand, about


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
    municipality: str
    is_minor: bool
    case_type: str = "trafficking"
    protection_requested: bool = False
    indicators: list[str] = field(default_factory=list)
    exploitation_types: list[str] = field(default_factory=list)
    source: str = "outreach"
