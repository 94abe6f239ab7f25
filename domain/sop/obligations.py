"""From a case's facts to its SOP obligations: the pure core of compliance.

``obligations_of`` is called alike by the SOP compliance projection, the SOP
clock and the auditor's replay, so it takes facts and returns values, and does
no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from uuid import UUID

from domain.facts import CaseFact
from domain.sop.calendar import WorkingCalendar, require_aware
from domain.sop.corrections import apply_corrections
from domain.sop.evaluation import (
    ClockMarks,
    Verdict,
    Window,
    assign_instances,
    judge_due,
    judge_not_before,
)
from domain.sop.patterns import EventPattern
from domain.sop.rules import (
    DueWithin,
    NotBefore,
    Recurring,
    Rule,
    RuleBook,
    RuleKind,
    RuleSet,
)
from domain.sop.status import ObligationStatus
from domain.sop.vocabulary import CASE_EVENT_TYPE

__all__ = ["Obligation", "ObligationStatus", "obligations_of"]


@dataclass(frozen=True)
class Obligation:
    """One thing a case must (or must not) see happen, and where it stands.

    ``obligation_id`` is ``"<rule_id>@<trigger_version>"``, plus ``"#<k>"`` for
    the k-th instance of a recurring rule (``instance`` is then k): the same
    facts always give the same ids, which the SOP clock's ``DeadlineBreached``
    events name. Times are UTC. ``warn_at`` is ``None`` for ``not_before``
    obligations: there is nothing to hurry.

    ``warning_event_version`` and ``breach_event_version`` are the case
    versions of the SOP clock's ``DeadlineWarning`` / ``DeadlineBreached``
    for this obligation's current deadline, ``None`` while none is recorded
    (see ``ClockMarks``): the clock reads them to record each exactly once.
    """

    obligation_id: str
    case_id: UUID
    rule_id: str
    ruleset_version: str
    kind: RuleKind
    trigger_version: int
    trigger_type: str
    triggered_at: datetime
    due_at: datetime
    warn_at: datetime | None
    status: ObligationStatus
    met_at: datetime | None
    met_by_version: int | None
    breached_at: datetime | None
    notify_on_breach: tuple[str, ...]
    instance: int | None = None
    breached_by_version: int | None = None
    cancelled_at: datetime | None = None
    cancelled_by_version: int | None = None
    warning_event_version: int | None = None
    breach_event_version: int | None = None
    # When its time began: the trigger, or for the k-th instance of a
    # recurring rule the (k-1)-th due date (``evaluation.Window``).
    starts_at: datetime | None = None


def obligations_of(
    facts: Sequence[CaseFact],
    rulebook: RuleBook,
    calendar: WorkingCalendar,
    now: datetime | None = None,
) -> list[Obligation]:
    """Every obligation one case's facts give rise to, with its status.

    1. ``EntryCorrected`` facts are applied first (later corrections win).
    2. Each fact, in version order, is checked against every rule of the rule
       set in force at the fact's ``recorded_at``; each match creates an
       obligation (``count`` of them for a recurring rule). Facts recorded
       before the earliest rule set create none.
    3. Each obligation is judged by ``occurred_at`` (see ``evaluation``). With
       ``now`` given, deadlines passed by ``now`` count as breached and warning
       points as warnings; with ``now=None`` only the clock's
       ``DeadlineBreached`` / ``DeadlineWarning`` facts say so.

    The result is ordered by trigger version, then rule order in the rule set,
    then instance.
    """
    if now is not None:
        now = require_aware(now).astimezone(UTC)
    history = apply_corrections(facts)
    case_attributes = _case_attributes(history)
    marks = ClockMarks.from_facts(history)
    found: list[Obligation] = []
    for trigger in history:
        ruleset = rulebook.find_in_force_at(trigger.recorded_at)
        if ruleset is None:
            continue
        later: list[CaseFact] | None = None  # shared by the rules it triggers
        for rule in ruleset.rules:
            if rule.trigger.matches(trigger, case_attributes):
                if later is None:
                    later = _facts_after(trigger, history)
                arising = _Arising(rule, ruleset, trigger, later, calendar)
                found.extend(arising.obligations(marks, now))
    return found


def _facts_after(trigger: CaseFact, history: Sequence[CaseFact]) -> list[CaseFact]:
    """Facts at or after the trigger, in the order they happened. A fact never
    answers its own trigger."""
    return sorted(
        (
            fact
            for fact in history
            if fact.version != trigger.version
            and fact.occurred_at >= trigger.occurred_at
        ),
        key=lambda fact: (fact.occurred_at, fact.version),
    )


class _Arising:
    """One rule triggered by one fact: the facts after it, and its obligations."""

    def __init__(
        self,
        rule: Rule,
        ruleset: RuleSet,
        trigger: CaseFact,
        later: Sequence[CaseFact],
        calendar: WorkingCalendar,
    ) -> None:
        """``later``: the facts after the trigger (``_facts_after``)."""
        self.rule = rule
        self.ruleset = ruleset
        self.trigger = trigger
        self.calendar = calendar
        self.start = trigger.occurred_at.astimezone(UTC)
        self.cancellation = next(
            (fact for fact in later if _any_match(rule.cancelled_by, fact)), None
        )
        # Nothing that happened after the cancellation counts for this trigger:
        # ``later`` is in that order, so the cancellation ends it.
        self.relevant: Sequence[CaseFact] = (
            later
            if self.cancellation is None
            else later[: later.index(self.cancellation)]
        )

    def obligations(self, marks: ClockMarks, now: datetime | None) -> list[Obligation]:
        """The obligations this trigger creates, judged."""
        rule = self.rule
        if isinstance(rule, DueWithin):
            if rule.before:
                moment = self.trigger.attributes.get(rule.before)
                anchor = anchor_of(moment, self.calendar)
                if anchor is None:
                    return []
                # Recorded too late to meet it in time: due at once.
                due = max(self.start, rule.within.before(anchor, self.calendar))
            else:
                due = rule.within.after(self.start, self.calendar)
            window = self._window(self._id(), self.start, due)
            fulfilment = next(iter(self._matching(rule.fulfilled_by)), None)
            verdict = judge_due(window, fulfilment, self.cancellation, marks, now)
            return [self._obligation(window, verdict, marks)]
        if isinstance(rule, NotBefore):
            end = rule.period.after(self.start, self.calendar)
            window = Window(self._id(), self.start, end, warn_at=None)
            forbidden = next(
                (f for f in self._matching(rule.forbidden) if f.occurred_at < end),
                None,
            )
            verdict = judge_not_before(window, forbidden, self.cancellation, marks, now)
            return [self._obligation(window, verdict, marks)]
        return self._recurring(rule, marks, now)

    def _recurring(
        self, rule: Recurring, marks: ClockMarks, now: datetime | None
    ) -> list[Obligation]:
        # due_0 is the trigger itself: a working-day count from a Saturday
        # trigger starts on Monday, but the first interval opens at the trigger.
        due_dates = [self.start] + [
            rule.every.times(k, self.start, self.calendar)
            for k in range(1, rule.count + 2)
        ]
        chosen = assign_instances(due_dates, self._matching(rule.fulfilled_by))
        found = []
        for k in range(1, rule.count + 1):
            window = self._window(self._id(k), due_dates[k - 1], due_dates[k])
            verdict = judge_due(window, chosen[k - 1], self.cancellation, marks, now)
            found.append(self._obligation(window, verdict, marks, instance=k))
        return found

    def _matching(self, patterns: tuple[EventPattern, ...]) -> list[CaseFact]:
        return [
            fact
            for fact in self.relevant
            if _any_match(patterns, fact) and self._correlated(fact)
        ]

    def _correlated(self, fact: CaseFact) -> bool:
        mine = self.trigger.attributes
        theirs = fact.attributes
        return all(
            name in mine and name in theirs and mine[name] == theirs[name]
            for name in self.rule.correlate_on
        )

    def _id(self, instance: int | None = None) -> str:
        base = f"{self.rule.id}@{self.trigger.version}"
        return base if instance is None else f"{base}#{instance}"

    def _window(self, obligation_id: str, starts_at: datetime, due: datetime) -> Window:
        fraction = self.ruleset.warn_fraction(self.rule)
        warn_at = starts_at + (due - starts_at) * fraction
        return Window(obligation_id, starts_at, due, warn_at)

    def _obligation(
        self,
        window: Window,
        verdict: Verdict,
        marks: ClockMarks,
        instance: int | None = None,
    ) -> Obligation:
        warning = marks.warning_for(window)
        breach = marks.breach_for(window)
        return Obligation(
            obligation_id=window.obligation_id,
            case_id=self.trigger.case_id,
            rule_id=self.rule.id,
            ruleset_version=self.ruleset.version,
            kind=self.rule.kind,
            trigger_version=self.trigger.version,
            trigger_type=self.trigger.type,
            triggered_at=self.start,
            due_at=window.due_at,
            warn_at=window.warn_at,
            status=verdict.status,
            met_at=verdict.met_at,
            met_by_version=verdict.met_by_version,
            breached_at=verdict.breached_at,
            notify_on_breach=self.rule.notify_on_breach,
            instance=instance,
            breached_by_version=verdict.breached_by_version,
            cancelled_at=verdict.cancelled_at,
            cancelled_by_version=verdict.cancelled_by_version,
            warning_event_version=None if warning is None else warning.version,
            breach_event_version=None if breach is None else breach.version,
            starts_at=window.starts_at,
        )


def anchor_of(value: object, calendar: WorkingCalendar) -> datetime | None:
    """The moment a ``before`` attribute holds: a local time to the minute,
    or a day (ending at midnight after it), in Tirana; None if it holds none."""
    text = str(value or "")
    try:
        if len(text) == len("2026-12-20"):
            day = date.fromisoformat(text) + timedelta(days=1)
            return datetime.combine(day, time(), tzinfo=calendar.time_zone)
        local = datetime.strptime(text, "%Y-%m-%dT%H:%M")
    except ValueError:
        return None
    return local.replace(tzinfo=calendar.time_zone)


def _any_match(patterns: tuple[EventPattern, ...], fact: CaseFact) -> bool:
    # A loop rather than any() over a generator: judging one case makes
    # thousands of these calls, and the generator was a sixth of the judging.
    for pattern in patterns:  # noqa: SIM110
        if pattern.matches(fact):
            return True
    return False


def _case_attributes(history: Sequence[CaseFact]) -> Mapping[str, object]:
    # The first Identified fact describes the case (minor, case type, region).
    for fact in history:
        if fact.type == CASE_EVENT_TYPE:
            return fact.attributes
    return {}
