"""What coordinators read: compliance per rule and region, near and overdue lists."""

from __future__ import annotations

import json
from datetime import timedelta
from uuid import UUID

import pytest
from prometheus_client import REGISTRY

from domain.clock import ControlledClock
from projections.obligations import ObligationsProjection
from services.app.errors import InvalidInput
from services.app.sop_views import (
    sop_case_obligations,
    sop_compliance,
    sop_near_deadlines,
    sop_overdue,
)
from services.cli.reports import sop_report
from services.config.bootstrap import Backbone
from services.workers.sop_clock import REPORT_EVERY
from tests.builders import identify, step
from tests.integration.sop_helpers import sop_clock_for

MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
NOTIFIER = {"actor_id": "vatra-notifier", "actor_role": "system"}


def two_regions(backbone: Backbone, clock: ControlledClock) -> dict[str, str]:
    """A Vlora case whose police were told in time and a Berat case whose were not."""
    vlora = identify(backbone.service, clock, region="vlora")
    berat = identify(backbone.service, clock, region="berat", municipality="berat")
    step(
        backbone.service,
        clock,
        vlora,
        "record_notification",
        10 * MINUTE,
        actor=NOTIFIER,
        authority="police",
        channel="email",
        recipient="p",
        reference="P-1",
    )
    return {"vlora": vlora["case_id"], "berat": berat["case_id"]}


def test_compliance_is_counted_per_rule_and_region_together_and_filtered(
    backbone: Backbone, clock: ControlledClock
) -> None:
    two_regions(backbone, clock)
    clock.advance(2 * HOUR)
    backbone.follower.catch_up()
    now = clock.now().isoformat()

    rows = sop_compliance(backbone.pool, now)
    police = {r["region"]: r for r in rows if r["rule_id"] == "police-notified"}
    assert (police["vlora"]["met"], police["vlora"]["on_time_rate"]) == (1, 1.0)
    assert (police["berat"]["breached"], police["berat"]["on_time_rate"]) == (1, 0.0)
    assert police["berat"]["total"] == 1
    assert {
        r["region"] for r in sop_compliance(backbone.pool, now, region="berat")
    } == {"berat"}
    by_rule = sop_compliance(backbone.pool, now, group_by=["rule_id"])
    assert "region" not in by_rule[0]
    json.dumps(rows)  # plain values only
    with pytest.raises(InvalidInput, match="region 'tirana'"):
        sop_compliance(backbone.pool, now, region="tirana")
    with pytest.raises(InvalidInput, match="group_by"):
        sop_compliance(backbone.pool, now, group_by=["worker"])


def test_overdue_lists_unmet_deadlines_whether_or_not_the_clock_recorded_them(
    backbone: Backbone, clock: ControlledClock
) -> None:
    cases = two_regions(backbone, clock)
    clock.advance(2 * HOUR)
    sop_clock_for(backbone).tick()  # records the Berat police breach
    clock.advance(23 * HOUR)  # the Responsible Authority's 24 h have passed too
    backbone.follower.catch_up()

    rows = sop_overdue(backbone.pool, clock.now())
    listed = [(r["rule_id"], r["region"], r["breach_recorded"]) for r in rows]
    # Most overdue first; the two RA deadlines fell at the same moment.
    assert listed[0] == ("police-notified", "berat", True)
    assert sorted(listed[1:]) == [
        ("ra-notified", "berat", False),
        ("ra-notified", "vlora", False),
    ]
    assert rows[0]["case_id"] == cases["berat"]
    assert rows[0]["overdue_by"] == 24 * 3600 + 10 * 60  # due at 1 h, now 25 h 10
    berat_only = sop_overdue(backbone.pool, clock.now(), region="berat")
    assert {r["region"] for r in berat_only} == {"berat"}
    json.dumps(rows)


def test_near_deadlines_list_what_is_past_its_warning_point_soonest_first(
    backbone: Backbone, clock: ControlledClock
) -> None:
    two_regions(backbone, clock)  # ten minutes in
    clock.advance(40 * MINUTE)  # the Berat police warning (45 min) has passed
    sop_clock_for(backbone).tick()

    [near] = sop_near_deadlines(backbone.pool, clock.now())
    assert (near["rule_id"], near["region"], near["warning_recorded"]) == (
        "police-notified",
        "berat",
        True,
    )
    assert near["due_in"] == 10 * 60
    assert sop_near_deadlines(backbone.pool, clock.now(), region="vlora") == []


def test_one_cases_obligations_come_as_plain_values_with_the_recording_delay(
    backbone: Backbone, clock: ControlledClock
) -> None:
    cases = two_regions(backbone, clock)
    backbone.follower.catch_up()
    rows = sop_case_obligations(backbone.pool, cases["vlora"], clock.now())
    police = next(r for r in rows if r["rule_id"] == "police-notified")
    assert police["status"] == "met"
    assert police["recording_delay"] == 0
    assert police["ruleset_version"] == "2026.1"
    json.dumps(rows)


def test_vatra_sop_prints_compliance_near_and_overdue_deadlines_for_a_region(
    backbone: Backbone, clock: ControlledClock
) -> None:
    two_regions(backbone, clock)
    clock.advance(2 * HOUR)
    sop_clock_for(backbone).tick()
    with backbone.pool.connection() as conn:
        everywhere = sop_report(conn, clock.now())
        berat = sop_report(conn, clock.now(), region="berat")
    for title in (
        "SOP compliance by rule,",
        "SOP compliance by region,",
        "SOP compliance by rule and region",
        "Overdue obligations, most overdue first",
    ):
        assert title in everywhere
    assert "recorded" in everywhere  # the clock's breach, in the overdue list
    assert "SOP compliance by rule in berat" in berat
    assert "vlora" not in berat


def test_a_read_model_from_before_the_clock_gains_its_columns_on_start(
    backbone: Backbone, clock: ControlledClock
) -> None:
    case = identify(backbone.service, clock)
    backbone.follower.catch_up()
    with backbone.pool.connection() as conn:
        conn.execute(
            "ALTER TABLE sop_obligations DROP COLUMN next_action_at, "
            "DROP COLUMN warning_event_version, DROP COLUMN breach_event_version"
        )
    with backbone.pool.connection() as conn:
        ObligationsProjection(backbone.rulebook, backbone.calendar).create(conn)
        next_action_at = conn.execute(
            "SELECT next_action_at FROM sop_obligations "
            "WHERE case_id = %s AND obligation_id = 'police-notified@1'",
            (UUID(case["case_id"]),),
        ).fetchone()
    assert next_action_at == (clock.now() + 45 * MINUTE,)


def test_the_clock_publishes_the_obligation_counts_the_breach_alert_watches(
    backbone: Backbone, clock: ControlledClock
) -> None:
    two_regions(backbone, clock)
    clock.advance(2 * HOUR)
    sop_clock = sop_clock_for(backbone)
    sop_clock.tick()

    def count(region: str, status: str) -> float | None:
        labels = {"rule": "police-notified", "region": region, "status": status}
        return REGISTRY.get_sample_value("vatra_obligations", labels)

    assert (count("berat", "breached"), count("berat", "met")) == (1.0, 0.0)
    assert (count("vlora", "met"), count("vlora", "breached")) == (1.0, 0.0)

    # Counting every obligation is not repeated on each tick, only once the
    # counts are REPORT_EVERY old: a scrape interval, whatever the tick rate.
    identify(backbone.service, clock, region="berat")
    backbone.follower.catch_up()
    sop_clock.tick()
    assert count("berat", "open") == 0.0
    clock.advance(REPORT_EVERY)
    sop_clock.tick()
    assert count("berat", "open") == 1.0


def test_a_region_corrected_on_the_identification_moves_the_case_in_the_views(
    backbone: Backbone, clock: ControlledClock
) -> None:
    case = identify(backbone.service, clock, region="vlora")
    step(
        backbone.service,
        clock,
        case,
        "correct_entry",
        MINUTE,
        corrected_version=1,
        field_name="region",
        value="lezhe",
        reason="the unit was working in Lezhë that day",
    )
    backbone.follower.catch_up()
    rows = sop_compliance(backbone.pool, clock.now(), group_by=["region"])
    assert [(r["region"], r["total"]) for r in rows] == [("lezhe", 4)]
