"""``GET /api/cases/{id}/timeline``: the access-log row and the timeline in one
statement, one round trip to PostgreSQL.

The read is recorded and the timeline read by a single statement (the row
inserted by a data-modifying ``WITH``) on a connection in autocommit mode: it
commits when it ends, and with ``synchronous_commit`` on PostgreSQL answers
only once the commit is on disk, so the row is durable before the answer is
sent, as an auditor needs, and no read goes unrecorded
(``services.store.autocommit``). A transaction around the same two statements
cost three more round trips (``BEGIN``, the second statement, ``COMMIT``).

The timeline's entries are joined into the JSON array by PostgreSQL. A case
whose entries hold references to typed text takes the way of
``services.api.text_view.timeline_answer`` instead, on the row already
recorded.
"""

from __future__ import annotations

import uuid
from uuid import UUID

from services.api.context import ApiContext
from services.api.policy import Principal, may_read_case
from services.api.text_view import timeline_answer
from services.store.autocommit import autocommitted

LOGGED_TIMELINE = """
WITH logged AS (
    INSERT INTO access_log (
        access_id, occurred_at, actor_id, actor_role, view, case_id,
        subject_ref, allowed, correlation_id, reason
    ) VALUES (%s, %s, %s, %s, %s, %s, NULL, true, %s, NULL)
    RETURNING case_id
)
SELECT
    EXISTS (SELECT 1 FROM case_timeline t
            WHERE t.case_id = l.case_id AND t.details->'text_refs' <> '{}'::jsonb),
    (SELECT string_agg(t.entry, ',' ORDER BY t.version) FROM case_timeline t
     WHERE t.case_id = l.case_id)
FROM logged l
"""

VIEW = "timeline"


def logged_timeline(
    ctx: ApiContext, principal: Principal, case_id: UUID, correlation_id: str
) -> bytes:
    """The case's timeline as JSON for ``principal``, the read recorded.

    ``CaseNotFound`` for an unknown case; ``Forbidden`` (403, the refusal
    recorded) for a caller who may not read it.
    """
    case = ctx.service.case(str(case_id))
    ctx.check(
        principal,
        VIEW,
        may_read_case(principal, str(case["region"])),
        correlation_id=correlation_id,
        case_id=case_id,
    )
    with autocommitted(ctx.pool) as conn:
        row = conn.execute(
            LOGGED_TIMELINE,
            (
                uuid.uuid4(),
                ctx.access_log.clock.now(),
                principal.user_id,
                principal.role,
                VIEW,
                case_id,
                correlation_id or uuid.uuid4().hex,
            ),
        ).fetchone()
        assert row is not None, "the INSERT returns its row"
        has_refs, entries = row
        if has_refs:
            # Typed text is looked up for the caller (its reads recorded by
            # the typed-text store).
            return timeline_answer(ctx, conn, principal, case, correlation_id)
    return ("[" + (entries or "") + "]").encode()
