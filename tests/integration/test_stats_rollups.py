"""The counts the statistics keep ready (projections.stats_rollups): the same
as counting every step, moved by transfers and corrections, and the same
after a rebuild or when computed again from scratch."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from domain.clock import TIRANE, ControlledClock
from projections import stats_daily, stats_rollups, stats_sop
from projections import stats_queries as q
from projections.feed import Delivered
from projections.statistics import StatisticsProjection
from projections.stats_queries import Filters
from services.config.bootstrap import Backbone
from services.stats.builders import STEP_TYPES
from tests import stats_data as d
from tests.builders import identify, step

TYPES = sorted(STEP_TYPES)


def midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=TIRANE)


YEAR = Filters(midnight(date(2025, 1, 1)), midnight(date(2026, 1, 1)))


@pytest.fixture
def plan(backbone: Backbone) -> list[Any]:
    return d.load(backbone)


def both_ways(backbone: Backbone, f: Filters) -> tuple[Any, Any]:
    """The steps of ``f`` counted from the day counts and one by one."""
    days = stats_daily.whole_days(f)
    assert days is not None
    with backbone.pool.connection() as conn:
        return (
            stats_daily.step_sets(conn, f, days, TYPES),
            q.step_sets(conn, f, TYPES),
        )


def kept(backbone: Backbone) -> dict[str, list[tuple[Any, ...]]]:
    """Every row the rollups hold."""
    with backbone.pool.connection() as conn:
        return rows_of(conn)


def rows_of(conn: Any) -> dict[str, list[tuple[Any, ...]]]:
    return {
        "days": conn.execute(
            "SELECT * FROM stats_step_days ORDER BY 1, 2, 3, 4, 5, 6"
        ).fetchall(),
        "months": conn.execute(
            "SELECT * FROM stats_step_months ORDER BY 1, 2, 3, 4, 5, 6"
        ).fetchall(),
        "notices": conn.execute("SELECT * FROM stats_notices ORDER BY 1, 2").fetchall(),
        "steps": conn.execute(
            "SELECT case_id, version, region, case_type, since FROM stats_steps "
            "ORDER BY 1, 2"
        ).fetchall(),
    }


def from_scratch(cur: Any) -> None:
    """The rollups computed again from the cases and steps alone."""
    cur.execute("TRUNCATE stats_step_days, stats_step_months, stats_notices")
    cur.execute("UPDATE stats_steps SET region = NULL, case_type = NULL, since = NULL")
    stats_rollups.restore(cur, None)


def test_the_day_counts_are_the_steps_counted_one_by_one(
    backbone: Backbone, plan: list[Any]
) -> None:
    region = plan[0].steps[0].fields["region"]
    for f in (
        YEAR,
        Filters(YEAR.start, YEAR.end, region=region),
        Filters(YEAR.start, YEAR.end, case_type="domestic_violence"),
        Filters(midnight(date(2025, 2, 1)), midnight(date(2025, 3, 1))),
        Filters(midnight(date(2025, 1, 15)), midnight(date(2025, 3, 10))),
        Filters(midnight(date(2025, 2, 3)), midnight(date(2025, 2, 20))),
    ):
        daily, one_by_one = both_ways(backbone, f)
        assert daily == one_by_one
    assert sum(daily[("event_type", "code")].values()) > 0


def test_the_sop_rates_from_the_day_counts_are_those_judged_row_by_row(
    backbone: Backbone, plan: list[Any]
) -> None:
    region = plan[0].steps[0].fields["region"]
    months = [datetime(2025, m, 10, 9, tzinfo=TIRANE) for m in (1, 2, 4)]
    for now in [*months, datetime(2026, 3, 2, 8, tzinfo=TIRANE)]:
        for f in (YEAR, Filters(YEAR.start, YEAR.end, region=region)):
            days = stats_daily.whole_days(f)
            assert days is not None
            with backbone.pool.connection() as conn:
                counted = stats_sop.sop_by_month(conn, *days, f.region, now)
                assert counted == q.sop_by_month(conn, f, now)
    assert sum(counted.values()) > 0


def test_the_sop_day_counts_follow_a_rebuild_and_are_counted_again_when_missing(
    backbone: Backbone, plan: list[Any]
) -> None:
    def days() -> list[tuple[Any, ...]]:
        with backbone.pool.connection() as conn:
            return conn.execute(
                "SELECT * FROM stats_sop_days ORDER BY 1, 2, 3, 4, 5"
            ).fetchall()

    before = days()
    assert before
    backbone.follower.rebuild()
    assert days() == before
    with backbone.pool.connection() as conn:
        conn.execute("DROP TRIGGER stats_sop_days_update ON sop_obligations")
        conn.execute("DELETE FROM stats_sop_days")
        conn.commit()
        stats_sop.create(conn)
        conn.commit()
    assert days() == before


def test_a_period_not_of_whole_days_is_counted_one_by_one() -> None:
    noon = Filters(
        midnight(date(2025, 1, 6)), midnight(date(2025, 1, 6)).replace(hour=12)
    )
    assert stats_daily.whole_days(noon) is None
    assert stats_daily.whole_days(YEAR) == (date(2025, 1, 1), date(2026, 1, 1))


def test_a_rebuild_and_a_count_from_scratch_give_the_same_rows(
    backbone: Backbone, plan: list[Any]
) -> None:
    before = kept(backbone)
    assert before["days"]
    assert before["notices"]
    with backbone.pool.connection() as conn, conn.cursor() as cur:
        cur.execute("TRUNCATE stats_step_days, stats_step_months, stats_notices")
        cur.execute(
            "UPDATE stats_steps SET region = NULL, case_type = NULL, since = NULL"
        )
        stats_rollups.restore(cur, None)
    assert kept(backbone) == before
    backbone.follower.rebuild()
    assert kept(backbone) == before
    # A read model made before one of the rollups: filled when it starts.
    with backbone.pool.connection() as conn:
        conn.execute("DROP TABLE stats_step_months")
        conn.commit()
        StatisticsProjection().create(conn)
    assert kept(backbone) == before


def test_events_in_any_order_and_twice_keep_the_counts_of_the_rows_they_made(
    backbone: Backbone, plan: list[Any]
) -> None:
    events = [e for s in plan[:30] for e in backbone.app.case_events(s.case_id)]
    delivered = [Delivered(n, e) for n, e in enumerate(events, 1)]
    shuffled = delivered + delivered[10:60]
    random.Random(22).shuffle(shuffled)
    with (
        backbone.pool.connection() as conn,
        conn.transaction(force_rollback=True),
        conn.cursor() as cur,
    ):
        cur.execute(
            "TRUNCATE stats_cases, stats_steps, stats_step_days, stats_step_months, "
            "stats_notices"
        )
        for first in range(0, len(shuffled), 97):
            StatisticsProjection().apply(cur, shuffled[first : first + 97])
        incrementally = rows_of(conn)
        assert incrementally["days"]
        from_scratch(cur)
        assert rows_of(conn) == incrementally


def test_a_transfer_and_a_corrected_reason_move_the_day_counts(
    backbone: Backbone, clock: ControlledClock
) -> None:
    service = backbone.service
    case = identify(service, clock, subject_ref="PV-ROLLUP-1")
    case = step(
        service, clock, case, "close", timedelta(hours=2), reason="lost_contact"
    )
    backbone.follower.catch_up()
    today = clock.now().astimezone(TIRANE).date()
    days = Filters(
        midnight(today - timedelta(days=3)), midnight(today + timedelta(days=3))
    )

    def closures(region: str | None = None) -> dict[tuple[str, ...], int]:
        f = Filters(days.start, days.end, region=region)
        daily, one_by_one = both_ways(backbone, f)
        assert daily == one_by_one
        return {
            k: n for k, n in daily[("event_type", "code")].items() if k[0] == "Closed"
        }

    assert closures("vlora") == {("Closed", "lost_contact"): 1}
    case = step(service, clock, case, "reopen", timedelta(hours=1), reason="back")
    case = step(
        service,
        clock,
        case,
        "transfer",
        timedelta(hours=1),
        to_region="durres",
        reason="moved",
    )
    step(
        service,
        clock,
        case,
        "correct_entry",
        timedelta(minutes=5),
        corrected_version=2,
        field_name="reason",
        value="reintegrated",
        reason="she was reached again",
    )
    backbone.follower.catch_up()
    assert closures("vlora") == {}
    assert closures("durres") == {("Closed", "reintegrated"): 1}
    assert closures() == {("Closed", "reintegrated"): 1}
