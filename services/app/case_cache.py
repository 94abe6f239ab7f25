"""Cases kept in memory for commands, brought up to date from the store on each load.

A command loads its case, changes it and saves the new events. Replaying
every event of the case on each command costs more than anything else the
command does but the write; here the case a command saved is kept, at its
new version, and the next command on it reads only what the store holds
beyond that version (one indexed query, usually one row: the kept version
itself, to see the store still holds it) and applies it. So a command never
decides on an older state than the store's, whichever process recorded the
events; the unique (case id, version) of the store stays the final guard
against a writer that saves in between.

A command takes its case out of the cache and the service puts it back only
once the command's save has committed (``CaseService``): a command that
fails, whether the case refused it, another writer saved first or the store
was unreachable, leaves nothing behind, and the next command on the case
replays it from the store. Two commands on one case at once: the second
finds nothing to take and replays. At most ``CACHE_SIZE`` cases are kept,
the least recently saved dropped first.

A case is kept only as its stored events replay it: the service does not
keep one whose events were changed after the case applied them (typed text
moved into the personal-data store: the case holds the text, the events
only its reference), so no text is kept in memory that the store erases.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import cast
from uuid import UUID

from eventsourcing.application import Application

from domain.case import Case
from domain.events import CaseEvent

# The most cases kept for commands in one process: those being worked on at
# the moment; one that is not is replayed from the store on its next command.
CACHE_SIZE = 1000


class CaseCache:
    """The cases last saved in this process, each at the version it was saved."""

    def __init__(self, app: Application[UUID], *, size: int = CACHE_SIZE) -> None:
        """``app``: the application whose store the cases are read from."""
        self.app = app
        self.size = size
        self._kept: OrderedDict[UUID, Case] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        with self._lock:
            return len(self._kept)

    def take(self, case_id: UUID) -> Case | None:
        """The kept case, taken out of the cache and brought up to the store's
        latest version; None if none is kept (the caller replays the case).

        Raises what the store raised; the case is then no longer kept.
        """
        with self._lock:
            case = self._kept.pop(case_id, None)
        if case is None:
            return None
        stored = self.app.recorder.select_events(case_id, gt=case.version - 1)
        if not stored or stored[0].originator_version != case.version:
            # The store no longer holds the version the case was kept at
            # (restored from a backup, say): only a replay is the truth.
            return None
        for event in stored[1:]:
            # mutate() checks that the event follows the case's version, and
            # applies it to the case in place.
            cast("CaseEvent", self.app.mapper.to_domain_event(event)).mutate(case)
        return case

    def keep(self, case: Case) -> None:
        """Keep ``case``, whose events are all saved (none pending), unless a
        later version of it is kept already."""
        assert not case.pending_events, "a case is kept once its events are saved"
        with self._lock:
            present = self._kept.get(case.id)
            if present is None or present.version < case.version:
                self._kept[case.id] = case
            self._kept.move_to_end(case.id)
            while len(self._kept) > self.size:
                self._kept.popitem(last=False)

    def clear(self) -> None:
        """Forget every kept case: the next command on each replays it."""
        with self._lock:
            self._kept.clear()
