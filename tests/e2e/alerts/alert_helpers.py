"""Helpers for the alert tests: record cases, wait, read the ledger and cases."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from prometheus_client import REGISTRY
from psycopg_pool import ConnectionPool

from domain.clock import Clock
from domain.commands import command_named
from services.app.service import CaseService

SUBJECT_REF = "PV-7731-ARTA"
SEEDED_NAME = "Arta Hoxha"


def identify_minor_in_vlora(service: CaseService, clock: Clock) -> dict[str, Any]:
    """A minor identified in Vlorë; a name is (wrongly) typed into a free-text
    field, as happens in the field: no alert may carry it."""
    return service.identify(
        occurred_at=clock.now() - timedelta(seconds=1),
        subject_ref=SUBJECT_REF,
        region="vlora",
        mobile_unit="vlora-unit",
        municipality="Vlorë",
        is_minor=True,
        indicators=[f"told us her name is {SEEDED_NAME}"],
        actor_id="mu-vlora-1",
        actor_role="mobile_unit",
    )


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> float:
    """Wait until ``condition()``; return the seconds it took."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if condition():
            return time.monotonic() - started
        time.sleep(0.02)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def event_types(service: CaseService, case_id: str) -> list[str]:
    return [type(e).__name__ for e in service.app.case_events(case_id)]


def events_of(service: CaseService, case_id: str, event_type: str) -> list[Any]:
    return [
        e for e in service.app.case_events(case_id) if type(e).__name__ == event_type
    ]


def ledger_rows(pool: ConnectionPool, where: str = "true") -> list[dict[str, Any]]:
    from psycopg.rows import dict_row  # noqa: PLC0415

    with pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(
            f"SELECT * FROM notification_deliveries WHERE {where} ORDER BY created_at"
        ).fetchall()


def metric(name: str, labels: dict[str, str]) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


# Who recorded a step and when: the keyword arguments every command takes.
STAMP = frozenset({"actor_id", "actor_role", "occurred_at", "correlation_id"})


def execute(service: CaseService, command: str, case_id: str, /, **fields: Any) -> None:
    """Run a command at the case's current version; the notifier writes to the
    same case (AuthorityNotified), so a conflict means reload and try again."""
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
