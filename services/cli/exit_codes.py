"""The exit codes of ``vatra``: those that mean more than success or failure,
and the code and message for an error a command let through."""

from __future__ import annotations

import sys

# ``vatra verify`` found an altered event; ``vatra history`` met one.
TAMPERING_FOUND = 1


def exit_code_of(error: Exception) -> tuple[int | None, str]:
    """The exit code and message for an error a command let through (None: a bug).

    The error classes are looked up among the loaded modules: a command that
    raised one has loaded its module already, and one that did not (``vatra
    timeline`` given a wrong id) is not made to load them to fail.
    """
    from domain.errors import DomainError  # noqa: PLC0415
    from services.app.errors import ServiceError  # noqa: PLC0415

    invalid_token = _if_loaded("handlers.acknowledgements", "InvalidToken")
    worker_failed = _if_loaded("services.workers.supervisor", "WorkerFailed")
    unready = (
        *_if_loaded("services.config.settings", "SettingsError"),
        *_if_loaded("services.store.database", "DatabaseUnavailable"),
    )
    database_error = (
        *_if_loaded("psycopg", "Error"),
        *_if_loaded("eventsourcing.persistence", "PersistenceError"),
    )
    if isinstance(error, ServiceError | DomainError):
        return 2, error.message
    if isinstance(error, invalid_token):
        return 2, str(error)  # its message, written for the person with the link
    if isinstance(error, unready):
        return 3, str(error)
    if isinstance(error, database_error):
        from services.store.outages import is_database_outage  # noqa: PLC0415

        if not is_database_outage(error):
            return None, ""
        # Read-only, out of disk, gone: say so, as for an unreachable database.
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        return 3, f"the database cannot do this now: {reason}"
    if isinstance(error, worker_failed):
        return 1, f"stopped because a worker failed: {error}"
    return None, ""


def _if_loaded(module: str, name: str) -> tuple[type[Exception], ...]:
    """The error class ``module.name`` if its module is loaded, else ``()``
    (of which no error is an instance)."""
    loaded = sys.modules.get(module)
    return () if loaded is None else (getattr(loaded, name),)
