"""The case list read model in a real PostgreSQL: the aggregate's values
whatever order the events arrive in, and indexed reads at a real size."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from psycopg import Connection

from domain.clock import ControlledClock
from projections.case_search import CaseQuery, find_cases
from projections.cases import CaseListProjection
from projections.feed import Delivered
from projections.work import Tasks, due_soon_items, overdue_items, tasks
from services.config.bootstrap import Backbone
from tests.builders import identify, step

COORDINATOR = {"actor_id": "coordinator-1", "actor_role": "coordinator"}
AUTHORITY = {"actor_id": "ra-1", "actor_role": "responsible_authority"}
COLUMNS = (
    "short_id, subject_ref, region, municipality, is_minor, case_type, status, "
    "closed, owner, version, identified_at, last_activity_at"
)


def _worked_case(backbone: Backbone, clock: ControlledClock) -> dict[str, Any]:
    """A case moved, corrected, assigned, decided, closed and reopened."""
    service = backbone.service
    case = identify(service, clock, subject_ref="PV-LIST-1")
    case = step(
        service,
        clock,
        case,
        "transfer",
        timedelta(hours=1),
        to_region="durres",
        reason="moved",
    )
    case = step(
        service,
        clock,
        case,
        "correct_entry",
        timedelta(minutes=5),
        corrected_version=1,
        field_name="is_minor",
        value=True,
        reason="age checked",
    )
    case = step(
        service,
        clock,
        case,
        "correct_entry",
        timedelta(minutes=5),
        corrected_version=1,
        field_name="worker_id",
        value="mu-vlora-2",
        reason="the other worker of the unit",
    )
    case = step(
        service,
        clock,
        case,
        "determine_status",
        timedelta(hours=1),
        actor=AUTHORITY,
        status="victim",
    )
    case = step(service, clock, case, "close", timedelta(days=1), reason="lost_contact")
    case = step(
        service,
        clock,
        case,
        "assign",
        timedelta(hours=1),
        actor=COORDINATOR,
        owner="cw-durres-1",
    )
    return step(service, clock, case, "reopen", timedelta(days=2), reason="found again")


def _rows_after(conn: Connection[Any], batches: list[list[Delivered]]) -> list[Any]:
    """The case list made by applying ``batches`` to an empty table (undone after)."""
    with conn.transaction(force_rollback=True), conn.cursor() as cur:
        cur.execute("DELETE FROM case_list")
        for batch in batches:
            CaseListProjection().apply(cur, batch)
        return cur.execute(f"SELECT {COLUMNS} FROM case_list").fetchall()


def test_the_case_list_holds_the_aggregates_values_whatever_the_order_of_events(
    backbone: Backbone, clock: ControlledClock
) -> None:
    case = _worked_case(backbone, clock)
    events = backbone.service.app.case_events(case["case_id"])
    delivered = [Delivered(n, e) for n, e in enumerate(events, 1)]
    summary = backbone.service.case(case["case_id"])
    shuffle = random.Random(18)
    with backbone.pool.connection() as conn:
        in_order = _rows_after(conn, [delivered])
        one_by_one = _rows_after(conn, [[d] for d in delivered])
        reversed_ = _rows_after(conn, [[d] for d in reversed(delivered)])
        twice = delivered + delivered[2:5]
        shuffle.shuffle(twice)
        shuffled = _rows_after(conn, [twice[:4], twice[4:]])
    assert in_order == one_by_one == reversed_ == shuffled
    [row] = in_order
    assert row[:10] == (
        case["case_id"].replace("-", "")[:8].upper(),
        "PV-LIST-1",
        summary["region"],
        "vlore",
        True,
        "trafficking",
        "victim",
        False,
        summary["owner"],
        summary["version"],
    )
    assert (summary["region"], summary["owner"]) == ("durres", "cw-durres-1")


def test_a_searched_page_of_cases_and_of_work_reads_indexes_not_every_row(
    backbone: Backbone, clock: ControlledClock
) -> None:
    """With 3,000 cases and 30,000 obligations, no query of a page scans a table."""
    with backbone.pool.connection() as conn:
        conn.execute(
            """
            INSERT INTO case_list (case_id, short_id, subject_ref, region, is_minor,
                closed, identified_by, version, last_activity_at)
            SELECT md5(n::text)::uuid, upper(left(md5(n::text), 8)), 'PV-' || n,
                   (ARRAY['vlora','diber','berat','durres','lezhe'])[n %% 5 + 1],
                   n %% 7 = 0, n %% 3 = 0, 'mu-' || (n %% 40), 5,
                   %(now)s - n * interval '1 minute'
            FROM generate_series(1, 3000) AS n
            """,
            {"now": clock.now()},
        )
        # Ten obligations a case, most met long ago; one running (one case
        # in twenty due soon), and one case in ten with one overdue.
        conn.execute(
            """
            INSERT INTO sop_obligations (case_id, obligation_id, rule_id,
                ruleset_version, kind, region, is_minor, trigger_version,
                trigger_type, triggered_at, due_at, starts_at, due_soon_at,
                status, met_at, notify_on_breach)
            SELECT c.case_id, 'police-notified@' || k, 'police-notified', '2026.1',
                   'due_within', c.region, c.is_minor, k, 'Identified',
                   t.due - interval '2 hours', t.due, t.due - interval '2 hours',
                   t.due - interval '1 hour',
                   CASE WHEN t.met THEN 'met' ELSE 'open' END,
                   CASE WHEN t.met THEN t.due - interval '90 minutes' END, '{}'
            FROM (SELECT *, row_number() OVER () AS n FROM case_list) AS c,
                 generate_series(1, 10) AS k,
                 LATERAL (SELECT
                     CASE WHEN k = 9 AND c.n %% 20 = 0
                          THEN %(now)s + interval '30 minutes'
                          WHEN k = 9 THEN %(now)s + interval '3 days'
                          WHEN k = 10 THEN %(now)s - interval '1 hour'
                          ELSE %(now)s - k * interval '10 days' END AS due,
                     NOT (k = 9 OR (k = 10 AND c.n %% 10 = 0)) AS met) AS t
            """,
            {"now": clock.now()},
        )
        conn.commit()
        conn.autocommit = True  # as autovacuum leaves a table read mostly
        conn.execute("VACUUM ANALYZE case_list")
        conn.execute("VACUUM ANALYZE sop_obligations")
        conn.autocommit = False
        now, rules = clock.now(), ["police-notified"]
        queries: dict[str, Callable[[Any], object]] = {
            "a region's cases": lambda c: find_cases(
                c, CaseQuery({"vlora"}), now, rules, limit=50, offset=50
            ),
            "a reference": lambda c: find_cases(
                c, CaseQuery(None, text="pv-12"), now, rules, limit=50
            ),
            "a short id": lambda c: find_cases(
                c, CaseQuery(None, text="vt-c4ca"), now, rules, limit=50
            ),
            "my cases": lambda c: find_cases(
                c, CaseQuery({"vlora"}, owner="mu-5"), now, rules, limit=50
            ),
            "overdue": lambda c: overdue_items(c, now, rules, limit=50),
            "due soon": lambda c: due_soon_items(c, now, rules, limit=50),
            "tasks": lambda c: tasks(
                c, Tasks(owner="mu-5", regions={"vlora"}), now, rules, limit=50
            ),
        }
        for name, query in queries.items():
            plans = _plans_of(conn, query)
            assert plans, name
            for plan in plans:
                assert "Seq Scan" not in plan, f"{name}:\n{plan}"
        page = find_cases(conn, CaseQuery({"vlora"}), now, rules, limit=50, offset=50)
        assert (page.total, len(page.rows)) == (600, 50)
        assert overdue_items(conn, now, rules, limit=50).total == 300
        assert due_soon_items(conn, now, rules, limit=50).total == 150


class _Explaining:
    """A connection that asks PostgreSQL for the plan of every query first."""

    def __init__(self, conn: Connection[Any]) -> None:
        self.conn = conn
        self.plans: list[str] = []

    def cursor(self, **kwargs: Any) -> _ExplainingCursor:
        return _ExplainingCursor(self, self.conn.cursor(**kwargs))


class _ExplainingCursor:
    def __init__(self, owner: _Explaining, cursor: Any) -> None:
        self.owner = owner
        self.cursor = cursor

    def __enter__(self) -> _ExplainingCursor:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.cursor.close()

    def execute(self, query: str, params: Any = None) -> Any:
        rows = self.cursor.execute("EXPLAIN " + query, params).fetchall()
        self.owner.plans.append(
            "\n".join(r["QUERY PLAN"] if isinstance(r, dict) else r[0] for r in rows)
        )
        return self.cursor.execute(query, params)


def _plans_of(conn: Connection[Any], query: Callable[[Any], object]) -> list[str]:
    """The plans PostgreSQL chose for the queries ``query`` runs on a connection."""
    explaining = _Explaining(conn)
    query(explaining)
    return explaining.plans
