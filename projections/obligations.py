"""SOP obligations: one row per obligation a case's events gave rise to.

The projection keeps each case's events as facts (``sop_case_facts``) and, for
every case a batch touches, recomputes that case's obligations with the pure
rule model of ``domain.sop``. Recomputing from all the case's facts makes
corrections, reopened cases and redelivered events come out right, and makes
a rebuild give the same rows. Obligations are pinned to the rule-set version
in force when their trigger was recorded.

Recomputing from the facts also makes the rows independent of the order the
events arrive in: a correction delivered before the entry it corrects (a
redelivery out of order) waits for that entry instead of failing its batch.

Rows hold what the events say; what depends on the time of reading (an open
obligation past its deadline is overdue) is judged by the queries with "now"
(``projections.compliance``). ``next_action_at`` says when the SOP clock next
has a warning or a breach to record for the row (``domain.sop.next_action_at``);
``warning_event_version`` / ``breach_event_version`` say whether it already
did. The clock finds its work through the index on ``next_action_at``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from psycopg import Connection, Cursor

from domain.facts import CaseFact
from domain.sop import (
    InvalidCorrection,
    RuleBook,
    WorkingCalendar,
    obligations_of,
)
from projections.compliance import case_obligations, compliance, overdue
from projections.copying import copy_rows, insert_new_rows
from projections.feed import Delivered
from projections.obligation_rows import OBLIGATION_COLUMNS, CaseContext
from projections.schema import ddl_lock

__all__ = [
    "ObligationsProjection",
    "case_obligations",
    "compliance",
    "due_for_clock",
    "next_action_after",
    "overdue",
]

DDL = """
CREATE TABLE IF NOT EXISTS sop_case_facts (
    case_id uuid NOT NULL,
    version integer NOT NULL,
    type text NOT NULL,
    occurred_at timestamptz NOT NULL,
    recorded_at timestamptz NOT NULL,
    attributes jsonb NOT NULL,
    PRIMARY KEY (case_id, version)
);
CREATE TABLE IF NOT EXISTS sop_obligations (
    case_id uuid NOT NULL,
    obligation_id text NOT NULL,
    rule_id text NOT NULL,
    ruleset_version text NOT NULL,
    kind text NOT NULL,
    region text NOT NULL,
    is_minor boolean NOT NULL,
    trigger_version integer NOT NULL,
    trigger_type text NOT NULL,
    triggered_at timestamptz NOT NULL,
    due_at timestamptz NOT NULL,
    warn_at timestamptz,
    status text NOT NULL,
    met_at timestamptz,
    met_by_version integer,
    met_recorded_at timestamptz,
    breached_at timestamptz,
    notify_on_breach text[] NOT NULL,
    warning_event_version integer,
    breach_event_version integer,
    next_action_at timestamptz,
    starts_at timestamptz,
    due_soon_at timestamptz,
    set_aside text,
    referral_id text,
    agency text,
    agency_key text,
    PRIMARY KEY (case_id, obligation_id)
);
"""

# Columns added after the first release: a table made before them gets them
# and its rows are recomputed from sop_case_facts (see ``_upgrade``).
ADDED_COLUMNS = {
    "warning_event_version": "integer",
    "breach_event_version": "integer",
    "next_action_at": "timestamptz",
    "starts_at": "timestamptz",
    "due_soon_at": "timestamptz",
    "set_aside": "text",
    "referral_id": "text",
    "agency": "text",
    "agency_key": "text",
}

INDEXES = """
CREATE INDEX IF NOT EXISTS sop_obligations_due_at ON sop_obligations (due_at);
CREATE INDEX IF NOT EXISTS sop_obligations_open_due_at ON sop_obligations (due_at)
    WHERE status IN ('open', 'warning');
CREATE INDEX IF NOT EXISTS sop_obligations_next_action_at
    ON sop_obligations (next_action_at) WHERE next_action_at IS NOT NULL;
-- The work still to do (the overdue lists, the task lists, the due-soon list).
CREATE INDEX IF NOT EXISTS sop_obligations_unmet_due_at ON sop_obligations (due_at)
    WHERE met_at IS NULL AND kind <> 'not_before'
      AND status IN ('open', 'warning', 'breached');
CREATE INDEX IF NOT EXISTS sop_obligations_unmet_due_soon_at
    ON sop_obligations (due_soon_at)
    WHERE met_at IS NULL AND status IN ('open', 'warning');
CREATE INDEX IF NOT EXISTS sop_obligations_unmet_by_rule
    ON sop_obligations (rule_id, due_at)
    WHERE met_at IS NULL AND kind <> 'not_before'
      AND status IN ('open', 'warning', 'breached');
CREATE INDEX IF NOT EXISTS sop_obligations_unmet_by_agency
    ON sop_obligations (agency_key, due_at)
    WHERE agency_key IS NOT NULL AND met_at IS NULL
      AND status IN ('open', 'warning', 'breached');
"""

# The readers' indexes, none of which ``apply`` uses: a rebuild makes them
# once after replaying rather than keeping them up to date row by row
# (``services.workers.follower``).
READ_INDEXES = tuple(re.findall(r"CREATE INDEX IF NOT EXISTS (\w+)", INDEXES))

FACT_COLUMNS = (
    "case_id",
    "version",
    "type",
    "occurred_at",
    "recorded_at",
    "attributes",
)


class ObligationsProjection:
    """Builds ``sop_obligations`` (and the facts it is computed from)."""

    name = "sop_obligations"
    tables: tuple[str, ...] = ("sop_case_facts", "sop_obligations")
    read_indexes = READ_INDEXES

    def __init__(self, rulebook: RuleBook, calendar: WorkingCalendar) -> None:
        self.rulebook = rulebook
        self.calendar = calendar

    def create(self, conn: Connection[Any]) -> None:
        with ddl_lock(conn):
            conn.execute(DDL)
            self._upgrade(conn)
            conn.execute(INDEXES)

    def apply(self, cur: Cursor[Any], batch: Sequence[Delivered]) -> None:
        insert_new_rows(
            cur, "sop_case_facts", FACT_COLUMNS, [_fact_row(item) for item in batch]
        )
        self._recompute(cur, sorted({item.event.originator_id for item in batch}))

    def _upgrade(self, conn: Connection[Any]) -> None:
        # A table made by an earlier release lacks the clock's columns; its
        # facts are all here, so recomputing every case fills them in.
        present = {
            str(row[0])
            for row in conn.execute(
                """
                SELECT column_name FROM information_schema.columns
                WHERE table_schema = current_schema()
                  AND table_name = 'sop_obligations'
                """
            ).fetchall()
        }
        missing = [name for name in ADDED_COLUMNS if name not in present]
        if not missing:
            return
        with conn.transaction(), conn.cursor() as cur:
            cur.execute("LOCK TABLE sop_obligations IN ACCESS EXCLUSIVE MODE")
            for name in missing:
                # Names and types come from ADDED_COLUMNS above, not from input.
                cur.execute(
                    f"ALTER TABLE sop_obligations ADD COLUMN IF NOT EXISTS "
                    f"{name} {ADDED_COLUMNS[name]}"
                )
            found = cur.execute("SELECT DISTINCT case_id FROM sop_case_facts")
            cases = [row[0] for row in found.fetchall()]
            for start in range(0, len(cases), 500):
                self._recompute(cur, cases[start : start + 500])

    def _recompute(self, cur: Cursor[Any], cases: Sequence[UUID]) -> None:
        """Replace the obligations of ``cases`` with those their facts give.

        One query reads the facts of every case, one statement deletes their
        rows and one COPY writes the new ones.
        """
        judged: list[UUID] = []
        rows: list[tuple[object, ...]] = []
        for case_id, facts in _facts_of(cur, cases).items():
            obligations = self._judge(facts)
            if obligations is None:
                continue
            judged.append(case_id)
            rows.extend(obligations)
        if judged:
            cur.execute(
                "DELETE FROM sop_obligations WHERE case_id = ANY(%s)", (judged,)
            )
            copy_rows(cur, "sop_obligations", OBLIGATION_COLUMNS, rows)

    def _judge(self, facts: Sequence[CaseFact]) -> list[tuple[object, ...]] | None:
        """The obligation rows of one case, or None if it cannot be judged yet."""
        if not facts or facts[0].type != "Identified":
            return None  # the identification has not arrived yet: nothing to judge
        try:
            obligations = obligations_of(facts, self.rulebook, self.calendar)
            case = CaseContext.of(facts)
        except InvalidCorrection:
            if _complete(facts):
                raise
            # Delivered out of order: a correction came before the entry it
            # corrects. Judge the case when that entry arrives (its batch
            # recomputes the case), rather than fail the batch.
            return None
        return [case.row(o) for o in obligations]


def due_for_clock(
    conn: Connection[Any],
    now: datetime,
    *,
    after: tuple[datetime, UUID, str] | None = None,
    limit: int = 500,
) -> list[tuple[datetime, UUID, str]]:
    """Rows whose next clock action is due by ``now``, earliest first.

    Each is ``(next_action_at, case_id, obligation_id)``; pass the last one
    as ``after`` for the next page. Served by the partial index on
    ``next_action_at``: the clock never scans the rows with nothing to do.
    """
    start = after or (datetime.min.replace(tzinfo=now.tzinfo), UUID(int=0), "")
    rows = conn.execute(
        """
        SELECT next_action_at, case_id, obligation_id FROM sop_obligations
        WHERE next_action_at IS NOT NULL AND next_action_at <= %s
          AND (next_action_at, case_id, obligation_id) > (%s, %s, %s)
        ORDER BY next_action_at, case_id, obligation_id
        LIMIT %s
        """,
        (now, *start, limit),
    ).fetchall()
    return [(at, case_id, obligation_id) for at, case_id, obligation_id in rows]


def next_action_after(conn: Connection[Any], moment: datetime) -> datetime | None:
    """The earliest ``next_action_at`` strictly after ``moment``, if any."""
    row = conn.execute(
        """
        SELECT next_action_at FROM sop_obligations
        WHERE next_action_at IS NOT NULL AND next_action_at > %s
        ORDER BY next_action_at LIMIT 1
        """,
        (moment,),
    ).fetchone()
    return None if row is None else row[0]


def _fact_row(item: Delivered) -> tuple[object, ...]:
    event = item.event
    return (
        event.originator_id,
        event.originator_version,
        type(event).__name__,
        event.occurred_at,
        event.timestamp,
        item.payload_json,
    )


def _facts_of(cur: Cursor[Any], cases: Sequence[UUID]) -> dict[UUID, list[CaseFact]]:
    """The facts of each of ``cases`` (those with any), in version order."""
    rows = cur.execute(
        """
        SELECT case_id, version, type, occurred_at, recorded_at, attributes
        FROM sop_case_facts WHERE case_id = ANY(%s) ORDER BY case_id, version
        """,
        (list(cases),),
    ).fetchall()
    facts: dict[UUID, list[CaseFact]] = {}
    for case_id, version, type_, occurred, recorded, attributes in rows:
        facts.setdefault(case_id, []).append(
            CaseFact(case_id, version, type_, occurred, recorded, attributes)
        )
    return facts


def _complete(facts: Sequence[CaseFact]) -> bool:
    """Are the case's facts versions 1 to n without a gap (all arrived so far)?"""
    return [f.version for f in facts] == list(range(1, len(facts) + 1))
