"""By when a referral must be answered, as the SOP rules say: told to the
agency in the referral alert, beside the links to accept or decline it.

The rule is found, not named: a ``due_within`` rule of the rule set in force
when the referral was recorded, triggered by this referral (its conditions
checked against the referral and the case), that an acceptance or a refusal
meets. If several apply, the earliest deadline is the one to keep.
"""

from __future__ import annotations

from datetime import UTC, datetime

from domain import events as ev
from domain.facts import fact_of
from domain.sop import DueWithin, RuleBook, WorkingCalendar
from handlers.contexts import CaseContext

ANSWERS = frozenset({"ReferralAccepted", "ReferralDeclined"})


def answer_due(
    event: ev.Referred,
    case: CaseContext | None,
    rulebook: RuleBook,
    calendar: WorkingCalendar,
) -> datetime | None:
    """When the referral's answer is due, or None if no rule asks for one."""
    fact = fact_of(event)
    ruleset = rulebook.find_in_force_at(fact.recorded_at)
    if ruleset is None:
        return None
    attributes: dict[str, object] = {}
    if case is not None:
        attributes = {
            "region": case.region,
            "municipality": case.municipality,
            "is_minor": case.is_minor,
            "case_type": case.case_type,
        }
    start = event.occurred_at.astimezone(UTC)
    due = [
        rule.within.after(start, calendar)
        for rule in ruleset.rules
        if isinstance(rule, DueWithin)
        and rule.trigger.matches(fact, attributes)
        and any(pattern.event_type in ANSWERS for pattern in rule.fulfilled_by)
    ]
    return min(due, default=None)
