"""The SOP rule model: rules as data, the working-day calendar, obligations.

Pure Python: reads ``CaseFact``s and TOML files, returns values. Entry points:

- ``load_rulebook(folder)`` / ``load_calendar(path)``: read ``deploy/sop/``.
- ``obligations_of(facts, rulebook, calendar, now=None)``: a case's obligations
  and their status.
- ``summarise(obligations)``: counts and on-time rate per rule.
- ``due_actions(obligations, now)`` / ``next_action_at(obligation)``: the
  warnings and breaches the SOP clock must record, and when.
- ``due_soon_at(obligation)`` / ``CaseStanding``: when an obligation is due
  soon, and whether the case set it aside (closed, returned).
"""

from __future__ import annotations

from domain.sop.attention import DUE_SOON_SHARE, CaseStanding, SetAside, due_soon_at
from domain.sop.calendar import WorkingCalendar
from domain.sop.calendar_file import load_calendar, parse_calendar
from domain.sop.corrections import apply_corrections
from domain.sop.deadlines import (
    DeadlineAction,
    DeadlineEventKind,
    due_actions,
    next_action_at,
)
from domain.sop.easter import catholic_easter, orthodox_easter
from domain.sop.errors import (
    CalendarFileError,
    InvalidCorrection,
    InvalidFacts,
    NoRuleSetInForce,
    RuleFileError,
    SopError,
)
from domain.sop.holidays import (
    EasterHoliday,
    EasterTradition,
    ExtraDayOff,
    FixedHoliday,
    Holiday,
    HolidayRule,
    LunarHoliday,
)
from domain.sop.loader import load_rulebook, load_ruleset, parse_ruleset
from domain.sop.obligations import Obligation, obligations_of
from domain.sop.patterns import (
    Condition,
    ConditionValue,
    Duration,
    DurationUnit,
    EventPattern,
    Trigger,
)
from domain.sop.rules import (
    DEFAULT_WARN_AT_FRACTION,
    DueWithin,
    NotBefore,
    Recurring,
    Rule,
    RuleBook,
    RuleKind,
    RuleSet,
    RuleTitle,
)
from domain.sop.status import ObligationStatus
from domain.sop.summary import Counts, summarise
from domain.sop.vocabulary import ROLES, known_event_types

__all__ = [
    "DEFAULT_WARN_AT_FRACTION",
    "DUE_SOON_SHARE",
    "ROLES",
    "CalendarFileError",
    "CaseStanding",
    "Condition",
    "ConditionValue",
    "Counts",
    "DeadlineAction",
    "DeadlineEventKind",
    "DueWithin",
    "Duration",
    "DurationUnit",
    "EasterHoliday",
    "EasterTradition",
    "EventPattern",
    "ExtraDayOff",
    "FixedHoliday",
    "Holiday",
    "HolidayRule",
    "InvalidCorrection",
    "InvalidFacts",
    "LunarHoliday",
    "NoRuleSetInForce",
    "NotBefore",
    "Obligation",
    "ObligationStatus",
    "Recurring",
    "Rule",
    "RuleBook",
    "RuleFileError",
    "RuleKind",
    "RuleSet",
    "RuleTitle",
    "SetAside",
    "SopError",
    "Trigger",
    "WorkingCalendar",
    "apply_corrections",
    "catholic_easter",
    "due_actions",
    "due_soon_at",
    "known_event_types",
    "load_calendar",
    "load_rulebook",
    "load_ruleset",
    "next_action_at",
    "obligations_of",
    "orthodox_easter",
    "parse_calendar",
    "parse_ruleset",
    "summarise",
]
