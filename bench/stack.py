"""The backbone's own processes for a figure: ``vatra relay``, ``notify``, ``api``...

Each runs as it does in production (``python -m services.cli.main <command>``, its
settings from the environment) and is stopped with SIGTERM; its log (warnings
and up, JSON, no personal data) goes to a file in the run's work directory,
whose tail is shown if the process stops on its own.
"""

from __future__ import annotations

import base64
import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from domain.clock import SystemClock
from projections.schema import run_ddl
from projections.stats_person import DDL as PERSON_DDL
from services.app.ports import PersonalAttributes
from services.config.settings import KafkaSettings
from services.store.access_log import AccessLog
from services.store.database import Database
from services.store.person_attributes import StoredAttributes
from services.store.personal_data import PersonalDataStore
from services.store.personal_data_keys import KeyRing

ROOT = Path(__file__).resolve().parent.parent
# The bench's personal-data key (base64 of 32 bytes, never a real one): an
# identification keeps the person's attributes in the encrypted store, as in
# production, so the figures count that write too.
BENCH_PERSONAL_DATA_KEY = base64.b64encode(bytes(range(32, 64))).decode()


@contextlib.contextmanager
def people_on(db: Database) -> Iterator[PersonalAttributes]:
    """The encrypted personal-data store on ``db``, where the application
    service keeps the person's attributes (``CaseService(people=...)``)."""
    clock = SystemClock()
    pool = db.pool("bench-people", max_size=10)
    try:
        access_log = AccessLog(pool, clock)
        access_log.create_table()
        store = PersonalDataStore(
            pool, access_log, clock, KeyRing(BENCH_PERSONAL_DATA_KEY)
        )
        store.create_table()
        # The person's bands are kept beside the statistics read model, whose
        # projection creates the table in a running backbone.
        with pool.connection() as conn:
            run_ddl(conn, PERSON_DDL)
        yield StoredAttributes(store)
    finally:
        pool.close()


def worker_env(
    db: Database, kafka: KafkaSettings | None = None, **extra: str
) -> dict[str, str]:
    """The environment of a backbone process on ``db`` (and ``kafka``)."""
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "POSTGRES_HOST": db.host,
        "POSTGRES_PORT": str(db.port),
        "POSTGRES_USER": db.user,
        "POSTGRES_DBNAME": db.dbname,
        "VATRA_METRICS_PORT": "off",
        "VATRA_LOG_LEVEL": "WARNING",
        "VATRA_PERSONAL_DATA_KEY": BENCH_PERSONAL_DATA_KEY,
    }
    if kafka is not None:
        env |= {
            "KAFKA_BOOTSTRAP_SERVERS": kafka.bootstrap_servers,
            "VATRA_KAFKA_EVENTS_TOPIC": kafka.events_topic,
            "VATRA_KAFKA_DEAD_LETTER_TOPIC": kafka.dead_letter_topic,
            "VATRA_KAFKA_ACCESS_LOG_TOPIC": kafka.access_log_topic,
            "VATRA_KAFKA_PROJECTOR_GROUP": kafka.projector_group,
        }
    return env | extra


class VatraProcess:
    """One ``vatra`` command running in its own process."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.args = args
        self.log = log
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "services.cli.main", *args],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=out,
            )

    def check(self) -> None:
        """Raise if the process has stopped on its own."""
        if self.process.poll() is not None:
            tail = self.log.read_text(errors="replace")[-2000:]
            raise RuntimeError(
                f"vatra {' '.join(self.args)} exited with "
                f"{self.process.returncode}:\n{tail}"
            )

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


@contextlib.contextmanager
def running(
    commands: dict[str, list[str]], env: dict[str, str], logs: Path
) -> Iterator[dict[str, VatraProcess]]:
    """Run each named command for the duration of the block."""
    logs.mkdir(parents=True, exist_ok=True)
    started: dict[str, VatraProcess] = {}
    try:
        for name, args in commands.items():
            started[name] = VatraProcess(args, env, logs / f"{name}.log")
        yield started
    finally:
        for process in started.values():
            process.stop()


def wait_until(
    condition: Callable[[], bool],
    timeout: float,
    what: str,
    processes: dict[str, VatraProcess] | None = None,
) -> float:
    """Wait until ``condition()``; return the seconds it took.

    Raises if it does not happen in time, or if one of ``processes`` stops.
    """
    started = time.monotonic()
    while not condition():
        for process in (processes or {}).values():
            process.check()
        if time.monotonic() - started > timeout:
            raise RuntimeError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.02)
    return time.monotonic() - started
