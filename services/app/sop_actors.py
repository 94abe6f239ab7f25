"""Who must act on an SOP obligation, and which step of a case meets it.

Both are read from the rule and the command table, so a new rule or command
needs no code here:

- the *actor*: an obligation met by an acknowledgement is the acknowledging
  authority's (police, Child Protection Unit, Responsible Authority); one met
  by the answer to a referral (a rule on ``Referred`` correlated on
  ``referral_id``) is the agency's it was made to; one met by a step only the
  Responsible Authority records (its status decision) is the Responsible
  Authority's; any other is the case owner's to do or to see done;
- the *steps*: the commands of ``domain.commands`` that record the event the
  obligation asks for, each with its form's path (``/cases/{id}/steps/<path>``)
  and the values the rule fixes (``authority=police``) or the obligation names
  (the referral to answer) filled in.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from urllib.parse import urlencode

from domain.commands import COMMANDS
from domain.sop import EventPattern, NotBefore, Rule, RuleBook


class Actor(StrEnum):
    """Who must act on an obligation."""

    CASE_OWNER = "case_owner"
    AGENCY = "agency"
    RESPONSIBLE_AUTHORITY = "responsible_authority"
    POLICE = "police"
    CHILD_PROTECTION_UNIT = "child_protection_unit"


@dataclass(frozen=True)
class Step:
    """A step of a case that meets an obligation, and its form."""

    command: str
    path: str
    summary: str
    # Fields the rule fixes, e.g. (("authority", "police"),).
    fixed: tuple[tuple[str, str], ...] = ()
    # Whether the form names the referral the obligation is about.
    names_referral: bool = False

    def href(self, case_id: object, referral_id: str | None = None) -> str:
        """The form's address for one case, its known fields filled in."""
        values = list(self.fixed)
        if self.names_referral and referral_id:
            values.append(("referral_id", referral_id))
        query = f"?{urlencode(values)}" if values else ""
        return f"/cases/{case_id}/steps/{self.path}{query}"


def fulfilling(rule: Rule) -> tuple[EventPattern, ...]:
    """The events that meet ``rule`` (none for a not-before rule)."""
    return () if isinstance(rule, NotBefore) else rule.fulfilled_by


def actor_of(rule: Rule) -> Actor:
    """Who must act on the obligations of ``rule``."""
    patterns = fulfilling(rule)
    for pattern in patterns:
        if pattern.event_type == "AlertAcknowledged":
            for condition in pattern.where:
                if condition.attribute == "authority" and len(condition.values) == 1:
                    return Actor(str(condition.values[0]))
    if rule.trigger.event_type == "Referred" and "referral_id" in rule.correlate_on:
        return Actor.AGENCY
    recorders = {
        command.declaration.recorded_by
        for pattern in patterns
        for command in COMMANDS.values()
        if command.declaration.records.__name__ == pattern.event_type
    }
    if recorders == {"responsible_authority"}:
        return Actor.RESPONSIBLE_AUTHORITY
    return Actor.CASE_OWNER


def steps_of(rule: Rule) -> tuple[Step, ...]:
    """The steps (with a form) that record an event meeting ``rule``."""
    steps: list[Step] = []
    for pattern in fulfilling(rule):
        for name, command in COMMANDS.items():
            declaration = command.declaration
            if declaration.records.__name__ != pattern.event_type:
                continue
            if not declaration.path:
                continue
            fields = {f.name for f in dataclasses.fields(command)}  # type: ignore[arg-type]
            fixed = tuple(
                (c.attribute, str(c.values[0]))
                for c in pattern.where
                if c.attribute in fields and len(c.values) == 1
            )
            steps.append(
                Step(
                    name,
                    declaration.path,
                    declaration.summary,
                    fixed,
                    "referral_id" in rule.correlate_on and "referral_id" in fields,
                )
            )
    return tuple(steps)


class RuleGuide:
    """The actors and steps of every rule of a rule book, looked up by the
    rule-set version and rule id an obligation names."""

    def __init__(self, rulebook: RuleBook) -> None:
        self.rulebook = rulebook
        self._rules: Mapping[tuple[str, str], Rule] = {
            (ruleset.version, rule.id): rule
            for ruleset in rulebook.rulesets
            for rule in ruleset.rules
        }

    def rule(self, version: str, rule_id: str) -> Rule | None:
        return self._rules.get((version, rule_id))

    def actor(self, version: str, rule_id: str) -> Actor:
        rule = self.rule(version, rule_id)
        return Actor.CASE_OWNER if rule is None else actor_of(rule)

    def steps(self, version: str, rule_id: str) -> tuple[Step, ...]:
        rule = self.rule(version, rule_id)
        return () if rule is None else steps_of(rule)

    def in_force(self, now: datetime) -> frozenset[str]:
        """The rule ids of the rule set in force at ``now``: an obligation of
        any other rule is of a rule superseded since."""
        ruleset = self.rulebook.find_in_force_at(now) or self.rulebook.rulesets[0]
        return frozenset(rule.id for rule in ruleset.rules)

    def acted_by(self, actors: Iterable[Actor]) -> frozenset[str]:
        """The ids of the rules (of any version) whose actor is one of ``actors``."""
        wanted = set(actors)
        return frozenset(
            rule_id
            for (_version, rule_id), rule in self._rules.items()
            if actor_of(rule) in wanted
        )
