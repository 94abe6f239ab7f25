"""The rows of ``sop_obligations``: each obligation of a case, with what the
lists need beside it (the case's region and minor flag, when it is due soon,
whether it was set aside, and the referral and agency it concerns).

Everything is read from the case's corrected history, so a region, an age or
an agency entered wrong and corrected counts as corrected.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from domain.facts import CaseFact
from domain.sop import CaseStanding, Obligation, apply_corrections, due_soon_at
from domain.sop import next_action_at as clock_action_at
from handlers.directory import normalise

OBLIGATION_COLUMNS = (
    "case_id",
    "obligation_id",
    "rule_id",
    "ruleset_version",
    "kind",
    "region",
    "is_minor",
    "trigger_version",
    "trigger_type",
    "triggered_at",
    "due_at",
    "warn_at",
    "status",
    "met_at",
    "met_by_version",
    "met_recorded_at",
    "breached_at",
    "notify_on_breach",
    "warning_event_version",
    "breach_event_version",
    "next_action_at",
    "starts_at",
    "due_soon_at",
    "set_aside",
    "referral_id",
    "agency",
    "agency_key",
)


def agency_key(name: str) -> str:
    """An agency's name as matched: as the alert directory matches it (no
    case, no diacritics, single spaces)."""
    return normalise(name)


@dataclass(frozen=True)
class CaseContext:
    """What every obligation row of one case carries from the case itself."""

    region: str
    is_minor: bool
    standing: CaseStanding
    recorded: Mapping[int, datetime]
    # The referral id and the agency of each entry that names a referral.
    referrals: Mapping[int, tuple[str, str]]

    @classmethod
    def of(cls, facts: Sequence[CaseFact]) -> CaseContext:
        """The context of a case whose facts start with its identification."""
        history = apply_corrections(facts)
        region = str(history[0].attributes.get("region", ""))
        is_minor = bool(history[0].attributes.get("is_minor", False))
        agencies: dict[str, str] = {}
        referrals: dict[int, tuple[str, str]] = {}
        for fact in history:
            if fact.type == "Transferred":
                region = str(fact.attributes["to_region"])
            referral_id = fact.attributes.get("referral_id")
            if not isinstance(referral_id, str) or not referral_id:
                continue
            if fact.type == "Referred":
                agencies[referral_id] = str(fact.attributes.get("agency", ""))
            referrals[fact.version] = (referral_id, agencies.get(referral_id, ""))
        return cls(
            region,
            is_minor,
            CaseStanding.of(history),
            {f.version: f.recorded_at for f in facts},
            referrals,
        )

    def row(self, o: Obligation) -> tuple[object, ...]:
        """The row of one of the case's obligations."""
        referral_id, agency = self.referrals.get(o.trigger_version, (None, None))
        set_aside = self.standing.set_aside(o)
        return (
            o.case_id,
            o.obligation_id,
            o.rule_id,
            o.ruleset_version,
            str(o.kind),
            self.region,
            self.is_minor,
            o.trigger_version,
            o.trigger_type,
            o.triggered_at,
            o.due_at,
            o.warn_at,
            str(o.status),
            o.met_at,
            o.met_by_version,
            self.recorded.get(o.met_by_version) if o.met_by_version else None,
            o.breached_at,
            list(o.notify_on_breach),
            o.warning_event_version,
            o.breach_event_version,
            clock_action_at(o),
            o.starts_at,
            due_soon_at(o),
            None if set_aside is None else str(set_aside),
            referral_id,
            agency or None,
            agency_key(agency) if agency else None,
        )
