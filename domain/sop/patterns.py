"""Matching facts: durations, attribute conditions, event patterns, triggers.

These are the building blocks of a rule (see ``rules``): *when* a rule fires
(a ``Trigger``), *what* fulfils, forbids or cancels it (``EventPattern``), and
*how long* it runs (``Duration``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from domain.facts import CaseFact
from domain.sop.calendar import WorkingCalendar, require_aware

ConditionValue = str | int | float | bool
# The deadline of a duration counted from a time at the edge of the calendar.
BEYOND_THE_CALENDAR = datetime(9999, 12, 30, tzinfo=UTC)


class DurationUnit(StrEnum):
    """How a duration is counted.

    ``hours`` is elapsed time; ``days`` are calendar days at the same local
    time of day; ``working_days`` follow ``WorkingCalendar.add_working_days``.
    """

    HOURS = "hours"
    DAYS = "days"
    WORKING_DAYS = "working_days"


@dataclass(frozen=True)
class Duration:
    """A positive whole number of hours, days or working days."""

    amount: int
    unit: DurationUnit

    def __post_init__(self) -> None:
        if isinstance(self.amount, bool) or not isinstance(self.amount, int):
            raise ValueError(f"duration amount must be a whole number: {self.amount!r}")
        if self.amount <= 0:
            raise ValueError(f"duration must be positive: {self.amount} {self.unit}")

    def after(self, start: datetime, calendar: WorkingCalendar) -> datetime:
        """The moment this long after ``start``, in UTC."""
        return self.times(1, start, calendar)

    def times(self, k: int, start: datetime, calendar: WorkingCalendar) -> datetime:
        """The moment ``k`` times this long after ``start`` (``k >= 0``), in UTC.

        Counted from ``start`` in one go, not step by step, so the k-th
        recurrence of "every 30 days" is exactly 30*k local days later.
        """
        amount = self.amount * k
        require_aware(start)
        try:
            if self.unit is DurationUnit.HOURS:
                return start.astimezone(UTC) + timedelta(hours=amount)
            if self.unit is DurationUnit.DAYS:
                return calendar.add_days(start, amount)
            return calendar.add_working_days(start, amount)
        except (OverflowError, ValueError):
            # A start at the edge of the calendar (a year like 1 or 9999, which
            # the case refuses but an old entry may hold): no deadline can be
            # counted from it, so it lies beyond any "now".
            return BEYOND_THE_CALENDAR

    def before(self, moment: datetime, calendar: WorkingCalendar) -> datetime:
        """The moment this long before ``moment``, in UTC: hours of elapsed
        time, or calendar days at the same local time (a ``due_within`` rule
        with ``before``). Working days are not counted backwards."""
        require_aware(moment)
        if self.unit is DurationUnit.HOURS:
            return moment.astimezone(UTC) - timedelta(hours=self.amount)
        if self.unit is DurationUnit.DAYS:
            local = moment.astimezone(calendar.time_zone)
            earlier = datetime.combine(
                local.date() - timedelta(days=self.amount),
                local.time().replace(tzinfo=None),
                tzinfo=calendar.time_zone,
            )
            return earlier.astimezone(UTC)
        raise ValueError("a duration before a moment is in hours or days")

    def __str__(self) -> str:
        return f"{self.amount} {self.unit.value}"


@dataclass(frozen=True)
class Condition:
    """An attribute equal to one of ``values``.

    One value means "equals", several mean "is one of". When the fact's
    attribute is itself a list (``indicators``, ``exploitation_types``), the
    condition holds when any element is one of ``values``. ``True`` and ``1``
    are different values here, unlike in plain Python.
    """

    attribute: str
    values: tuple[ConditionValue, ...]

    def __post_init__(self) -> None:
        if not self.values:
            raise ValueError(f"condition on {self.attribute!r} has no values")

    def holds_for(self, actual: object) -> bool:
        """Whether the attribute value ``actual`` satisfies the condition."""
        if isinstance(actual, list | tuple | set | frozenset):
            return any(self.holds_for(element) for element in actual)
        return any(_same(actual, allowed) for allowed in self.values)


@dataclass(frozen=True)
class EventPattern:
    """An event type with conditions on the event's own attributes."""

    event_type: str
    where: tuple[Condition, ...] = ()

    def matches(self, fact: CaseFact) -> bool:
        """Whether ``fact`` is of this type and meets every condition."""
        if fact.type != self.event_type:
            return False
        attributes = fact.attributes
        for condition in self.where:
            if condition.attribute not in attributes or not condition.holds_for(
                attributes[condition.attribute]
            ):
                return False
        return True


@dataclass(frozen=True)
class Trigger:
    """The event that makes a rule create an obligation.

    A condition on an attribute the trigger event does not carry is looked up
    in ``case_attributes`` (the case's ``Identified`` attributes), so a rule can
    fire on ``Referred`` only for minors or only in one region.
    """

    event_type: str
    where: tuple[Condition, ...] = ()

    def matches(self, fact: CaseFact, case_attributes: Mapping[str, object]) -> bool:
        """Whether ``fact`` triggers the rule in a case with these attributes."""
        if fact.type != self.event_type:
            return False
        for condition in self.where:
            if condition.attribute in fact.attributes:
                actual = fact.attributes[condition.attribute]
            elif condition.attribute in case_attributes:
                actual = case_attributes[condition.attribute]
            else:
                return False
            if not condition.holds_for(actual):
                return False
        return True


def _same(actual: object, allowed: ConditionValue) -> bool:
    # bool is a subclass of int: keep `is_minor = true` from matching a 1.
    if isinstance(actual, bool) or isinstance(allowed, bool):
        return type(actual) is type(allowed) and actual == allowed
    return actual == allowed
