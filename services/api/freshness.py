"""Reads wait for the read models only so long, then say how stale they are.

In the embedded mode a read asks the log follower to catch up and waits for
it at most ``wait`` seconds (``VATRA_READ_WAIT``). One catch-up runs at a
time, on a thread of its own, so a follower that is slow or failing holds no
request longer than that: the read answers with what is projected, and the
answer carries ``X-Read-Model-Lag``, the number of recorded events not yet in
the read models (pages show a notice when it is not 0).
"""

from __future__ import annotations

import contextvars
import threading
from dataclasses import dataclass

import psycopg
import structlog
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.store.outages import is_database_outage
from services.workers.follower import LogFollower

log = structlog.get_logger("vatra.api")

LAG_HEADER = "X-Read-Model-Lag"


@dataclass(frozen=True)
class Freshness:
    """How far the read models are behind the event store after a refresh."""

    behind: int

    @property
    def current(self) -> bool:
        return self.behind == 0


# The request's slot for what the last refresh found; a dict so that the
# endpoint's thread (which runs in a copy of the request's context) can fill
# it for the middleware to read.
_SLOT: contextvars.ContextVar[dict[str, Freshness] | None] = contextvars.ContextVar(
    "vatra_read_freshness", default=None
)


def freshness_of_request() -> Freshness | None:
    """What the read models' refresh found during this request, if it ran."""
    slot = _SLOT.get()
    return slot.get("freshness") if slot is not None else None


class ReadModels:
    """Brings the read models up to date before a read, in the embedded mode.

    In the embedded mode nothing else may be following the log, so a read
    catches up first: a caseworker sees the step they just recorded. In the
    full mode the projector owns the read models and reads may lag a little.
    """

    def __init__(self, follower: LogFollower | None, wait: float = 1.5) -> None:
        self.follower = follower
        self.wait = wait
        self._changed = threading.Condition()
        self._wanted = 0
        self._done = 0
        self._worker: threading.Thread | None = None

    def refresh(self) -> Freshness | None:
        """Catch up, waiting at most ``wait`` seconds; return how far behind the
        read models still are (None in the full mode)."""
        if self.follower is None:
            return None
        with self._changed:
            self._wanted += 1
            target = self._wanted
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(
                    target=self._catch_up_when_asked,
                    name="vatra-read-models",
                    daemon=True,
                )
                self._worker.start()
            self._changed.notify_all()
            self._changed.wait_for(lambda: self._done >= target, timeout=self.wait)
        freshness = Freshness(self._behind(self.follower))
        slot = _SLOT.get()
        if slot is not None:
            slot["freshness"] = freshness
        if not freshness.current:
            log.warning("read_models_behind", events=freshness.behind)
        return freshness

    def _catch_up_when_asked(self) -> None:
        assert self.follower is not None
        while True:
            with self._changed:
                self._changed.wait_for(lambda: self._wanted > self._done)
                target = self._wanted
            try:
                self._catch_up(self.follower)
            except Exception as error:
                # Reads answer from what is projected; the follower's own
                # run (or the next read) tries again.
                log.warning(
                    "read_models_refresh_failed",
                    error=type(error).__name__,
                    database=is_database_outage(error),
                )
            with self._changed:
                self._done = target
                self._changed.notify_all()

    @staticmethod
    def _catch_up(follower: LogFollower) -> None:
        for _attempt in range(3):
            try:
                follower.catch_up()
                return
            except psycopg.IntegrityError:
                # Another process (``vatra run --embedded``) applied the same
                # batch first; our batch rolled back, so look again.
                continue
        log.warning("read_models_refresh_contended")

    @staticmethod
    def _behind(follower: LogFollower) -> int:
        head = follower.app.recorder.max_notification_id() or 0
        names = [p.name for p in follower.projections]
        with follower.pool.connection() as conn:
            row = conn.execute(
                "SELECT count(*), min(position) FROM vatra_positions "
                "WHERE consumer = ANY(%s)",
                (names,),
            ).fetchone()
        known, lowest = (int(row[0]), row[1]) if row else (0, None)
        position = int(lowest) if lowest is not None and known == len(names) else 0
        return max(head - position, 0)


class ReadModelLagHeader:
    """Adds ``X-Read-Model-Lag`` to every answer whose endpoint read the read
    models (plain ASGI, like the API's other middleware)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        slot: dict[str, Freshness] = {}
        token = _SLOT.set(slot)

        async def answer(message: Message) -> None:
            freshness = slot.get("freshness")
            if message["type"] == "http.response.start" and freshness is not None:
                MutableHeaders(scope=message)[LAG_HEADER] = str(freshness.behind)
            await send(message)

        try:
            await self.app(scope, receive, answer)
        finally:
            _SLOT.reset(token)
