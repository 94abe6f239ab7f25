"""Which obligations need someone's attention now, and which were set aside.

An obligation is *due soon* from the earlier of its warning point (the rule
set's ``warn_at_fraction``, or the rule's own ``warn_at``) and the moment half
of its time has run out: the 1-hour police rule is due soon after 30 minutes,
while there is still time to act, and a 30-day rule after 15 days.

An unmet obligation is *set aside* when the case moved past it: the case was
closed after it arose (a closure ends the work it asked for; the follow-ups
a closure as reintegrated starts arise with the closure and are not set
aside), or the person returned to a country after it arose. Such an
obligation still counts as breached in the compliance figures once its
deadline passed; it is only no longer work to be done, so the overdue lists
and the task lists leave it out and show it apart. A rule's own cancellation
(``cancelled_by``) gives the status ``cancelled`` instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from domain.facts import CaseFact
from domain.sop.obligations import Obligation
from domain.sop.rules import RuleKind
from domain.sop.status import ObligationStatus

# Due soon at the latest when this share of an obligation's time has passed.
DUE_SOON_SHARE = 0.5

_UNMET = (ObligationStatus.OPEN, ObligationStatus.WARNING, ObligationStatus.BREACHED)


class SetAside(StrEnum):
    """Why an unmet obligation is no longer work to be done."""

    CASE_CLOSED = "case_closed"
    RETURNED = "returned"


def due_soon_at(obligation: Obligation) -> datetime | None:
    """When ``obligation`` becomes due soon; ``None`` for a not-before rule
    (there is nothing to hurry) or one judged without its window."""
    o = obligation
    if o.kind is RuleKind.NOT_BEFORE or o.starts_at is None:
        return None
    halfway = o.starts_at + (o.due_at - o.starts_at) * DUE_SOON_SHARE
    return halfway if o.warn_at is None else min(o.warn_at, halfway)


@dataclass(frozen=True)
class CaseStanding:
    """Where a case stands, as far as setting obligations aside goes.

    ``closed_version``: the version of the closure in effect (``None`` while
    the case is open); ``returned_version``: the first return recorded.
    """

    closed_version: int | None
    returned_version: int | None

    @classmethod
    def of(cls, history: Sequence[CaseFact]) -> CaseStanding:
        """From a case's facts (corrections applied), in version order."""
        closed: int | None = None
        returned: int | None = None
        for fact in sorted(history, key=lambda f: f.version):
            if fact.type == "Closed":
                closed = fact.version
            elif fact.type == "Reopened":
                closed = None
            elif fact.type == "ReturnedToCountry" and returned is None:
                returned = fact.version
        return cls(closed, returned)

    def set_aside(self, obligation: Obligation) -> SetAside | None:
        """Why ``obligation`` is set aside, or ``None`` if it is not."""
        o = obligation
        if o.kind is RuleKind.NOT_BEFORE or o.status not in _UNMET:
            return None
        if self.closed_version is not None and o.trigger_version < self.closed_version:
            return SetAside.CASE_CLOSED
        if (
            self.returned_version is not None
            and o.trigger_version < self.returned_version
        ):
            return SetAside.RETURNED
        return None
