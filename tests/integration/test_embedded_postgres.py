"""The embedded PostgreSQL stops with its last live user, even after a kill."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import psycopg

from services.store.database import EmbeddedPostgres, process_alive

ROOT = Path(__file__).resolve().parents[2]


def _server_pid(data_dir: Path) -> int | None:
    pid_file = data_dir / "postmaster.pid"
    if not pid_file.exists():
        return None
    return int(pid_file.read_text().split()[0])


def test_the_last_live_user_stops_the_server_a_killed_user_had_joined(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "postgres"
    user = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                import sys, time
                from pathlib import Path
                from services.store.database import EmbeddedPostgres
                EmbeddedPostgres(Path({str(data_dir)!r})).start()
                print("started", flush=True)
                time.sleep(600)
                """
            ),
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert user.stdout is not None
        assert user.stdout.readline().strip() == "started"
    finally:
        user.send_signal(signal.SIGKILL)
        user.wait(timeout=30)
    server_pid = _server_pid(data_dir)
    assert server_pid is not None
    assert process_alive(server_pid), "the killed user's server is not running"
    try:
        server = EmbeddedPostgres(data_dir)
        database = server.start()
        with psycopg.connect(database.conninfo()) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
        server.stop()
        assert _server_pid(data_dir) is None, "the server still runs"
        assert not process_alive(server_pid)
        assert (data_dir / ".handle_pids.json").read_text() == "[]"
    finally:
        if process_alive(server_pid):  # the test failed: leave nothing behind
            os.kill(server_pid, signal.SIGTERM)
