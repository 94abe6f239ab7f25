"""The servers a benchmark run uses: PostgreSQL and Kafka, durable as in production.

PostgreSQL is the embedded server with ``fsync`` and ``synchronous_commit``
on (checked, not assumed); Kafka is the local broker with the full JIT, and
every producer uses ``acks=all``. A number bought by turning durability off
would not count.
"""

from __future__ import annotations

import contextlib
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg

from devtools.kafka.jars import fetch_jars
from devtools.kafka.process import LocalKafka
from services.store.database import Database, EmbeddedPostgres


@dataclass
class BenchEnv:
    postgres: Database
    kafka: str
    workdir: Path

    def fresh_database(self, label: str) -> Database:
        return self.postgres.with_name(f"b_{label}_{uuid.uuid4().hex[:8]}").create()

    def durability(self) -> dict[str, str]:
        """The settings that make commits durable, as the server reports them."""
        with psycopg.connect(self.postgres.conninfo()) as conn:
            return {
                name: str(conn.execute(f"SHOW {name}").fetchone()[0])  # type: ignore[index]
                for name in ("fsync", "synchronous_commit", "full_page_writes")
            }


@contextlib.contextmanager
def bench_env() -> Iterator[BenchEnv]:
    with tempfile.TemporaryDirectory(prefix="vatra-bench-") as tmp:
        workdir = Path(tmp)
        server = EmbeddedPostgres(workdir / "pg")
        postgres = server.start()
        fetch_jars()
        kafka = LocalKafka(workdir / "kafka", quick_start=False)
        try:
            kafka.start(timeout=120)
            env = BenchEnv(postgres, kafka.bootstrap_servers, workdir)
            settings = env.durability()
            if settings["fsync"] != "on" or settings["synchronous_commit"] != "on":
                raise RuntimeError(f"PostgreSQL is not durable: {settings}")
            yield env
        finally:
            kafka.stop()
            server.stop()
