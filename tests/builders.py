"""Builders of cases, steps and events, shared by unit, integration and e2e tests.

Three levels, each the way a test at that level meets a case:

- the ``Case`` aggregate itself (``stamp``, ``identified_case``): unit tests
  of the domain's rules, no servers;
- a case's facts as the SOP rules read them (``History``,
  ``identified_facts``): unit tests of obligations and deadlines;
- the application service (``identify``, ``step``, ``latest``, ``execute``,
  ``events_of``...): integration and e2e tests on a real store.

Fixtures stay in the conftest files; the HTTP client is ``tests/e2e/helpers``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid4

from domain.case import Case
from domain.catalogue import REGION_SEATS
from domain.commands import Identify, command_named
from domain.facts import CaseFact
from domain.sop import (
    Obligation,
    RuleBook,
    load_calendar,
    load_rulebook,
    obligations_of,
)
from domain.stamp import Stamp

if TYPE_CHECKING:
    from domain.clock import Clock, ControlledClock
    from services.app.service import CaseService

# -- the Case aggregate --------------------------------------------------------

NOW = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)


def stamp(
    at: timedelta = timedelta(0), role: str = "mobile_unit", actor: str = "w-1"
) -> Stamp:
    """Who does a step and when: ``at`` from ``NOW``, recorded an hour later."""
    return Stamp(actor, role, NOW + at, NOW + timedelta(hours=1), "corr-1")


def identified_case(
    *, is_minor: bool = False, at: timedelta = -timedelta(hours=5), **overrides: Any
) -> Case:
    """An adult of 30 (or a minor of 16) identified in Vlorë by worker w-1,
    ``at`` from NOW; ``overrides`` replace any other field of the
    identification."""
    fields: dict[str, Any] = {
        "case_id": uuid4(),
        "subject_ref": "PV-0001",
        "region": "vlora",
        "mobile_unit": "vlora-unit",
        "worker_id": "w-1",
        "municipality": "vlore",
        "is_minor": is_minor,
        "case_type": "trafficking",
        "protection_requested": False,
        "indicators": ["debt_bondage"],
        "exploitation_types": ["forced_labour"],
        "source": "outreach",
        "sex": "female",
        "age": 16 if is_minor else 30,
        "birth_year": None,
        "nationality": "AL",
        **overrides,
    }
    if "region" in overrides and "municipality" not in overrides:
        fields["municipality"] = REGION_SEATS[fields["region"]]
    return Case.identify(stamp(at), **fields)


# -- a case's facts, as the SOP rules read them --------------------------------

DEPLOY_SOP = Path(__file__).resolve().parents[1] / "deploy" / "sop"
RULEBOOK = load_rulebook(DEPLOY_SOP)
CALENDAR = load_calendar(DEPLOY_SOP / "calendar.toml")
# Monday 1 June 2026, 10:00 in Tirane.
T0 = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
ADULT: dict[str, object] = {
    "subject_ref": "subj-7f3a",
    "region": "vlora",
    "mobile_unit": "mu-vlora",
    "worker_id": "w-12",
    "municipality": "vlore",
    "is_minor": False,
    "case_type": "trafficking",
    "protection_requested": False,
    "indicators": ["documents_withheld"],
    "exploitation_types": ["forced_labour"],
    "source": "outreach",
}


@dataclass
class History:
    """A case's facts, numbered in the order they are added."""

    case_id: UUID = field(default_factory=uuid4)
    facts: list[CaseFact] = field(default_factory=list)

    def add(
        self,
        type_: str,
        at: datetime,
        *,
        recorded_at: datetime | None = None,
        **attributes: object,
    ) -> CaseFact:
        return self.record(type_, at, attributes, recorded_at=recorded_at)

    def record(
        self,
        type_: str,
        at: datetime,
        attributes: Mapping[str, object],
        *,
        recorded_at: datetime | None = None,
    ) -> CaseFact:
        fact = CaseFact(
            self.case_id,
            len(self.facts) + 1,
            type_,
            at,
            recorded_at or at,
            attributes,
        )
        self.facts.append(fact)
        return fact

    def correct(
        self, target: CaseFact, field_: str, value: object, at: datetime
    ) -> None:
        text = value.isoformat() if isinstance(value, datetime) else json.dumps(value)
        self.add(
            "EntryCorrected",
            at,
            corrected_version=target.version,
            field=field_,
            value=text,
            reason="typed wrongly",
        )

    def obligations(
        self, now: datetime | None = None, rulebook: RuleBook = RULEBOOK
    ) -> dict[str, Obligation]:
        found = obligations_of(self.facts, rulebook, CALENDAR, now)
        return {o.obligation_id: o for o in found}

    def follow_ups(self, now: datetime | None = None) -> list[Obligation]:
        return [o for o in self.obligations(now).values() if o.rule_id == "follow-up"]


def identified_facts(
    at: datetime = T0, recorded_at: datetime | None = None, **overrides: object
) -> History:
    """An adult identified in Vlorë at ``at``: the facts the rules start from."""
    history = History()
    history.record("Identified", at, {**ADULT, **overrides}, recorded_at=recorded_at)
    return history


# -- through the application service --------------------------------------------

WORKER = {"actor_id": "mu-vlora-1", "actor_role": "mobile_unit"}
SUBJECT_REF = "PV-7731-ARTA"
SEEDED_NAME = "Arta Hoxha"


def identify(
    service: CaseService,
    clock: Clock,
    *,
    occurred_at: str | datetime | None = None,
    actor_id: str = WORKER["actor_id"],
    **overrides: Any,
) -> dict[str, Any]:
    """Open an adult's case in Vlorë now, as a mobile unit's worker; return its
    id and version. ``overrides`` replace fields of the identification; a
    minor without an age or birth year given is 16, an adult 30."""
    fields: dict[str, Any] = {
        "subject_ref": "PV-TEST-1",
        "region": "vlora",
        "mobile_unit": "vlora-unit",
        "is_minor": False,
        "sex": "female",
        "nationality": "AL",
        **overrides,
    }
    # The region's seat, unless a municipality is given.
    fields.setdefault("municipality", REGION_SEATS[fields["region"]])
    if "age" not in overrides and "birth_year" not in overrides:
        fields["age"] = 16 if fields["is_minor"] else 30
    return service.open_case(
        Identify(**fields),
        actor_id=actor_id,
        actor_role=WORKER["actor_role"],
        occurred_at=clock.now() if occurred_at is None else occurred_at,
    )


def identify_minor_in_vlora(service: CaseService, clock: Clock) -> dict[str, Any]:
    """A minor identified in Vlorë; a name is (wrongly) typed into the one
    free-text field of an identification, as happens in the field: no alert
    may carry it."""
    return service.open_case(
        Identify(
            subject_ref=SUBJECT_REF,
            region="vlora",
            mobile_unit=f"vlora-unit, with {SEEDED_NAME}",
            municipality="vlore",
            is_minor=True,
            sex="female",
            age=15,
            nationality="AL",
            indicators=["documents_withheld"],
        ),
        occurred_at=clock.now() - timedelta(seconds=1),
        **WORKER,
    )


def step(
    service: CaseService,
    clock: ControlledClock,
    case: dict[str, Any],
    command: str,
    /,
    after: timedelta = timedelta(0),
    actor: dict[str, str] | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """Move the clock by ``after``, run ``command`` at that moment; return the case."""
    clock.advance(after)
    return service.run(
        command_named(command)(**fields),
        case["case_id"],
        expected_version=case["version"],
        occurred_at=clock.now(),
        **(actor or WORKER),
    )


def latest(service: CaseService, case: dict[str, Any]) -> dict[str, Any]:
    """The case at its current version: a worker may have recorded since."""
    return {
        "case_id": case["case_id"],
        "version": service.case(case["case_id"])["version"],
    }


# Who recorded a step and when: the keyword arguments every command takes.
STAMP = frozenset({"actor_id", "actor_role", "occurred_at", "correlation_id"})


def execute(service: CaseService, command: str, case_id: str, /, **fields: Any) -> None:
    """Run a command at the case's current version; a worker may write to the
    same case meanwhile (AuthorityNotified), so a conflict means reload and
    try again."""
    from services.app.errors import VersionConflict  # noqa: PLC0415

    for _attempt in range(20):
        version = service.case(case_id)["version"]
        try:
            service.run(
                command_named(command)(
                    **{k: v for k, v in fields.items() if k not in STAMP}
                ),
                case_id,
                expected_version=version,
                **{k: v for k, v in fields.items() if k in STAMP},
            )
            return
        except VersionConflict:
            continue
    raise AssertionError(f"{command} kept conflicting")


def event_types(service: CaseService, case_id: str) -> list[str]:
    """The names of the case's events, oldest first."""
    return [type(e).__name__ for e in service.app.case_events(case_id)]


def events_of(service: CaseService, case_id: str, event_type: str) -> list[Any]:
    """The case's events of one type, oldest first."""
    return [
        e for e in service.app.case_events(case_id) if type(e).__name__ == event_type
    ]
