"""A pipeline of prepared statements sent through libpq itself, for the event write.

psycopg's pipeline mode costs about 15 µs of Python a statement (a cursor,
its query object, a generator that flushes and reads after every statement)
on top of what libpq does; the event write sends seven or more statements
for every group of commands (``services.store.event_writes``). Here the same
libpq calls are made on the connection's handle directly
(``Connection.pgconn``): each statement's parameters dumped by psycopg's own
adapters, the statement prepared once per connection (queued in the same
pipeline, no round trip of its own), and the results read once per sync.

A ``Pipeline`` is used on a connection the pool lent for one write and left
idle and out of pipeline mode when the write ends. If it cannot be (an
interruption while statements are queued or their results unread), the
connection is closed, so the pool replaces it and the server rolls back what
it had not committed.
"""

from __future__ import annotations

import itertools
import select
import threading
import weakref
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import psycopg
from psycopg import Connection, pq
from psycopg.adapt import PyFormat, Transformer
from psycopg.errors import error_from_result

_OK = (pq.ExecStatus.COMMAND_OK, pq.ExecStatus.TUPLES_OK)

# Statement (with its parameters' types) -> the name it is prepared under.
_names: dict[tuple[bytes, tuple[int, ...]], bytes] = {}
_numbers = itertools.count(1)
# Connection handle -> the names prepared on it (gone with the connection).
_prepared: weakref.WeakKeyDictionary[Any, set[bytes]] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


@lru_cache(maxsize=64)
def numbered(statement: bytes) -> bytes:
    """``statement`` with its ``%b`` placeholders as libpq's ``$1``, ``$2``..."""
    if b"%s" in statement or b"%t" in statement or b"%%" in statement:
        raise ValueError("only %b placeholders are numbered here")
    parts = statement.split(b"%b")
    out = [parts[0]]
    for number, part in enumerate(parts[1:], start=1):
        out.append(b"$%d" % number)
        out.append(part)
    return b"".join(out)


class Pipeline:
    """Statements queued on ``conn`` (autocommit, idle) and sent at each sync."""

    def __init__(self, conn: Connection[Any]) -> None:
        self.conn = conn
        self.pgconn = conn.pgconn
        self._tx = Transformer.from_context(conn)
        # Per statement queued: the name it prepares, or None (it runs).
        self._pending: list[bytes | None] = []
        with _lock:
            self._prepared = _prepared.setdefault(self.pgconn, set())

    def __enter__(self) -> Pipeline:
        self.pgconn.enter_pipeline_mode()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pending:
            # Interrupted with statements queued or results unread: what the
            # server did with them is unknown to this connection.
            self.conn.close()
            return
        self.pgconn.exit_pipeline_mode()

    def send(
        self, statement: bytes, params: Sequence[Any] = (), *, binary: bool = False
    ) -> None:
        """Queue ``statement`` (``%b`` placeholders) with ``params``; ``binary``:
        its rows come in PostgreSQL's binary format."""
        dumped = self._tx.dump_sequence(params, [PyFormat.BINARY] * len(params))
        types = tuple(self._tx.types or ()) if params else ()
        name = self._name(statement, types)
        if name not in self._prepared and name not in self._pending:
            self.pgconn.send_prepare(name, numbered(statement), types or None)
            self._pending.append(name)
        self.pgconn.send_query_prepared(
            name,
            dumped,
            param_formats=self._tx.formats if params else None,
            result_format=pq.Format.BINARY if binary else pq.Format.TEXT,
        )
        self._pending.append(None)

    def sync(self) -> list[pq.abc.PGresult]:
        """Send the queued statements and wait for their results: one a
        statement (preparations aside), in order. Raises the first error, as
        psycopg raises it, once every result is read."""
        self.pgconn.pipeline_sync()
        self._flush()
        results: list[pq.abc.PGresult] = []
        error: pq.abc.PGresult | None = None
        for prepared in self._pending:
            result = self._statement_result()
            status = result.status
            if status in _OK:
                if prepared is None:
                    results.append(result)
                else:
                    self._prepared.add(prepared)
            elif status != pq.ExecStatus.PIPELINE_ABORTED and error is None:
                error = result
        if self._next_result().status != pq.ExecStatus.PIPELINE_SYNC:
            raise psycopg.InternalError("the pipeline's sync was not where expected")
        self._pending.clear()
        if error is not None:
            if error.error_field(pq.DiagnosticField.SQLSTATE) == b"26000":
                # The session's prepared statements were dropped (DEALLOCATE
                # ALL): prepared again by the next pipeline.
                self._prepared.clear()
            raise error_from_result(error, encoding=self.conn.info.encoding)
        return results

    def _statement_result(self) -> pq.abc.PGresult:
        """One statement's result (the first, of one or more), read to its end."""
        first = self._next_result()
        while (more := self._next_result_or_end()) is not None:
            del more  # a statement of ours gives one result
        return first

    def _name(self, statement: bytes, types: tuple[int, ...]) -> bytes:
        key = (statement, types)
        name = _names.get(key)
        if name is None:
            with _lock:
                name = _names.setdefault(key, b"vatra_%d" % next(_numbers))
        return name

    def _flush(self) -> None:
        while self.pgconn.flush():
            # Read too while the server answers, or both sides could wait.
            if (
                _wait(self.pgconn.socket, select.POLLIN | select.POLLOUT)
                & select.POLLIN
            ):
                self.pgconn.consume_input()

    def _next_result(self) -> pq.abc.PGresult:
        result = self._next_result_or_end()
        if result is None:
            raise psycopg.InternalError("a statement of the pipeline gave no result")
        return result

    def _next_result_or_end(self) -> pq.abc.PGresult | None:
        while self.pgconn.is_busy():
            _wait(self.pgconn.socket, select.POLLIN)
            self.pgconn.consume_input()
        return self.pgconn.get_result()


def _wait(socket: int, events: int) -> int:
    """Wait until ``socket`` is ready for ``events``; the events it is ready
    for (an error or a hang-up counts as readable: reading then says which).
    poll(), not select(): a busy process's sockets may be numbered past
    select()'s limit."""
    poller = select.poll()
    poller.register(socket, events)
    ready = 0
    while not ready:
        for _fd, happened in poller.poll():
            ready |= happened
    if ready & (select.POLLERR | select.POLLHUP | select.POLLNVAL):
        ready |= select.POLLIN
    return ready
