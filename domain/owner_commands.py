"""The command that gives a case its owner: the worker responsible for it.

The identifying worker owns a case until it is assigned; assigning it again
hands it over. Caseworkers of the case's region or a coordinator assign it,
to a caseworker of the region: the field is chosen from ``case_owners``, the
users only the running system knows (``services.api.choices``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from domain import events as ev
from domain.case import Case
from domain.command_declaration import CaseCommand, Declaration, chosen


@dataclass(frozen=True, kw_only=True)
class AssignCase(CaseCommand):
    """Make a worker the case's owner: assign it, or hand it over."""

    declaration = Declaration(
        Case.assign,
        ev.CaseAssigned,
        "Assign the case",
        path="assign",
        recorded_by="caseworkers_or_coordinator",
        body="Assign",
    )
    owner: str = field(
        metadata=chosen(
            "case_owners",
            "The user id of the worker who takes the case: a caseworker of the "
            "case's region.",
        )
    )
