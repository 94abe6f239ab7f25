"""Counts the statistics read model keeps ready, so that a year's figures are
read from a few thousand rows instead of counted from every step.

- ``stats_steps`` carries its case's region and case type (NULL while the
  case's identification is not projected: such steps are not counted) and,
  on an answer to a referral, the time of the referral (``since``);
- ``stats_step_days`` and ``stats_step_months``: the steps of each
  Europe/Tirane day and month by event type, code, assisted return or not,
  region and case type;
- ``stats_notices``: per case and authority, the case's identification,
  the first notification of the authority and its first acknowledgement.

Each is a function of ``stats_cases`` and ``stats_steps`` alone. The
projection keeps it so for what a batch touches (``Touched``): it takes the
counts of the steps the batch writes or corrects (of every step of a case
whose identification, region or case type changes) out before their rows
change (``retract``) and puts them back after (``restore``), and works their
cases' answer times and notices out again. So a transfer or a correction
moves the counts, events redelivered or arriving in any order leave the
counts of the rows they made, and a rebuild gives the tables it replaced.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from psycopg import Connection, Cursor

DDL = """
ALTER TABLE stats_steps ADD COLUMN IF NOT EXISTS region text;
ALTER TABLE stats_steps ADD COLUMN IF NOT EXISTS case_type text;
ALTER TABLE stats_steps ADD COLUMN IF NOT EXISTS since timestamptz;
CREATE INDEX IF NOT EXISTS stats_steps_answers
    ON stats_steps (event_type, occurred_at) INCLUDE (since, region, case_type)
    WHERE since IS NOT NULL;
CREATE TABLE IF NOT EXISTS stats_step_days (
    day date NOT NULL,
    event_type text NOT NULL,
    code text NOT NULL,
    assisted boolean NOT NULL,
    region text NOT NULL,
    case_type text NOT NULL,
    n integer NOT NULL,
    PRIMARY KEY (day, event_type, code, assisted, region, case_type)
);
CREATE TABLE IF NOT EXISTS stats_step_months (
    month date NOT NULL,
    event_type text NOT NULL,
    code text NOT NULL,
    assisted boolean NOT NULL,
    region text NOT NULL,
    case_type text NOT NULL,
    n integer NOT NULL,
    PRIMARY KEY (month, event_type, code, assisted, region, case_type)
);
-- Counts that fall to zero are deleted (a rebuild never writes them).
CREATE INDEX IF NOT EXISTS stats_step_days_zero ON stats_step_days (day)
    WHERE n = 0;
CREATE INDEX IF NOT EXISTS stats_step_months_zero ON stats_step_months (month)
    WHERE n = 0;
CREATE TABLE IF NOT EXISTS stats_notices (
    case_id uuid NOT NULL,
    authority text NOT NULL,
    identified_at timestamptz NOT NULL,
    region text NOT NULL,
    case_type text NOT NULL,
    notified_at timestamptz,
    acknowledged_at timestamptz,
    PRIMARY KEY (case_id, authority)
);
CREATE INDEX IF NOT EXISTS stats_notices_identified
    ON stats_notices (identified_at);
"""

TABLES = ("stats_step_days", "stats_step_months", "stats_notices")

# The chosen steps' day and month counts, added with a sign: -1 takes them
# out, 1 puts them back.
_COUNTS = """
INSERT INTO {table} AS d
    ({span}, event_type, code, assisted, region, case_type, n)
SELECT {when}, event_type, code,
       COALESCE(flag, false), region, COALESCE(case_type, ''), %(sign)s * count(*)
FROM stats_steps s
WHERE {steps} AND region IS NOT NULL
GROUP BY 1, 2, 3, 4, 5, 6
ON CONFLICT ({span}, event_type, code, assisted, region, case_type)
DO UPDATE SET n = d.n + EXCLUDED.n
"""
_DAY = "(occurred_at AT TIME ZONE 'Europe/Tirane')::date"
_DAYS = tuple(
    _COUNTS.format(table=table, span=span, when=when, steps="{steps}")
    for table, span, when in (
        ("stats_step_days", "day", _DAY),
        ("stats_step_months", "month", f"date_trunc('month', {_DAY})::date"),
    )
)

# The case's region and case type on each chosen step.
_SYNC = """
UPDATE stats_steps s
SET region = CASE WHEN c.identified_at IS NULL THEN NULL ELSE c.region END,
    case_type = CASE WHEN c.identified_at IS NULL THEN NULL ELSE c.case_type END
FROM stats_cases c
WHERE {steps} AND c.case_id = s.case_id
  AND (s.region IS DISTINCT FROM
           CASE WHEN c.identified_at IS NULL THEN NULL ELSE c.region END
       OR s.case_type IS DISTINCT FROM
           CASE WHEN c.identified_at IS NULL THEN NULL ELSE c.case_type END)
"""

# On each answer of the chosen cases, the time of its referral (a join
# bounded by the cases on both sides, so the planner never scans the table
# per answer while it is growing in a rebuild).
_SINCE = """
UPDATE stats_steps s SET since = f.since
FROM (
    SELECT a.case_id, a.version, min(r.occurred_at) AS since
    FROM stats_steps a
    LEFT JOIN stats_steps r ON r.case_id = a.case_id
         AND r.referral_id = a.referral_id AND r.event_type = 'Referred'
         AND {r_cases}
    WHERE {a_cases} AND a.event_type IN ('ReferralAccepted', 'ReferralDeclined')
    GROUP BY 1, 2
) AS f
WHERE s.case_id = f.case_id AND s.version = f.version
  AND s.since IS DISTINCT FROM f.since
"""

_NOTICES = (
    "DELETE FROM stats_notices s WHERE {s_cases}",
    """
INSERT INTO stats_notices (case_id, authority, identified_at, region, case_type,
    notified_at, acknowledged_at)
SELECT s.case_id, s.code, c.identified_at, c.region, COALESCE(c.case_type, ''),
       min(s.occurred_at) FILTER (WHERE s.event_type = 'AuthorityNotified'),
       min(s.occurred_at) FILTER (WHERE s.event_type = 'AlertAcknowledged')
FROM stats_steps s JOIN stats_cases c ON c.case_id = s.case_id
WHERE {s_cases} AND c.identified_at IS NOT NULL AND c.region IS NOT NULL
  AND s.event_type IN ('AuthorityNotified', 'AlertAcknowledged')
GROUP BY 1, 2, 3, 4, 5
""",
)

WHOLE = "s.case_id = ANY(%(whole)s)"
KEYS = (
    "(s.case_id, s.version) IN (SELECT c, v FROM "
    "unnest(%(ids)s::uuid[], %(versions)s::integer[]) AS k(c, v))"
)
CASES = "{}.case_id = ANY(%(cases)s)"


@dataclass
class Touched:
    """What a batch changes. ``whole``: cases whose region, case type or
    identification changes, every step of theirs counted again; ``steps``:
    other steps written or corrected, by (case id, version); ``answers`` and
    ``notices``: cases whose answer times or notices are worked out again."""

    whole: set[UUID] = field(default_factory=set)
    steps: set[tuple[UUID, int]] = field(default_factory=set)
    answers: set[UUID] = field(default_factory=set)
    notices: set[UUID] = field(default_factory=set)

    def _chosen(self) -> Iterator[tuple[str, dict[str, object]]]:
        if self.whole:
            yield WHOLE, {"whole": list(self.whole)}
        keys = [k for k in self.steps if k[0] not in self.whole]
        if keys:
            yield KEYS, {"ids": [k[0] for k in keys], "versions": [k[1] for k in keys]}


def retract(cur: Cursor[Any], touched: Touched) -> None:
    """Take the touched steps out of the day counts (before the batch)."""
    for steps, params in touched._chosen():
        for statement in _DAYS:
            cur.execute(statement.format(steps=steps), {**params, "sign": -1})


def restore(cur: Cursor[Any], touched: Touched | None) -> None:
    """Bring the touched steps up to date with their cases and put them back
    into the day counts; work out the touched answer times and notices again
    (after the batch). ``None``: every step and case."""
    chosen = list(touched._chosen()) if touched else [("true", {})]
    for steps, params in chosen:
        cur.execute(_SYNC.format(steps=steps), params)
        for statement in _DAYS:
            cur.execute(statement.format(steps=steps), {**params, "sign": 1})
    # Counts moved away to nothing: gone, as a rebuild would leave them.
    cur.execute("DELETE FROM stats_step_days WHERE n = 0")
    cur.execute("DELETE FROM stats_step_months WHERE n = 0")
    for cases, statements in (
        (touched.answers | touched.whole if touched else None, (_SINCE,)),
        (touched.notices | touched.whole if touched else None, _NOTICES),
    ):
        if cases is not None and not cases:
            continue
        among = {
            f"{alias}_cases": "true" if cases is None else CASES.format(alias)
            for alias in ("s", "a", "r")
        }
        for statement in statements:
            cur.execute(statement.format(**among), {"cases": list(cases or ())})


def create(conn: Connection[Any]) -> None:
    """Add the columns and tables; fill them from the rows already there when
    any of them is new (a read model built before them: no rebuild needed)."""
    missing = conn.execute(
        "SELECT count(*) FROM unnest(%s::text[]) AS t(name) "
        "WHERE to_regclass(name) IS NULL",
        (list(TABLES),),
    ).fetchone()
    conn.execute(DDL)
    if missing and missing[0]:
        with conn.cursor() as cur:
            cur.execute(
                "TRUNCATE " + ", ".join(TABLES)  # names from TABLES, not input
            )
            restore(cur, None)
