"""Workers starting at the same moment on a new database: none dies creating tables.

In production the relay, the projector, the notifier and the SOP clock start
together (a compose file, a host reboot); each creates the event store's
tables, types and functions if they are missing. Without one lock around that
DDL, PostgreSQL refuses the losers (a duplicate type in its catalogue, "tuple
concurrently updated") and those workers exit at start.
"""

from __future__ import annotations

import contextlib
import threading
import uuid

from services.app.service import CaseApplication
from services.store.database import Database

ROUNDS = 4
STARTERS = 4


def _start_together(database: Database) -> list[str]:
    """Open STARTERS event stores on ``database`` at once; return the failures."""
    together = threading.Barrier(STARTERS, timeout=60)
    apps: list[CaseApplication] = []
    failures: list[str] = []

    def start() -> None:
        together.wait()
        try:
            apps.append(CaseApplication(env=database.eventsourcing_env()))
        except Exception as error:
            failures.append(f"{type(error).__name__}: {error}")

    threads = [threading.Thread(target=start) for _ in range(STARTERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    for app in apps:
        with contextlib.suppress(Exception):
            app.close()
    return failures


def test_event_stores_opened_at_once_on_a_new_database_all_start(
    postgres_server: Database,
) -> None:
    failures: list[str] = []
    for _round in range(ROUNDS):
        database = postgres_server.with_name(f"start_{uuid.uuid4().hex[:12]}").create()
        try:
            failures += _start_together(database)
        finally:
            database.drop()
    assert failures == []
