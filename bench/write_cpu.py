"""The write path alone, for a profiler: commands/s and the CPU time a command costs.

``python -m bench.write_cpu [cases] [runs]`` starts an embedded PostgreSQL
(durable: fsync and synchronous_commit on) in a temporary directory, records
the bench's generated cases through the application service from 8 client
threads, as the write-path figure does, and prints per run the commands a
second and the measuring process's CPU time per command (all its threads:
Python, psycopg, hashing). Run it under ``py-spy record`` to see where that
time goes; no Kafka is started. With ``--eventsourcing`` every second run
reads and writes through eventsourcing's own select and insert (the chain
records written as before the two-round-trip write), to compare the two in
the same minutes.
"""

from __future__ import annotations

import sys
import tempfile
import time
import uuid
from functools import partial
from pathlib import Path

from eventsourcing.postgres import PostgresApplicationRecorder

from bench.figures import _app, _record_all
from bench.generator import scripts
from bench.stack import people_on
from domain.clock import SystemClock
from services.app.service import CaseService
from services.config.logs import configure_logging
from services.store.database import EmbeddedPostgres


def main(argv: list[str]) -> int:
    both = "--eventsourcing" in argv
    argv = [a for a in argv if not a.startswith("--")]
    cases = int(argv[0]) if argv else 100
    runs = int(argv[1]) if len(argv) > 1 else 3
    configure_logging("ERROR", "json")
    plan = list(scripts(cases))
    commands = sum(len(s.steps) for s in plan)
    with tempfile.TemporaryDirectory(prefix="vatra-write-cpu-") as tmp:
        server = EmbeddedPostgres(Path(tmp) / "pg")
        postgres = server.start()
        try:
            for run in range(runs):
                db = postgres.with_name(f"w_{uuid.uuid4().hex[:8]}").create()
                app = _app(db)
                old = both and run % 2 == 1
                if old:
                    # eventsourcing's own insert and select, as before.
                    recorder = app.recorder
                    recorder.insert_events = partial(  # type: ignore[method-assign]
                        PostgresApplicationRecorder.insert_events, recorder
                    )
                    recorder.select_events = partial(  # type: ignore[method-assign]
                        PostgresApplicationRecorder.select_events, recorder
                    )
                with people_on(db) as people:
                    service = CaseService(app, SystemClock(), people=people)
                    cpu = time.process_time()
                    seconds = _record_all(service, plan)
                    cpu = time.process_time() - cpu
                app.close()
                how = " (eventsourcing's select and insert)" if old else ""
                print(
                    f"run {run + 1}{how}: "
                    f"{commands} commands, {commands / seconds:,.0f}/s, "
                    f"{cpu / commands * 1e6:,.0f} µs CPU a command",
                    flush=True,
                )
        finally:
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
