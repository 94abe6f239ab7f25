"""Small helpers to record case steps in integration tests."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from domain.clock import ControlledClock
from domain.commands import command_named
from services.app.service import CaseService

WORKER = {"actor_id": "mu-vlora-1", "actor_role": "mobile_unit"}


def identify(
    service: CaseService, clock: ControlledClock, **overrides: Any
) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "occurred_at": clock.now(),
        "subject_ref": "PV-TEST-1",
        "region": "vlora",
        "mobile_unit": "vlora-unit",
        "municipality": "Vlorë",
        "is_minor": False,
        **WORKER,
    }
    fields.update(overrides)
    return service.identify(**fields)


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
