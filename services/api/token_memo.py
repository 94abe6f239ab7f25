"""The callers whose tokens this process checked in the last minute.

A route whose one statement checks the token again, in the same round trip
as it reads and records the read (``services.api.timeline_read``), may take
the caller from here instead of looking the token up first. Nothing is
trusted from here alone: such a statement does nothing for a token revoked,
expired or of a disabled user since, and the route then checks the token
as every other route does. An entry lasts as long as the token's
``last_used_at`` may go unwritten (``token_terms.LAST_USED_STEP``), so the
lookup that writes it still runs once a minute per token.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import datetime

from domain.clock import Clock
from services.api.policy import Principal
from services.api.token_terms import LAST_USED_STEP

# The most tokens remembered: far more than callers at once; the least
# recently checked are forgotten first.
MEMO_SIZE = 10_000


class TokenMemo:
    """Token hash -> the caller it spoke for and when it was last checked."""

    def __init__(self, clock: Clock, *, size: int = MEMO_SIZE) -> None:
        self.clock = clock
        self.size = size
        self._kept: OrderedDict[str, tuple[Principal, datetime]] = OrderedDict()
        self._lock = threading.Lock()

    def keep(self, digest: str, principal: Principal) -> None:
        """Remember that the token ``digest`` was found live for ``principal``."""
        with self._lock:
            self._kept[digest] = (principal, self.clock.now())
            self._kept.move_to_end(digest)
            while len(self._kept) > self.size:
                self._kept.popitem(last=False)

    def recent(self, digest: str) -> Principal | None:
        """The caller of a token checked less than ``LAST_USED_STEP`` ago."""
        with self._lock:
            kept = self._kept.get(digest)
            if kept is None:
                return None
            principal, checked_at = kept
            if self.clock.now() - checked_at >= LAST_USED_STEP:
                del self._kept[digest]
                return None
            return principal
