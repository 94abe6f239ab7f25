"""``GET /api/cases/{id}/timeline``: the read recorded durably and the
timeline read in one statement, one round trip to PostgreSQL.

The caller's right to read the case depends on its region, which a transfer
changes. The case as this process last read it (``CaseService.kept_case``,
no round trip) decides, and the statement checks that no event of the case
was recorded after that version (``LOG_READ``): if one was, it records and
reads nothing, and the read starts again from the case as the store has it
now (``CaseService.case``, one round trip more), as it does for a case not
kept here and for a caller the kept case refuses (the refusal recorded by
``ApiContext.check``, as for any view). So the region is the current one,
as when every read asked the store for newer events first.

A caller whose token this process found live in the last minute
(``Users.recent``, ``services.api.token_memo``) is not looked up first: the
same statement checks that the token is still live (not revoked, not
expired, its user active), and records and reads nothing if it is not; the
route then authenticates the caller as every route does, and a revoked
token gets its 401.

The row is inserted by a data-modifying ``WITH`` of the statement that reads
the timeline, on a connection in autocommit mode: it commits when it ends,
and with ``synchronous_commit`` on PostgreSQL answers only once the commit is
on disk, so the row is durable before the answer is sent, as an auditor
needs, and a read whose row could not be written is not answered
(``services.store.autocommit``). A transaction around two statements would
cost three more round trips (``BEGIN``, the second statement, ``COMMIT``);
reading on a second connection while the first commits saved less than its
own cost (a second connection from the pool, and a round trip to end the
pipelined read) where a commit's flush takes a fraction of a millisecond.

The timeline's entries are joined into the JSON array by PostgreSQL and come
back as the bytes of the answer. A case whose entries hold references to
typed text takes the way of ``services.api.text_view.timeline_answer``
instead, on the read already recorded.
"""

from __future__ import annotations

import uuid
from typing import Any
from uuid import UUID

from services.api.context import ApiContext
from services.api.policy import Principal, may_read_case
from services.api.text_view import timeline_answer
from services.config.read_models import EVENTS_TABLE
from services.store.autocommit import autocommitted

# The row, unless an event of the case was recorded after the version whose
# region allowed the read (``checked``; NULL: none to check).
LOG_READ = f"""
INSERT INTO access_log (
    access_id, occurred_at, actor_id, actor_role, view, case_id,
    subject_ref, allowed, correlation_id, reason
)
SELECT %(access_id)s, %(occurred_at)s, %(actor_id)s, %(actor_role)s, %(view)s,
       %(case_id)s, NULL, true, %(correlation_id)s, NULL
WHERE NOT EXISTS (
    SELECT 1 FROM {EVENTS_TABLE}
    WHERE originator_id = %(case_id)s AND originator_version > %(checked)s
)
AND (%(token)s::text IS NULL OR EXISTS (
    SELECT 1 FROM api_tokens t JOIN api_users u USING (user_id)
    WHERE t.token_sha256 = %(token)s AND t.revoked_at IS NULL
      AND t.expires_at > %(occurred_at)s AND u.status = 'active'
))
RETURNING case_id
"""

# Whether an entry holds typed text, and the answer as UTF-8 bytes (bytea,
# read in binary: no decoding and encoding again in Python).
ANSWER = """
    bool_or(t.details->'text_refs' <> '{}'::jsonb),
    convert_to('[' || COALESCE(string_agg(t.entry, ',' ORDER BY t.version), '')
               || ']', 'UTF8')
"""

# The row and the answer: no row at all when nothing was recorded.
LOGGED_TIMELINE = f"""
WITH logged AS ({LOG_READ})
SELECT {ANSWER}
FROM logged l LEFT JOIN case_timeline t ON t.case_id = l.case_id
GROUP BY l.case_id
"""

VIEW = "timeline"


def logged_timeline(
    ctx: ApiContext, principal: Principal, case_id: UUID, correlation_id: str
) -> bytes:
    """The case's timeline as JSON for ``principal``, the read recorded.

    ``CaseNotFound`` for an unknown case; ``Forbidden`` (403, the refusal
    recorded) for a caller who may not read it.
    """
    answer = kept_timeline(ctx, principal, case_id, correlation_id)
    if answer is not None:
        return answer
    case = ctx.service.case(str(case_id))
    ctx.check(
        principal,
        VIEW,
        may_read_case(principal, str(case["region"])),
        correlation_id=correlation_id,
        case_id=case_id,
    )
    answer = _logged_read(ctx, principal, case, correlation_id, None)
    assert answer is not None, "with no version to check, the read is recorded"
    return answer


def kept_timeline(
    ctx: ApiContext,
    principal: Principal,
    case_id: UUID,
    correlation_id: str,
    token: str | None = None,
) -> bytes | None:
    """The timeline, the read recorded, if the case as last read here lets
    ``principal`` read it and no event was recorded since; None (nothing
    recorded) otherwise: ``logged_timeline`` then reads the case first.

    ``token``: the hash of the caller's token, taken from the tokens this
    process checked lately (``Users.recent``), checked again by the statement:
    None also if it is no longer live.
    """
    kept = ctx.service.kept_case(str(case_id))
    if kept is None:
        return None
    version, case = kept
    if not may_read_case(principal, str(case["region"])):
        return None
    return _logged_read(ctx, principal, case, correlation_id, version, token)


def _logged_read(
    ctx: ApiContext,
    principal: Principal,
    case: dict[str, Any],
    correlation_id: str,
    checked: int | None,
    token: str | None = None,
) -> bytes | None:
    """Record the read and answer it; None (nothing recorded) if an event of
    the case was recorded after version ``checked``, or the token of hash
    ``token`` is no longer live."""
    params = {
        "access_id": uuid.uuid4(),
        "occurred_at": ctx.access_log.clock.now(),
        "actor_id": principal.user_id,
        "actor_role": principal.role,
        "view": VIEW,
        "case_id": UUID(str(case["case_id"])),
        "correlation_id": correlation_id or uuid.uuid4().hex,
        "checked": checked,
        "token": token,
    }
    with autocommitted(ctx.pool) as conn:
        row = conn.execute(LOGGED_TIMELINE, params, binary=True).fetchone()
        if row is None:
            return None
        has_refs, answer = row
        if has_refs:
            # Typed text is looked up for the caller (its reads recorded by
            # the typed-text store).
            return timeline_answer(ctx, conn, principal, case, correlation_id)
    return bytes(answer)
