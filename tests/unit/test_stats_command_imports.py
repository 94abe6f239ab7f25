"""``vatra stats`` starts without the web stack or the composition root: it
words its tables with the page's catalogs but loads no web framework,
template engine or Excel writer (unless asked for Excel), none of the API's
routes, and neither the event store nor the backbone (built only to bring
read models that are behind up to date)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = (
    "fastapi",
    "starlette",
    "jinja2",
    "openpyxl",
    "services.api.app",
    "services.api.routes",
    "services.config.bootstrap",
    "services.store.database",
    "eventsourcing.postgres",
)


def test_the_stats_command_loads_no_web_stack() -> None:
    probe = (
        "import sys, services.cli.stats_commands; "
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip() == ""
