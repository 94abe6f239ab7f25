"""The steps a page offers on a case, each with the SOP obligations it meets.

A step is offered when the viewer's role may record its command in the
case's region (``services.api.policy.may_record``) and the case allows it
now (``CaseService.offers``, from the command table). Beside it: the case's
unmet SOP obligations that its event would meet (the rule's ``fulfilled_by``
names the event), each with its due time, and the values that meet that one
(the authority the rule waits for, the referral it is about) to fill the
form in with.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from domain.catalogue import REGIONS
from domain.commands import COMMANDS, CaseCommand
from domain.facts import CaseFact
from domain.sop import DueWithin, Obligation, Recurring, RuleBook
from domain.sop.patterns import EventPattern
from services.api.choices import choices_for
from services.api.context import ApiContext
from services.api.form_model import specs_of
from services.api.policy import Principal, may_record
from services.api.sop_view import judge

UNMET = frozenset({"open", "warning", "breached"})
BY_PATH: Mapping[str, str] = {
    command.declaration.path: name
    for name, command in COMMANDS.items()
    if command.declaration.path
}


class NotOffered(Exception):
    """The step makes no sense on the case now (answered as a page, 409)."""


@dataclass(frozen=True)
class Meets:
    """An unmet obligation a step would meet, and the values that meet it."""

    obligation: Obligation
    prefill: Mapping[str, str]


@dataclass
class OfferedStep:
    command: str
    path: str
    summary: str
    meets: list[Meets] = field(default_factory=list)


@dataclass
class CaseNow:
    """A case as a form or a step list needs it: its summary, its facts, its
    obligations judged now, and what it offers the viewer."""

    case: dict[str, Any]
    facts: list[CaseFact]
    obligations: list[Obligation]
    offers: dict[str, Any]


def opening_regions(viewer: Principal, command: str = "identify") -> list[str]:
    """The regions ``viewer`` may open a case in with ``command``."""
    return [region for region in REGIONS if may_record(viewer, command, region)]


def unmet(obligations: Iterable[Obligation]) -> list[Obligation]:
    return [o for o in obligations if str(o.status) in UNMET and o.met_at is None]


def _fulfilled_by(rulebook: RuleBook, o: Obligation) -> tuple[EventPattern, ...]:
    try:
        rule = rulebook.version(o.ruleset_version).rule(o.rule_id)
    except KeyError:
        return ()
    return rule.fulfilled_by if isinstance(rule, DueWithin | Recurring) else ()


def awaited(rulebook: RuleBook, obligations: Iterable[Obligation]) -> frozenset[str]:
    """The event types the unmet obligations wait for."""
    return frozenset(
        p.event_type for o in unmet(obligations) for p in _fulfilled_by(rulebook, o)
    )


def meets_of(
    command: type[CaseCommand],
    rulebook: RuleBook,
    obligations: Iterable[Obligation],
    facts: Sequence[CaseFact],
    choices: Mapping[str, Sequence[Mapping[str, Any]]],
) -> list[Meets]:
    """The unmet obligations ``command``'s event would meet, with the values
    that meet each; an obligation met only by a value the case does not offer
    the viewer (another agency's referral) is left out, and of a recurring
    rule's instances only the next one is named."""
    event_type = command.declaration.records.__name__
    fields = {spec.name for spec in specs_of(command)}
    by_version = {fact.version: fact for fact in facts}
    rule_of = {(rs.version, r.id): r for rs in rulebook.rulesets for r in rs.rules}
    found = []
    named: set[tuple[str, int]] = set()
    for o in sorted(unmet(obligations), key=lambda o: o.due_at):
        if (o.rule_id, o.trigger_version) in named:
            continue
        for pattern in _fulfilled_by(rulebook, o):
            if pattern.event_type != event_type:
                continue
            prefill = {
                c.attribute: str(c.values[0])
                for c in pattern.where
                if c.attribute in fields and len(c.values) == 1
            }
            trigger = by_version.get(o.trigger_version)
            rule = rule_of.get((o.ruleset_version, o.rule_id))
            for name in rule.correlate_on if rule is not None else ():
                if name in fields and trigger is not None:
                    prefill[name] = str(trigger.attributes.get(name, ""))
            if all(
                value in {str(c["value"]) for c in choices[name]}
                for name, value in prefill.items()
                if name in choices
            ):
                found.append(Meets(o, prefill))
                named.add((o.rule_id, o.trigger_version))
            break
    return found


def case_now(
    ctx: ApiContext,
    viewer: Principal,
    case_id: UUID,
    case: dict[str, Any],
    facts: list[CaseFact] | None = None,
) -> CaseNow:
    """The case's obligations judged now and what it offers ``viewer``, from
    ``facts`` (the timeline's), or else from the event store (never behind)."""
    if facts is None:
        facts = [event.fact() for event in ctx.service.events(str(case_id))]
    obligations = judge(facts, ctx.rulebook, ctx.calendar, ctx.clock.now())
    offers = ctx.service.offers(
        str(case_id),
        role=viewer.role,
        unit=viewer.unit or viewer.agency,
        awaited=awaited(ctx.rulebook, obligations),
    )
    # Fields whose values only the running system knows (the users who may
    # own the case): offered like the case's own choices.
    for name, offer in offers["offered"].items():
        for chosen, values in choices_for(ctx, COMMANDS[name], case).items():
            offer["choices"][chosen] = [{"value": v, "about": {}} for v in values]
    return CaseNow(case, facts, obligations, offers)


def offered_steps(
    ctx: ApiContext, viewer: Principal, now: CaseNow
) -> list[OfferedStep]:
    """The steps ``viewer`` may record on the case now, in the order of a
    case's life, each with the obligations it meets."""
    region = str(now.case["region"])
    steps = []
    for name, offer in now.offers["offered"].items():
        if not may_record(viewer, name, region):
            continue
        command = COMMANDS[name]
        declaration = command.declaration
        assert declaration.path is not None
        meets = meets_of(
            command, ctx.rulebook, now.obligations, now.facts, offer["choices"]
        )
        steps.append(OfferedStep(name, declaration.path, declaration.summary, meets))
    return steps
