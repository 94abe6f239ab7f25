"""The statistics read models as ``vatra stats`` reads them: the settings, one
connection and the rule book, without the composition root.

Building the backbone (``services.config.bootstrap``: the event store, its
cipher and chain, every projection) takes longer than counting a year. The
command needs it only in the embedded mode and only when the read models are
behind the event log: then it is built once to bring them up to date
(``ReadModels.up_to_date``), as the page does before it answers.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

import psycopg
from psycopg import Connection

from domain.clock import SystemClock
from domain.sop import RuleBook, load_rulebook
from services.config.settings import DatabaseSettings, Settings, load_settings

if TYPE_CHECKING:
    from services.store.database import Database

# The event log (``services.app.service.CaseApplication``) and the
# projections whose positions the statistics depend on: the statistics and
# the SOP obligations (``projections.statistics``, ``projections.obligations``).
EVENTS_TABLE = "cases_events"
CONSUMERS = ("statistics", "sop_obligations")

BEHIND = f"""
SELECT COALESCE((SELECT max(notification_id) FROM {EVENTS_TABLE}), 0)
     > COALESCE((SELECT min(position) FROM vatra_positions
                 WHERE consumer = ANY(%s)), 0)
    OR (SELECT count(*) FROM vatra_positions WHERE consumer = ANY(%s)) < %s
"""


class ReadModels:
    """The settings and one connection to the read models."""

    def __init__(
        self,
        settings: Settings,
        conn: Connection[Any],
        database: Callable[[], Database],
    ) -> None:
        self.settings = settings
        self.conn = conn
        self._database = database
        self._clock = SystemClock()

    def now(self) -> datetime:
        return self._clock.now()

    def rulebook(self) -> RuleBook:
        return load_rulebook(self.settings.sop_dir)

    def state(self) -> str:
        """``current``; ``behind``: the event log holds events the statistics
        have not counted; ``missing``: the read models are not made yet."""
        try:
            with self.conn.transaction():
                row = self.conn.execute(
                    BEHIND, (list(CONSUMERS), list(CONSUMERS), len(CONSUMERS))
                ).fetchone()
        except psycopg.errors.UndefinedTable:
            return "missing"
        return "behind" if row and row[0] else "current"

    def up_to_date(self) -> Connection[Any]:
        """The connection, the read models made if missing and, in the
        embedded mode, brought up to date (the projector owns them in the
        full mode)."""
        embedded = self.settings.kafka is None
        state = self.state()
        if state == "missing" or (state == "behind" and embedded):
            # Imported here: the composition root is needed only to catch up.
            from services.config.bootstrap import open_backbone  # noqa: PLC0415

            with open_backbone(self.settings, database=self._database()) as backbone:
                if embedded:
                    backbone.follower.catch_up()
        return self.conn


@contextlib.contextmanager
def read_models(settings: Settings | None = None) -> Iterator[ReadModels]:
    """The read models of the configured database (the embedded one started
    for the command, and stopped after)."""
    settings = settings or load_settings()
    db = settings.database
    with contextlib.ExitStack() as stack:
        if db.embedded:
            # Imported here: the embedded server's module loads the event store.
            from services.store.database import database_for  # noqa: PLC0415

            embedded = stack.enter_context(database_for(db))
            conn = stack.enter_context(
                psycopg.connect(embedded.conninfo(), autocommit=True)
            )
            yield ReadModels(settings, conn, lambda: embedded)
            return
        try:
            conn = psycopg.connect(_conninfo(db), autocommit=True)
        except psycopg.OperationalError:
            # A database not made yet: made, empty, as the backbone would.
            _external(db).create()
            conn = psycopg.connect(_conninfo(db), autocommit=True)
        stack.enter_context(conn)
        yield ReadModels(settings, conn, lambda: _external(db))


def _conninfo(db: DatabaseSettings) -> str:
    return psycopg.conninfo.make_conninfo(
        dbname=db.dbname,
        host=db.host,
        port=str(db.port),
        user=db.user,
        password=db.password.get_secret_value(),
    )


def _external(db: DatabaseSettings) -> Database:
    from services.store.database import Database  # noqa: PLC0415

    return Database(
        db.dbname,
        db.host,
        db.port,
        db.user,
        db.password.get_secret_value(),
        db.pool_size,
        db.timeouts,
    )
