"""When the legal clinic's steps make sense on a case, and the values their
fields may take (``domain.offering`` for the rest of a case's steps).

A hearing is held, postponed or given its companions only while it is
scheduled and not yet held; an appeal follows a decision; a violation follows
an issued protection order.
"""

from __future__ import annotations

from domain.case_clinic import hearings_of
from domain.offering import Option, Situation, case_open


def _has(s: Situation, entry_type: str) -> bool:
    return any(entry.type == entry_type for entry in s.case.entries.values())


def pending_hearings(s: Situation) -> list[Option]:
    """The scheduled hearings not yet held, with their court and time."""
    return [
        Option(h.hearing_id, {"court": h.court, "hearing_at": h.hearing_at})
        for h in hearings_of(s.case.entries).values()
        if not h.held
    ]


def hearing_pending(s: Situation) -> bool:
    return case_open(s) and bool(pending_hearings(s))


def judgment_given(s: Situation) -> bool:
    return case_open(s) and _has(s, "JudgmentGiven")


def order_issued(s: Situation) -> bool:
    return case_open(s) and _has(s, "ProtectionOrderIssued")


def next_hearing_id(s: Situation) -> str:
    """A short hearing id, unique within the case: ``H-1``, ``H-2``..."""
    known = hearings_of(s.case.entries)
    n = len(known) + 1
    while f"H-{n}" in known:
        n += 1
    return f"H-{n}"
