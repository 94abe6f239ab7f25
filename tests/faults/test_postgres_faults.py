"""PostgreSQL crashes, turns read-only or runs out of disk: clear errors, nothing
half-written, and the workers carry on once it is back.

The database is a server of this module's own (the tests crash it and fill
its disk), an embedded PostgreSQL like the one production runs in embedded
mode; Kafka is the session's broker.
"""

from __future__ import annotations

import contextlib
import os
import random
import re
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.persistence import PersistenceError
from psycopg import sql

from domain.clock import SystemClock
from domain.commands import AssessRisk, Identify
from services.audit.rebuild import checksums
from services.audit.verify import verify_chain
from services.config.bootstrap import Backbone, open_backbone
from services.config.settings import load_settings
from services.store.database import Database, EmbeddedPostgres
from services.store.event_chain import ChainHasher
from services.workers.follower import LogFollower
from tests.faults.conftest import StackFactory
from tests.faults.fault_load import Load
from tests.faults.fault_postgres import PostgresControl, resize, tiny_filesystem
from tests.faults.fault_processes import ROOT, sleep_watching
from tests.faults.fault_report import ReliabilityReport, Row, seconds
from tests.faults.fault_stack import READ_MODEL_TABLES
from tests.integration.kafka_helpers import kafka_env, read_topic, subprocess_env

SEED = 20260304


@pytest.fixture(scope="module")
def own_postgres(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[PostgresControl]:
    server = EmbeddedPostgres(tmp_path_factory.mktemp("own-pg") / "data")
    base = server.start()
    control = PostgresControl(server.data_dir, base)
    try:
        yield control
    finally:
        # After a restart the wheel no longer knows the server's pid: stop it here.
        with contextlib.suppress(subprocess.CalledProcessError):
            control.stop()
        server.stop()


@pytest.fixture
def own_database(own_postgres: PostgresControl) -> Iterator[Database]:
    db = own_postgres.server.with_name(f"f_{uuid.uuid4().hex[:12]}").create()
    try:
        yield db
    finally:
        db.drop()


def test_postgres_crashed_twice_under_load_the_workers_reconnect_and_lose_nothing(
    open_stack: StackFactory,
    own_postgres: PostgresControl,
    own_database: Database,
    kafka_servers: str,
    reliability: ReliabilityReport,
) -> None:
    rng = random.Random(SEED)
    resumed: list[float] = []
    started = [own_postgres.started_at()]
    with open_stack(own_database, kafka_servers) as stack:
        workers = stack.workers()
        workers.start()
        workers.wait_live()
        load = Load(stack.backbone.service, seed=SEED, rate=6.0, duration=120.0)
        load.start()
        try:
            for _crash in range(2):
                sleep_watching(workers, rng.uniform(4.0, 8.0))
                own_postgres.crash()
                sleep_watching(workers, rng.uniform(2.0, 5.0))
                own_postgres.start()
                back = time.monotonic()
                started.append(own_postgres.started_at())
                # Work recorded before the crash, and since, gets through.
                stack.wait_resumed(workers, stack.head())
                resumed.append(time.monotonic() - back)
            last_fault = time.monotonic()
            sleep_watching(workers, 3.0)
            load.stop()
            stats = load.join()
            stack.wait_until_settled(workers)
            settled = time.monotonic() - last_fault
        finally:
            codes = workers.stop()
        outcome = stack.outcome()
        chain = _verify(stack.backbone)
    reliability.add(
        Row(
            scenario="PostgreSQL crashed (immediate stop) and restarted under load",
            faults="2 crashes with crash recovery, down 2-5 s each",
            events=outcome.events,
            lost=outcome.lost,
            duplicates=outcome.duplicates,
            alerts_duplicated=outcome.alerts_duplicated,
            alerts_missing=outcome.alerts_lost,
            recovery=f"{seconds(max(resumed))} to resume after it returned",
            notes=outcome.notes(
                [
                    f"{stats.outages} writes failed and were retried, the others "
                    "waited for a connection",
                    f"event chain {'intact' if chain.ok else 'BROKEN'}",
                    f"settled {seconds(settled)} after the last fault",
                ]
            ),
        )
    )
    assert stats.errors == []
    assert len(set(started)) == 3, "the server did not restart twice"
    assert chain.ok, chain.findings
    workers.check_no_unexpected_exits()
    assert codes == dict.fromkeys(workers.names, 0), "a worker did not stop cleanly"
    outcome.assert_nothing_lost_or_duplicated(notifier_kills=0)


def _verify(backbone: Backbone) -> Any:
    recorder: Any = backbone.app.recorder
    return verify_chain(backbone.pool, recorder.events_table_name, ChainHasher(None))


def _identify(backbone: Backbone, n: int) -> dict[str, Any]:
    return backbone.service.open_case(
        Identify(
            subject_ref=f"PV-FAULT-{n}",
            region="durres",
            mobile_unit="durres-unit",
            municipality="durres",
            is_minor=n % 2 == 0,
            sex="female",
            age=16 if n % 2 == 0 else 30,
            nationality="AL",
        ),
        occurred_at=datetime.now(UTC),
        actor_id="mu-durres-1",
        actor_role="mobile_unit",
    )


class Running:
    """The relay and the projector (a real KafkaRunner) in threads of this process,
    so the test can see whether they died or dead-lettered anything."""

    def __init__(self, backbone: Backbone) -> None:
        self.relay = backbone.relay()
        self.projector = backbone.projector()
        self.threads = [
            threading.Thread(target=worker.run, daemon=True)
            for worker in (self.relay, self.projector)
        ]

    def __enter__(self) -> Running:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.relay.stop()
        self.projector.stop()
        for thread in self.threads:
            thread.join(timeout=60)

    @property
    def alive(self) -> bool:
        return all(thread.is_alive() for thread in self.threads)


def _caught_up(backbone: Backbone, running: Running) -> bool:
    with backbone.pool.connection() as conn:
        row = conn.execute("SELECT count(*) FROM case_timeline").fetchone()
    projected = int(row[0]) if row else 0
    return running.relay.lag() == 0 and projected == _stored(backbone)


def _stored(backbone: Backbone) -> int:
    recorder: Any = backbone.app.recorder
    with backbone.pool.connection() as conn:
        row = conn.execute(f"SELECT count(*) FROM {recorder.events_table_name}")
        found = row.fetchone()
    return int(found[0]) if found else 0


def _wait(condition: Any, timeout: float, what: str) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if condition():
            return time.monotonic() - started
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def _same_as_rebuilt(backbone: Backbone, reference: Database) -> list[str]:
    """Tables whose rows differ from a rebuild from scratch into ``reference``."""
    pool = reference.pool("rebuilt")
    try:
        follower = LogFollower(backbone.app, pool, backbone.projections[:2])
        follower.create_tables()
        follower.catch_up()
        with backbone.pool.connection() as conn:
            built = checksums(conn, READ_MODEL_TABLES)
        with pool.connection() as conn:
            rebuilt = checksums(conn, READ_MODEL_TABLES)
    finally:
        pool.close()
    return [a.table for a, b in zip(built, rebuilt, strict=True) if a != b]


def _without_paths(message: str) -> str:
    """The first line of a server error, file names left out."""
    return re.sub(r'"[^"]*"', "...", message.splitlines()[0]) if message else ""


def _dead_letters(backbone: Backbone) -> int:
    kafka = backbone.kafka
    return len(read_topic(kafka.bootstrap_servers, kafka.dead_letter_topic, 0, 5))


@pytest.fixture
def full_env(kafka_servers: str) -> dict[str, str]:
    return {**kafka_env(kafka_servers), "VATRA_LOG_LEVEL": "WARNING"}


def test_a_read_only_database_refuses_writes_clearly_and_nothing_is_skipped(
    own_postgres: PostgresControl,
    own_database: Database,
    reference_database: Database,
    full_env: dict[str, str],
    reliability: ReliabilityReport,
) -> None:
    settings = load_settings(full_env)
    read_only = sql.SQL("ALTER DATABASE {} SET default_transaction_read_only = on")
    writable = sql.SQL("ALTER DATABASE {} RESET default_transaction_read_only")
    name = sql.Identifier(own_database.dbname)
    with open_backbone(settings, clock=SystemClock(), database=own_database) as bb:
        cases = [_identify(bb, n) for n in range(30)]
        own_postgres.execute(read_only.format(name))
        own_postgres.disconnect(own_database)
        with Running(bb) as running:
            # Relay and projector have 30 events to handle and cannot write.
            case = cases[0]
            with pytest.raises(PersistenceError, match="read-only transaction"):
                bb.service.run(
                    AssessRisk(level="high"),
                    case["case_id"],
                    expected_version=1,
                    occurred_at=datetime.now(UTC),
                    actor_id="mu-durres-1",
                    actor_role="mobile_unit",
                )
            assert bb.service.case(case["case_id"])["version"] == 1  # nothing written
            time.sleep(8)  # longer than the projector's retries of a failed batch
            survived = running.alive
            dead_lettered = running.projector.dead_lettered
            applied_while_read_only = running.projector.applied
            own_postgres.execute(writable.format(name))
            own_postgres.disconnect(own_database)
            back = time.monotonic()
            bb.service.run(
                AssessRisk(level="high"),
                case["case_id"],
                expected_version=1,
                occurred_at=datetime.now(UTC),
                actor_id="mu-durres-1",
                actor_role="mobile_unit",
            )
            _wait(
                lambda: _caught_up(bb, running), 120, "relay and projector to catch up"
            )
            recovery = time.monotonic() - back
        differing = _same_as_rebuilt(bb, reference_database)
        dead = _dead_letters(bb)
        chain = _verify(bb)
        events = _stored(bb)
    reliability.add(
        Row(
            scenario="Database turned read-only under relay and projector",
            faults="default_transaction_read_only on for 8 s, sessions reset",
            events=events,
            lost=len(differing) + dead_lettered,
            duplicates=0,
            alerts_duplicated=None,
            alerts_missing=None,
            recovery=seconds(recovery),
            notes="the write was refused with 'cannot execute INSERT in a "
            f"read-only transaction' and left no trace; {dead} dead letters; "
            f"workers {'carried on' if survived else 'DIED'}; event chain "
            f"{'intact' if chain.ok else 'BROKEN'}",
        )
    )
    assert applied_while_read_only == 0
    assert survived, "the relay or the projector died on a read-only database"
    assert dead_lettered == 0, "good messages were dead-lettered for the database"
    assert dead == 0
    assert differing == []
    assert chain.ok, chain.findings
    assert events == 31


def test_a_full_disk_refuses_writes_clearly_and_nothing_is_half_written(
    own_postgres: PostgresControl,
    own_database: Database,
    reference_database: Database,
    full_env: dict[str, str],
    reliability: ReliabilityReport,
) -> None:
    tablespace = f"tiny_{uuid.uuid4().hex[:8]}"
    try:
        mounted = tiny_filesystem("2m")
        disk = mounted.__enter__()
    except (PermissionError, OSError, subprocess.CalledProcessError) as error:
        reason = f"cannot mount a small tmpfs here ({error}): it needs root"
        if os.environ.get("CI") or os.geteuid() == 0:
            # CI runs as root, and root can mount: never hide the scenario there.
            pytest.fail(reason)
        pytest.skip(reason)
    try:
        own_postgres.execute(
            sql.SQL("CREATE TABLESPACE {} LOCATION {}").format(
                sql.Identifier(tablespace), sql.Literal(str(disk))
            )
        )
        # Every table of the backbone (events, chain, read models, positions)
        # goes on the small disk.
        own_postgres.execute(
            sql.SQL("ALTER DATABASE {} SET default_tablespace = {}").format(
                sql.Identifier(own_database.dbname), sql.Literal(tablespace)
            )
        )
        _disk_full_scenario(
            own_database, reference_database, full_env, disk, reliability
        )
    finally:
        own_database.drop()
        own_postgres.execute(
            sql.SQL("DROP TABLESPACE IF EXISTS {}").format(sql.Identifier(tablespace))
        )
        mounted.__exit__(None, None, None)


def _disk_full_scenario(
    database: Database,
    reference: Database,
    env: dict[str, str],
    disk: Path,
    reliability: ReliabilityReport,
) -> None:
    settings = load_settings(env)
    with open_backbone(settings, clock=SystemClock(), database=database) as bb:
        acknowledged: list[str] = []
        refusal = ""
        with Running(bb) as running:
            for n in range(20_000):  # the disk fills long before
                try:
                    acknowledged.append(_identify(bb, n)["case_id"])
                except PersistenceError as error:
                    refusal = str(error)
                    break
            assert refusal, "the disk never filled"
            full_since = time.monotonic()
            refused, filled = 0, len(acknowledged)
            while time.monotonic() - full_since < 8:  # the workers keep failing
                try:
                    # PostgreSQL may find room again in pages freed by the
                    # refused writes: a write it then accepts is acknowledged.
                    acknowledged.append(_identify(bb, -1)["case_id"])
                except PersistenceError:
                    refused += 1
                time.sleep(0.5)
            survived = running.alive
            dead_lettered = running.projector.dead_lettered
            resize(disk, "64m")  # the operator makes room
            back = time.monotonic()
            acknowledged.append(_identify(bb, 1_000_000)["case_id"])
            _wait(
                lambda: _caught_up(bb, running), 180, "relay and projector to catch up"
            )
            recovery = time.monotonic() - back
        stored = {
            str(n.originator_id)
            for n in bb.app.recorder.select_notifications(start=1, limit=1_000_000)
        }
        differing = _same_as_rebuilt(bb, reference)
        dead = _dead_letters(bb)
        chain = _verify(bb)
        events = _stored(bb)
    reliability.add(
        Row(
            scenario="Disk full under load (tablespace on a 2 MiB tmpfs)",
            faults=f"disk filled by {filled} identifications; "
            f"{refused + 1} writes refused over 8 s (and "
            f"{len(acknowledged) - filled - 1} accepted in room found again), "
            "then the tmpfs grown",
            events=events,
            lost=len(set(acknowledged) - stored) + len(differing) + dead_lettered,
            duplicates=0,
            alerts_duplicated=None,
            alerts_missing=None,
            recovery=seconds(recovery),
            notes=f"refused with '{_without_paths(refusal)}'; {dead} dead "
            f"letters; workers {'carried on' if survived else 'DIED'}; event chain "
            f"{'intact' if chain.ok else 'BROKEN'}",
        )
    )
    assert "No space left on device" in refusal
    assert set(acknowledged) == stored, "an acknowledged write is missing, or more"
    assert survived, "the relay or the projector died on a full disk"
    assert dead_lettered == 0, "good messages were dead-lettered for the disk"
    assert dead == 0
    assert differing == []
    assert chain.ok, chain.findings


def test_the_cli_on_a_read_only_database_says_so_without_a_traceback(
    own_postgres: PostgresControl, own_database: Database
) -> None:
    own_postgres.execute(
        sql.SQL("ALTER DATABASE {} SET default_transaction_read_only = on").format(
            sql.Identifier(own_database.dbname)
        )
    )
    env = subprocess_env({"VATRA_LOG_LEVEL": "WARNING"}, own_database)
    env.pop("KAFKA_BOOTSTRAP_SERVERS", None)
    result = subprocess.run(
        [sys.executable, "-m", "services.cli.main", "sop"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert "Traceback" not in result.stderr, result.stderr[-600:]
    # One line says what is wrong (after, at most, the log's line that the
    # command runs without keys).
    said = result.stderr.strip().splitlines()[-1]
    assert said.startswith("vatra: ")
    assert "read-only" in said
    assert result.returncode == 3
