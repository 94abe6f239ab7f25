"""Which failures are the database's, not the message's (services.store.outages)."""

from __future__ import annotations

import psycopg
import pytest
from eventsourcing import persistence
from psycopg_pool import PoolTimeout

from domain.sop import InvalidCorrection
from services.store.outages import is_database_outage, refused_as_events_are


def _wrapped(cause: Exception) -> persistence.PersistenceError:
    """As the eventsourcing recorder raises it: its own class, psycopg's as cause."""
    try:
        try:
            raise cause
        except psycopg.Error as error:
            raise persistence.InternalError(str(error)) from error
    except persistence.PersistenceError as wrapped:
        return wrapped


@pytest.mark.parametrize(
    "error",
    [
        psycopg.OperationalError("server closed the connection unexpectedly"),
        psycopg.InterfaceError("the connection is closed"),
        PoolTimeout("couldn't get a connection after 30.00 sec"),
        psycopg.errors.DiskFull("could not extend file: No space left on device"),
        psycopg.errors.ReadOnlySqlTransaction("cannot execute INSERT"),
        psycopg.errors.AdminShutdown("terminating connection"),
        psycopg.errors.CannotConnectNow("the database system is starting up"),
        psycopg.errors.SerializationFailure("could not serialize access"),
        psycopg.errors.DeadlockDetected("deadlock detected"),
        _wrapped(psycopg.errors.ReadOnlySqlTransaction("cannot execute INSERT")),
        persistence.OperationalError("connection lost"),
    ],
    ids=type,
)
def test_an_unavailable_database_is_an_outage(error: Exception) -> None:
    assert is_database_outage(error)


@pytest.mark.parametrize(
    "error",
    [
        psycopg.errors.UniqueViolation("duplicate key"),
        psycopg.errors.UndefinedColumn("column does not exist"),
        psycopg.errors.InvalidTextRepresentation("invalid input syntax"),
        _wrapped(psycopg.errors.NotNullViolation("null value")),
        InvalidCorrection("correction at version 6 names version 3"),
        ValueError("a bug in a projection"),
    ],
    ids=type,
)
def test_a_failure_of_the_work_itself_is_not_an_outage(error: Exception) -> None:
    assert not is_database_outage(error)


def test_a_write_beside_the_events_is_refused_as_an_event_is_on_a_full_disk() -> None:
    full = psycopg.errors.DiskFull("could not extend file: No space left on device")
    refused = pytest.raises(persistence.OperationalError, match="No space left")
    with refused, refused_as_events_are():
        raise full
    # A fault of the write itself is not an outage: it stays what it is.
    with pytest.raises(psycopg.errors.UniqueViolation), refused_as_events_are():
        raise psycopg.errors.UniqueViolation("duplicate key")
