"""What the legal clinic's page reads: the hearings of the open cases of some
regions, and the proceedings still open, each with the lawyer working it.

Read from the case timeline (each entry's fields) and the case list (region,
closed), with the corrections of the entries applied, so a corrected time of
a hearing shows as corrected. Times of hearings are Tirana local time.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from psycopg import Connection

from domain.case_clinic import HEARING_STEPS, Hearing, hearings_of
from domain.case_state import Entry

# The steps that start proceedings, and those that end them.
OPENING_STEPS = frozenset(
    {"ComplaintFiled", "CriminalProceedingsOpened", "ProtectionOrderRequested"}
)
OTHER_STEPS = frozenset({"JudgmentGiven", "AppealFiled", "EntryCorrected"})
READ = HEARING_STEPS | OPENING_STEPS | OTHER_STEPS

_ROWS = """
SELECT t.case_id, l.short_id, t.version, t.event_type, t.actor_id, t.actor_role,
       t.occurred_at, t.details
FROM case_timeline t JOIN case_list l USING (case_id)
WHERE l.subject_ref IS NOT NULL AND l.closed IS NOT TRUE
  AND (%(all)s OR l.region = ANY(%(regions)s))
  AND t.event_type = ANY(%(types)s)
ORDER BY t.case_id, t.version
"""


@dataclass(frozen=True)
class ClinicCase:
    """One open case's legal work, as its entries tell it."""

    case_id: UUID
    short_id: str
    hearings: tuple[Hearing, ...]
    # Proceedings started and not ended by a decision since (or appealed).
    proceedings_open: bool
    # The lawyer who recorded its latest legal step.
    lawyer: str


def clinic_cases(
    conn: Connection[Any], regions: Sequence[str] | None
) -> list[ClinicCase]:
    """The open cases with legal work, of ``regions`` (None: every region)."""
    rows = conn.execute(
        _ROWS,
        {
            "all": regions is None,
            "regions": list(regions or ()),
            "types": sorted(READ),
        },
    ).fetchall()
    by_case: dict[UUID, list[Any]] = {}
    for row in rows:
        by_case.setdefault(row[0], []).append(row)
    return [_case(case_rows) for case_rows in by_case.values()]


def _case(rows: list[Any]) -> ClinicCase:
    entries: dict[int, Entry] = {}
    for _case_id, _short, version, kind, _actor, role, at, details in rows:
        fields = dict(details or {})
        if kind == "EntryCorrected":
            target = entries.get(int(fields.get("corrected_version", 0)))
            if target is not None and fields.get("field") != "occurred_at":
                target.payload[str(fields["field"])] = json.loads(str(fields["value"]))
            continue
        entries[version] = Entry(kind, at, fields, role)
    lawyer = ""
    open_ = False
    for row in rows:
        kind, actor, role = row[3], row[4], row[5]
        if role == "lawyer":
            lawyer = actor
        if kind in OPENING_STEPS or kind == "AppealFiled":
            open_ = True
        elif kind == "JudgmentGiven":
            open_ = False
    return ClinicCase(
        rows[0][0],
        rows[0][1],
        tuple(hearings_of(entries).values()),
        open_,
        lawyer,
    )
