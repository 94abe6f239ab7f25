"""How long ``vatra`` takes to start, beside a bare ``python -c pass``.

``vatra --help`` loads only the parser; ``vatra timeline`` loads what the
command needs (the composition root, the application service, the reports)
and is stopped by an invalid case id right after, before any database is
reached. Each figure is the median of several runs of a fresh interpreter,
with the baseline measured in the same run.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.figures import Figure

ROOT = Path(__file__).resolve().parents[1]
VATRA = [sys.executable, "-m", "services.cli.main"]
HELP_TARGET = 0.2  # seconds
TIMELINE_TARGET = 0.5


def _seconds(command: list[str], runs: int) -> float:
    def once() -> float:
        started = time.perf_counter()
        subprocess.run(command, cwd=ROOT, capture_output=True, check=False)
        return time.perf_counter() - started

    once()  # warm the file cache and the bytecode
    return statistics.median(once() for _ in range(runs))


def cli_startup(runs: int) -> list[Figure]:
    """``vatra --help`` and ``vatra timeline`` start-up against ``python -c pass``."""
    bare = _seconds([sys.executable, "-c", "pass"], runs)
    help_time = _seconds([*VATRA, "--help"], runs)
    timeline = _seconds([*VATRA, "timeline", "not-a-case-id"], runs)
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
            note="imports, settings, argument check; no database",
        ),
    ]
