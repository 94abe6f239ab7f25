"""Counts the statistics read model keeps ready, so that a year's figures are
read from a few thousand rows instead of counted from every step.

- ``stats_steps`` carries its case's region and case type (NULL while the
  case's identification is not projected: such steps are not counted) and,
  on an answer to a referral, the time of the referral (``since``);
- ``stats_step_days``: the steps of each Europe/Tirane day by event type,
  code, assisted return or not, region and case type;
- ``stats_notices``: per case and authority, the case's identification,
  the first notification of the authority and its first acknowledgement.

Each is a function of ``stats_cases`` and ``stats_steps`` alone. The
projection keeps it so for the cases a batch touches: it takes their share of
the day counts out before the batch changes their rows (``retract``) and puts
it back after (``restore``), and writes their notices again. So a transfer or
a correction moves the counts, events arriving in any order give the same
rows, and a rebuild gives the tables it replaced.
"""

from __future__ import annotations

from collections.abc import Sequence
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

TABLES = ("stats_step_days", "stats_notices")

# The touched cases' day counts, added with a sign: -1 takes them out, 1 puts
# them back.
_DAYS = """
INSERT INTO stats_step_days AS d
    (day, event_type, code, assisted, region, case_type, n)
SELECT (occurred_at AT TIME ZONE 'Europe/Tirane')::date, event_type, code,
       COALESCE(flag, false), region, COALESCE(case_type, ''), %(sign)s * count(*)
FROM stats_steps
WHERE {cases} AND region IS NOT NULL
GROUP BY 1, 2, 3, 4, 5, 6
ON CONFLICT (day, event_type, code, assisted, region, case_type)
DO UPDATE SET n = d.n + EXCLUDED.n
"""

# The case's region and case type on each of its steps, and on each answer
# the time of its referral.
_SYNC = (
    """
UPDATE stats_steps s
SET region = CASE WHEN c.identified_at IS NULL THEN NULL ELSE c.region END,
    case_type = CASE WHEN c.identified_at IS NULL THEN NULL ELSE c.case_type END
FROM stats_cases c
WHERE {s_cases} AND c.case_id = s.case_id
  AND (s.region IS DISTINCT FROM
           CASE WHEN c.identified_at IS NULL THEN NULL ELSE c.region END
       OR s.case_type IS DISTINCT FROM
           CASE WHEN c.identified_at IS NULL THEN NULL ELSE c.case_type END)
""",
    """
UPDATE stats_steps a SET since = (
    SELECT min(r.occurred_at) FROM stats_steps r
    WHERE r.case_id = a.case_id AND r.referral_id = a.referral_id
      AND r.event_type = 'Referred')
WHERE {a_cases} AND a.event_type IN ('ReferralAccepted', 'ReferralDeclined')
  AND a.since IS DISTINCT FROM (
    SELECT min(r.occurred_at) FROM stats_steps r
    WHERE r.case_id = a.case_id AND r.referral_id = a.referral_id
      AND r.event_type = 'Referred')
""",
)

_NOTICES = (
    "DELETE FROM stats_notices WHERE {cases}",
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


def _among(column: str, cases: Sequence[UUID] | None) -> str:
    return "true" if cases is None else f"{column} = ANY(%(cases)s)"


def retract(cur: Cursor[Any], cases: Sequence[UUID]) -> None:
    """Take the cases' steps out of the day counts (before a batch)."""
    cur.execute(_DAYS.format(cases=_among("case_id", cases)), _params(cases, -1))


def restore(cur: Cursor[Any], cases: Sequence[UUID] | None) -> None:
    """Bring the cases' steps up to date with their cases and put them back
    into the day counts; write their notices again (after a batch). ``None``:
    every case."""
    params = _params(cases, 1)
    among = {
        "cases": _among("case_id", cases),
        "s_cases": _among("s.case_id", cases),
        "a_cases": _among("a.case_id", cases),
    }
    for statement in _SYNC:
        cur.execute(statement.format(**among), params)
    cur.execute(_DAYS.format(**among), params)
    for statement in _NOTICES:
        cur.execute(statement.format(**among), params)


def _params(cases: Sequence[UUID] | None, sign: int) -> dict[str, object]:
    return {"cases": list(cases) if cases is not None else None, "sign": sign}


def create(conn: Connection[Any]) -> None:
    """Add the columns and tables; fill them from the rows already there when
    a read model built before them is found (a rebuild is not needed)."""
    found = conn.execute("SELECT to_regclass('stats_step_days')").fetchone()
    conn.execute(DDL)
    if found is None or found[0] is None:
        with conn.cursor() as cur:
            cur.execute("TRUNCATE stats_step_days, stats_notices")
            restore(cur, None)
