"""Cases kept in memory for reading, brought up to date from the store on every read.

Reading a case (``CaseService.case``, which the HTTP API does before every
case view to check the caller's region) would otherwise replay all its
events each time: a case followed for years has hundreds. ``CaseViews`` keeps
the most recently read cases and, on each read, applies only the events
recorded since (one indexed query, usually returning nothing), so a read is
never stale, whichever process recorded the events. The kept cases are never
handed out: a read returns plain values computed under the case's lock, and
commands load their own copy (``services.app.case_cache``).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from domain.case import Case
from domain.events import CaseEvent

Load = Callable[[UUID], Case]
Newer = Callable[[UUID, int], Iterable[CaseEvent]]


@dataclass
class _Kept:
    case: Case
    lock: threading.Lock = field(default_factory=threading.Lock)


class CaseViews:
    """The last ``size`` cases read, each fast-forwarded on every read."""

    def __init__(self, load: Load, newer: Newer, *, size: int = 1000) -> None:
        """``load`` replays a case from the store (raising if there is none);
        ``newer(case_id, version)`` gives its events after ``version``."""
        self.load = load
        self.newer = newer
        self.size = size
        self._kept: OrderedDict[UUID, _Kept] = OrderedDict()
        self._lock = threading.Lock()

    def read(self, case_id: UUID, view: Callable[[Case], dict[str, Any]]) -> Any:
        """``view`` of the case as the store has it now."""
        kept = self._get(case_id)
        if kept is None:
            case = self.load(case_id)
            kept = self._put(case_id, _Kept(case))
        with kept.lock:
            for event in self.newer(case_id, kept.case.version):
                # mutate() checks the event follows the kept version, and
                # applies it to the kept case in place.
                event.mutate(kept.case)
            return view(kept.case)

    def kept(
        self, case_id: UUID, view: Callable[[Case], dict[str, Any]]
    ) -> tuple[int, Any] | None:
        """The kept case's version and ``view`` of it as last read, asking the
        store nothing; None if the case is not kept. A reader that then finds
        no event after that version in the store (in the statement that acts
        on it) has read it as current."""
        kept = self._get(case_id)
        if kept is None:
            return None
        with kept.lock:
            return kept.case.version, view(kept.case)

    def _get(self, case_id: UUID) -> _Kept | None:
        with self._lock:
            kept = self._kept.get(case_id)
            if kept is not None:
                self._kept.move_to_end(case_id)
            return kept

    def _put(self, case_id: UUID, kept: _Kept) -> _Kept:
        with self._lock:
            present = self._kept.setdefault(case_id, kept)
            self._kept.move_to_end(case_id)
            while len(self._kept) > self.size:
                self._kept.popitem(last=False)
            return present
