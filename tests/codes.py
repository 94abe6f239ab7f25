"""The codes the backbone stores, which a person should never read: what the
tests of the Albanian pages and alerts look for."""

from __future__ import annotations

import re

from domain import catalogue
from domain.events import EVENT_TYPES
from domain.fields import ENTRY_FIELDS, Rule
from domain.sop import ROLES as SOP_ROLES
from domain.sop import ObligationStatus, RuleBook


def known_codes(rulebook: RuleBook) -> set[str]:
    """Every code the backbone stores that a person should never read."""
    codes: set[str] = set()
    for ruleset in rulebook.rulesets:
        codes |= {rule.id for rule in ruleset.rules}
    codes |= {str(status) for status in ObligationStatus}
    codes |= set(EVENT_TYPES)
    codes |= set(catalogue.ROLES) | set(SOP_ROLES)
    codes |= set(catalogue.SERVICES) | set(catalogue.AUTHORITIES)
    codes |= set(catalogue.REGIONS)
    for kind in (
        catalogue.CASE_TYPES,
        catalogue.SOURCES,
        catalogue.CHANNELS,
        catalogue.CONSENT_SCOPES,
        catalogue.STATUSES,
        catalogue.RISK_LEVELS,
        catalogue.FOLLOW_UP_METHODS,
        catalogue.CLOSE_REASONS,
    ):
        codes |= set(kind)
    for fields in ENTRY_FIELDS.values():
        codes |= set(fields)
        codes |= {c for rule in fields.values() for c in _codes_of(rule)}
    codes |= {"occurred_at", "recorded_at", "expected_version", "as_of", "case_id"}
    return codes


def _codes_of(rule: Rule) -> set[str]:
    found = set(rule.codes or ())
    if rule.item is not None:
        found |= _codes_of(rule.item)
    return found


def codes_in(text: str, codes: set[str], typed: set[str]) -> set[str]:
    for value in sorted(typed, key=len, reverse=True):
        text = text.replace(value, " ")
    words = set(re.findall(r"[A-Za-z][A-Za-z0-9_-]*[A-Za-z0-9]", text))
    return words & codes
