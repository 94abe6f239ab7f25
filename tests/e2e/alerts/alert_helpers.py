"""Helpers for the alert tests: wait, drive the notifier, read the ledger and
metrics (cases are built with ``tests.builders``)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from prometheus_client import REGISTRY
from psycopg_pool import ConnectionPool

from services.config.alerting import build_notifier
from services.config.bootstrap import Backbone
from services.workers.notifier import Notifier


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Wait until ``condition()``, for something that does happen: ``timeout``
    only bounds a broken run (how fast alerts go out is measured in bench/)."""
    give_up = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > give_up:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.02)


def drive_until_idle(backbone: Backbone, notifier: Notifier) -> None:
    """Run the notifier's intake and dispatcher, one round at a time, until a
    round finds nothing to take in, send or record.

    What the notifier would still do is then done: a test asserts that
    something did not happen without waiting a while for it to. The
    notifier's own dispatcher may have been stopped, so a second one with the
    same settings does the rounds (alerts not yet due for a retry wait).
    """
    settling = build_notifier(
        backbone, notifier.settings, worker=f"{notifier.dispatcher.worker}-2"
    )
    try:
        intake = settling.follower()
        dispatcher = settling.dispatcher
        for _round in range(50):
            work = intake.catch_up()
            work += dispatcher.dispatch_once()
            work += dispatcher.record_outcomes()
            if work == 0:
                return
        raise AssertionError("the notifier still had work after 50 rounds")
    finally:
        settling.close()


def ledger_rows(pool: ConnectionPool, where: str = "true") -> list[dict[str, Any]]:
    from psycopg.rows import dict_row  # noqa: PLC0415

    with pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(
            f"SELECT * FROM notification_deliveries WHERE {where} ORDER BY created_at"
        ).fetchall()


def metric(name: str, labels: dict[str, str]) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0
