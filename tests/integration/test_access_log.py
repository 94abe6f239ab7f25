"""The access log keeps every read, and keeps it unaltered."""

from __future__ import annotations

import psycopg
import pytest

from domain.clock import ControlledClock
from services.config.bootstrap import Backbone
from services.store.access_log import AccessLog


def test_reads_are_listed_newest_first_and_cannot_be_altered(
    backbone: Backbone, clock: ControlledClock
) -> None:
    log = AccessLog(backbone.pool, clock)
    log.create_table()
    case_id = "6f1c1b0e-2f3a-4c55-9d7e-1a2b3c4d5e6f"
    log.record(actor_id="aud-1", actor_role="auditor", view="history", case_id=case_id)
    log.record(
        actor_id="cw-9",
        actor_role="caseworker",
        view="timeline",
        case_id=case_id,
        allowed=False,
    )
    entries = log.entries(case_id=case_id)
    assert [(e["actor_id"], e["view"], e["allowed"]) for e in entries] == [
        ("cw-9", "timeline", False),
        ("aud-1", "history", True),
    ]
    with (
        backbone.pool.connection() as conn,
        pytest.raises(psycopg.errors.RaiseException, match="append-only"),
    ):
        conn.execute("DELETE FROM access_log")
    assert len(log.entries()) == 2
