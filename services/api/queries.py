"""The alerts lists the API and the pages need, from the case timeline.

They read the read models (``case_timeline``) and never the event store, so a
list is cheap; whoever opens one case is then checked against the aggregate
itself. (Cases are found in ``case_list``: ``projections.case_search``.)
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any
from uuid import UUID

from psycopg import Connection
from psycopg.rows import dict_row

# One row per case: its current region (the last transfer or correction of
# the identification's region wins, as in the aggregate), its version and
# when it last changed.
CASES = """
SELECT i.case_id,
       i.occurred_at AS identified_at,
       (i.details->>'is_minor')::boolean AS is_minor,
       i.details->>'case_type' AS case_type,
       COALESCE(
           (SELECT CASE WHEN t.event_type = 'Transferred'
                        THEN t.details->>'to_region'
                        ELSE (t.details->>'value')::jsonb #>> '{}' END
            FROM case_timeline t
            WHERE t.case_id = i.case_id
              AND (t.event_type = 'Transferred'
                   OR (t.event_type = 'EntryCorrected'
                       AND t.details->>'corrected_version' = '1'
                       AND t.details->>'field' = 'region'))
            ORDER BY t.version DESC LIMIT 1),
           i.details->>'region') AS region,
       s.version,
       s.last_recorded_at
FROM case_timeline i
JOIN (SELECT case_id, max(version) AS version,
             max(recorded_at) AS last_recorded_at
      FROM case_timeline GROUP BY case_id) s USING (case_id)
WHERE i.version = 1
"""


def alerts(
    conn: Connection[Any],
    authority: str,
    regions: Collection[str] | None,
    limit: int = 100,
    case_id: UUID | None = None,
    recipient: str | None = None,
) -> list[dict[str, Any]]:
    """Cases ``authority`` was notified of, unacknowledged first, newest first.

    With ``recipient`` (a directory entry id), only alerts sent to that entry.
    """
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(
            f"""
            WITH c AS ({CASES})
            SELECT a.case_id, a.notified_at, a.acknowledged_at
            FROM (
                SELECT case_id,
                       min(occurred_at) FILTER (
                           WHERE event_type = 'AuthorityNotified'
                             AND (%(recipient)s::text IS NULL
                                  OR details->>'recipient' = %(recipient)s::text)
                       ) AS notified_at,
                       min(occurred_at) FILTER (
                           WHERE event_type = 'AlertAcknowledged') AS acknowledged_at
                FROM case_timeline
                WHERE event_type IN ('AuthorityNotified', 'AlertAcknowledged')
                  AND details->>'authority' = %(authority)s
                  AND (%(case_id)s::uuid IS NULL OR case_id = %(case_id)s::uuid)
                GROUP BY case_id
            ) AS a JOIN c USING (case_id)
            WHERE a.notified_at IS NOT NULL
              AND (%(all)s OR c.region = ANY(%(regions)s))
            ORDER BY a.acknowledged_at IS NOT NULL, a.notified_at DESC
            LIMIT %(limit)s
            """,
            {
                "authority": authority,
                "case_id": case_id,
                "recipient": recipient,
                "all": regions is None,
                "regions": sorted(regions or ()),
                "limit": limit,
            },
        ).fetchall()
