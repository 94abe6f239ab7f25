"""Read models built by following the notification log in a real PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from psycopg import Cursor

from domain.clock import ControlledClock
from domain.commands import RecordNotification
from projections.feed import Delivered
from projections.obligations import READ_INDEXES, case_obligations, compliance
from projections.timeline import TimelineProjection, timeline, timeline_json
from services.cli.demo import record_scenario
from services.config.bootstrap import Backbone
from services.workers.follower import LogFollower
from tests.builders import identify, step

NOTIFIER = {"actor_id": "vatra-notifier", "actor_role": "system"}


def _rows(backbone: Backbone, table: str, order: str) -> list[tuple[Any, ...]]:
    with backbone.pool.connection() as conn:
        return conn.execute(f"SELECT * FROM {table} ORDER BY {order}").fetchall()


def test_the_timeline_lists_every_event_in_order_with_who_and_a_line(
    backbone: Backbone, clock: ControlledClock
) -> None:
    case = identify(backbone.service, clock, is_minor=True)
    case = step(
        backbone.service,
        clock,
        case,
        "record_notification",
        timedelta(minutes=20),
        actor=NOTIFIER,
        authority="police",
        channel="email",
        recipient="police-vlora",
        reference="P-1",
    )
    step(backbone.service, clock, case, "assess_risk", timedelta(hours=1), level="high")
    backbone.follower.catch_up()
    with backbone.pool.connection() as conn:
        rows = timeline(conn, UUID(case["case_id"]))
    assert [r["event_type"] for r in rows] == [
        "Identified",
        "AuthorityNotified",
        "RiskAssessed",
    ]
    assert rows[0]["summary"].startswith("Identified a minor (trafficking) in Vlorë")
    assert rows[1]["summary"] == "Police anti-trafficking officer notified by email"
    assert rows[1]["actor_id"] == "vatra-notifier"
    assert "PV-TEST-1" not in rows[0]["summary"]


def test_the_timeline_answer_is_the_rows_in_utc_whatever_the_time_zone(
    backbone: Backbone, clock: ControlledClock
) -> None:
    case = identify(backbone.service, clock, is_minor=True)
    step(backbone.service, clock, case, "assess_risk", timedelta(hours=1), level="high")
    with backbone.pool.connection() as conn:
        # Projected by a session in another time zone: the answer's times are
        # the same instants, written in UTC.
        conn.execute("SET TimeZone = 'Pacific/Auckland'")
        events = backbone.service.app.case_events(case["case_id"])
        TimelineProjection().apply(
            conn.cursor(), [Delivered(n, e) for n, e in enumerate(events, 1)]
        )
    with backbone.pool.connection() as conn:
        rows = timeline(conn, UUID(case["case_id"]))
        answer = json.loads(timeline_json(conn, UUID(case["case_id"])))
    assert [entry["version"] for entry in answer] == [1, 2]
    for entry, row in zip(answer, rows, strict=True):
        for when in ("occurred_at", "recorded_at"):
            assert entry[when].endswith("Z")
            assert datetime.fromisoformat(entry[when]) == row[when]
        row.pop("position")
        assert {k: v for k, v in entry.items() if not k.endswith("ed_at")} == {
            k: v for k, v in row.items() if not k.endswith("ed_at")
        }
    with backbone.pool.connection() as conn:
        assert json.loads(timeline_json(conn, UUID(int=0))) == []


def test_a_timeline_table_of_an_earlier_release_gets_its_entries_on_start(
    backbone: Backbone, clock: ControlledClock
) -> None:
    case = identify(backbone.service, clock, is_minor=False)
    backbone.follower.catch_up()
    with backbone.pool.connection() as conn:
        rows = timeline(conn, UUID(case["case_id"]))
        # The table as an earlier release made it: no stored entries.
        conn.execute("ALTER TABLE case_timeline DROP COLUMN entry")
    with backbone.pool.connection() as conn:
        TimelineProjection().create(conn)
        answer = json.loads(timeline_json(conn, UUID(case["case_id"])))
    assert [(e["version"], e["summary"]) for e in answer] == [
        (r["version"], r["summary"]) for r in rows
    ]


def test_a_minor_gets_a_child_protection_obligation_and_a_late_entry_counts_on_time(
    backbone: Backbone, clock: ControlledClock
) -> None:
    minor = identify(backbone.service, clock, is_minor=True)
    adult = identify(backbone.service, clock, is_minor=False)
    # The police were phoned 30 minutes after identification, but the worker
    # entered it only the next day: compliance follows when it happened.
    happened = clock.now() + timedelta(minutes=30)
    clock.advance(timedelta(days=1))
    backbone.service.run(
        RecordNotification(
            authority="police", channel="phone", recipient="duty officer", reference="P"
        ),
        minor["case_id"],
        expected_version=1,
        occurred_at=happened,
        actor_id="mu-vlora-1",
        actor_role="mobile_unit",
    )
    backbone.follower.catch_up()
    with backbone.pool.connection() as conn:
        minor_rows = {
            r["rule_id"]: r
            for r in case_obligations(conn, UUID(minor["case_id"]), clock.now())
        }
        adult_rules = {
            r["rule_id"]
            for r in case_obligations(conn, UUID(adult["case_id"]), clock.now())
        }
    assert "cpu-notified" in minor_rows
    assert "cpu-notified" not in adult_rules
    police = minor_rows["police-notified"]
    assert police["status"] == "met"
    assert police["recording_delay"] >= timedelta(hours=23)
    # A day later the adult's police alert is overdue, the minor's CPU one too.
    assert minor_rows["cpu-notified"]["status"] == "breached"


def test_compliance_counts_met_late_and_overdue_per_rule(
    backbone: Backbone, clock: ControlledClock
) -> None:
    case = identify(backbone.service, clock)
    step(
        backbone.service,
        clock,
        case,
        "record_notification",
        timedelta(hours=3),
        actor=NOTIFIER,
        authority="police",
        channel="email",
        recipient="p",
        reference="P",
    )
    backbone.follower.catch_up()
    with backbone.pool.connection() as conn:
        early = {r["key"]: r for r in compliance(conn, clock.now())}
        later = {r["key"]: r for r in compliance(conn, clock.now() + timedelta(days=2))}
    assert early["police-notified"]["met_late"] == 1
    assert early["police-notified"]["on_time_rate"] == 0.0
    assert early["ra-notified"]["open"] == 1
    assert later["ra-notified"]["breached"] == 1


def _demo_projected(backbone: Backbone, clock: ControlledClock) -> datetime:
    """Record the demo's cases and project them; return when they were recorded."""
    now = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    assert record_scenario(backbone.service, clock, now) > 40
    backbone.follower.catch_up()
    return now


def test_read_models_rebuilt_from_the_events_equal_the_originals(
    backbone: Backbone, clock: ControlledClock
) -> None:
    _demo_projected(backbone, clock)
    tables = {
        "case_timeline": "case_id, version",
        "sop_case_facts": "case_id, version",
        "sop_obligations": "case_id, obligation_id",
    }
    before = {t: _rows(backbone, t, order) for t, order in tables.items()}
    assert all(before.values())
    seen: list[tuple[int, int]] = []
    backbone.follower.rebuild(progress=lambda done, total: seen.append((done, total)))
    after = {t: _rows(backbone, t, order) for t, order in tables.items()}
    assert after == before
    assert seen[-1][0] == seen[-1][1]


def _indexes(backbone: Backbone, table: str) -> set[str]:
    with backbone.pool.connection() as conn:
        rows = conn.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = %s", (table,)
        ).fetchall()
    return {name for (name,) in rows}


def test_a_rebuild_makes_the_readers_indexes_once_the_events_are_replayed(
    backbone: Backbone, clock: ControlledClock
) -> None:
    now = _demo_projected(backbone, clock)
    assert set(READ_INDEXES) <= _indexes(backbone, "sop_obligations")
    backbone.follower.batch_size = 10
    during: list[set[str]] = []

    backbone.follower.rebuild(
        progress=lambda _done, _total: during.append(
            _indexes(backbone, "sop_obligations")
        )
    )

    # While replaying, only the key the projection itself reads by.
    assert len(during) > 3
    assert all(not found & set(READ_INDEXES) for found in during)
    assert all("sop_obligations_pkey" in found for found in during)
    assert set(READ_INDEXES) <= _indexes(backbone, "sop_obligations")
    with backbone.pool.connection() as conn:
        assert compliance(conn, now)  # the readers' queries answer as before


def test_a_rebuild_reading_ahead_in_small_batches_sets_an_unreadable_event_aside(
    backbone: Backbone, clock: ControlledClock
) -> None:
    _demo_projected(backbone, clock)
    before = _rows(backbone, "case_timeline", "case_id, version")
    with backbone.pool.connection() as conn:
        # The 17th event can no longer be read: its batch (the third of
        # seven events) was read ahead while the second was written.
        case_id, version = conn.execute(
            "UPDATE cases_events SET state = 'not json'::bytea "
            "WHERE notification_id = 17 RETURNING originator_id, originator_version"
        ).fetchone() or (None, None)
    backbone.follower.batch_size = 7

    backbone.follower.rebuild()

    after = _rows(backbone, "case_timeline", "case_id, version")
    assert after == [row for row in before if (row[0], row[1]) != (case_id, version)]
    # Set aside once for each read model.
    assert backbone.follower.dead_lettered == len(backbone.follower.projections)


def test_the_demo_records_once_and_a_rerun_records_nothing(
    backbone: Backbone, clock: ControlledClock
) -> None:
    now = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    first = record_scenario(backbone.service, clock, now)
    again = record_scenario(backbone.service, clock, now + timedelta(hours=1))
    assert first > 40
    assert again == 0


def test_a_batch_delivered_twice_is_applied_once(
    backbone: Backbone, clock: ControlledClock
) -> None:
    case = identify(backbone.service, clock)
    events = backbone.service.app.case_events(case["case_id"])
    batch = [Delivered(1, events[0])]
    for projection in backbone.projections:
        with backbone.pool.connection() as conn, conn.cursor() as cur:
            projection.apply(cur, batch)
            projection.apply(cur, batch)
    assert len(_rows(backbone, "case_timeline", "version")) == 1
    assert len(_rows(backbone, "sop_case_facts", "version")) == 1
    obligations = _rows(backbone, "sop_obligations", "obligation_id")
    assert len(obligations) == len({row[1] for row in obligations})


def test_a_batch_overlapping_what_was_applied_gives_each_row_once(
    backbone: Backbone, clock: ControlledClock
) -> None:
    # Rows are written with COPY; a batch holding rows already there (and an
    # event twice) must fall back to skipping them, as a clean replay would.
    case = identify(backbone.service, clock, is_minor=True)
    case = step(backbone.service, clock, case, "assess_risk", level="high")
    step(
        backbone.service,
        clock,
        case,
        "record_consent",
        scope="services",
        given_by="guardian",
    )
    backbone.follower.catch_up()
    tables = ("case_timeline", "sop_case_facts", "sop_obligations")
    clean = {t: _rows(backbone, t, "case_id, 2") for t in tables}

    events = backbone.service.app.case_events(case["case_id"])
    delivered = [Delivered(i + 1, e) for i, e in enumerate(events)]
    for table in tables:
        with backbone.pool.connection() as conn:
            conn.execute(f"DELETE FROM {table}")
    for projection in backbone.projections:
        with backbone.pool.connection() as conn, conn.cursor() as cur:
            projection.apply(cur, delivered[:2])
            projection.apply(cur, [*delivered, delivered[1]])
    assert {t: _rows(backbone, t, "case_id, 2") for t in tables} == clean


class _FailsAfterWriting(TimelineProjection):
    name = "failing_timeline"  # its own position and dead letters

    def apply(self, cur: Cursor[Any], batch: Any) -> None:
        super().apply(cur, batch)
        raise RuntimeError("crash between the rows and the position")


def test_a_failed_batch_leaves_no_rows_and_its_event_is_set_aside(
    backbone: Backbone, clock: ControlledClock
) -> None:
    identify(backbone.service, clock)
    follower = LogFollower(
        backbone.app, backbone.pool, [_FailsAfterWriting()], retry_pause=0.0
    )
    follower.create_tables()
    assert follower.catch_up() == 1
    assert follower.dead_lettered == 1
    # Every try rolled back, the one-event savepoint too: no row was kept.
    assert _rows(backbone, "case_timeline", "version") == []
    with backbone.pool.connection() as conn:
        dead = conn.execute(
            "SELECT projection, version, error_type FROM vatra_dead_letters"
        ).fetchall()
    assert dead == [("failing_timeline", 1, "RuntimeError")]
    # The real projections then take the event as if nothing had happened.
    assert backbone.follower.catch_up() == len(backbone.projections)
