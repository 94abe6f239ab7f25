"""The rebuild alone, for a profiler: seconds and CPU time of rebuilding N events.

``python -m bench.rebuild_alone [events] [rounds]`` starts an embedded
PostgreSQL (durable: fsync and synchronous_commit on) in a temporary
directory, records about ``events`` generated events as the rebuild figure
does (``bench.figures.bulk_load``), then rebuilds the same read models as
that figure ``rounds`` times, printing each rebuild's wall time, the
process's CPU time (all its threads) and events a second. Run it from two
trees in turn to compare them in the same minutes, or under ``py-spy
record``; no Kafka is started.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from bench.figures import bulk_load, rebuild_follower
from services.config.logs import configure_logging
from services.store.database import EmbeddedPostgres


def main(argv: list[str]) -> int:
    events = int(argv[0]) if argv else 200_000
    rounds = int(argv[1]) if len(argv) > 1 else 2
    configure_logging("ERROR", "json")
    with tempfile.TemporaryDirectory(prefix="vatra-rebuild-") as tmp:
        server = EmbeddedPostgres(Path(tmp) / "pg")
        try:
            db = server.start().with_name("rebuild").create()
            total = bulk_load(db, max(events // 15, 1))
            for round_ in range(1, rounds + 1):
                with rebuild_follower(db) as follower:
                    cpu = time.process_time()
                    started = time.perf_counter()
                    follower.rebuild()
                    seconds = time.perf_counter() - started
                    cpu = time.process_time() - cpu
                print(
                    f"round {round_}: {total:,} events rebuilt in {seconds:.1f} s "
                    f"(CPU {cpu:.1f} s), {total / seconds:,.0f} events/s",
                    flush=True,
                )
        finally:
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
