"""structlog set-up: JSON lines on stderr, one per event, no personal data.

Events never carry names or contacts, and log calls name cases by id only; a
redacting processor still drops any key that could carry personal data, in
case one slips into a log call. The Kafka client library logs through the
standard library; its lines are rendered by the same processors, as JSON
lines with ``logger`` naming the library's module.

Keys and passwords are ``SecretStr`` in the settings, shown as stars; but a
library may log what it was given in clear (kafka-python logs its whole
configuration, SASL password included, at debug level). So the values of the
secrets the process was configured with are also blanked out of every line,
wherever they appear in it.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Iterable, MutableMapping
from typing import Any

import structlog

# Keys that may hold personal data; their values never reach a log line.
PERSONAL_KEYS = frozenset(
    {
        "name",
        "full_name",
        "first_name",
        "last_name",
        "date_of_birth",
        "dob",
        "phone",
        "email_address",
        "address",
        "contact",
        "document_number",
        "notes",
        # The person's attributes: together they identify someone.
        "sex",
        "age",
        "birth_year",
        "nationality",
    }
)


def redact_personal_data(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """Replace the value of any personal-data key with ``[redacted]``."""
    for key in PERSONAL_KEYS & event_dict.keys():
        event_dict[key] = "[redacted]"
    return event_dict


# Secrets shorter than this are not searched for: they would blank out words.
MIN_REDACTED_SECRET = 8
_secrets: tuple[str, ...] = ()


def redact_secrets(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """Replace every occurrence of a configured secret's value with ``[secret]``."""
    if _secrets:
        for key, value in event_dict.items():
            event_dict[key] = _without_secrets(value)
    return event_dict


def _without_secrets(value: Any) -> Any:
    if isinstance(value, str):
        for secret in _secrets:
            if secret in value:
                value = value.replace(secret, "[secret]")
        return value
    if isinstance(value, dict):
        return {k: _without_secrets(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_without_secrets(v) for v in value]
    if isinstance(value, int | float | bool) or value is None:
        return value
    shown = repr(value)  # what the renderer would show of it
    return _without_secrets(shown) if any(s in shown for s in _secrets) else value


def configure_logging(
    level: str = "INFO", fmt: str = "json", secrets: Iterable[str] = ()
) -> None:
    """Configure structlog and the standard library's logging once per process.

    ``secrets``: the values of the keys and passwords of the settings, blanked
    out of every line (``redact_secrets``).
    """
    global _secrets  # noqa: PLW0603 - one logging set-up per process
    _secrets = tuple(
        sorted({s for s in secrets if len(s) >= MIN_REDACTED_SECRET}, key=len)[::-1]
    )
    numeric = logging.getLevelName(level)
    if not isinstance(numeric, int):
        numeric = logging.INFO
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        redact_personal_data,
    ]
    structlog.configure(
        # Secrets last, after tracebacks are rendered: an error may quote one.
        processors=[
            *shared,
            structlog.processors.format_exc_info,
            redact_secrets,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        # The stderr of the moment, not of the set-up: a test harness or a
        # daemon may swap it after logging was configured.
        logger_factory=_current_stderr_logger,
        cache_logger_on_first_use=False,
    )
    logging.basicConfig(level=max(numeric, logging.WARNING), stream=sys.stderr)
    # kafka-python reports every reconnect and coordinator move as a warning;
    # our own components log what matters about the broker.
    kafka = logging.getLogger("kafka")
    kafka.setLevel(logging.DEBUG if numeric <= logging.DEBUG else logging.ERROR)
    _route_through_structlog(kafka, shared, renderer)


class _CurrentStderr:
    """structlog's ``PrintLogger``, printing on the process's stderr of each
    line's moment: one for every logger, nothing made for each line."""

    _lock = threading.Lock()

    def msg(self, message: str) -> None:
        with self._lock:
            print(message, file=sys.stderr, flush=True)

    log = debug = info = warn = warning = msg
    fatal = failure = err = error = critical = exception = msg


_STDERR = _CurrentStderr()


def _current_stderr_logger(*_args: Any) -> _CurrentStderr:
    return _STDERR


class _StructlogHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Renders standard-library records with structlog's processors, on the
    process's stderr of the moment (as structlog's own lines)."""

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


def _route_through_structlog(
    logger: logging.Logger, shared: list[Any], renderer: Any
) -> None:
    """Send ``logger``'s records (and its children's) to stderr as structlog
    renders them, instead of the root logger's plain text."""
    for handler in [h for h in logger.handlers if isinstance(h, _StructlogHandler)]:
        logger.removeHandler(handler)
    handler = _StructlogHandler()
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[structlog.stdlib.add_logger_name, *shared],
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                redact_secrets,
                renderer,
            ],
        )
    )
    logger.addHandler(handler)
    logger.propagate = False
