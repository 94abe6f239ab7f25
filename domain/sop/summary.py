"""Counting obligations per rule, for compliance dashboards and reports."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from domain.sop.obligations import Obligation
from domain.sop.status import ObligationStatus


@dataclass(frozen=True)
class Counts:
    """How many of one rule's obligations are in each status."""

    open: int = 0
    met: int = 0
    met_late: int = 0
    warning: int = 0
    breached: int = 0
    cancelled: int = 0

    @property
    def total(self) -> int:
        """All obligations counted."""
        return (
            self.open
            + self.met
            + self.met_late
            + self.warning
            + self.breached
            + self.cancelled
        )

    @property
    def on_time_rate(self) -> float | None:
        """met / (met + met_late + breached); ``None`` when nothing is decided.

        Open, warning and cancelled obligations are left out: they have not
        been decided either way.
        """
        decided = self.met + self.met_late + self.breached
        return None if decided == 0 else self.met / decided


def summarise(obligations: Iterable[Obligation]) -> dict[str, Counts]:
    """Counts per rule id, in the order rules are first seen."""
    tallies: dict[str, Counter[ObligationStatus]] = {}
    for obligation in obligations:
        tallies.setdefault(obligation.rule_id, Counter())[obligation.status] += 1
    return {
        rule_id: Counts(**{status.value: n for status, n in tally.items()})
        for rule_id, tally in tallies.items()
    }
