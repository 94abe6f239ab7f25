"""How long ``vatra`` takes to start, beside a bare ``python -c pass``.

``vatra --help`` loads only the parser. ``vatra timeline`` runs whole, as in
production (``VATRA_PRODUCTION=on``, every key set), on a database of the
bench's PostgreSQL holding the demo's cases, with its read models current: for
an unknown case it loads what it needs, reads and checks the settings,
connects, finds the read models current and answers that there is no such
case (exit 2): its start-up. For a demo case it then prints the timeline and
the SOP obligations, loading (and checking) the rule book for their names. Each
figure is the median of several runs of a fresh interpreter, with the
baseline measured in the same run.
"""

from __future__ import annotations

import base64
import os
import re
import secrets
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

from bench.env import BenchEnv
from bench.figures import Figure

ROOT = Path(__file__).resolve().parents[1]
VATRA = [sys.executable, "-m", "services.cli.main"]
HELP_TARGET = 0.2  # seconds
TIMELINE_TARGET = 0.5

# Production mode and its keys (random: the database is the bench's own).
PRODUCTION = {
    "VATRA_PRODUCTION": "on",
    "VATRA_CHAIN_KEY": secrets.token_urlsafe(32),
    "VATRA_EVENT_CIPHER_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
    "VATRA_PERSONAL_DATA_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
    "VATRA_NOTIFY_SECRET": secrets.token_urlsafe(24),
}


def _seconds(
    command: list[str], runs: int, env: dict[str, str] | None = None, code: int = 0
) -> float:
    def once() -> float:
        started = time.perf_counter()
        done = subprocess.run(
            command, cwd=ROOT, env=env, capture_output=True, check=False
        )
        took = time.perf_counter() - started
        if done.returncode != code:
            raise RuntimeError(
                f"{command[3:]} exited {done.returncode}, not {code}: "
                f"{done.stderr.decode()[-500:]}"
            )
        return took

    once()  # warm the file cache and the bytecode
    return statistics.median(once() for _ in range(runs))


def cli_startup(env: BenchEnv, runs: int) -> list[Figure]:
    """``vatra --help`` and ``vatra timeline`` start-up against ``python -c pass``."""
    bare = _seconds([sys.executable, "-c", "pass"], runs)
    help_time = _seconds([*VATRA, "--help"], runs)
    db = env.fresh_database("cli")
    on_db = {
        **os.environ,
        "POSTGRES_HOST": db.host,
        "POSTGRES_PORT": str(db.port),
        "POSTGRES_USER": db.user,
        "POSTGRES_DBNAME": db.dbname,
        **PRODUCTION,
    }
    demo = subprocess.run(
        [*VATRA, "demo"],
        cwd=ROOT,
        env=on_db,
        capture_output=True,
        text=True,
        check=False,
    )
    shown = re.search(r"Timeline of case ([0-9a-f-]{36})", demo.stdout)
    if demo.returncode != 0 or shown is None:
        raise RuntimeError(f"vatra demo failed: {demo.stderr[-500:]}")
    timeline = _seconds([*VATRA, "timeline", str(uuid.uuid4())], runs, on_db, code=2)
    whole = _seconds([*VATRA, "timeline", shown[1]], runs, on_db)
    return [
        Figure(
            "vatra --help start-up",
            help_time * 1000,
            "ms",
            bare * 1000,
            f"< {HELP_TARGET * 1000:.0f} ms",
            help_time < HELP_TARGET,
            note="baseline: python -c pass",
        ),
        Figure(
            "vatra timeline start-up",
            timeline * 1000,
            "ms",
            bare * 1000,
            f"< {TIMELINE_TARGET * 1000:.0f} ms",
            timeline < TIMELINE_TARGET,
            note="imports, settings, connection, read-model check; case unknown",
        ),
        Figure(
            "vatra timeline of a demo case",
            whole * 1000,
            "ms",
            bare * 1000,
            f"< {TIMELINE_TARGET * 1000:.0f} ms",
            whole < TIMELINE_TARGET,
            note="start-up, the timeline, the rule book and the obligations",
        ),
    ]
