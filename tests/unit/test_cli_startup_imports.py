"""``vatra timeline`` and ``vatra --help`` start with only what they use.

A fresh interpreter runs the command as ``vatra`` does (``main``), then lists
which of the libraries and modules the command does not need were loaded.
``vatra timeline`` with an id that is not a UUID stops at the argument check
after its module, the composition root and the error classes are loaded:
what it loads then is what every ``vatra timeline`` loads before it reaches
the database. The start-up times themselves are measured in
``bench/cli_startup.py``, not here.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Needed by no command that only reads a case: the web stack, the log-in, the
# alert channels, Kafka, the Excel writer, the metrics exporter, the command
# table and the page's step offers; the cipher of the personal data until
# some is read (``--actor``).
NOT_FOR_READING = (
    "cryptography",
    "fastapi",
    "starlette",
    "jinja2",
    "uvicorn",
    "openpyxl",
    "prometheus_client",
    "argon2",
    "authlib",
    "httpx",
    "kafka",
    "fastavro",
    "services.api",
    "services.accounts",
    "services.kafka",
    "services.stats",
    "services.workers.notifier",
    "services.workers.sop_clock",
    "services.config.alerting",
    "handlers.dispatcher",
    "domain.commands",
    "services.app.offers",
)
# Nor does ``vatra timeline`` until it has reached the database: it reads the
# read models (``services.config.read_models``) and builds the backbone, the
# event classes and the logging only if they are behind or a typed text is to
# be read; the rule book loads the event classes to check the rule files.
NOT_BEFORE_THE_DATABASE = (
    *NOT_FOR_READING,
    "eventsourcing",
    "structlog",
    "domain.events",
    "domain.case",
    "services.app.service",
    "services.config.bootstrap",
    "services.store.database",
)
# Nor does the parser: ``vatra --help`` loads no database or settings library.
NOT_FOR_HELP = (
    *NOT_FOR_READING,
    "psycopg",
    "psycopg_pool",
    "eventsourcing",
    "pydantic",
    "structlog",
    "services.config.bootstrap",
)


def _loaded(argv: list[str], modules: tuple[str, ...]) -> tuple[int, list[str]]:
    """Run ``vatra argv`` in a fresh interpreter: its exit code, and which of
    ``modules`` it loaded."""
    probe = (
        "import sys\n"
        "from services.cli.main import main\n"
        "try:\n"
        f"    code = main({argv!r})\n"
        "except SystemExit as stop:\n"
        "    code = stop.code\n"
        f"print(code, *[m for m in {modules!r} if m in sys.modules])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    code, *loaded = done.stdout.splitlines()[-1].split()
    return int(code), loaded


def test_the_timeline_command_loads_nothing_a_reader_does_not_need() -> None:
    code, loaded = _loaded(["timeline", "not-a-case-id"], NOT_BEFORE_THE_DATABASE)
    assert code == 2  # stopped at the id, as a wrong id is answered
    assert loaded == []


def test_help_loads_no_database_settings_or_web_library() -> None:
    code, loaded = _loaded(["--help"], NOT_FOR_HELP)
    assert code == 0
    assert loaded == []
