"""The SOP rule model: rules, versioned rule sets, and the rule book.

A rule says *when* an obligation arises (its trigger), *what* must or must not
follow and *within* how long, what cancels it, and *who* is told on a breach.
Three kinds:

- ``DueWithin``: a fulfilling event must occur within a duration of the
  trigger (police notified within 1 hour of identification).
- ``NotBefore``: a forbidden event must not occur before a period ends (no
  return before the 30-day reflection period ends).
- ``Recurring``: a fulfilling event in each of ``count`` intervals after the
  trigger (a follow-up every 30 days, 12 times).

Rules are grouped into versioned ``RuleSet``s; a ``RuleBook`` holds every
version ever in force, so an obligation is judged by the rules of its time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from itertools import pairwise
from typing import ClassVar

from domain.sop.errors import NoRuleSetInForce
from domain.sop.patterns import (
    Condition,
    ConditionValue,
    Duration,
    DurationUnit,
    EventPattern,
    Trigger,
)

__all__ = [
    "Condition",
    "ConditionValue",
    "DueWithin",
    "Duration",
    "DurationUnit",
    "EventPattern",
    "NotBefore",
    "Recurring",
    "Rule",
    "RuleBase",
    "RuleBook",
    "RuleKind",
    "RuleSet",
    "RuleTitle",
    "Trigger",
]

DEFAULT_WARN_AT_FRACTION = 0.75
# The languages a rule's title is written in: what the pages and alerts speak.
TITLE_LANGUAGES = ("sq", "en")


@dataclass(frozen=True)
class RuleTitle:
    """What a rule is called, for people: Albanian and English."""

    sq: str = ""
    en: str = ""

    def in_language(self, language: str) -> str:
        """The title in ``language`` (Albanian for a language it lacks)."""
        return self.en if language == "en" else self.sq


class RuleKind(StrEnum):
    """The three kinds of obligation a rule can create."""

    DUE_WITHIN = "due_within"
    NOT_BEFORE = "not_before"
    RECURRING = "recurring"


@dataclass(frozen=True, kw_only=True)
class RuleBase:
    """What every kind of rule has.

    ``correlate_on`` names attributes that a fulfilling, forbidden or
    cancelling fact must share with the trigger (``referral_id``: only the
    answer to *this* referral counts). ``warn_at`` overrides the rule set's
    warning fraction for this rule.
    """

    kind: ClassVar[RuleKind]

    id: str
    trigger: Trigger
    correlate_on: tuple[str, ...] = ()
    cancelled_by: tuple[EventPattern, ...] = ()
    notify_on_breach: tuple[str, ...] = ()
    warn_at: float | None = None
    basis: str = ""
    title: RuleTitle = RuleTitle()

    def __post_init__(self) -> None:
        if not self.id:
            raise ValueError("rule id must not be empty")
        if self.warn_at is not None:
            _check_fraction(self.warn_at, "warn_at")


@dataclass(frozen=True, kw_only=True)
class DueWithin(RuleBase):
    """A fulfilling event must occur within ``within`` of the trigger; or,
    with ``before``, ``within`` before the moment the trigger's attribute of
    that name holds (a hearing's time, a protection order's last day: a
    local Tirana time ``YYYY-MM-DDTHH:MM`` or a day ``YYYY-MM-DD``, the day
    ending at midnight). An empty attribute gives no obligation."""

    kind: ClassVar[RuleKind] = RuleKind.DUE_WITHIN

    within: Duration
    fulfilled_by: tuple[EventPattern, ...]
    before: str = ""

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.fulfilled_by:
            raise ValueError("a due_within rule needs at least one fulfilled_by event")
        if self.before and self.within.unit is DurationUnit.WORKING_DAYS:
            raise ValueError("a rule due before a moment counts hours or days")


@dataclass(frozen=True, kw_only=True)
class NotBefore(RuleBase):
    """No forbidden event may occur before ``period`` has passed."""

    kind: ClassVar[RuleKind] = RuleKind.NOT_BEFORE

    period: Duration
    forbidden: tuple[EventPattern, ...]

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.forbidden:
            raise ValueError("a not_before rule needs at least one forbidden event")


@dataclass(frozen=True, kw_only=True)
class Recurring(RuleBase):
    """A fulfilling event in each of ``count`` successive ``every`` intervals."""

    kind: ClassVar[RuleKind] = RuleKind.RECURRING

    every: Duration
    count: int
    fulfilled_by: tuple[EventPattern, ...]

    def __post_init__(self) -> None:
        super().__post_init__()
        if isinstance(self.count, bool) or not isinstance(self.count, int):
            raise ValueError(f"count must be a whole number: {self.count!r}")
        if self.count < 1:
            raise ValueError(f"count must be at least 1: {self.count}")
        if not self.fulfilled_by:
            raise ValueError("a recurring rule needs at least one fulfilled_by event")


Rule = DueWithin | NotBefore | Recurring


@dataclass(frozen=True)
class RuleSet:
    """One version of the rules, in force from ``effective_from`` onwards."""

    version: str
    effective_from: datetime
    rules: tuple[Rule, ...]
    warn_at_fraction: float = DEFAULT_WARN_AT_FRACTION

    def __post_init__(self) -> None:
        if not self.version:
            raise ValueError("rule set version must not be empty")
        if self.effective_from.utcoffset() is None:
            raise ValueError(
                f"rule set {self.version}: effective_from needs a UTC offset"
            )
        _check_fraction(self.warn_at_fraction, "warn_at_fraction")
        seen: set[str] = set()
        for rule in self.rules:
            if rule.id in seen:
                raise ValueError(
                    f"rule set {self.version}: duplicate rule id {rule.id!r}"
                )
            seen.add(rule.id)

    def rule(self, rule_id: str) -> Rule:
        """The rule with this id; ``KeyError`` if there is none."""
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)

    def warn_fraction(self, rule: Rule) -> float:
        """The fraction of a rule's time after which a warning is due."""
        return self.warn_at_fraction if rule.warn_at is None else rule.warn_at


@dataclass(frozen=True)
class RuleBook:
    """Every rule set version, ordered by ``effective_from``.

    Obligations are pinned to the rule set in force when their trigger was
    recorded: a rule-file change applies to new obligations only, and an
    auditor replaying 2024 sees 2024's rules.
    """

    rulesets: tuple[RuleSet, ...]

    def __post_init__(self) -> None:
        ordered = tuple(sorted(self.rulesets, key=lambda rs: rs.effective_from))
        if not ordered:
            raise ValueError("a rule book needs at least one rule set")
        versions = [rs.version for rs in ordered]
        duplicates = sorted({v for v in versions if versions.count(v) > 1})
        if duplicates:
            raise ValueError(f"duplicate rule set version(s): {', '.join(duplicates)}")
        for earlier, later in pairwise(ordered):
            if earlier.effective_from == later.effective_from:
                raise ValueError(
                    f"rule sets {earlier.version} and {later.version} take effect "
                    f"at the same moment ({later.effective_from.isoformat()})"
                )
        object.__setattr__(self, "rulesets", ordered)

    @property
    def latest(self) -> RuleSet:
        """The rule set with the latest ``effective_from``."""
        return self.rulesets[-1]

    def version(self, version: str) -> RuleSet:
        """The rule set of this version; ``KeyError`` if there is none."""
        for ruleset in self.rulesets:
            if ruleset.version == version:
                return ruleset
        raise KeyError(version)

    def find_in_force_at(self, moment: datetime) -> RuleSet | None:
        """The latest rule set with ``effective_from <= moment``, or ``None``."""
        found = None
        for ruleset in self.rulesets:
            if ruleset.effective_from <= moment:
                found = ruleset
        return found

    def in_force_at(self, moment: datetime) -> RuleSet:
        """The latest rule set with ``effective_from <= moment``.

        Raises ``NoRuleSetInForce`` for a moment before the earliest one.
        """
        found = self.find_in_force_at(moment)
        if found is None:
            raise NoRuleSetInForce(
                f"no rule set in force at {moment.isoformat()}; the earliest takes "
                f"effect at {self.rulesets[0].effective_from.isoformat()}"
            )
        return found


def _check_fraction(value: float, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{name} must be a number between 0 and 1: {value!r}")
    if not 0 < value < 1:
        raise ValueError(f"{name} must be between 0 and 1 (exclusive): {value}")
