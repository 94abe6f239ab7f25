"""SOP obligations counted per day for the statistics' on-time rates.

The rates count the obligations due in a period by rule, month and status as
judged now (``projections.compliance.STATUS_AT_NOW``). A year holds hundreds
of thousands of obligations; ``stats_sop_days`` holds their counts per
Europe/Tirane day of the deadline, rule, region, stored status and whether
the rule is a "not before" one, kept by triggers on ``sop_obligations`` (the
obligations projection's table, which the statistics projection does not
feed): every statement that inserts, updates or deletes obligations moves
the counts of the rows it changed, in the same transaction.

A day before today is judged from its counts alone: every deadline in it has
passed, so an obligation still open (or warned) is met if its rule is a "not
before" one and breached otherwise. Today and later are judged row by row.
When the triggers are not there (a new database, the obligations' table
dropped by a rebuild), ``create`` counts the table again and puts them back.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from psycopg import Connection, sql

from domain.clock import TIRANE
from projections.compliance import STATUS_AT_NOW

TABLE = "stats_sop_days"

DDL = """
CREATE TABLE IF NOT EXISTS stats_sop_days (
    day date NOT NULL,
    rule_id text NOT NULL,
    region text NOT NULL,
    status text NOT NULL,
    not_before boolean NOT NULL,
    n integer NOT NULL,
    PRIMARY KEY (day, rule_id, region, status, not_before)
);
CREATE OR REPLACE FUNCTION vatra_stats_sop_days() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO stats_sop_days AS d
            (day, rule_id, region, status, not_before, n)
        SELECT (due_at AT TIME ZONE 'Europe/Tirane')::date, rule_id, region,
               status, kind = 'not_before', -count(*)
        FROM old_rows GROUP BY 1, 2, 3, 4, 5
        ON CONFLICT (day, rule_id, region, status, not_before)
        DO UPDATE SET n = d.n + EXCLUDED.n;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO stats_sop_days AS d
            (day, rule_id, region, status, not_before, n)
        SELECT (due_at AT TIME ZONE 'Europe/Tirane')::date, rule_id, region,
               status, kind = 'not_before', count(*)
        FROM new_rows GROUP BY 1, 2, 3, 4, 5
        ON CONFLICT (day, rule_id, region, status, not_before)
        DO UPDATE SET n = d.n + EXCLUDED.n;
    END IF;
    -- Counts that fell to zero go, as a count made again would leave them.
    DELETE FROM stats_sop_days WHERE n = 0;
    RETURN NULL;
END $$;
CREATE INDEX IF NOT EXISTS stats_sop_days_zero ON stats_sop_days (day)
    WHERE n = 0;
"""

TRIGGERS = {
    "stats_sop_days_insert": "AFTER INSERT ON sop_obligations "
    "REFERENCING NEW TABLE AS new_rows",
    "stats_sop_days_update": "AFTER UPDATE ON sop_obligations "
    "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
    "stats_sop_days_delete": "AFTER DELETE ON sop_obligations "
    "REFERENCING OLD TABLE AS old_rows",
}

RECOUNT = """
INSERT INTO stats_sop_days (day, rule_id, region, status, not_before, n)
SELECT (due_at AT TIME ZONE 'Europe/Tirane')::date, rule_id, region, status,
       kind = 'not_before', count(*)
FROM sop_obligations GROUP BY 1, 2, 3, 4, 5
"""


def create(conn: Connection[Any]) -> None:
    """The table, its function and the triggers; the table counted again
    when it is new or any trigger was missing (nothing is counted while the
    obligations' table is not made yet)."""
    fresh = conn.execute("SELECT to_regclass('stats_sop_days')").fetchone() == (None,)
    conn.execute(DDL)
    if conn.execute("SELECT to_regclass('sop_obligations')").fetchone() == (None,):
        return
    present = {
        row[0]
        for row in conn.execute(
            "SELECT tgname FROM pg_trigger "
            "WHERE tgrelid = 'sop_obligations'::regclass AND NOT tgisinternal"
        ).fetchall()
    }
    if not fresh and all(name in present for name in TRIGGERS):
        return
    # Under the obligations' own lock: no row changes while they are counted.
    conn.execute("LOCK TABLE sop_obligations IN SHARE ROW EXCLUSIVE MODE")
    for name, when in TRIGGERS.items():
        conn.execute(
            sql.SQL("DROP TRIGGER IF EXISTS {} ON sop_obligations").format(
                sql.Identifier(name)
            )
        )
        conn.execute(
            sql.SQL(
                "CREATE TRIGGER {} " + when + " FOR EACH STATEMENT "
                "EXECUTE FUNCTION vatra_stats_sop_days()"
            ).format(sql.Identifier(name))
        )
    conn.execute("TRUNCATE stats_sop_days")
    conn.execute(RECOUNT)


# The status of a day's counts before today: every deadline in it passed.
_PAST = """
CASE WHEN status IN ('open', 'warning')
     THEN CASE WHEN not_before THEN 'met' ELSE 'breached' END
     ELSE status END
"""


def sop_by_month(
    conn: Connection[Any],
    first: date,
    after: date,
    region: str | None,
    now: datetime,
) -> dict[tuple[str, ...], int]:
    """``stats_queries.sop_by_month`` for the days ``[first, after)`` (all
    case types): the days before today from their counts, the others row by
    row."""
    today = now.astimezone(TIRANE).date()
    split = min(max(first, today), after)
    query = f"""
        SELECT rule_id, to_char(month, 'YYYY-MM'), s, sum(n) FROM (
            SELECT rule_id, date_trunc('month', day) AS month, {_PAST} AS s, n
            FROM stats_sop_days
            WHERE day >= %(first)s AND day < %(split)s
              AND (%(region)s::text IS NULL OR region = %(region)s)
            UNION ALL
            SELECT rule_id,
                   date_trunc('month', due_at AT TIME ZONE 'Europe/Tirane'),
                   {STATUS_AT_NOW}, 1
            FROM sop_obligations
            WHERE due_at >= %(split_at)s AND due_at < %(after_at)s
              AND (%(region)s::text IS NULL OR region = %(region)s)
        ) AS o
        WHERE s IN ('met', 'met_late', 'breached')
        GROUP BY rule_id, month, s
        HAVING sum(n) > 0
    """
    params = {
        "first": first,
        "split": split,
        "split_at": _midnight(split),
        "after_at": _midnight(after),
        "region": region,
        "now": now,
    }
    rows = conn.execute(sql.SQL(query), params).fetchall()
    return {(str(r[0]), str(r[1]), str(r[2])): int(r[3]) for r in rows}


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=TIRANE)
