"""Cases kept in memory for commands, so that a command does not replay its case.

A command loads its case, changes it and saves the new events. Replaying
every event of the case on each command costs more than anything else the
command does but the write; here the case a command saved is kept, at its
new version, and the next command on it starts from that, without a round
trip to the store. What makes that safe is the version the caller read
(``expected_version``) and the store's guards on the write
(``CaseService._change``):

- a kept case at another version than the caller read is dropped and the
  case replayed from the store: the store says which of the two is current;
- a kept case at the caller's version decides the command, and its new
  events can only be stored right behind that version: the store's unique
  (case id, version) refuses them if any process recorded a step since,
  and its insert refuses an event whose previous version it does not hold
  (a store restored from an older backup): the caller is told the case
  changed;
- a command the kept case refuses is decided again on the case replayed from
  the store, so that a refusal is never given on an older state than the
  store's.

A command takes its case out of the cache and the service puts it back only
once the command's save has committed: a command that fails, whether the
case refused it, another writer saved first or the store was unreachable,
leaves nothing behind, and the next command on the case replays it from the
store. Two commands on one case at once: the second finds nothing to take
and replays. At most ``CACHE_SIZE`` cases are kept, the least recently saved
dropped first.

A case is kept only as its stored events replay it: the service does not
keep one whose events were changed after the case applied them (typed text
moved into the personal-data store: the case holds the text, the events
only its reference), so no text is kept in memory that the store erases.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from uuid import UUID

from domain.case import Case

# The most cases kept for commands in one process: those being worked on at
# the moment; one that is not is replayed from the store on its next command.
CACHE_SIZE = 1000


class CaseCache:
    """The cases last saved in this process, each at the version it was saved."""

    def __init__(self, *, size: int = CACHE_SIZE) -> None:
        self.size = size
        self._kept: OrderedDict[UUID, Case] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        with self._lock:
            return len(self._kept)

    def take(self, case_id: UUID) -> Case | None:
        """The kept case, taken out of the cache; None if none is kept (the
        caller replays the case). The caller checks its version against the
        one it read (``CaseService._change``)."""
        with self._lock:
            return self._kept.pop(case_id, None)

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
