"""Judging one obligation from the facts that bear on it.

Everything here is judged by ``occurred_at`` (when it happened), never by
``recorded_at``: field work is entered late, and an event that happened in
time is on time however late it was typed in. ``obligations`` gathers the
facts; this module decides the status.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from domain.facts import CaseFact
from domain.sop.status import ObligationStatus

DEADLINE_BREACHED = "DeadlineBreached"
DEADLINE_WARNING = "DeadlineWarning"


@dataclass(frozen=True)
class Window:
    """The time frame of one obligation.

    ``starts_at`` is the trigger's ``occurred_at``, or for the k-th instance of
    a recurring rule the (k-1)-th due date: the warning point lies between
    ``starts_at`` and ``due_at``.
    """

    obligation_id: str
    starts_at: datetime
    due_at: datetime
    warn_at: datetime | None


@dataclass(frozen=True)
class Verdict:
    """An obligation's status and the moments and facts that decided it."""

    status: ObligationStatus
    met_at: datetime | None = None
    met_by_version: int | None = None
    breached_at: datetime | None = None
    breached_by_version: int | None = None
    cancelled_at: datetime | None = None
    cancelled_by_version: int | None = None


@dataclass(frozen=True)
class ClockMarks:
    """``DeadlineBreached`` / ``DeadlineWarning`` facts by obligation id.

    The SOP clock records these when it sees a deadline pass; without a
    ``now`` they are the only evidence that time ran out. Each mark names the
    ``due_at`` it was recorded for. A correction can move an obligation's
    deadline later (the trigger's ``occurred_at`` was entered wrong): a mark
    recorded for an earlier deadline was premature and no longer counts, so
    the clock records a new one when the new deadline passes. A mark for the
    same or a later deadline still counts.
    """

    breached: Mapping[str, tuple[CaseFact, ...]]
    warned: Mapping[str, tuple[CaseFact, ...]]

    @classmethod
    def from_facts(cls, facts: Sequence[CaseFact]) -> ClockMarks:
        """Index the clock's facts by obligation id, in the order given."""
        breached: dict[str, tuple[CaseFact, ...]] = {}
        warned: dict[str, tuple[CaseFact, ...]] = {}
        for fact in facts:
            target = {DEADLINE_BREACHED: breached, DEADLINE_WARNING: warned}.get(
                fact.type
            )
            obligation_id = fact.attributes.get("obligation_id")
            if target is not None and isinstance(obligation_id, str):
                target[obligation_id] = (*target.get(obligation_id, ()), fact)
        return cls(breached, warned)

    def breach_for(self, window: Window) -> CaseFact | None:
        """The clock's breach that counts for ``window``; the earliest wins."""
        return _counting(self.breached.get(window.obligation_id, ()), window)

    def warning_for(self, window: Window) -> CaseFact | None:
        """The clock's warning that counts for ``window``; the earliest wins."""
        return _counting(self.warned.get(window.obligation_id, ()), window)


def _counting(marks: Sequence[CaseFact], window: Window) -> CaseFact | None:
    for mark in marks:
        due = mark_due_at(mark)
        if due is None or due >= window.due_at:
            return mark
    return None


def mark_due_at(mark: CaseFact) -> datetime | None:
    """The deadline a clock mark was recorded for (``None`` if it names none).

    Facts built from events carry a ``datetime``; facts read back from the
    read model carry the ISO text it was stored as.
    """
    value = mark.attributes.get("due_at")
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    if not isinstance(value, datetime) or value.utcoffset() is None:
        return None
    return value


def judge_due(
    window: Window,
    fulfilment: CaseFact | None,
    cancellation: CaseFact | None,
    marks: ClockMarks,
    now: datetime | None,
) -> Verdict:
    """Status of an obligation to do something by ``window.due_at``.

    ``fulfilment`` is the fact that meets it (already chosen, occurring at or
    after the trigger and before any cancellation). Met by a fulfilment at or
    before the due date; met late after it (``breached_at`` then says when the
    deadline was missed). Unmet: cancelled if the cancellation occurred before
    the due date; breached if the clock recorded a breach, or ``now`` is at or
    past the due date; warning if the clock recorded a warning or ``now`` is at
    or past the warning point; open otherwise.
    """
    if fulfilment is not None:
        if fulfilment.occurred_at <= window.due_at:
            return Verdict(
                ObligationStatus.MET,
                met_at=fulfilment.occurred_at,
                met_by_version=fulfilment.version,
            )
        breach = marks.breach_for(window)
        return Verdict(
            ObligationStatus.MET_LATE,
            met_at=fulfilment.occurred_at,
            met_by_version=fulfilment.version,
            breached_at=window.due_at if breach is None else breach.occurred_at,
            breached_by_version=None if breach is None else breach.version,
        )
    if cancellation is not None and cancellation.occurred_at < window.due_at:
        return _cancelled(cancellation)
    breach = marks.breach_for(window)
    if breach is not None:
        return Verdict(
            ObligationStatus.BREACHED,
            breached_at=breach.occurred_at,
            breached_by_version=breach.version,
        )
    if now is not None and now >= window.due_at:
        return Verdict(ObligationStatus.BREACHED, breached_at=window.due_at)
    warned_by_clock = marks.warning_for(window) is not None
    warned_by_time = (
        now is not None and window.warn_at is not None and now >= window.warn_at
    )
    if warned_by_clock or warned_by_time:
        return Verdict(ObligationStatus.WARNING)
    return Verdict(ObligationStatus.OPEN)


def judge_not_before(
    window: Window,
    forbidden: CaseFact | None,
    cancellation: CaseFact | None,
    marks: ClockMarks,
    now: datetime | None,
) -> Verdict:
    """Status of an obligation not to do something before ``window.due_at``.

    ``forbidden`` is the earliest forbidden fact occurring at or after the
    trigger, strictly before the period ends and before any cancellation: it
    breaches the obligation the moment it occurred. Otherwise cancelled if the
    cancellation occurred before the period ended; breached if the clock
    recorded a breach; met once ``now`` reaches the end of the period (``met_at``
    is that end); open otherwise (always, when ``now`` is not given).
    """
    if forbidden is not None:
        return Verdict(
            ObligationStatus.BREACHED,
            breached_at=forbidden.occurred_at,
            breached_by_version=forbidden.version,
        )
    if cancellation is not None and cancellation.occurred_at < window.due_at:
        return _cancelled(cancellation)
    breach = marks.breach_for(window)
    if breach is not None:
        return Verdict(
            ObligationStatus.BREACHED,
            breached_at=breach.occurred_at,
            breached_by_version=breach.version,
        )
    if now is not None and now >= window.due_at:
        return Verdict(ObligationStatus.MET, met_at=window.due_at)
    return Verdict(ObligationStatus.OPEN)


def assign_instances(
    due_dates: Sequence[datetime], candidates: Sequence[CaseFact]
) -> list[CaseFact | None]:
    """Which fulfilling fact meets each instance of a recurring obligation.

    ``due_dates`` holds ``due_0`` (the trigger's occurred_at), ``due_1`` ...
    ``due_count`` and one more, ``due_count+1``; ``candidates`` are the
    fulfilling facts sorted by (occurred_at, version), all at or after the
    trigger. Each fact meets at most one instance:

    1. On time first: instance k takes the earliest fact in
       ``(due_{k-1}, due_k]`` (``[due_0, due_1]`` for k = 1). A second fact in
       the same interval does not count ahead for the next instance.
    2. Then late: each instance still unmet, in order, takes the earliest
       fact not yet taken in ``(due_k, due_{k+1}]``.
    """
    count = len(due_dates) - 2
    taken: set[int] = set()
    chosen: list[CaseFact | None] = [None] * count

    def first_free(
        lower: datetime, upper: datetime, *, include_lower: bool = False
    ) -> CaseFact | None:
        for fact in candidates:
            inside = lower < fact.occurred_at <= upper or (
                include_lower and fact.occurred_at == lower
            )
            if inside and fact.version not in taken:
                taken.add(fact.version)
                return fact
        return None

    for k in range(1, count + 1):
        chosen[k - 1] = first_free(due_dates[k - 1], due_dates[k], include_lower=k == 1)
    for k in range(1, count + 1):
        if chosen[k - 1] is None:
            chosen[k - 1] = first_free(due_dates[k], due_dates[k + 1])
    return chosen


def _cancelled(cancellation: CaseFact) -> Verdict:
    return Verdict(
        ObligationStatus.CANCELLED,
        cancelled_at=cancellation.occurred_at,
        cancelled_by_version=cancellation.version,
    )
