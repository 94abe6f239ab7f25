"""Load a ``RuleBook`` from a folder of rule files (``deploy/sop/rules-*.toml``).

Each file is one rule-set version, named ``rules-<version>.toml``::

    version = "2026.1"
    effective_from = 2018-08-29T00:00:00+02:00   # needs a UTC offset
    warn_at_fraction = 0.75                      # optional, default 0.75

    [[rules]]
    id = "referral-answered"
    kind = "due_within"            # due_within | not_before | recurring
    trigger = { event = "Referred" }
    within = { amount = 3, unit = "days" }   # hours | days | working_days
    # before = "hearing_at"       # due_within only: "within" before the
    #                             # moment this attribute of the trigger holds
    fulfilled_by = [{ event = "ReferralAccepted" }, { event = "ReferralDeclined" }]
    correlate_on = ["referral_id"]
    notify_on_breach = ["referring_worker", "coordinator"]
    basis = "Where the figure comes from."
    title = { sq = "Referimi mori përgjigje", en = "Referral answered" }

Conditions are ``where = { attribute = value }`` (equals) or
``where = { attribute = [v1, v2] }`` (is one of). ``not_before`` rules take
``period`` and ``forbidden``; ``recurring`` rules take ``every``, ``count`` and
``fulfilled_by``. Every rule needs a ``title`` in Albanian and English (what
the pages and alerts call it; its id is for files and logs). Every kind may
take ``cancelled_by``, ``correlate_on``, ``warn_at`` and ``basis``. Every
problem is reported as a ``RuleFileError`` naming the file, the rule and the
problem.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from datetime import datetime
from difflib import get_close_matches
from pathlib import Path

from domain.sop.errors import RuleFileError
from domain.sop.patterns import (
    Condition,
    ConditionValue,
    Duration,
    DurationUnit,
    EventPattern,
    Trigger,
)
from domain.sop.rule_file import Where
from domain.sop.rules import (
    DEFAULT_WARN_AT_FRACTION,
    TITLE_LANGUAGES,
    DueWithin,
    NotBefore,
    Recurring,
    Rule,
    RuleBook,
    RuleKind,
    RuleSet,
    RuleTitle,
)
from domain.sop.vocabulary import (
    CASE_EVENT_TYPE,
    ROLES,
    attributes_of,
    known_event_types,
)

RULE_FILE_GLOB = "rules-*.toml"
# Rule ids go into obligation ids ("rule@version#k"), so "@" and "#" are out.
_RULE_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_FILE_KEYS = {"version", "effective_from", "warn_at_fraction", "rules"}
_COMMON_KEYS = {
    "id",
    "kind",
    "trigger",
    "correlate_on",
    "cancelled_by",
    "notify_on_breach",
    "warn_at",
    "basis",
    "title",
}
_KIND_KEYS = {
    RuleKind.DUE_WITHIN: {"within", "fulfilled_by", "before"},
    RuleKind.NOT_BEFORE: {"period", "forbidden"},
    RuleKind.RECURRING: {"every", "count", "fulfilled_by"},
}


def load_rulebook(folder: Path | str, *, check_names: bool = True) -> RuleBook:
    """Load every ``rules-*.toml`` file in ``folder`` into one ``RuleBook``.

    With ``check_names`` off, the event types and attributes the rules name
    are not checked against the event classes (which this loads): for a
    command that only shows the rules' titles. The processes that act on the
    rules (the workers, the API) check them when they start.
    """
    folder = Path(folder)
    paths = sorted(folder.glob(RULE_FILE_GLOB))
    if not paths:
        raise RuleFileError(f"{folder}: no rule files ({RULE_FILE_GLOB}) found")
    rulesets: dict[str, tuple[Path, RuleSet]] = {}
    for path in paths:
        ruleset = _read_ruleset(path, check_names=check_names)
        if ruleset.version in rulesets:
            other = rulesets[ruleset.version][0].name
            # Most likely a copied file whose version was not bumped.
            raise RuleFileError(
                f"{path.name}: duplicate version {ruleset.version!r} (also in {other})"
            )
        rulesets[ruleset.version] = (path, ruleset)
    for path, ruleset in rulesets.values():
        _check_name(path, ruleset)
    try:
        return RuleBook(tuple(rs for _, rs in rulesets.values()))
    except ValueError as exc:
        raise RuleFileError(f"{folder}: {exc}") from exc


def load_ruleset(path: Path | str) -> RuleSet:
    """Load and validate one rule file, named ``rules-<version>.toml``."""
    path = Path(path)
    ruleset = _read_ruleset(path)
    _check_name(path, ruleset)
    return ruleset


def _read_ruleset(path: Path, *, check_names: bool = True) -> RuleSet:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise RuleFileError(f"{path.name}: cannot read: {exc}") from exc
    return parse_ruleset(data, source=path.name, check_names=check_names)


def _check_name(path: Path, ruleset: RuleSet) -> None:
    # One file per version, found by name: an auditor looking for the rules of
    # version X opens rules-X.toml.
    expected = f"rules-{ruleset.version}.toml"
    if path.name != expected:
        raise RuleFileError(
            f"{path.name}: holds version {ruleset.version!r}, so it must be "
            f"named {expected}"
        )


def parse_ruleset(
    data: Mapping[str, object], *, source: str = "<rules>", check_names: bool = True
) -> RuleSet:
    """Build a ``RuleSet`` from an already-parsed TOML document
    (``check_names``: see ``load_rulebook``)."""
    where = Where(source, names=check_names)
    where.no_unknown_keys(data, _FILE_KEYS)
    version = where.text(data, "version")
    effective_from = data.get("effective_from")
    if not isinstance(effective_from, datetime) or effective_from.tzinfo is None:
        where.fail(
            "effective_from must be a date-time with a UTC offset, "
            "such as 2018-08-29T00:00:00+02:00"
        )
    fraction = where.fraction(data, "warn_at_fraction")
    raw_rules = data.get("rules")
    if not isinstance(raw_rules, list) or not raw_rules:
        where.fail("needs at least one [[rules]] table")
    rules: list[Rule] = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_rules, start=1):
        rule = _parse_rule(raw, where.rule(f"#{index}"))
        if rule.id in seen:
            where.rule(repr(rule.id)).fail("duplicate rule id")
        seen.add(rule.id)
        rules.append(rule)
    try:
        return RuleSet(
            version,
            effective_from,
            tuple(rules),
            DEFAULT_WARN_AT_FRACTION if fraction is None else fraction,
        )
    except ValueError as exc:
        where.fail(str(exc))


def _parse_rule(raw: object, where: Where) -> Rule:
    if not isinstance(raw, dict):
        where.fail("must be a table")
    rule_id = where.text(raw, "id")
    if not _RULE_ID.match(rule_id):
        where.fail(f"id {rule_id!r} must be lower-case letters, digits, '-' or '_'")
    where = where.rule(repr(rule_id))
    kind_name = where.text(raw, "kind")
    if kind_name not in {k.value for k in RuleKind}:
        where.fail(
            f"unknown kind {kind_name!r} (expected one of "
            f"{', '.join(k.value for k in RuleKind)})"
        )
    kind = RuleKind(kind_name)
    where.no_unknown_keys(raw, _COMMON_KEYS | _KIND_KEYS[kind], f"kind {kind}")
    trigger = _trigger(raw.get("trigger"), where.at("trigger"))
    correlate_on = tuple(where.texts(raw, "correlate_on"))
    for attribute in correlate_on:
        _check_attribute(trigger.event_type, attribute, where.at("correlate_on"))
    roles = tuple(where.texts(raw, "notify_on_breach"))
    for role in roles:
        if role not in ROLES:
            where.fail(
                f"notify_on_breach: unknown role {role!r} "
                f"(expected one of {', '.join(sorted(ROLES))})"
            )
    cancelled_by = _patterns(raw, "cancelled_by", (), where)
    warn_at = where.fraction(raw, "warn_at")
    basis = where.text(raw, "basis", required=False)
    title = _title(raw.get("title"), where.at("title"))
    try:
        if kind is RuleKind.DUE_WITHIN:
            before = where.text(raw, "before", required=False)
            if before:
                _check_attribute(trigger.event_type, before, where.at("before"))
            return DueWithin(
                before=before,
                id=rule_id,
                trigger=trigger,
                within=_duration(raw, "within", where),
                fulfilled_by=_patterns(raw, "fulfilled_by", correlate_on, where),
                correlate_on=correlate_on,
                cancelled_by=cancelled_by,
                notify_on_breach=roles,
                warn_at=warn_at,
                basis=basis,
                title=title,
            )
        if kind is RuleKind.NOT_BEFORE:
            return NotBefore(
                id=rule_id,
                trigger=trigger,
                period=_duration(raw, "period", where),
                forbidden=_patterns(raw, "forbidden", correlate_on, where),
                correlate_on=correlate_on,
                cancelled_by=cancelled_by,
                notify_on_breach=roles,
                warn_at=warn_at,
                basis=basis,
                title=title,
            )
        return Recurring(
            id=rule_id,
            trigger=trigger,
            every=_duration(raw, "every", where),
            count=where.whole_number(raw, "count"),
            fulfilled_by=_patterns(raw, "fulfilled_by", correlate_on, where),
            correlate_on=correlate_on,
            cancelled_by=cancelled_by,
            notify_on_breach=roles,
            warn_at=warn_at,
            basis=basis,
            title=title,
        )
    except ValueError as exc:
        where.fail(str(exc))


def _title(raw: object, where: Where) -> RuleTitle:
    # Pages and alerts name a rule by its title, never by its id: every rule
    # has one in each language they speak.
    example = 'such as { sq = "Policia u njoftua", en = "Police notified" }'
    if not isinstance(raw, dict):
        where.fail(f"every rule needs a title in Albanian and English, {example}")
    where.no_unknown_keys(raw, set(TITLE_LANGUAGES))
    texts = {language: where.text(raw, language) for language in TITLE_LANGUAGES}
    for language, text in texts.items():
        if text != " ".join(text.split()):
            where.fail(f"the {language} title must be one line without extra spaces")
    return RuleTitle(**texts)


def _trigger(raw: object, where: Where) -> Trigger:
    pattern = _pattern(raw, where, case_level=True)
    return Trigger(pattern.event_type, pattern.where)


def _patterns(
    raw: Mapping[str, object],
    key: str,
    correlate_on: tuple[str, ...],
    where: Where,
) -> tuple[EventPattern, ...]:
    value = raw.get(key, [])
    if not isinstance(value, list):
        where.fail(f"{key} must be a list of {{ event = ..., where = ... }} tables")
    patterns = []
    for index, item in enumerate(value, start=1):
        at = where.at(f"{key}[{index}]")
        pattern = _pattern(item, at, case_level=False)
        for attribute in correlate_on:
            _check_attribute(pattern.event_type, attribute, at.at("correlate_on"))
        patterns.append(pattern)
    return tuple(patterns)


def _pattern(raw: object, where: Where, *, case_level: bool) -> EventPattern:
    if not isinstance(raw, dict):
        where.fail('must be a table such as { event = "Identified" }')
    where.no_unknown_keys(raw, {"event", "where"})
    event_type = where.text(raw, "event")
    if where.names and attributes_of(event_type) is None:
        close = get_close_matches(event_type, sorted(known_event_types()), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        where.fail(f"unknown event type {event_type!r}{hint}")
    conditions = raw.get("where", {})
    if not isinstance(conditions, dict):
        where.fail('where must be a table such as { authority = "police" }')
    parsed = []
    for attribute, value in conditions.items():
        _check_attribute(event_type, attribute, where, case_level=case_level)
        parsed.append(Condition(attribute, _values(value, where.at(attribute))))
    return EventPattern(event_type, tuple(parsed))


def _values(value: object, where: Where) -> tuple[ConditionValue, ...]:
    values = value if isinstance(value, list) else [value]
    if not values:
        where.fail("the list of allowed values is empty")
    for item in values:
        if not isinstance(item, str | int | float | bool):
            where.fail(
                f"a condition value must be text, a number or true/false: {item!r}"
            )
    return tuple(values)


def _duration(raw: Mapping[str, object], key: str, where: Where) -> Duration:
    value = raw.get(key)
    at = where.at(key)
    if not isinstance(value, dict):
        at.fail('needs a table such as { amount = 3, unit = "days" }')
    at.no_unknown_keys(value, {"amount", "unit"})
    unit = value.get("unit")
    if unit not in {u.value for u in DurationUnit}:
        at.fail(
            f"unknown unit {unit!r} (expected one of "
            f"{', '.join(u.value for u in DurationUnit)})"
        )
    amount = at.whole_number(value, "amount")
    if amount < 0:
        at.fail(f"negative duration {amount} {unit}")
    try:
        return Duration(amount, DurationUnit(unit))
    except ValueError as exc:
        at.fail(str(exc))


def _check_attribute(
    event_type: str, attribute: str, where: Where, *, case_level: bool = False
) -> None:
    if not where.names:
        return
    known = attributes_of(event_type)
    if known is None or attribute in known:
        return
    case_attributes = attributes_of(CASE_EVENT_TYPE) or frozenset()
    if case_level and attribute in case_attributes:
        return
    hint = f" or, on the case, {CASE_EVENT_TYPE}" if case_level else ""
    where.fail(
        f"{event_type} has no attribute {attribute!r} (it has "
        f"{', '.join(sorted(known))}{hint})"
    )
