"""An event a projection cannot process is set aside; the rest flow on (embedded)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from prometheus_client import REGISTRY

from domain.clock import ControlledClock
from services.config.bootstrap import Backbone
from tests.builders import identify
from tests.integration.bad_events import append_correction_without_offset


def _dead_letters(backbone: Backbone) -> list[dict[str, Any]]:
    with backbone.pool.connection() as conn:
        cur = conn.execute("SELECT * FROM vatra_dead_letters ORDER BY id")
        names = [c.name for c in cur.description or []]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def _dead_letter_count(projection: str) -> float:
    value = REGISTRY.get_sample_value(
        "vatra_dead_letters_total",
        {"group": projection, "reason": "processing_failed"},
    )
    return value or 0.0


def test_an_event_a_projection_cannot_process_is_set_aside_and_the_rest_projected(
    backbone: Backbone, clock: ControlledClock
) -> None:
    first = identify(backbone.service, clock)
    bad_version = append_correction_without_offset(backbone, clock, first)
    second = identify(backbone.service, clock, region="berat")
    counted = _dead_letter_count("sop_obligations")

    backbone.follower.catch_up()

    with backbone.pool.connection() as conn:
        facts = conn.execute("SELECT DISTINCT case_id FROM sop_case_facts").fetchall()
        positions = dict(
            conn.execute("SELECT consumer, position FROM vatra_positions").fetchall()
        )
    assert {str(row[0]) for row in facts} == {first["case_id"], second["case_id"]}
    head = backbone.app.recorder.max_notification_id()
    assert set(positions.values()) == {head}
    [dead] = _dead_letters(backbone)
    assert dead["projection"] == "sop_obligations"
    assert dead["case_id"] == UUID(first["case_id"])
    assert dead["version"] == bad_version
    assert dead["event_type"] == "EntryCorrected"
    assert dead["error_type"] == "InvalidCorrection"
    assert dead["error_where"]
    assert "typo" not in str(dead)
    assert "PV-TEST" not in str(dead)
    assert _dead_letter_count("sop_obligations") == counted + 1
    # Caught up: nothing more to do, and the bad event is not tried again.
    assert backbone.follower.catch_up() == 0
    assert len(_dead_letters(backbone)) == 1
