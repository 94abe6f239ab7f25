"""``make bench`` / ``make bench-quick``: one table of figures beside their baselines.

Every figure is the median of several runs where the run is short enough to
repeat; ratios matter more than absolute numbers on a shared, noisy machine.
The table goes to stdout and to ``bench/results/latest.md``.
"""

from __future__ import annotations

import argparse
import math
import platform
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from bench import (
    alert_embedded,
    cli_startup,
    field_sync,
    figures,
    latency,
    login,
    pages,
    stats,
)
from bench.env import BenchEnv, bench_env
from services.config.logs import configure_logging

RESULTS = Path(__file__).resolve().parent / "results"

SIZES = {
    "quick": {
        "write_cases": 60,
        "runs": 1,
        "stream_cases": 400,
        "rebuild": 20_000,
        "alerts": 50,
        "embedded_alerts": 10,
        "timeline_gets": 200,
        "timeline_cases": 200,
        "obligations": 50_000,
        "breaches": 5,
        "cli_runs": 5,
        "page_cases": 2000,
        "page_gets": 200,
        "page_submits": 50,
        "field_cases": 50,
        "login_attempts": 30,
        "stats_cases": 2000,
        "stats_gets": 50,
    },
    "full": {
        "write_cases": 300,
        "runs": 3,
        "stream_cases": 4000,
        "rebuild": 1_000_000,
        "alerts": 250,
        "embedded_alerts": 50,
        "timeline_gets": 2000,
        "timeline_cases": 2000,
        "obligations": 1_000_000,
        "breaches": 20,
        "cli_runs": 15,
        "page_cases": 2000,
        "page_gets": 2000,
        "page_submits": 300,
        "field_cases": 50,
        "login_attempts": 200,
        # The 100,000 cases (3 million events) take their own run:
        # ``make bench-stats``.
        "stats_cases": 20_000,
        "stats_gets": 200,
    },
}


Size = dict[str, int]

# Each group of figures, in the order of the table.
GROUPS: dict[str, Callable[[BenchEnv, Size], list[figures.Figure]]] = {
    "write": lambda env, s: [figures.write_path(env, s["write_cases"], s["runs"])],
    "stream": lambda env, s: figures.relay_and_projection(
        env, s["stream_cases"], s["runs"]
    ),
    "rebuild": lambda env, s: [figures.rebuild(env, s["rebuild"])],
    "memory": lambda env, s: [figures.worker_memory(env, s["write_cases"])],
    "alert": lambda env, s: latency.alert_latency(env, s["alerts"]),
    "alert-embedded": lambda env, s: alert_embedded.embedded_alert_latency(
        env, s["embedded_alerts"]
    ),
    "timeline": lambda env, s: [
        latency.timeline_read(env, s["timeline_gets"], s["timeline_cases"])
    ],
    "sop": lambda env, s: latency.sop_clock(env, s["obligations"], s["breaches"]),
    "cli": lambda env, s: cli_startup.cli_startup(env, s["cli_runs"]),
    "pages": lambda env, s: pages.page_figures(
        env, s["page_cases"], s["page_gets"], s["page_submits"]
    ),
    "field": lambda env, s: field_sync.field_sync_figure(env, s["field_cases"]),
    "login": lambda env, s: login.login_figure(env, s["login_attempts"]),
    "stats": lambda env, s: stats.stats_figures(env, s["stats_cases"], s["stats_gets"]),
}


def _number(value: float, whole_from: float = math.inf) -> str:
    """One decimal (none from ``whole_from`` up); two significant digits below 1,
    so a figure of a fraction of a millisecond does not show as 0."""
    if abs(value) >= whole_from:
        return f"{value:,.0f}"
    return f"{value:,.1f}" if abs(value) >= 1 else f"{value:.2g}"


def table(rows: list[figures.Figure]) -> str:
    lines = [
        "| figure | value | baseline | ratio | target | met |",
        "|---|---|---|---|---|---|",
    ]
    for f in rows:
        baseline = f"{_number(f.baseline, 10)} {f.unit}" if f.baseline else "-"
        ratio = f"{f.ratio:.2f}x" if f.ratio else "-"
        note = f" ({f.note})" if f.note else ""
        lines.append(
            f"| {f.name} | {_number(f.value)} {f.unit}{note} | {baseline} | {ratio} "
            f"| {f.target} | {'yes' if f.met else 'NO'} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench")
    parser.add_argument("--quick", action="store_true", help="reduced sizes (< 2 min)")
    parser.add_argument(
        "--only",
        action="append",
        choices=sorted(GROUPS),
        help="run only this group of figures (may be repeated)",
    )
    parser.add_argument(
        "--stats-cases",
        type=int,
        help="cases generated for the statistics figures (make bench-stats: 100000)",
    )
    args = parser.parse_args(argv)
    size = dict(SIZES["quick" if args.quick else "full"])
    if args.stats_cases:
        size["stats_cases"] = args.stats_cases
    configure_logging("ERROR", "json")
    started = time.monotonic()
    rows: list[figures.Figure] = []
    with bench_env() as env:
        durability = env.durability()
        for name, measure in GROUPS.items():
            if not args.only or name in args.only:
                rows.extend(measure(env, size))
    header = (
        f"# Vatra Backbone benchmarks ({'quick' if args.quick else 'full'}"
        + (f"; only {', '.join(args.only)}" if args.only else "")
        + ")\n\n"
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node()}, "
        f"Python {platform.python_version()}, {sys.platform}; PostgreSQL "
        + ", ".join(f"{k}={v}" for k, v in durability.items())
        + "; Kafka producers acks=all.\n"
        f"Took {time.monotonic() - started:,.0f} s.\n\n"
    )
    report = header + table(rows) + "\n"
    print("\n" + report)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "latest.md").write_text(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
