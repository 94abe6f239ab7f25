"""The write path alone, for a profiler: commands/s and the CPU time a command costs.

``python -m bench.write_cpu [cases] [rounds]`` starts an embedded PostgreSQL
(durable: fsync and synchronous_commit on) in a temporary directory and, in
each round, records the bench's generated cases through the application
service from 8 client threads, as the write-path figure does, then the same
events through eventsourcing's own insert, one event a transaction (the
figure's baseline). It prints the commands a second of each and the
measuring process's CPU time per command (all its threads: Python, psycopg,
hashing). Run it under ``py-spy record`` to see where that time goes; no
Kafka is started.

With ``--eventsourcing`` each round also records the cases through the
service on eventsourcing's own select and insert (the chain records written
as before the two-round-trip write), to compare the two in the same minutes.
"""

from __future__ import annotations

import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from eventsourcing.postgres import PostgresApplicationRecorder

from bench.figures import CLIENTS, _app, _in_threads, _record_all
from bench.generator import build_case, scripts
from bench.stack import people_on
from domain.clock import SystemClock
from services.app.service import CaseApplication, CaseService
from services.config.logs import configure_logging
from services.store.database import Database, EmbeddedPostgres


def main(argv: list[str]) -> int:
    both = "--eventsourcing" in argv
    argv = [a for a in argv if not a.startswith("--")]
    cases = int(argv[0]) if argv else 100
    rounds = int(argv[1]) if len(argv) > 1 else 3
    configure_logging("ERROR", "json")
    plan = list(scripts(cases))
    commands = sum(len(s.steps) for s in plan)
    with tempfile.TemporaryDirectory(prefix="vatra-write-cpu-") as tmp:
        server = EmbeddedPostgres(Path(tmp) / "pg")
        postgres = server.start()

        def fresh() -> Database:
            return postgres.with_name(f"w_{uuid.uuid4().hex[:8]}").create()

        try:
            for round_ in range(1, rounds + 1):
                ways = ["service", "service, eventsourcing's select and insert"]
                for way in ways[: 2 if both else 1]:
                    seconds, cpu = _service(fresh(), plan, way != "service")
                    _print(round_, way, commands, seconds, cpu)
                seconds, cpu = _bare(_app(fresh()), plan)
                _print(round_, "bare eventsourcing inserts", commands, seconds, cpu)
        finally:
            server.stop()
    return 0


def _eventsourcing_ways(app: CaseApplication) -> None:
    """Read and write through eventsourcing's own select and insert."""
    recorder = app.recorder
    recorder.insert_events = partial(  # type: ignore[method-assign]
        PostgresApplicationRecorder.insert_events, recorder
    )
    recorder.select_events = partial(  # type: ignore[method-assign]
        PostgresApplicationRecorder.select_events, recorder
    )


def _service(db: Database, plan: list[Any], old: bool) -> tuple[float, float]:
    app = _app(db)
    if old:
        _eventsourcing_ways(app)
    with people_on(db) as people:
        service = CaseService(app, SystemClock(), people=people)
        return _timed(lambda: _record_all(service, plan), app)


def _bare(app: CaseApplication, plan: list[Any]) -> tuple[float, float]:
    stored = [
        [app.mapper.to_stored_event(e) for e in build_case(s).collect_events()]
        for s in plan
    ]
    insert = partial(PostgresApplicationRecorder.insert_events, app.recorder)

    def client(mine: list[list[Any]]) -> Callable[[], None]:
        def run() -> None:
            for events in mine:
                for event in events:
                    insert([event])

        return run

    return _timed(
        lambda: _in_threads([client(stored[c::CLIENTS]) for c in range(CLIENTS)]),
        app,
    )


def _timed(work: Callable[[], float], app: CaseApplication) -> tuple[float, float]:
    cpu = time.process_time()
    try:
        seconds = work()
        return seconds, time.process_time() - cpu
    finally:
        app.close()


def _print(round_: int, way: str, commands: int, seconds: float, cpu: float) -> None:
    print(
        f"round {round_}, {way}: {commands} commands, {commands / seconds:,.0f}/s, "
        f"{cpu / commands * 1e6:,.0f} µs CPU a command",
        flush=True,
    )


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
