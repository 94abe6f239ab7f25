"""Each figure measures the backbone and a raw baseline on the same data, same run."""

from __future__ import annotations

import contextlib
import functools
import statistics
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from eventsourcing.postgres import PostgresApplicationRecorder
from kafka import KafkaProducer

from bench.env import BenchEnv
from bench.generator import Script, build_case, scripts
from bench.stack import people_on
from domain.clock import SystemClock
from domain.commands import Identify, command_named
from projections.obligations import ObligationsProjection
from projections.timeline import TimelineProjection
from services.app.service import CaseApplication, CaseService
from services.config.bootstrap import load_sop
from services.config.settings import KafkaSettings, load_settings
from services.kafka.consumer import KafkaRunner
from services.kafka.relay import Relay, durable_producer
from services.kafka.topics import ensure_topics
from services.progress import ProgressBar
from services.store.database import Database
from services.workers.follower import LogFollower

CLIENTS = 8


@dataclass
class Figure:
    name: str
    value: float
    unit: str
    baseline: float | None
    target: str
    met: bool
    note: str = ""

    @property
    def ratio(self) -> float | None:
        return self.value / self.baseline if self.baseline else None


def median_of(runs: int, measure: Callable[[], float]) -> float:
    return statistics.median(measure() for _ in range(runs))


def _app(db: Database) -> CaseApplication:
    return CaseApplication(env={**db.eventsourcing_env(), "POSTGRES_POOL_SIZE": "10"})


def _in_threads(work: Sequence[Callable[[], None]]) -> float:
    """Run each callable in its own thread; return the wall time."""
    threads = [threading.Thread(target=w) for w in work]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


def write_path(env: BenchEnv, cases: int, runs: int) -> Figure:
    """Commands/s through the application service vs. bare appends of them."""
    plan = list(scripts(cases))
    commands = sum(len(s.steps) for s in plan)

    cpu: list[float] = []

    def ours() -> float:
        db = env.fresh_database("write")
        app = _app(db)
        with people_on(db) as people:
            service = CaseService(app, SystemClock(), people=people)
            started = time.process_time()
            seconds = _record_all(service, plan)
            cpu.append((time.process_time() - started) / commands * 1e6)
        app.close()
        return commands / seconds

    def bare() -> float:
        app = _app(env.fresh_database("bare"))
        stored = [
            [app.mapper.to_stored_event(e) for e in build_case(s).collect_events()]
            for s in plan
        ]

        # eventsourcing's own insert, one event a transaction (the chain
        # records written with it), not the recorder's two-round-trip write.
        insert = functools.partial(
            PostgresApplicationRecorder.insert_events, app.recorder
        )

        def client(mine: list[list[Any]]) -> Callable[[], None]:
            def run() -> None:
                for events in mine:
                    for event in events:
                        insert([event])

            return run

        seconds = _in_threads([client(stored[c::CLIENTS]) for c in range(CLIENTS)])
        app.close()
        return commands / seconds

    value, baseline = median_of(runs, ours), median_of(runs, bare)
    return Figure(
        "write path (8 clients)",
        value,
        "commands/s",
        baseline,
        "≥ 2,000/s and ≥ 0.7x bare",
        value >= 2000 and value >= 0.7 * baseline,
        note=f"{statistics.median(cpu):,.0f} µs CPU a command (the measuring "
        "process, all its threads); baseline: eventsourcing's insert, one event "
        "a transaction",
    )


def _record_all(service: CaseService, plan: list[Script]) -> float:
    """Record every script through the service from 8 clients; the wall time."""

    def client(mine: list[Script]) -> Callable[[], None]:
        def run() -> None:
            for script in mine:
                _run_script(service, script)

        return run

    return _in_threads([client(plan[c::CLIENTS]) for c in range(CLIENTS)])


def _run_script(service: CaseService, script: Script) -> None:
    version = 0
    for step in script.steps:
        moment = script.start + step.at
        if step.command == "identify":
            # The identifying worker is the one recording it.
            fields = {k: v for k, v in step.fields.items() if k != "worker_id"}
            result = service.open_case(
                Identify(**fields),
                case_id=str(script.case_id),
                actor_id=step.actor[0],
                actor_role=step.actor[1],
                occurred_at=moment,
            )
        else:
            result = service.run(
                command_named(step.command)(**step.fields),
                str(script.case_id),
                expected_version=version,
                actor_id=step.actor[0],
                actor_role=step.actor[1],
                occurred_at=moment,
            )
        version = result["version"]


def bulk_load(db: Database, cases: int, progress: bool = False) -> int:
    """Record ``cases`` generated cases in large transactions; return the events."""
    app = _app(db)
    total = 0
    batch: list[Any] = []
    bar = ProgressBar("loading events") if progress else None
    for script in scripts(cases):
        batch.append(build_case(script))
        if len(batch) == 40:
            total += sum(len(c.pending_events) for c in batch)
            app.save(*batch)
            batch = []
            if bar:
                bar(total, cases * 15)
    if batch:
        total += sum(len(c.pending_events) for c in batch)
        app.save(*batch)
    if bar:
        bar(total, total)
    app.close()
    return total


def _kafka_settings(env: BenchEnv) -> KafkaSettings:
    tag = uuid.uuid4().hex[:8]
    settings = load_settings(
        {
            "KAFKA_BOOTSTRAP_SERVERS": env.kafka,
            "VATRA_KAFKA_EVENTS_TOPIC": f"bench-{tag}.case-events",
            "VATRA_KAFKA_DEAD_LETTER_TOPIC": f"bench-{tag}.dlq",
            "VATRA_KAFKA_ACCESS_LOG_TOPIC": f"bench-{tag}.access",
            "VATRA_KAFKA_PROJECTOR_GROUP": f"bench-{tag}",
        }
    ).kafka
    assert settings is not None
    ensure_topics(settings)
    return settings


def relay_and_projection(env: BenchEnv, cases: int, runs: int) -> list[Figure]:
    """Relay and projector throughput, each beside its raw baseline: medians."""
    measured = [_stream_run(env, cases) for _ in range(runs)]
    relay_rate, bare_rate, projection_rate, bare_rows_rate = (
        statistics.median(run[i] for run in measured) for i in range(4)
    )
    return [
        Figure(
            "relay (log → Kafka)",
            relay_rate,
            "events/s",
            bare_rate,
            "≥ 20,000/s and ≥ 0.5x bare producer",
            relay_rate >= 20000 and relay_rate >= 0.5 * bare_rate,
        ),
        Figure(
            "projection (Kafka → read models)",
            projection_rate,
            "events/s",
            bare_rows_rate,
            "≥ 5,000/s and ≥ 0.5x bare inserts",
            projection_rate >= 5000 and projection_rate >= 0.5 * bare_rows_rate,
        ),
    ]


def _stream_run(env: BenchEnv, cases: int) -> tuple[float, float, float, float]:
    """One run: relay and bare producer rates, projection and bare insert rates."""
    source = env.fresh_database("relay")
    total = bulk_load(source, cases)
    app = _app(source)
    pool = source.pool("bench-relay")
    settings = _kafka_settings(env)
    relay = Relay(app, pool, settings, batch_size=5000)
    relay.start()
    started = time.perf_counter()
    while relay.publish_once():
        pass
    relay_rate = total / (time.perf_counter() - started)
    relay.close()

    # Baseline: a bare producer sending the very bytes the relay sent.
    from schemas.mapping import encode_event, kafka_headers, kafka_key  # noqa: PLC0415

    notifications = app.recorder.select_notifications(start=1, limit=total)
    payloads = []
    for n in notifications:
        event = app.mapper.to_domain_event(n)
        payloads.append(
            (
                kafka_key(event),  # type: ignore[arg-type]
                encode_event(event, n.id),  # type: ignore[arg-type]
                kafka_headers(event),  # type: ignore[arg-type]
            )
        )
    producer: KafkaProducer = durable_producer(settings)
    baseline_topic = f"{settings.events_topic}.baseline"
    ensure_topics(
        KafkaSettings(
            settings.bootstrap_servers,
            events_topic=baseline_topic,
            dead_letter_topic=settings.dead_letter_topic,
            access_log_topic=settings.access_log_topic,
        )
    )
    started = time.perf_counter()
    for key, value, headers in payloads:
        producer.send(baseline_topic, key=key, value=value, headers=headers)
    producer.flush()
    bare_rate = total / (time.perf_counter() - started)
    producer.close()

    projection_rate, bare_rows_rate = _projection(env, settings, total)
    pool.close()
    app.close()
    return relay_rate, bare_rate, projection_rate, bare_rows_rate


def _projection(
    env: BenchEnv, settings: KafkaSettings, total: int
) -> tuple[float, float]:
    """Projection rate from Kafka, and the rate of bare inserts of its rows."""
    rulebook, calendar = load_sop(load_settings({}))
    target = env.fresh_database("projection")
    pool = target.pool("bench-projection")
    runner = KafkaRunner(
        pool,
        [TimelineProjection(), ObligationsProjection(rulebook, calendar)],
        settings,
        group=settings.projector_group,
        max_records=2000,
    )
    runner.start()
    # Timed from the first applied batch: joining the consumer group and the
    # first fetch are start-up, not throughput (they would dominate a small run).
    while runner.applied == 0:
        runner.poll_once()
    first, started = runner.applied, time.perf_counter()
    while runner.applied < total:
        runner.poll_once()
    rate = (total - first) / (time.perf_counter() - started)
    runner.close()

    # Baseline: bare batched inserts of the very rows the projections wrote.
    tables = ("case_timeline", "sop_case_facts", "sop_obligations")
    with pool.connection() as conn:
        # The columns written, not those PostgreSQL computes from them.
        columns = {table: _written_columns(conn, table) for table in tables}
        rows = {
            table: conn.execute(f"SELECT {columns[table]} FROM {table}").fetchall()
            for table in tables
        }
    bare = env.fresh_database("bare_rows")
    bare_pool = bare.pool("bench-bare")
    with bare_pool.connection() as conn:
        # The same tables and indexes as the projections', empty.
        TimelineProjection().create(conn)
        ObligationsProjection(rulebook, calendar).create(conn)
    started = time.perf_counter()
    for table in tables:
        width = columns[table].count(",") + 1
        statement = (
            f"INSERT INTO {table} ({columns[table]}) "
            f"VALUES ({', '.join(['%s'] * width)})"
        )
        for start in range(0, len(rows[table]), 2000):
            with (
                bare_pool.connection() as conn,
                conn.transaction(),
                conn.cursor() as cur,
            ):
                cur.executemany(statement, _jsonb(rows[table][start : start + 2000]))
    bare_rate = total / (time.perf_counter() - started)
    bare_pool.close()
    pool.close()
    return rate, bare_rate


def _written_columns(conn: psycopg.Connection[Any], table: str) -> str:
    names = conn.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_name = %s AND is_generated = 'NEVER' ORDER BY ordinal_position",
        (table,),
    ).fetchall()
    return ", ".join(str(name) for (name,) in names)


def _jsonb(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    from psycopg.types.json import Jsonb  # noqa: PLC0415

    return [tuple(Jsonb(v) if isinstance(v, dict) else v for v in row) for row in rows]


@contextlib.contextmanager
def rebuild_follower(db: Database) -> Iterator[LogFollower]:
    """A follower of the rebuild figure's read models on ``db``, tables made."""
    rulebook, calendar = load_sop(load_settings({}))
    app = _app(db)
    pool = db.pool("bench-rebuild")
    try:
        follower = LogFollower(
            app,
            pool,
            [TimelineProjection(), ObligationsProjection(rulebook, calendar)],
            batch_size=2000,
        )
        follower.create_tables()
        yield follower
    finally:
        pool.close()
        app.close()


def rebuild(env: BenchEnv, events: int) -> Figure:
    """Every read model rebuilt from ``events`` recorded events, with a progress bar."""
    db = env.fresh_database("rebuild")
    total = bulk_load(db, max(events // 15, 1), progress=True)
    with rebuild_follower(db) as follower:
        started = time.perf_counter()
        follower.rebuild(progress=ProgressBar("rebuilding"))
        seconds = time.perf_counter() - started
    return Figure(
        f"rebuild ({total:,} events)",
        seconds,
        "s",
        None,
        "≤ 120 s for 1,000,000 events",
        seconds * 1_000_000 / total <= 120,
        note=f"{total / seconds:,.0f} events/s",
    )


def worker_memory(env: BenchEnv, cases: int) -> Figure:
    """Resident memory of a worker (relay + projector) after a write-path load."""
    import os  # noqa: PLC0415
    import subprocess  # noqa: PLC0415
    import sys  # noqa: PLC0415
    from pathlib import Path  # noqa: PLC0415

    db = env.fresh_database("memory")
    app = _app(db)
    with people_on(db) as people:
        _record_all(
            CaseService(app, SystemClock(), people=people), list(scripts(cases))
        )
    total = app.recorder.max_notification_id() or 0
    app.close()
    settings = _kafka_settings(env)
    root = Path(__file__).resolve().parent.parent
    process = subprocess.Popen(
        [sys.executable, "-m", "services.cli.main", "run"],
        cwd=root,
        env={
            **os.environ,
            "PYTHONPATH": str(root),
            "POSTGRES_HOST": db.host,
            "POSTGRES_PORT": str(db.port),
            "POSTGRES_DBNAME": db.dbname,
            "KAFKA_BOOTSTRAP_SERVERS": env.kafka,
            "VATRA_KAFKA_EVENTS_TOPIC": settings.events_topic,
            "VATRA_KAFKA_DEAD_LETTER_TOPIC": settings.dead_letter_topic,
            "VATRA_KAFKA_ACCESS_LOG_TOPIC": settings.access_log_topic,
            "VATRA_KAFKA_PROJECTOR_GROUP": settings.projector_group,
            "VATRA_METRICS_PORT": "off",
            "VATRA_LOG_LEVEL": "WARNING",
        },
    )
    pool = db.pool("bench-memory")
    try:
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            with pool.connection() as conn:
                exists = conn.execute("SELECT to_regclass('case_timeline')").fetchone()
                done = 0
                if exists and exists[0]:
                    row = conn.execute("SELECT count(*) FROM case_timeline").fetchone()
                    done = int(row[0]) if row else 0
            if done >= total:
                break
            time.sleep(0.5)
        rss_kib = _rss_kib(process.pid)
    finally:
        process.terminate()
        process.wait(timeout=60)
        pool.close()
    megabytes = rss_kib / 1024
    return Figure(
        "worker memory (relay + projector)",
        megabytes,
        "MB RSS",
        None,
        "≤ 300 MB",
        megabytes <= 300,
        note=f"after {total:,} events",
    )


def _rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0
