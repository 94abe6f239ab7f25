"""What the SOP clock must record, and when: pure decisions over obligations.

The clock records two kinds of event on a case, each once per obligation
deadline: a ``DeadlineWarning`` when the warning point of an unmet obligation
passes, and a ``DeadlineBreached`` when its deadline passes unmet (or, for a
``not_before`` rule, as soon as the forbidden event is seen).

When each happened (``occurred_at``): the moment the deadline actually
passed, not the moment the clock noticed, so compliance and the timeline say
what happened when, and the recording delay shows how late the clock was.

- a warning: the obligation's ``warn_at``;
- a breach of a due-within or recurring obligation: its ``due_at``;
- a breach of a not-before obligation: when the forbidden event occurred.

Each is acted on only once ``now`` reaches it, so none is ever in the future
(a return entered from a phone running a few minutes fast is breached when
its time comes). A warning whose deadline has already passed when the clock
gets to it (the clock was down) is not recorded: the breach says more.

Nothing is recorded for an obligation that is met, met late, or cancelled: a
fulfilment entered after the deadline but before the clock saw it is already
judged met late, and an alert about it would ask for work already done.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from domain.sop.calendar import require_aware
from domain.sop.obligations import Obligation
from domain.sop.rules import RuleKind
from domain.sop.status import ObligationStatus

_UNMET = (ObligationStatus.OPEN, ObligationStatus.WARNING)


class DeadlineEventKind(StrEnum):
    """The two events the clock records; the value names the case command."""

    WARNING = "warn_deadline"
    BREACH = "breach_deadline"


@dataclass(frozen=True)
class DeadlineAction:
    """One event the clock must record on a case now."""

    kind: DeadlineEventKind
    obligation: Obligation
    occurred_at: datetime

    @property
    def command(self) -> str:
        """The ``CaseService`` command that records it."""
        return self.kind.value


def next_action_at(obligation: Obligation) -> datetime | None:
    """When the clock next has something to record for ``obligation``.

    ``None`` when it never will (met, cancelled, or its breach recorded) or
    not unless new facts arrive (a not-before period running unbroken). The
    obligation must be judged without ``now`` (as the read model keeps it):
    its status then reflects only facts, including the clock's own marks.
    """
    o = obligation
    if o.kind is RuleKind.NOT_BEFORE:
        if o.status is ObligationStatus.BREACHED and o.breach_event_version is None:
            return o.breached_at
        return None
    if o.status not in _UNMET or o.breach_event_version is not None:
        return None
    if o.warn_at is not None and o.warning_event_version is None:
        return o.warn_at
    return o.due_at


def due_actions(
    obligations: Iterable[Obligation], now: datetime
) -> list[DeadlineAction]:
    """What the clock must record at ``now`` for these obligations, oldest first."""
    now = require_aware(now).astimezone(UTC)
    found: list[DeadlineAction] = []
    for o in obligations:
        moment = next_action_at(o)
        if moment is None or moment > now:
            continue
        if o.kind is RuleKind.NOT_BEFORE:
            found.append(DeadlineAction(DeadlineEventKind.BREACH, o, moment))
        elif now >= o.due_at:
            found.append(DeadlineAction(DeadlineEventKind.BREACH, o, o.due_at))
        else:
            found.append(DeadlineAction(DeadlineEventKind.WARNING, o, moment))
    return sorted(found, key=lambda a: (a.occurred_at, a.obligation.obligation_id))
