"""The read models as a command that only reads them opens them: the settings,
one connection and the rule book, without the composition root.

Building the backbone (``services.config.bootstrap``: the event store, its
cipher and chain, every projection) takes longer than most reads. A reading
command (``vatra timeline``, ``vatra sop``, ``vatra stats``) needs it only
when the read models are not made yet, or, in the embedded mode, when they are
behind the event log: then it is built once to bring them up to date
(``ReadModels.up_to_date``), as the pages do before they answer. In the full
mode the projector owns them.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

import psycopg
from psycopg import Connection

from domain.clock import SystemClock
from domain.sop import RuleBook, load_rulebook
from services.config.production import check_keys, missing_keys
from services.config.settings import (
    DatabaseSettings,
    Settings,
    load_settings,
    secret_values,
)

if TYPE_CHECKING:
    from services.config.bootstrap import Backbone
    from services.store.database import Database

# The event log (``services.app.service.CaseApplication``).
EVENTS_TABLE = "cases_events"

# Behind: the log holds an event past the position of one of the consumers (a
# consumer without a position has taken in none). An empty log is behind none.
BEHIND = f"""
SELECT COALESCE((SELECT max(notification_id) FROM {EVENTS_TABLE}), 0)
     > CASE WHEN (SELECT count(*) FROM vatra_positions WHERE consumer = ANY(%s)) < %s
            THEN 0
            ELSE (SELECT min(position) FROM vatra_positions WHERE consumer = ANY(%s))
       END
"""

CASE_RECORDED = f"SELECT EXISTS (SELECT 1 FROM {EVENTS_TABLE} WHERE originator_id = %s)"


class ReadModels:
    """The settings and one connection to the read models of ``consumers``
    (the projections, by their position names, whose tables are read)."""

    def __init__(
        self,
        settings: Settings,
        conn: Connection[Any],
        database: Callable[[], Database],
        consumers: Sequence[str],
    ) -> None:
        self.settings = settings
        self.conn = conn
        self._database = database
        self._consumers = list(consumers)
        self._clock = SystemClock()

    def now(self) -> datetime:
        return self._clock.now()

    def rulebook(self) -> RuleBook:
        """The rule book, for its rules' titles: the names it uses are
        checked by the processes that act on it, not by each reading command
        (that check loads every event class)."""
        return load_rulebook(self.settings.sop_dir, check_names=False)

    def state(self) -> str:
        """``current``; ``behind``: the event log holds events the read
        models have not taken in; ``missing``: the read models are not made."""
        try:
            with self.conn.transaction():
                row = self.conn.execute(
                    BEHIND, (self._consumers, len(self._consumers), self._consumers)
                ).fetchone()
        except psycopg.errors.UndefinedTable:
            return "missing"
        return "behind" if row and row[0] else "current"

    def up_to_date(self) -> Connection[Any]:
        """The connection, the read models made if missing and, in the
        embedded mode, brought up to date."""
        embedded = self.settings.kafka is None
        state = self.state()
        if state == "missing" or (state == "behind" and embedded):
            with self.backbone() as backbone:
                if embedded:
                    backbone.follower.catch_up()
        return self.conn

    def case_recorded(self, case_id: UUID) -> bool:
        """Whether the event log holds a case of this id (call after
        ``up_to_date``, which makes the log's table if it is missing)."""
        row = self.conn.execute(CASE_RECORDED, (case_id,)).fetchone()
        return bool(row and row[0])

    @contextlib.contextmanager
    def backbone(self) -> Iterator[Backbone]:
        """The whole backbone on the same database, for what the read models
        cannot give (bringing them up to date, the personal data's texts)."""
        # Imported here: most reads never need the composition root.
        from services.config.bootstrap import open_backbone  # noqa: PLC0415

        # The keys were checked (and any missing named) when these were opened.
        with open_backbone(
            self.settings, database=self._database(), warn_without_keys=False
        ) as backbone:
            yield backbone


@contextlib.contextmanager
def read_models(
    consumers: Sequence[str], settings: Settings | None = None
) -> Iterator[ReadModels]:
    """The read models of ``consumers`` in the configured database (the
    embedded one started for the command, and stopped after)."""
    settings = settings or load_settings()
    _check_keys(settings)
    db = settings.database
    with contextlib.ExitStack() as stack:
        if db.embedded:
            # Imported here: the embedded server's module loads the event store.
            from services.store.database import database_for  # noqa: PLC0415

            embedded = stack.enter_context(database_for(db))
            conn = stack.enter_context(
                psycopg.connect(embedded.conninfo(), autocommit=True)
            )
            yield ReadModels(settings, conn, lambda: embedded, consumers)
            return
        try:
            conn = psycopg.connect(_conninfo(db), autocommit=True)
        except psycopg.OperationalError:
            # A database not made yet: made, empty, as the backbone would
            # (``DatabaseUnavailable`` if the server cannot be reached).
            _external(db).create()
            conn = psycopg.connect(_conninfo(db), autocommit=True)
        stack.enter_context(conn)
        yield ReadModels(settings, conn, lambda: _external(db), consumers)


def _check_keys(settings: Settings) -> None:
    """As every command that reads cases: refused in production mode without
    the keys that protect them, else one warning naming those missing (the
    one log line such a command writes, so logging is set up only for it)."""
    if missing_keys(settings) and not settings.production:
        from services.config.logs import configure_logging  # noqa: PLC0415

        configure_logging(
            settings.log_level, settings.log_format, secrets=secret_values(settings)
        )
    check_keys(settings)


def _conninfo(db: DatabaseSettings) -> str:
    return psycopg.conninfo.make_conninfo(
        dbname=db.dbname,
        host=db.host,
        port=str(db.port),
        user=db.user,
        password=db.password.get_secret_value(),
    )


def _external(db: DatabaseSettings) -> Database:
    from services.store.database import external_database  # noqa: PLC0415

    return external_database(db)
