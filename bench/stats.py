"""The statistics: the page and ``vatra stats`` on a large generated load,
beside a bare SQL aggregate, and the statistics projection's rebuild rate.

The generated cases (``bench.generator`` with their longer histories, about
30 events a case) are spread evenly over three years, 2024 to 2026, so the
year counted (2025) holds a third of them, with the steps of cases opened the
year before and the rest of its own cases' histories in the year after. They
are loaded by COPY (``bench.copy_load``: encoded and chained as a save would
store them), with the banded attributes the application service would have
written for each (``projections.stats_person``). Then:

- statistics rebuild: the statistics projection alone rebuilt from every
  event, events/s (``rebuild`` reports the timeline and the obligations);
- statistics page: ``GET /statistics`` for a year (every table, small cells
  suppressed) from ``vatra api`` on the embedded default, p99;
- ``vatra stats``: the same year's tables as Markdown, a process each time
  (start-up included), in production mode with every key set, p99;
- baseline: the bare SQL aggregate of one table (identifications of the year
  by source, from the read model).
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import psycopg

from bench.cli_startup import PRODUCTION
from bench.copy_load import copy_load
from bench.env import BenchEnv
from bench.figures import Figure, _app
from bench.generator import Script, scripts
from bench.latency import _answers
from bench.login import bench_account, log_in
from bench.mail import LOOPBACK, free_port
from bench.stack import ROOT, running, wait_until, worker_env
from bench.timing import percentile, timed
from domain.catalogue import REGIONS
from projections.schema import run_ddl
from projections.statistics import StatisticsProjection
from projections.stats_person import DDL, banded
from services.api.context import api_context
from services.config.bootstrap import open_backbone
from services.config.settings import load_settings
from services.progress import ProgressBar
from services.store.database import Database
from services.workers.follower import LogFollower

TARGET_MS = 1000.0  # p99, the page and the command
YEAR = (datetime(2025, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC))
BARE = """
SELECT source, count(*) FROM stats_cases
WHERE identified_at >= %s AND identified_at < %s GROUP BY 1
"""


# The generated cases start evenly over these three years.
SPREAD = (datetime(2024, 1, 1, 8, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))


def plan(cases: int) -> Iterator[Script]:
    """The cases of the statistics figures: longer histories, three years."""
    every = (SPREAD[1] - SPREAD[0]) / cases
    return scripts(cases, every=every, epoch=SPREAD[0], longer=True)


def load_cases(db: Database, cases: int) -> int:
    """Store the cases' events by COPY and their banded attributes; return
    the events stored."""
    bar = ProgressBar("loading cases", unit="cases")
    app = _app(db)
    events = copy_load(db, plan(cases), app, lambda n: bar(n, cases))
    app.close()
    with psycopg.connect(db.conninfo()) as conn:
        run_ddl(conn, DDL)
        with conn.cursor().copy(
            "COPY stats_person (case_id, sex, age_band, nationality) FROM STDIN"
        ) as copy:
            for s in plan(cases):
                copy.write_row((s.case_id, *banded(s.steps[0].fields, s.start.year)))
    return events


def stats_figures(env: BenchEnv, cases: int, gets: int) -> list[Figure]:
    """Statistics rebuild rate, page and command p99, beside the bare aggregate."""
    db = env.fresh_database("stats")
    events = load_cases(db, cases)
    rebuild_seconds = _rebuild_statistics(db)
    process_env = worker_env(db, VATRA_LOG_LEVEL="ERROR")
    with open_backbone(load_settings(process_env), database=db) as backbone:
        backbone.follower.catch_up()  # the other read models (SOP obligations)
        # Fresh tables of a bulk load: give the planner its statistics now,
        # as autovacuum would soon after.
        with backbone.pool.connection() as conn:
            conn.execute("ANALYZE")
        key = bench_account(
            api_context(backbone), "coord-bench-stats", "coordinator", tuple(REGIONS)
        )
    port = free_port()
    process_env |= {"VATRA_API_HOST": LOOPBACK, "VATRA_API_PORT": str(port)}
    logs = env.workdir / "logs" / db.dbname
    with (
        running({"api": ["api"]}, process_env, logs) as processes,
        httpx.Client(base_url=f"http://{LOOPBACK}:{port}", timeout=60) as browser,
    ):
        wait_until(lambda: _answers(browser), 60, "the API", processes)
        log_in(browser, "coord-bench-stats", key)
        page = timed(gets, lambda: _page(browser), warmup=2)
    output = env.workdir / "stats.md"
    command = [
        *(sys.executable, "-m", "services.cli.main", "stats"),
        *("--from", "2025-01-01", "--to", "2025-12-31", "--output", str(output)),
    ]
    runs = max(gets // 10, 5)
    # As production runs it: production mode, every key set (keys of its own:
    # the command reads only the read models).
    cli = [_run(command, process_env | PRODUCTION) for _ in range(runs)]
    with psycopg.connect(db.conninfo()) as conn:
        bare = timed(gets, lambda: conn.execute(BARE, YEAR).fetchall())
    bare99 = percentile(bare, 99) * 1000
    page99 = percentile(page, 99) * 1000
    cli99 = percentile(cli, 99) * 1000
    where = f"{cases:,} cases, {events:,} events; the year 2025, every table"
    return [
        Figure(
            f"statistics rebuild ({events:,} events)",
            rebuild_seconds,
            "s",
            None,
            "reported",
            True,
            note=f"{events / rebuild_seconds:,.0f} events/s; the statistics "
            "projection alone",
        ),
        Figure(
            "statistics page (GET /statistics, a year)",
            page99,
            "ms p99",
            bare99,
            f"p99 ≤ {TARGET_MS:.0f} ms",
            page99 <= TARGET_MS,
            note=f"p50 {percentile(page, 50) * 1000:.0f} ms; {gets} GETs; {where}; "
            "vatra api, embedded default; baseline: the bare SQL aggregate of "
            "one table",
        ),
        Figure(
            "vatra stats (a year, Markdown)",
            cli99,
            "ms p99",
            bare99,
            f"p99 ≤ {TARGET_MS:.0f} ms",
            cli99 <= TARGET_MS,
            note=f"p50 {percentile(cli, 50) * 1000:.0f} ms; {runs} runs, each a "
            f"process (start-up included); {where}",
        ),
    ]


def _rebuild_statistics(db: Database) -> float:
    app = _app(db)
    pool = db.pool("bench-stats")
    follower = LogFollower(app, pool, [StatisticsProjection()], batch_size=2000)
    follower.create_tables()
    started = time.perf_counter()
    follower.rebuild(ProgressBar("rebuilding the statistics"))
    seconds = time.perf_counter() - started
    pool.close()
    app.close()
    return seconds


def _page(client: httpx.Client) -> None:
    answer = client.get("/statistics", params={"period": "year", "year": "2025"})
    if answer.status_code != 200:
        raise RuntimeError(f"GET /statistics answered {answer.status_code}")


def _run(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"vatra stats failed: {done.stderr.decode()[-300:]}")
    return seconds
