"""Events a projection cannot process, written straight into the event store.

The API refuses them (or will); a store written by an older version, or a
projection with a bug, can still hold one, and the rest must flow past it.
"""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from domain import events as ev
from domain.case import Case
from domain.clock import ControlledClock
from domain.stamp import Stamp
from services.config.bootstrap import Backbone

# A time without its offset: the checks refuse it, and the SOP projection
# cannot place the corrected step on the time line.
NOT_A_TIME = "2026-03-02T10:00:00"


def append_correction_without_offset(
    backbone: Backbone, clock: ControlledClock, case: dict[str, Any]
) -> int:
    """Record an EntryCorrected moving entry 1 to a time without an offset,
    bypassing every check of the aggregate; return its version. The SOP
    projection raises on it."""
    aggregate: Case = backbone.app.repository.get(UUID(case["case_id"]))
    now = clock.now()
    stamp = Stamp("mu-test-1", "mobile_unit", now, now, "0123456789abcdef")
    aggregate._trigger(
        ev.EntryCorrected,
        stamp,
        corrected_version=1,
        field="occurred_at",
        value=json.dumps(NOT_A_TIME),
        reason="typo in the year",
    )
    backbone.app.save(aggregate)
    return int(aggregate.version)
